"""What archiving a URL came to: the values the archiver returns and the report is made of.

How the archiver works (:class:`ArchiveOptions`) and what it reports as it goes
(:class:`ProgressEvent`) are in :mod:`permify.archiving.options`, and importable from here
too: they load on first use, so that a reader of outcomes alone (a warm pandoc build) does not
build them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .._lazy import lazy_exports
from ..urls import perma_url

if TYPE_CHECKING:
    from ..review.verdict import Verdict
    from .options import ArchiveOptions, ProgressCallback, ProgressEvent, ProgressKind

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


# The options and progress events load on first use (see the module docstring).
_OPTIONS = ("ArchiveOptions", "ProgressCallback", "ProgressEvent", "ProgressKind")
__getattr__, __dir__ = lazy_exports(__name__, dict.fromkeys(_OPTIONS, "permify.archiving.options"), __all__)
