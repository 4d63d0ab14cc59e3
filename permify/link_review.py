"""Review the Perma links already in finished documents: the check a journal runs before publication.

For every citation that has a Perma link beside it (inserted by permify or by the author),
:func:`review_documents` checks the archive on Perma with the capture review
(:func:`permify.review.review_archives`: it exists, is not deleted, its capture succeeded and
holds the page) and that it is the archive of the URL it follows. Offline, it reports what the
ledger knows of each link instead. ``permify review`` is a thin skin over it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit, urlunsplit

from .documents import DocumentScan, atomic_write, scan_document
from .errors import InvalidGuidError, LedgerError, UsageError
from .review.verdict import Verdict
from .site import ArchiveSite
from .urls import dedupe_key, perma_guid

if TYPE_CHECKING:
    from .archiving.ledger import Ledger
    from .review.memo import VerdictMemo

__all__ = ["REVIEW_FIELDS", "LinkStatus", "ReviewResult", "ReviewRow", "review_documents", "write_review_report"]

#: What one Perma link in a document came to: ``ok``; ``suspect`` (a person should look, or it
#: could not be checked); ``failed`` (missing, deleted, private to another account, no usable
#: capture); ``mismatch`` (the archive of another URL); ``unknown`` (offline: the ledger cannot tell).
LinkStatus = Literal["ok", "suspect", "failed", "mismatch", "unknown"]

#: The columns of ``permify review --report``, in order.
REVIEW_FIELDS = ("file", "location", "url", "perma_url", "status", "reason", "advice")


@dataclass(frozen=True)
class ReviewRow:
    """One Perma link in a document: where it is, the ``url`` it follows, the link, what the
    review found (``status``, ``reason``, ``advice``) and the :class:`~permify.review.Verdict`
    behind it (None offline when the ledger has none)."""

    file: str
    location: str
    url: str
    perma_url: str
    guid: str | None
    status: LinkStatus
    reason: str
    advice: str = ""
    verdict: Verdict | None = None

    @property
    def ok(self) -> bool:
        """True when the link can be relied on."""
        return self.status == "ok"

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON-ready dict (the report's columns plus the GUID and the verdict)."""
        return {
            "file": self.file, "location": self.location, "url": self.url, "perma_url": self.perma_url,
            "guid": self.guid, "status": self.status, "reason": self.reason, "advice": self.advice,
            "verdict": self.verdict.to_json() if self.verdict else None,
        }


@dataclass
class ReviewResult:
    """What :func:`review_documents` found: the scans and one row per Perma link, in document order."""

    scans: list[DocumentScan]
    rows: list[ReviewRow] = field(default_factory=list)
    offline: bool = False

    @property
    def ok(self) -> bool:
        """True when every link is ok (``permify review`` exits 1 otherwise)."""
        return all(row.ok for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by status."""
        counts = {"ok": 0, "suspect": 0, "failed": 0, "mismatch": 0, "unknown": 0}
        for row in self.rows:
            counts[row.status] += 1
        return counts


def same_page(archived: str, cited: str) -> bool:
    """True when an archive of ``archived`` is an archive of ``cited``: the same de-duplication
    key, ignoring the fragment (never sent to the server) and http versus https."""

    def norm(url: str) -> str:
        parts = urlsplit(dedupe_key(url))
        return urlunsplit(("https" if parts.scheme == "http" else parts.scheme, parts.netloc, parts.path,
                           parts.query, ""))

    return norm(archived) == norm(cited)


def _row(scan: DocumentScan, location: str, url: str, link: str, guid: str | None,
         verdict: Verdict | None) -> ReviewRow:
    where = (scan.path, location, url, link, guid)
    if verdict is None:
        return ReviewRow(*where, "unknown", "not in the ledger",
                         "run permify review without --offline to check it on Perma", None)
    if verdict.url and not same_page(verdict.url, url):
        return ReviewRow(*where, "mismatch", f"Perma link is the archive of {verdict.url}, not of the cited URL",
                         "put the Perma link of the cited page beside it (or correct the cited URL)", verdict)
    if verdict.ok:
        return ReviewRow(*where, "ok", verdict.reason, "", verdict)
    if not verdict.checked:
        return ReviewRow(*where, "suspect", verdict.reason, verdict.advice, verdict)
    return ReviewRow(*where, verdict.status, verdict.reason, verdict.advice, verdict)


def _offline_verdict(site: ArchiveSite, guid: str | None) -> Verdict | None:
    """What the ledger knows of ``guid``: its stored verdict, or one made from its capture status."""
    ledger = site.existing_ledger()
    entry = ledger.by_guid(site.api_host, guid) if ledger is not None and guid else None
    if entry is None:
        return None
    if entry.review is not None:
        return entry.review
    if entry.status == "failed":
        return Verdict("failed", entry.message or "the capture failed", guid=guid, rule="capture-failed", url=entry.url)
    state = "still pending" if entry.status == "pending" else "captured, never reviewed"
    return Verdict("suspect", f"in the ledger: {state}", guid=guid, rule="unreviewed", checked=False, url=entry.url)


def _memo(site: ArchiveSite, guids: list[str], recheck: bool) -> tuple[Ledger | None, VerdictMemo | None]:
    """The ledger (if there is one already) and a memo of its stored verdicts for ``guids``
    (none read when ``recheck``: every WARC is downloaded, and the fresh verdicts kept)."""
    from .perma.client import normalize_guid
    from .review.memo import VerdictMemo

    try:
        ledger = site.existing_ledger()
    except LedgerError:  # an unusable ledger only costs the downloads it would have saved
        return None, None
    if ledger is None:
        return None, None
    if recheck:
        return ledger, VerdictMemo()
    wanted = []
    for guid in guids:
        with contextlib.suppress(InvalidGuidError):
            wanted.append(normalize_guid(guid))
    return ledger, VerdictMemo(ledger.stored_verdicts(site.api_host, wanted))


def review_documents(
    paths: Sequence[str | Path],
    *,
    site: ArchiveSite | None = None,
    offline: bool = False,
    concurrency: int = 8,
    fmt: str | None = None,
    on_verdict: Callable[[Verdict], None] | None = None,
    recheck: bool = False,
) -> ReviewResult:
    """Check every Perma link the documents already hold; one :class:`ReviewRow` per link.

    Online, each distinct GUID is reviewed once on Perma (:func:`permify.review.review_archives`,
    at most ``concurrency`` at a time; one archive GET and at most one WARC download each)
    with the API key and API of ``site`` (default: the settings; no folder is needed). The
    record is always read; the WARC is not downloaded again when the ledger (if there is one
    already) keeps a verdict judged on the same basis, the same captures and title
    (:mod:`permify.review.memo`), unless ``recheck``. Fresh verdicts are kept there. Offline,
    nothing is sent: the ledger's verdict for each GUID is used, and a GUID it does not know is
    ``unknown``. A link whose archive is of another URL than the one it follows is ``mismatch``.
    ``on_verdict`` is called from worker threads as each verdict arrives.

    Raises :class:`~permify.errors.InputError` for an unreadable document (before any request),
    :class:`~permify.errors.AuthenticationError` when Perma rejects the API key and
    :class:`~permify.errors.NetworkError` when Perma cannot be reached at all.
    """
    names = [str(p) for p in paths]
    if not names:
        raise UsageError("no input files")
    scans = [scan_document(name, fmt=fmt) for name in names]
    links = [(scan, c) for scan in scans for c in scan.citations if c.cited.existing_archive]
    result = ReviewResult(scans, offline=offline)
    if not links:
        return result
    own = site is None
    where = site or ArchiveSite()
    try:
        guids = {c.cited.existing_archive: perma_guid(c.cited.existing_archive or "") for _, c in links}
        if offline:
            verdicts = {g: _offline_verdict(where, g) for g in set(guids.values())}
        else:
            titles = {guid: c.cited.title for _, c in links
                      if (guid := guids[c.cited.existing_archive]) and c.cited.title}
            asked = [g or link for link, g in guids.items() if link]
            from .review.fetch import review_archives  # the HTTP stack: only for an online review

            ledger, memo = _memo(where, asked, recheck)
            found = review_archives(where.client, asked, concurrency=concurrency, expected_titles=titles,
                                    on_verdict=on_verdict, memo=memo)
            verdicts = {g or link: found.get(g or link) for link, g in guids.items() if link}
            if ledger is not None and memo is not None and memo.fresh:
                with contextlib.suppress(LedgerError):  # a ledger that cannot be written costs a download next time
                    ledger.store_verdicts(where.api_host, memo.fresh)
    finally:
        if own:
            where.close()
    for scan, c in links:
        link = c.cited.existing_archive or ""
        guid = guids[link]
        verdict = verdicts.get(guid) if offline else verdicts.get(guid or link)
        result.rows.append(_row(scan, c.cited.location, c.cited.url, link, guid, verdict))
    return result


def write_review_report(path: str | Path, result: ReviewResult) -> None:
    """Write the rows as ``.json`` or ``.csv`` (UTF-8 with BOM, so Excel keeps non-ASCII text)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        data = json.dumps([r.as_dict() for r in result.rows], indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    elif suffix == ".csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(REVIEW_FIELDS)
        for r in result.rows:
            writer.writerow([r.file, r.location, r.url, r.perma_url, r.status, r.reason, r.advice])
        data = buffer.getvalue().encode("utf-8-sig")
    else:
        raise UsageError(f"--report {path}: the report must end in .json or .csv")
    atomic_write(target, data)
