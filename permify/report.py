"""The run report: one row per unique URL, as JSON or as CSV that Excel opens intact."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .archiving.outcomes import Outcome, OutcomeStatus
from .documents import Citation, DocumentScan, atomic_write
from .errors import UsageError
from .urls import perma_guid

__all__ = ["REPORT_FIELDS", "ReportRow", "build_report", "summary_counts", "write_report"]

#: The report's columns, in order (the contract in docs/architecture.md#the-report).
REPORT_FIELDS = ("url", "status", "guid", "perma_url", "locations", "message")


@dataclass(frozen=True)
class ReportRow:
    """One unique URL: ``status`` is archived, reused, failed or skipped (or would-archive in a dry run)."""

    url: str
    status: OutcomeStatus
    guid: str | None
    perma_url: str | None
    locations: tuple[str, ...]
    message: str | None

    def as_dict(self) -> dict[str, object]:
        """The row as a JSON-ready dict."""
        return {
            "url": self.url,
            "status": self.status,
            "guid": self.guid,
            "perma_url": self.perma_url,
            "locations": list(self.locations),
            "message": self.message,
        }


def build_report(scans: Iterable[DocumentScan], outcomes: Mapping[str, Outcome]) -> list[ReportRow]:
    """One row per unique cited URL, in first-cited order, with every place it is cited.

    Its status is the archiver's outcome when there is one; else ``reused`` when a Perma link
    already stands beside it in the document; else ``skipped`` with the reason.
    """
    first: dict[str, Citation] = {}
    places: dict[str, list[str]] = {}
    linked: dict[str, str] = {}
    for scan in scans:
        for citation in scan.citations:
            where = f"{scan.path}: {citation.cited.location}"
            first.setdefault(citation.key, citation)
            if where not in places.setdefault(citation.key, []):
                places[citation.key].append(where)
            if citation.cited.existing_archive:
                linked.setdefault(citation.key, citation.cited.existing_archive)
    rows = []
    for key, citation in first.items():
        url, locations = citation.cited.url, tuple(places[key])
        if key in outcomes:
            out = outcomes[key]
            rows.append(ReportRow(url, out.status, out.guid, out.perma_url, locations, out.message))
        elif key in linked:
            link = linked[key]
            rows.append(ReportRow(url, "reused", perma_guid(link), link, locations,
                                  "a Perma link is already beside it in the document"))
        else:
            reason = citation.classification.reason or "not archived"
            rows.append(ReportRow(url, "skipped", None, None, locations, reason))
    return rows


def summary_counts(rows: Iterable[ReportRow]) -> dict[str, int]:
    """How many rows have each status."""
    counts = {"archived": 0, "reused": 0, "failed": 0, "skipped": 0}
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
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(REPORT_FIELDS)
        for r in rows:
            writer.writerow([r.url, r.status, r.guid or "", r.perma_url or "", "; ".join(r.locations), r.message or ""])
        data = buffer.getvalue().encode("utf-8-sig")
    else:
        raise UsageError(f"--report {path}: the report must end in .json or .csv")
    atomic_write(target, data)
