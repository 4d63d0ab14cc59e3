"""The bodies of the ``permify`` subcommands: parse nothing, print results, return exit codes.

``urls`` and ``check`` live in :mod:`permify.cli.listing` (they must start fast) and are
re-exported here.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..archiving.outcomes import ArchiveOptions
from ..documents import atomic_write, perma_links_for
from ..errors import UsageError
from ..exit_status import ExitStatus
from ..formats.base import RewriteOptions
from ..text import safe_text
from ..urls import dedupe_key, perma_guid, perma_url
from .listing import cmd_check, cmd_urls
from .listing import scan_options as _scan_options
from .progress import Progress

if TYPE_CHECKING:
    from ..api import RunResult

__all__ = ["cmd_archive", "cmd_check", "cmd_folders", "cmd_ledger", "cmd_review", "cmd_sandbox", "cmd_urls"]


@dataclass(frozen=True)
class _Api:
    url: str | None
    key: str | None
    default_folder: str | None
    #: a throwaway ledger for a sandbox run (its GUIDs must not enter the real ledger)
    ledger: Path | None


@contextlib.contextmanager
def _api(args: argparse.Namespace) -> Iterator[_Api]:
    """The API to talk to: the configured one, or a sandbox started for this command."""
    if not getattr(args, "sandbox", False):
        yield _Api(getattr(args, "api_url", None), None, None, None)
        return
    import tempfile

    from ..sandbox import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(capture_seconds=1.0)) as sandbox, tempfile.TemporaryDirectory() as tmp:
        if not getattr(args, "quiet", False):
            print(f"permify: using the built-in Perma sandbox at {sandbox.base_url}", file=sys.stderr)
        yield _Api(sandbox.base_url, sandbox.api_key, str(sandbox.org_folder_id), Path(tmp) / "ledger.sqlite3")


# ------------------------------------------------------------------ archive


def _concurrency(flag: int | None) -> int:
    """``--concurrency``, else ``PERMIFY_CONCURRENCY``, else the config file's ``concurrency``, else 3."""
    from ..config import SettingSources

    value = SettingSources().pick(flag, "PERMIFY_CONCURRENCY", "concurrency")
    if value is None:
        return ArchiveOptions.concurrency
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    if number < 1:
        raise UsageError(f"concurrency must be a whole number of at least 1, not {str(value)[:20]!r}")
    return number


def cmd_archive(args: argparse.Namespace) -> ExitStatus:
    """``permify archive``: archive, rewrite, report."""
    from ..api import archive_documents  # the archiving stack: only for the commands that use it
    from ..outputs import editor_lock_file
    from ..report import write_report
    from ..site import ArchiveSite

    if args.no_backup and not args.in_place:
        raise UsageError("--no-backup goes with --in-place")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    for name in args.files:
        lock = editor_lock_file(name) if name != "-" else None
        if lock is not None and not args.quiet:
            editor = "LibreOffice" if lock.name.startswith(".~lock.") else "Word"
            print(f"permify: warning: {safe_text(name)} seems to be open in {editor} ({safe_text(lock.name)} is "
                  "beside it): close it first, or saving it there will drop the Perma links", file=sys.stderr)
    progress = Progress(verbosity=0 if args.quiet else (2 if args.verbose else 1))
    progress.insert_suspect = args.insert_suspect
    with _api(args) as api:
        options = ArchiveOptions(
            folder_id=0,
            private=args.private,
            titles=args.titles,
            reuse_any_folder=args.reuse_any_folder,
            retry_failed=args.retry_failed,
            dry_run=args.dry_run,
            batch_size=args.batch_size,
            concurrency=_concurrency(args.concurrency),
            capture_timeout=args.capture_timeout,
            unknown_outcome_wait=args.unknown_outcome_wait,
            review=args.review,
            insert_suspect=args.insert_suspect,
        )
        site = ArchiveSite(
            folder=args.folder or api.default_folder,
            api_key=api.key,
            api_url=api.url,
            ledger=args.ledger or api.ledger,
            create_folder=args.create_folder,
            timeout=args.timeout,
        )
        try:
            result = archive_documents(
                args.files,
                site=site,
                output=args.output,
                in_place=args.in_place,
                backup=not args.no_backup,
                options=options,
                rewrite=RewriteOptions(bib_print=args.bib_print or "note", track_changes=args.track_changes,
                                       link_style=args.link_style),
                fmt=args.fmt,
                archive_doi=args.archive_doi,
                scan_options=_scan_options(args),
                progress=progress,
                details=bool(args.report),
            )
        finally:
            progress.close()
            site.close()
    if args.bib_print is None:
        _suggest_bib_print(result)
    if args.report:
        write_report(args.report, result.rows)
    _print_notes(result)
    if args.dry_run:
        _print_dry_run(result)
    if args.diff:
        _print_diffs(result)
    for message in result.errors.values():
        print(f"permify: error: {safe_text(message, 400)}", file=sys.stderr)
    if result.stopped:
        print(f"permify: error: archiving stopped early: {safe_text(result.stopped, 400)}; the documents hold the "
              "links made before it, and a rerun finishes the rest", file=sys.stderr)
    counts = result.counts
    parts = [f"{counts.get(k, 0)} {k}" for k in ("archived", "reused", "failed", "skipped")]
    if counts.get("suspect"):
        parts.insert(3, f"{counts['suspect']} suspect")
    if args.dry_run:
        parts.insert(0, f"{counts.get('would-archive', 0)} would be archived")
    if result.errors:
        parts.append(f"{len(result.errors)} file{'s' if len(result.errors) > 1 else ''} not written")
    written = ", ".join(v for v in result.outputs.values() if v != "-")
    print("permify: " + ", ".join(parts) + (f" -> {written}" if written else ""), file=sys.stderr)
    if not result.ok:
        if args.quiet:  # otherwise the progress display has shown each failure as it happened
            seen: set[str] = set()
            for row in result.rows:
                if row.status in ("failed", "suspect") and row.url:
                    print(f"permify: {row.status}: {safe_text(row.url)}: {_once(row.message or '', seen)}",
                          file=sys.stderr)
        return ExitStatus.FAILED
    return ExitStatus.OK


def _print_notes(result: RunResult) -> None:
    """One warning per citation the user must finish by hand (a reference-manager field), with
    its Perma link."""
    for scan in result.scans:
        for c in scan.citations:
            outcome = result.outcomes.get(c.key)
            if c.cited.note and c.state == "archive" and outcome is not None and outcome.insertable \
                    and outcome.perma_url:
                print(f"permify: {scan.path}: warning: {c.cited.location}: {c.cited.note}: "
                      f"{outcome.perma_url}", file=sys.stderr)


def _suggest_bib_print(result: RunResult) -> None:
    """A hint for a .bib file written for biblatex, which prints ``note`` before the URL."""
    for scan in result.scans:
        hint = getattr(scan.parsed, "biblatex_hint", None)
        if hint and any(c.state == "archive" for c in scan.citations):
            print(f"permify: {scan.path} looks written for biblatex ({hint}); biblatex prints note "
                  "before the URL: pass --bib-print addendum to print each Perma link right after it",
                  file=sys.stderr)


def _once(message: str, seen: set[str]) -> str:
    """``message`` the first time, then a pointer to it: a reason shared by many URLs (the
    quota is used up) is printed once."""
    text = safe_text(message, 400).replace(".;", ";")
    if text in seen:
        return "(the same reason as above)"
    seen.add(text)
    return text


def _print_dry_run(result: RunResult) -> None:
    """What a dry run would do: each URL with where it is cited, and the folders it would create."""
    if result.folder_plan is not None:
        print(f"permify: dry run: --create-folder {safe_text(result.folder_plan.describe())}", file=sys.stderr)
    for row in result.rows:
        if row.status in ("would-archive", "reused"):
            print(f"{row.status:13} {safe_text(row.url)}" + (f"  {row.perma_url}" if row.perma_url else ""))
            for place in row.locations:
                print(f"{'':13}   at {safe_text(place)}")


def _print_diffs(result: RunResult) -> None:
    """The changed lines of each text output against its input (as read, so --in-place works too)."""
    for scan in result.scans:
        target = result.outputs.get(scan.path)
        if not target or target == "-":
            continue
        if scan.format == "docx":
            notes = {c.cited.index for c in scan.citations if c.cited.note}  # fields left alone
            inserted = len(set(perma_links_for(scan, result.outcomes)) - notes)
            print(f"{target}: {inserted} Perma links inserted (a Word document: open it to see them)")
            continue
        import difflib  # --diff only

        diff = difflib.unified_diff(
            scan.data.decode("utf-8-sig", "replace").splitlines(),
            Path(target).read_bytes().decode("utf-8-sig", "replace").splitlines(),
            scan.path, target, lineterm="", n=0,
        )
        for line in diff:
            print(line)


# ------------------------------------------------------------------ review


def cmd_review(args: argparse.Namespace) -> ExitStatus:
    """``permify review``: check the Perma links already in documents; exit 1 if any is not ok."""
    from ..link_review import review_documents, write_review_report  # only for this command
    from ..site import ArchiveSite
    from .review_table import ReviewCounter, print_advice, print_table

    if args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if args.offline and args.recheck:
        raise UsageError("--recheck reads every capture on Perma: it cannot go with --offline")
    if args.report and Path(args.report).suffix.lower() not in (".csv", ".json"):
        raise UsageError(f"--report {args.report}: the report must end in .json or .csv")
    counter = ReviewCounter(sys.stderr, live=sys.stderr.isatty() and not args.quiet)
    with ArchiveSite(api_url=args.api_url, ledger=args.ledger, timeout=args.timeout) as site:
        try:
            result = review_documents(args.files, site=site, offline=args.offline, concurrency=args.concurrency,
                                      fmt=args.fmt, on_verdict=counter, recheck=args.recheck)
        finally:
            counter.close()
    if args.report:
        write_review_report(args.report, result)
    shown = [r for r in result.rows if not (args.quiet and r.ok)]
    if shown:
        print_table(shown, sys.stdout, fit=sys.stdout.isatty())
    print_advice(result, sys.stdout)
    counts = result.counts
    where = "in the ledger (offline)" if args.offline else "on Perma"
    if not result.rows:
        print("permify: no Perma links in these documents", file=sys.stderr)
        return ExitStatus.OK
    parts = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    total = len(result.rows)
    print(f"permify: checked {total} Perma link{'s' * (total != 1)} {where}: {parts}", file=sys.stderr)
    return ExitStatus.OK if result.ok else ExitStatus.FAILED


# ------------------------------------------------------------------ folders, sandbox, ledger


def cmd_folders(args: argparse.Namespace) -> ExitStatus:
    """``permify folders``: the folder tree with ids."""
    from ..perma.folders import folder_tree  # the HTTP stack: only for commands that use the API
    from ..site import ArchiveSite  # only for the commands that use the API

    with _api(args) as api, ArchiveSite(api_key=api.key, api_url=api.url, timeout=args.timeout) as site:
        for depth, folder in folder_tree(site.client):
            notes = []
            if folder.organization is not None:
                notes.append("organization, no quota")
            elif depth == 0 and folder.is_personal:
                notes.append("personal, counts against quota")
            if folder.read_only:
                notes.append("read-only")
            note = f"  ({', '.join(notes)})" if notes else ""
            print(f"{folder.id:>8}  {'    ' * depth}{safe_text(folder.name, 120)}{note}")
    return ExitStatus.OK


def cmd_sandbox(args: argparse.Namespace) -> ExitStatus:
    """``permify sandbox``: serve the local Perma-compatible API until Ctrl-C."""
    from ..sandbox import FaultConfig, SandboxConfig, serve

    if not 0 <= args.fault_rate <= 1:
        raise UsageError("--fault-rate must be between 0 and 1")
    config = SandboxConfig(
        capture_seconds=args.capture_seconds,
        fail_patterns=("*capture-fails*", *args.fail_pattern),
        personal_link_limit=None if args.link_limit < 0 else args.link_limit,
        faults=FaultConfig(rate=args.fault_rate, seed=0 if args.seed is None else args.seed),
        state_path=args.state,
        seed=args.seed,
    )
    try:
        serve(port=args.port, config=config)
    except OSError as error:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({error.strerror}); pass another --port") from None
    return ExitStatus.OK


def cmd_ledger(args: argparse.Namespace) -> ExitStatus:
    """``permify ledger``: list, export (CSV), forget entries, or print the path."""
    from ..archiving.ledger import Ledger  # only for this command
    from ..site import ArchiveSite

    path = ArchiveSite(ledger=args.ledger).ledger_path
    if args.action == "path":
        print(path)
        return ExitStatus.OK
    if not path.exists():
        raise UsageError(f"no ledger at {path} yet (nothing archived); pass --ledger PATH")
    with Ledger(path) as ledger:
        if args.action == "forget":
            if not args.target:
                raise UsageError("ledger forget needs a URL or a GUID")
            guid = perma_guid(args.target) or (args.target.upper() if "://" not in args.target else None)
            count = ledger.forget(guid=guid) if guid else ledger.forget(url_key=dedupe_key(args.target))
            print(f"permify: forgot {count} ledger entr{'y' if count == 1 else 'ies'}", file=sys.stderr)
            return ExitStatus.OK
        entries = ledger.entries()
        fields = ("url", "guid", "status", "folder_id", "api_host", "updated_at", "message")
        if args.action == "export":
            if not args.target:
                raise UsageError("ledger export needs a CSV path")
            import csv
            import io

            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(fields)
            for e in entries:
                writer.writerow([getattr(e, f) if getattr(e, f) is not None else "" for f in fields])
            atomic_write(args.target, buffer.getvalue().encode("utf-8-sig"))
            print(f"permify: {len(entries)} entries -> {args.target}", file=sys.stderr)
            return ExitStatus.OK
        names = ledger.folder_names()
        for e in entries:
            link = perma_url(e.guid) if e.guid else "-"
            folder = names.get((e.api_host, e.folder_id)) or f"folder {e.folder_id}"
            print(f"{e.status:9} {link:28} {safe_text(folder, 60)}  {safe_text(e.url, 2000)}")
    return ExitStatus.OK
