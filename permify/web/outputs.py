"""What a run gives the editor to download: per document the clean copy (and, for Word, a
copy with the Perma links as tracked changes), the report as CSV and JSON, and all of it as
one zip. Written into the run's own folder inside the server's private temporary folder;
the uploaded originals are never touched."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..archiving.outcomes import Outcome
from ..documents import DocumentScan, atomic_write, perma_links_for
from ..formats.base import RewriteOptions
from ..report import ReportRow, write_report

__all__ = ["Download", "write_outputs"]


@dataclass(frozen=True)
class Download:
    """One file to download: its ``name`` (as the browser saves it), ``path`` on disk, a ``label``
    for the page, and ``kind``: ``clean``, ``tracked``, ``report`` or ``zip``."""

    name: str
    path: Path
    label: str
    kind: str


def _output_name(name: str, tag: str) -> str:
    p = Path(name)
    return f"{p.stem}.{tag}{p.suffix}"


def write_outputs(
    folder: Path,
    scans: Sequence[tuple[str, DocumentScan]],
    outcomes: Mapping[str, Outcome],
    rows: list[ReportRow],
) -> list[Download]:
    """Write every output of a run into ``folder`` (created); ``scans`` pairs each document's
    display name with its scan. Returns the downloads, the zip last."""
    folder.mkdir(parents=True, exist_ok=True)
    downloads: list[Download] = []
    for name, scan in scans:
        links = perma_links_for(scan, outcomes)
        clean = folder / _output_name(name, "perma")
        atomic_write(clean, scan.parsed.rewrite(links, RewriteOptions()))
        downloads.append(Download(clean.name, clean, f"{name} with Perma links", "clean"))
        if scan.format == "docx":
            tracked = folder / _output_name(name, "perma-tracked")
            atomic_write(tracked, scan.parsed.rewrite(links, RewriteOptions(track_changes=True)))
            downloads.append(Download(tracked.name, tracked, f"{name}, Perma links as tracked changes", "tracked"))
    for suffix, label in (("csv", "Report (CSV, opens in Excel)"), ("json", "Report (JSON)")):
        report = folder / f"permify-report.{suffix}"
        write_report(report, rows)
        downloads.append(Download(report.name, report, label, "report"))
    bundle = folder / "permify-outputs.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for item in downloads:
            zf.write(item.path, item.name)
    downloads.append(Download(bundle.name, bundle, "Everything above, as one zip", "zip"))
    return downloads
