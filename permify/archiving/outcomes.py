"""What archiving a URL came to: the values the archiver returns and the report is made of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..review.verdict import Verdict
from ..urls import perma_url

__all__ = [
    "ArchiveOptions",
    "Outcome",
    "OutcomeStatus",
    "ProgressCallback",
    "ProgressEvent",
    "ProgressKind",
    "UrlRequest",
]

#: What archiving one unique URL came to (see :class:`Outcome`).
OutcomeStatus = Literal["archived", "reused", "failed", "suspect", "skipped", "would-archive"]

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
class UrlRequest:
    """One unique URL to archive: its dedupe ``key``, the ``url`` to send, an optional
    archive ``title`` and the places it is cited (for the ledger and the report)."""

    key: str
    url: str
    title: str | None = None
    locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """The result for one unique URL.

    ``status`` is ``archived`` (created by this run), ``reused`` (found in the ledger or the
    folder), ``failed`` (capture failed, URL rejected, quota, timeout, or the review found no
    usable capture: see ``message``), ``suspect`` (the capture review found it suspect: a
    person should look; ``message`` says why and what to do), ``skipped`` (not archivable;
    ``message`` says why) or, in a dry run, ``would-archive``. ``verdict`` is the capture
    review's :class:`~permify.review.Verdict` when the archive was reviewed (now or on an
    earlier run). ``captured_on`` is the day (``YYYY-MM-DD``, UTC) the ledger recorded the
    archive, when the outcome was read from the ledger (:func:`permify.known_archives`).
    """

    key: str
    url: str
    status: OutcomeStatus
    guid: str | None = None
    message: str | None = None
    locations: tuple[str, ...] = ()
    captured_on: str | None = None
    verdict: Verdict | None = None

    @property
    def perma_url(self) -> str | None:
        """``https://perma.cc/GUID`` when there is a GUID."""
        return perma_url(self.guid) if self.guid else None

    @property
    def insertable(self) -> bool:
        """True when the document should get this Perma link (the capture succeeded and the
        review, if any, did not object, or ``insert_suspect`` let a suspect one through)."""
        return self.status in ("archived", "reused") and self.guid is not None


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
