"""The library's main entry points: archive documents, list and check what they cite.

The command line and the pandoc filter are thin skins over these functions::

    import permify
    result = permify.archive_document("article.md", folder="Law Review/Vol 12", api_key=KEY)
    print(result.counts, result.outputs)
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .archiving.outcomes import ArchiveOptions, Outcome, ProgressCallback, UrlRequest
from .documents import (
    Citation,
    DocumentScan,
    atomic_write,
    default_output_path,
    perma_links_for,
    scan_document,
    url_requests,
)
from .errors import UsageError
from .formats.base import RewriteOptions
from .report import ReportRow, build_report, summary_counts
from .site import ArchiveSite
from .urls import perma_guid

__all__ = [
    "RunResult",
    "archive_document",
    "archive_documents",
    "check_documents",
    "ensure_archives",
    "known_archives",
    "scan_documents",
]


@dataclass
class RunResult:
    """What a run did: the scans, one :class:`Outcome` per unique URL, the report rows,
    the files written (input -> output) and the counts by status."""

    scans: list[DocumentScan]
    outcomes: dict[str, Outcome]
    rows: list[ReportRow]
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Rows by status: archived, reused, failed, suspect, skipped (and would-archive in a dry run)."""
        return summary_counts(self.rows)

    @property
    def ok(self) -> bool:
        """True when no URL failed and no capture is suspect."""
        return not any(r.status in ("failed", "suspect") for r in self.rows)


def scan_documents(
    paths: Sequence[str | Path], *, fmt: str | None = None, archive_doi: bool = False
) -> list[DocumentScan]:
    """Parse every document and classify what it cites (no network). Raises on the first bad input."""
    return [scan_document(p, fmt=fmt, archive_doi=archive_doi) for p in paths]


def check_documents(
    paths: Sequence[str | Path], *, fmt: str | None = None, archive_doi: bool = False
) -> list[tuple[DocumentScan, Citation]]:
    """Cited URLs that should be archived but have no Perma link beside them (empty: all done)."""
    return [(scan, c) for scan in scan_documents(paths, fmt=fmt, archive_doi=archive_doi) for c in scan.to_archive]


def _output_for(path: str, output: str | Path | None, in_place: bool, count: int) -> Path:
    if in_place:
        return Path(path)
    if output is not None:
        if count > 1:
            out_dir = Path(output)
            if not out_dir.is_dir():
                raise UsageError(f"-o {output}: with several inputs, -o must be an existing folder")
            return out_dir / Path(path).name
        return Path(output)
    if path == "-":
        raise UsageError("reading stdin needs -o OUT (or -o - for stdout)")
    return default_output_path(path)


@contextlib.contextmanager
def _site_for(site: ArchiveSite | None, folder: str | int | None, api_key: str | None) -> Iterator[ArchiveSite]:
    """``site`` as given (the caller closes it), or one built from the keywords and the settings."""
    if site is not None:
        if folder is not None or api_key is not None:
            raise UsageError("pass the folder and the API key to the ArchiveSite, not beside it")
        yield site
        return
    with ArchiveSite(folder=folder, api_key=api_key) as built:
        yield built


def ensure_archives(
    requests: Sequence[UrlRequest],
    *,
    site: ArchiveSite | None = None,
    folder: str | int | None = None,
    api_key: str | None = None,
    options: ArchiveOptions | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Outcome]:
    """Archive each unique URL exactly once in the site's folder; the building block of every front end.

    ``site`` says where (see :class:`ArchiveSite`); without it one is built from ``folder``,
    ``api_key`` and the settings. ``options`` tunes the archiver (its ``folder_id`` is filled
    in). When the ledger already knows every URL (and the folder), no HTTP request is made.
    """
    if not requests:
        return {}
    with _site_for(site, folder, api_key) as where:
        dry_run = bool(options and options.dry_run)
        folder_id = where.folder_id(create=where.create_folder and not dry_run)
        opts = replace(options, folder_id=folder_id) if options else ArchiveOptions(folder_id=folder_id)
        return where.archiver(opts, progress=progress).ensure(requests)


def known_archives(
    requests: Sequence[UrlRequest],
    *,
    site: ArchiveSite | None = None,
    folder: str | int | None = None,
) -> dict[str, Outcome]:
    """What the ledger alone knows of these URLs (completed captures the review did not flag),
    with no network at all.

    Each outcome is ``reused`` and carries ``captured_on``, the day the ledger recorded the
    archive. The folder must have been resolved by an earlier run (or be an id). Used by the
    pandoc filter so that a build without network still gets the Perma links it had, and for
    the dates of Robust Links. Never creates a ledger.
    """
    with _site_for(site, folder, None) as where:
        folder_id = where.known_folder_id()
        ledger = where.existing_ledger()
        if folder_id is None or ledger is None:
            return {}
        book = ledger.scoped(where.api_host, folder_id)
        found: dict[str, Outcome] = {}
        for req in requests:
            entry = book.get(req.key)
            if entry is None or (entry.review is not None and not entry.review.ok):
                continue  # a capture the review flagged is not inserted from the ledger either
            if entry.status == "completed" and entry.guid:
                found[req.key] = Outcome(
                    req.key, req.url, "reused", entry.guid, None, req.locations, captured_on=entry.created_at[:10]
                )
        return found


def archive_documents(
    paths: Sequence[str | Path],
    *,
    site: ArchiveSite | None = None,
    folder: str | int | None = None,
    api_key: str | None = None,
    output: str | Path | None = None,
    in_place: bool = False,
    backup: bool = True,
    options: ArchiveOptions | None = None,
    rewrite: RewriteOptions | None = None,
    fmt: str | None = None,
    archive_doi: bool = False,
    progress: ProgressCallback | None = None,
) -> RunResult:
    """Archive every URL the documents cite, exactly once, and write them back with Perma links.

    Parameters mirror ``permify archive``. ``site`` says where to archive (see
    :class:`ArchiveSite`: settings, client, ledger, folder); without it one is built from
    ``folder`` (an id or a path of folder names, default ``PERMIFY_FOLDER``), ``api_key`` and
    the settings. ``options`` tunes the archiver (its ``folder_id`` is filled in). Output goes to ``output``,
    or in place (keeping ``<name>.orig`` when ``backup``), or to ``<stem>.perma<suffix>``.
    A dry run writes nothing and creates nothing.
    """
    names = [str(p) for p in paths]
    if not names:
        raise UsageError("no input files")
    if in_place and output is not None:
        raise UsageError("use either -o OUT or --in-place, not both")
    scans = scan_documents(names, fmt=fmt, archive_doi=archive_doi)  # bad input fails before any network
    targets = {name: _output_for(name, output, in_place, len(names)) for name in names}
    # A URL that already has a Perma link somewhere in the documents reuses it elsewhere.
    outcomes: dict[str, Outcome] = _already_linked(scans)
    requests = [r for r in url_requests(scans) if r.key not in outcomes]
    outcomes.update(
        ensure_archives(requests, site=site, folder=folder, api_key=api_key, options=options, progress=progress)
    )
    result = RunResult(scans, outcomes, build_report(scans, outcomes))
    if options is not None and options.dry_run:
        return result
    rewrite = rewrite or RewriteOptions()
    for scan in scans:
        data = scan.parsed.rewrite(perma_links_for(scan, outcomes), rewrite)
        target = targets[scan.path]
        if str(target) == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            result.outputs[scan.path] = "-"
            continue
        if in_place and backup:
            backup_path = Path(scan.path + ".orig")
            if not backup_path.exists():
                shutil.copy2(scan.path, backup_path)
        atomic_write(target, data, like=scan.path if scan.path != "-" else None)
        result.outputs[scan.path] = str(target)
    return result


def _already_linked(scans: list[DocumentScan]) -> dict[str, Outcome]:
    linked: dict[str, Outcome] = {}
    for scan in scans:
        for c in scan.citations:
            guid = perma_guid(c.cited.existing_archive or "")
            if c.state == "linked" and guid and c.key not in linked:
                linked[c.key] = Outcome(c.key, c.cited.url, "reused", guid, "Perma link found in the document")
    needed = {c.key for scan in scans for c in scan.to_archive}
    return {key: outcome for key, outcome in linked.items() if key in needed}


def archive_document(path: str | Path, **kw: object) -> RunResult:
    """Archive one document; see :func:`archive_documents` for the parameters."""
    return archive_documents([path], **kw)  # type: ignore[arg-type]
