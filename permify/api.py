"""The library's main entry points: archive documents, list and check what they cite.

The command line and the pandoc filter are thin skins over these functions::

    import permify
    result = permify.archive_document("article.md", folder="Law Review/Vol 12", api_key=KEY)
    print(result.counts, result.outputs)
"""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .archiving.outcomes import ArchiveOptions, Outcome, ProgressCallback, UrlRequest
from .errors import NetworkError, PermifyError, ProtocolError, UsageError
from .text import safe_text

if TYPE_CHECKING:  # the archiving stack loads when a site is built: scanning needs none of it
    # Documents, outputs and reports load in the functions that read or write documents: the
    # pandoc filter calls ensure_archives and known_archives, which need none of them.
    from .documents import Citation, DocumentScan
    from .formats.base import RewriteOptions, ScanOptions
    from .perma.folders import FolderPlan
    from .report import ReportRow
    from .site import ArchiveSite

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
    the files written (input -> output), the files that could not be written (input -> one
    line saying why; each also has a ``failed`` report row), warnings to show (a document
    open in Word), the folders a dry run of ``--create-folder`` would create, and the counts
    by status."""

    scans: list[DocumentScan]
    outcomes: dict[str, Outcome]
    rows: list[ReportRow]
    outputs: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    folder_plan: FolderPlan | None = None
    #: why archiving stopped before the end (Perma unreachable, a broken answer), or None;
    #: the documents and the report still hold everything done before it
    stopped: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Rows by status: archived, reused, failed, suspect, skipped (and would-archive in a dry run)."""
        from .report import summary_counts

        return summary_counts(self.rows)

    @property
    def ok(self) -> bool:
        """True when no URL failed, no capture is suspect and every file was written."""
        return not self.errors and not self.stopped and not any(r.status in ("failed", "suspect") for r in self.rows)


def scan_documents(
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    archive_doi: bool = False,
    scan_options: ScanOptions | None = None,
) -> list[DocumentScan]:
    """Parse every document and classify what it cites (no network). Raises on the first bad input.

    ``scan_options`` says which URLs are read (BibTeX URL fields added or skipped, reviewer
    comments, quotations, hosts to skip or include...).
    """
    from .documents import scan_document

    return [scan_document(p, fmt=fmt, archive_doi=archive_doi, options=scan_options) for p in paths]


def check_documents(
    paths: Sequence[str | Path],
    *,
    fmt: str | None = None,
    archive_doi: bool = False,
    scan_options: ScanOptions | None = None,
) -> list[tuple[DocumentScan, Citation]]:
    """Cited URLs that should be archived but have no Perma link beside them (empty: all done)."""
    scans = scan_documents(paths, fmt=fmt, archive_doi=archive_doi, scan_options=scan_options)
    return [(one, c) for one in scans for c in one.to_archive]


@contextlib.contextmanager
def _site_for(site: ArchiveSite | None, folder: str | int | None, api_key: str | None) -> Iterator[ArchiveSite]:
    """``site`` as given (the caller closes it), or one built from the keywords and the settings."""
    if site is not None:
        if folder is not None or api_key is not None:
            raise UsageError("pass the folder and the API key to the ArchiveSite, not beside it")
        yield site
        return
    from .site import ArchiveSite

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
    cancel: threading.Event | None = None,
) -> dict[str, Outcome]:
    """Archive each unique URL exactly once in the site's folder; the building block of every front end.

    ``site`` says where (see :class:`ArchiveSite`); without it one is built from ``folder``,
    ``api_key`` and the settings. ``options`` tunes the archiver (its ``folder_id`` is filled
    in). When the ledger already knows every URL (and the folder), no HTTP request is made.
    A dry run with ``create_folder`` whose folder does not exist yet creates nothing: every
    URL would be archived (``site.planned_folder()`` says what would be created).
    Setting ``cancel`` from another thread stops the run before its next create request or
    during its next wait, with :class:`~permify.errors.Interrupted` (as Ctrl-C does).
    """
    if not requests:
        return {}
    with _site_for(site, folder, api_key) as where:
        dry_run = bool(options and options.dry_run)
        if dry_run and where.create_folder:
            plan = where.planned_folder()
            if plan is not None:
                note = f"into a new folder: {plan.describe()}"
                return {r.key: Outcome(r.key, r.url, "would-archive", None, note, r.locations) for r in requests}
        folder_id = where.folder_id(create=where.create_folder and not dry_run)
        opts = replace(options, folder_id=folder_id) if options else ArchiveOptions(folder_id=folder_id)
        return where.archiver(opts, progress=progress, cancel=cancel).ensure(requests)


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
    from .archiving.ledger_lookup import reusable

    with _site_for(site, folder, None) as where:
        folder_id = where.known_folder_id()
        ledger = where.existing_ledger()
        if folder_id is None or ledger is None:
            return {}
        book = ledger.scoped(where.api_host, folder_id)
        found: dict[str, Outcome] = {}
        entries = book.get_many([req.key for req in requests])  # one query, not one per URL
        for req in requests:
            entry = entries.get(req.key)
            # the archiver's rule: a capture the review flagged is not inserted from the ledger either
            if entry is not None and reusable(entry.status, entry.guid, entry.review):
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
    scan_options: ScanOptions | None = None,
    progress: ProgressCallback | None = None,
    details: bool = False,
) -> RunResult:
    """Archive every URL the documents cite, exactly once, and write them back with Perma links.

    Parameters mirror ``permify archive``. ``site`` says where to archive (see
    :class:`ArchiveSite`: settings, client, ledger, folder); without it one is built from
    ``folder`` (an id or a path of folder names, default ``PERMIFY_FOLDER``), ``api_key`` and
    the settings. ``options`` tunes the archiver (its ``folder_id`` is filled in);
    ``scan_options`` says which URLs are read (see :class:`ScanOptions`), ``rewrite`` how Perma
    links are written. Output
    goes to ``output``, or in place (keeping a verified ``<name>.orig`` when ``backup``), or
    to ``<stem>.perma<suffix>``. A dry run writes nothing and creates nothing.

    Inputs and outputs are checked before any request (see :func:`permify.outputs.plan_outputs`):
    bad ones raise :class:`~permify.errors.PermifyError` with nothing archived. A file that
    cannot be written afterwards does not stop the others: it is in ``RunResult.errors`` and
    has a ``failed`` report row. ``details`` fills each row's archive ``title`` and
    ``captured_on`` from Perma (a listing of the folder, newest first, stopping once every
    archive is found; best effort).
    """
    from .documents import linked_in_documents, perma_links_for, url_requests
    from .formats.base import RewriteOptions
    from .outputs import plan_outputs
    from .report import build_report, file_error_row

    names = [str(p) for p in paths]
    if not names:
        raise UsageError("no input files")
    if in_place and output is not None:
        raise UsageError("use either -o OUT or --in-place, not both")
    dry_run = bool(options is not None and options.dry_run)
    # bad input fails before any network
    scans = scan_documents(names, fmt=fmt, archive_doi=archive_doi, scan_options=scan_options)
    plan = plan_outputs(names, output, in_place=in_place, probe=not dry_run)  # so do bad outputs
    # The scans (every token and citation of the documents) live until the end and are never
    # garbage: kept out of the collector's full passes meanwhile, which would otherwise walk
    # them again and again while the run makes its outcomes and rows (about 0.9 s of 20 s at
    # 100,000 links).
    with _kept_out_of_collection():
        # A URL that already has a Perma link somewhere in the documents reuses it elsewhere.
        outcomes: dict[str, Outcome] = linked_in_documents(scans)
        requests = [r for r in url_requests(scans) if r.key not in outcomes]
        stopped: str | None = None
        with _site_for(site, folder, api_key) as where:
            try:
                archived = ensure_archives(requests, site=where, options=options, progress=progress)
            except (NetworkError, ProtocolError) as error:
                # Perma went away (or broke its protocol) mid-run: what was archived before it is in
                # the ledger, so the documents still get those links and the report says the rest.
                archived = {} if dry_run else _after_a_stop(where, requests, str(error))
                if not any(o.status != "failed" for o in archived.values()):
                    raise  # nothing to show for it: one line and exit 2, nothing written
                stopped = str(error)
                details = False
            folder_plan = where.planned_folder() if dry_run and where.create_folder and requests else None
            dates = _capture_dates(where, archived)
            listed = bool(options is not None and options.titles)
            titles = _archive_details(where, archived, dates, listed_titles=listed) if details and not dry_run else {}
        outcomes.update(archived)
        rows = build_report(scans, outcomes, dates, titles)
        result = RunResult(scans, outcomes, rows, warnings=list(plan.warnings), folder_plan=folder_plan,
                           stopped=stopped)
        if dry_run:
            return result
        rewrite = rewrite or RewriteOptions()
        for scan in scans:
            target = plan.targets[scan.path]
            try:
                _write_one(scan, target, perma_links_for(scan, outcomes), rewrite, in_place=in_place, backup=backup)
            except PermifyError as error:  # one file's problem never costs the others their output
                result.errors[scan.path] = str(error)
            except Exception as error:  # a writer's bug, likewise: reported for that file
                result.errors[scan.path] = f"{scan.path}: not written: internal error: {type(error).__name__}: " + (
                    safe_text(error, 200)
                )
            else:
                result.outputs[scan.path] = target
        result.rows.extend(file_error_row(path, message) for path, message in result.errors.items())
        return result


@contextlib.contextmanager
def _kept_out_of_collection() -> Iterator[None]:
    """Leave every object that exists now out of the garbage collector's passes until the
    block ends (:func:`gc.freeze`), then hand them back (:func:`gc.unfreeze`). It changes when
    cyclic garbage among them is freed (after the block, not during it), never whether; a
    concurrent run in the same process (the web page) loses at most the saving."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _after_a_stop(where: ArchiveSite, requests: Sequence[UrlRequest], why: str) -> dict[str, Outcome]:
    """Outcomes after archiving stopped early: what the ledger holds (archived before the stop),
    and ``failed`` for the rest, saying why and that a rerun picks them up."""
    try:
        done = known_archives(requests, site=where)
    except PermifyError:
        done = {}
    message = f"not archived: the run stopped ({safe_text(why, 200)}); run again to finish"
    for req in requests:
        if req.key not in done:
            done[req.key] = Outcome(req.key, req.url, "failed", None, message, req.locations)
    return done


def _write_one(
    scan: DocumentScan, target: str, links: dict[int, str], rewrite: RewriteOptions, *, in_place: bool, backup: bool
) -> None:
    """Rewrite one document and write it to ``target`` (``-``: stdout), in place with a verified backup."""
    from .documents import atomic_write
    from .outputs import write_in_place

    data = scan.parsed.rewrite(links, rewrite)
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    elif in_place:
        write_in_place(scan.path, data, scan.data, backup=backup)
    else:
        atomic_write(target, data, like=scan.path if scan.path != "-" else None)


def _capture_dates(site: ArchiveSite, outcomes: dict[str, Outcome]) -> dict[str, str]:
    """The day each archive was made (``YYYY-MM-DD``): from the outcome, else from the ledger
    entry that recorded it (no network; nothing when there is no ledger)."""
    dates = {k: o.captured_on for k, o in outcomes.items() if o.captured_on}
    wanted = [k for k, o in outcomes.items() if o.guid and o.insertable and k not in dates]
    folder_id = site.known_folder_id() if wanted else None
    ledger = site.existing_ledger() if folder_id is not None else None
    if ledger is None or folder_id is None:
        return dates
    book = ledger.scoped(site.api_host, folder_id)
    here = book.guids_and_days(wanted)  # set-wise reads: no query per URL, no entries built
    for key, (guid, day) in here.items():
        if guid == outcomes[key].guid:
            dates[key] = day
    # --reuse-any-folder takes others' archives: those are looked up in every folder
    elsewhere = book.get_many_any_folder([k for k in wanted if k not in dates])
    for key, entry in elsewhere.items():
        if entry.guid == outcomes[key].guid:
            dates[key] = entry.created_at[:10]
    return dates


#: The most archives listed to find the titles of a report (newest first: this run's come first).
_DETAILS_LISTING_CAP = 3000


def _archive_details(site: ArchiveSite, outcomes: dict[str, Outcome], dates: dict[str, str], *,
                     listed_titles: bool = False) -> dict[str, str]:
    """Each archive's title by URL key, from a listing of the folder (and the capture day into
    ``dates`` when the ledger did not know it). Best effort: a failed listing gives nothing.
    Only when the run talked to Perma anyway: a warm run (or an offline one) stays without
    requests. An archive the capture review read a page title from, with its day known, is
    left out (the report takes the review's title), so a reviewed run lists nothing; with
    ``listed_titles`` (archives titled from the document) every archive is looked up."""
    def needs_listing(key: str, outcome: Outcome) -> bool:
        reviewed = outcome.verdict is not None and bool(outcome.verdict.title)
        return listed_titles or not reviewed or key not in dates

    wanted = {o.guid: k for k, o in outcomes.items() if o.guid and o.insertable and needs_listing(k, o)}
    folder_id = site.known_folder_id() if wanted and site.contacted else None
    titles: dict[str, str] = {}
    if folder_id is None:
        return titles
    try:
        for count, archive in enumerate(site.client.list_folder_archives(folder_id)):
            key = wanted.pop(archive.guid, None)
            if key is not None:
                if archive.title:
                    titles[key] = safe_text(archive.title, 300)
                if archive.creation_timestamp is not None and key not in dates:
                    dates[key] = archive.creation_timestamp.date().isoformat()
            if not wanted or count >= _DETAILS_LISTING_CAP:
                break
    except PermifyError:
        pass  # the report is still written, without these columns
    return titles



def archive_document(path: str | Path, **kw: object) -> RunResult:
    """Archive one document; see :func:`archive_documents` for the parameters."""
    return archive_documents([path], **kw)  # type: ignore[arg-type]
