"""How the archiver works and what it reports as it goes: :class:`ArchiveOptions` and
:class:`ProgressEvent` (also importable from :mod:`permify.archiving.outcomes`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..review.verdict import Verdict

__all__ = ["ArchiveOptions", "ProgressCallback", "ProgressEvent", "ProgressKind"]

#: What a progress event reports: the URLs ``found``; one URL ``reused``, ``created`` (Perma
#: answered with a GUID), ``captured`` (its capture completed and, unless the review is off,
#: the review found it ok), ``suspect`` (the review found the capture suspect) or ``failed``;
#: the run ``waiting`` (on captures, on Perma, on another process); or ``info``.
ProgressKind = Literal["found", "reused", "created", "captured", "suspect", "failed", "waiting", "info"]


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a run, for a live display.

    ``message`` is a line for a person. The data a display counts from is carried as data:
    ``count`` is how many URLs the event is about (``found``: the unique URLs of the run;
    ``waiting``: the captures or URLs waited on; ``None`` when it is about one URL), and
    ``url``/``guid`` name the URL and its archive when the event is about one, and
    ``verdict`` is the capture review's verdict on that archive when there is one.
    """

    kind: ProgressKind
    message: str
    count: int | None = None
    url: str | None = None
    guid: str | None = None
    verdict: Verdict | None = None


#: ``progress(event)``: called by the archiver for every :class:`ProgressEvent` of a run.
ProgressCallback = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class ArchiveOptions:
    """How the archiver works. Times are in seconds.

    Attributes:
        folder_id: the Perma folder to archive into.
        private: create archives as private (one request per URL: batches cannot).
        titles: send the document's link text or BibTeX title as the archive title (one
            request per URL; by default Perma takes the captured page's own title).
        reuse_any_folder: reuse an archive of the URL from any folder in the ledger.
        retry_failed: archive again URLs whose earlier capture failed.
        dry_run: make no API writes; report what would be archived and reused.
        batch_size: URLs per batch request (each is validated synchronously by Perma).
        concurrency: create requests in flight at once (each batch is validated in its own
            Perma web worker); 1 sends one at a time.
        capture_timeout: give up waiting on one capture after this long (Perma fails a
            capture after about 7 minutes).
        poll_initial, poll_max: first and longest interval between status polls.
        unknown_outcome_wait: how long a create whose answer was lost may take to show up
            in the user's batches before its URLs are considered never created.
        wait_for_others: how long to wait for another process that claimed the same URLs.
        review: review each new capture (one archive GET and one WARC download, run while
            polling) and re-read failed and suspect archives the ledger knows; a suspect or
            failed capture is reported and its link not inserted (docs/review.md).
        insert_suspect: insert the links of suspect captures anyway (still reported).
        review_concurrency: reviews running at once.
    """

    folder_id: int
    private: bool = False
    titles: bool = False
    reuse_any_folder: bool = False
    retry_failed: bool = False
    dry_run: bool = False
    batch_size: int = 20
    concurrency: int = 3
    capture_timeout: float = 600.0
    poll_initial: float = 0.25
    poll_max: float = 5.0
    unknown_outcome_wait: float = 90.0
    wait_for_others: float = 900.0
    review: bool = True
    insert_suspect: bool = False
    review_concurrency: int = 4
