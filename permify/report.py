"""The run report: one row per unique URL, as JSON or as CSV that Excel opens intact."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .documents import DocumentScan, atomic_write
from .errors import UsageError
from .outcomes import Outcome

__all__ = ["REPORT_FIELDS", "ReportRow", "build_report", "summary_counts", "write_report"]

#: The report's columns, in order (the contract in design.md).
REPORT_FIELDS = ("url", "status", "guid", "perma_url", "locations", "message")


@dataclass(frozen=True)
class ReportRow:
    """One unique URL: ``status`` is archived, reused, failed or skipped (or would-archive in a dry run)."""

    url: str
    status: str
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
    """Rows for every unique URL the documents cite: archived ones, and skipped ones with the reason."""
    rows: dict[str, ReportRow] = {}
    for scan in scans:
        for citation in scan.citations:
            where = f"{scan.path}: {citation.cited.location}"
            row = rows.get(citation.key)
            if row is not None and row.status in ("reused", "skipped") and citation.key in outcomes:
                out = outcomes[citation.key]  # an outcome says more than "already linked here"
                row = ReportRow(row.url, out.status, out.guid, out.perma_url, row.locations, out.message)
                rows[citation.key] = row
            if row is not None:
                if where not in row.locations:
                    rows[citation.key] = ReportRow(
                        row.url, row.status, row.guid, row.perma_url, (*row.locations, where), row.message
                    )
                continue
            url = citation.cited.url
            if citation.state == "archive" and citation.key in outcomes:
                out = outcomes[citation.key]
                rows[citation.key] = ReportRow(url, out.status, out.guid, out.perma_url, (where,), out.message)
            elif citation.state == "linked":
                link = citation.cited.existing_archive
                guid = link.rstrip("/").rsplit("/", 1)[-1] if link else None
                rows[citation.key] = ReportRow(
                    url, "reused", guid, link, (where,), "a Perma link is already beside it in the document"
                )
            else:
                rows[citation.key] = ReportRow(
                    url, "skipped", None, None, (where,), citation.classification.reason or "not archived"
                )
    return list(rows.values())


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
