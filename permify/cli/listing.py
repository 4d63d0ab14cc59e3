"""The bodies of ``permify urls`` and ``permify check``: read documents, print what they cite.

Kept apart from :mod:`permify.cli.commands` because these two commands send nothing and must
start fast: this module loads the document scanners and the URL rules, never the archiving
stack, the ledger, the review or the HTTP client.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ..config import load_scan_options
from ..documents import DocumentScan, scan_document
from ..exit_status import ExitStatus
from ..formats.base import ScanOptions
from ..text import safe_text

__all__ = ["cmd_check", "cmd_urls", "scan_options"]


def scan_options(args: argparse.Namespace) -> ScanOptions:
    """``--bib-url-field``/``--bib-skip-field`` and ``--skip-host``/``--include-host`` added
    to the configured ones, with ``--include-comments`` and ``--include-quoted``."""
    configured = load_scan_options(bib_url_fields=args.bib_url_field, bib_skip_fields=args.bib_skip_field,
                                   skip_hosts=args.skip_host, include_hosts=args.include_host)
    return replace(configured, include_comments=args.include_comments, include_quoted=args.include_quoted)


def _scans(args: argparse.Namespace) -> list[DocumentScan]:
    """Every input scanned, in order (as :func:`permify.scan_documents` does; raises on the
    first bad input)."""
    options = scan_options(args)
    return [scan_document(p, fmt=args.fmt, archive_doi=args.archive_doi, options=options) for p in args.files]


def cmd_urls(args: argparse.Namespace) -> ExitStatus:
    """``permify urls``: every cited URL with location, classification and archive link."""
    rows = []
    for scan in _scans(args):
        for c in scan.citations:
            rows.append({
                "file": scan.path,
                "location": c.cited.location,
                "url": c.cited.url,
                "kind": c.cited.kind,
                "action": "archived" if c.state == "linked" else c.classification.status,
                "reason": c.classification.reason or "",
                "perma_url": c.cited.existing_archive or "",
                "note": c.classification.note or "",
            })
        for warning in scan.parsed.warnings:
            print(f"permify: {safe_text(scan.path)}: warning: {safe_text(warning, 600)}", file=sys.stderr)
    if args.output_format == "json":
        import json

        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif args.output_format == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["file"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in rows:
            tail = r["perma_url"] or (f"skip: {r['reason']}" if r["action"] == "skip" else "")
            if r["note"]:
                tail = f"{tail}\tnote: {r['note']}" if tail else f"note: {r['note']}"
            where = safe_text(f"{r['file']}:{r['location']}", 400)
            tail = f"\t{safe_text(tail, 400)}" if tail else ""
            print(f"{where}\t{r['action']}\t{safe_text(r['url'], 2000)}{tail}")
    return ExitStatus.OK


def cmd_check(args: argparse.Namespace) -> ExitStatus:
    """``permify check``: exit 1 when a URL that should be archived has no Perma link beside it."""
    missing = 0
    total = 0
    for scan in _scans(args):
        for c in scan.citations:
            if c.state in ("archive", "linked"):
                total += 1
            if c.state == "archive":
                missing += 1
                where = safe_text(f"{scan.path}:{c.cited.location}", 400)
                print(f"{where}: no Perma link: {safe_text(c.cited.url, 2000)}")
    if missing:
        print(f"permify: {missing} of {total} cited URLs have no Perma link", file=sys.stderr)
        return ExitStatus.FAILED
    print(f"permify: all {total} cited URLs have a Perma link", file=sys.stderr)
    return ExitStatus.OK
