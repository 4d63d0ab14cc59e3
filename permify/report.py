"""The run report: one row per unique URL, as JSON or as CSV that Excel opens intact."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .archiving.outcomes import Outcome, OutcomeStatus
from .documents import Citation, DocumentScan, atomic_write
from .errors import UsageError
from .frozen import assemble
from .text import safe_text
from .urls import perma_guid, perma_url

__all__ = ["REPORT_FIELDS", "ReportRow", "build_report", "file_error_row", "summary_counts", "write_report"]

#: The report's columns, in order (the contract in docs/architecture.md#the-report).
REPORT_FIELDS = (
    "url", "status", "guid", "perma_url", "locations", "message", "context", "title", "captured_on", "note",
    "verdict", "review",
)


@dataclass(frozen=True)
class ReportRow:
    """One unique URL: ``status`` is archived, reused, failed, suspect or skipped (or
    would-archive in a dry run).

    ``perma_url`` is set only for a link that can be cited: a failed capture keeps its
    ``guid`` (Perma keeps the link; a copy of the page can be uploaded to it) with no
    ``perma_url``. ``context`` is the text around the URL's first citation as the reader
    sees it, ``title`` the archive's title when known, ``captured_on`` the day
    (``YYYY-MM-DD``) the archive was made when known. A file that could not be written gets
    a row with no ``url``, status ``failed``, the file in ``locations`` and the reason.
    ``verdict`` is the capture review's status (ok, suspect, failed; None when the archive
    was not reviewed) and ``review`` its reason; for a suspect or failed capture ``message``
    says what to do (docs/review.md).
    """

    url: str
    status: OutcomeStatus
    guid: str | None
    perma_url: str | None
    locations: tuple[str, ...]
    message: str | None
    context: str = ""
    title: str | None = None
    captured_on: str | None = None
    #: something to know about the URL as cited (``has tracking parameters (utm_source)``)
    note: str | None = None
    verdict: str | None = None
    review: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON-ready dict."""
        return {
            "url": self.url,
            "status": self.status,
            "guid": self.guid,
            "perma_url": self.perma_url,
            "locations": list(self.locations),
            "message": self.message,
            "context": self.context,
            "title": self.title,
            "captured_on": self.captured_on,
            "note": self.note,
            "verdict": self.verdict,
            "review": self.review,
        }


def _tidy(message: str | None) -> str | None:
    """A message joined from parts, without a stray full stop before a semicolon."""
    return None if message is None else message.replace(".;", ";").replace(". ;", ";")


def _failed_message(message: str | None, guid: str | None) -> str | None:
    """A failed capture's message, with what to do about the Perma link it kept."""
    if not guid:
        return _tidy(message)
    base = (_tidy(message) or "capture failed").rstrip(". ")
    if "upload" in base:
        return base
    fix = f"upload a copy of the page to {perma_url(guid)}"
    if "--retry-failed" in base:
        return f"{base}, or {fix}"
    return f"{base}; {fix}, or run again with --retry-failed"


def file_error_row(path: str, message: str) -> ReportRow:
    """The row of a file that could not be written (the other files were)."""
    return ReportRow("", "failed", None, None, (path,), _tidy(message))


def build_report(
    scans: Iterable[DocumentScan],
    outcomes: Mapping[str, Outcome],
    captured_on: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> list[ReportRow]:
    """One row per unique cited URL, in first-cited order, with every place it is cited.

    Its status is the archiver's outcome when there is one; else ``reused`` when a Perma link
    already stands beside it in the document; else ``skipped`` with the reason.
    ``captured_on`` and ``titles`` give the capture day and the archive's title by URL key
    when known; without a listed title, a reviewed archive's row takes the page title the
    capture review read (``Verdict.title``). A citation's note (a reference-manager field permify does not edit) leads
    the message, followed by the Perma link when there is one; the classification's note
    (tracking parameters) is the row's ``note``.
    """
    dates = captured_on or {}
    names = titles or {}
    first: dict[str, Citation] = {}
    places: dict[str, list[str]] = {}
    linked: dict[str, str] = {}
    notes: dict[str, str] = {}
    for scan in scans:
        for citation in scan.citations:
            where = f"{scan.path}: {citation.cited.location}"
            first.setdefault(citation.key, citation)
            if where not in places.setdefault(citation.key, []):
                places[citation.key].append(where)
            if citation.cited.existing_archive:
                linked.setdefault(citation.key, citation.cited.existing_archive)
            if citation.cited.note and citation.state == "archive":
                notes.setdefault(citation.key, citation.cited.note)
    rows = []
    for key, citation in first.items():
        url, locations = citation.cited.url, tuple(places[key])
        context = safe_text(citation.cited.context, 240) if citation.cited.context else ""
        note = citation.classification.note
        if key in outcomes:
            out = outcomes[key]
            link = out.perma_url if out.insertable else None
            failed_capture = out.status == "failed" and out.verdict is None  # a verdict brings its own advice
            message = _failed_message(out.message, out.guid) if failed_capture else _tidy(out.message)
            if key in notes:
                todo = f"{notes[key]}: {link}" if link else notes[key]
                message = f"{todo}; {message}" if message else todo
            verdict = out.verdict
            # The archive's title from a folder listing (Perma's own, e.g. set with --titles),
            # else the page title the capture review read, else what the outcome knows.
            reviewed_title = safe_text(verdict.title, 300) if verdict and verdict.title else None
            title = names.get(key) or reviewed_title or getattr(out, "title", None)
            day = out.captured_on or dates.get(key)
            rows.append(assemble(ReportRow, {  # one row per URL: see permify.frozen
                "url": url, "status": out.status, "guid": out.guid, "perma_url": link, "locations": locations,
                "message": message, "context": context, "title": title, "captured_on": day, "note": note,
                "verdict": verdict.status if verdict else None, "review": verdict.reason if verdict else None}))
        elif key in linked:
            link = linked[key]
            rows.append(ReportRow(url, "reused", perma_guid(link), link, locations,
                                  "a Perma link is already beside it in the document", context, note=note))
        else:
            reason = citation.classification.reason or "not archived"
            rows.append(ReportRow(url, "skipped", None, None, locations, reason, context))
    return rows


def summary_counts(rows: Iterable[ReportRow]) -> dict[str, int]:
    """How many rows have each status."""
    counts = {"archived": 0, "reused": 0, "failed": 0, "suspect": 0, "skipped": 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def write_report(path: str | Path, rows: list[ReportRow]) -> None:
    """Write the report as ``.json`` or ``.csv`` (UTF-8 with BOM, so Excel keeps non-ASCII text)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        data = json.dumps([r.as_dict() for r in rows], indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    elif suffix == ".csv":
        import csv  # only for a .csv report

        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(REPORT_FIELDS)
        for r in rows:
            cells = r.as_dict()
            cells["locations"] = "; ".join(r.locations)
            writer.writerow(["" if cells[f] is None else cells[f] for f in REPORT_FIELDS])
        data = buffer.getvalue().encode("utf-8-sig")
    else:
        raise UsageError(f"--report {path}: the report must end in .json or .csv")
    atomic_write(target, data)
