"""permify: archive every URL a manuscript cites with Perma.cc, and write the Perma links back.

The library is the product; the ``permify`` command and the ``permify-filter`` pandoc filter
use only what is exported here::

    import permify

    result = permify.archive_document("article.docx", folder="Law Review/Vol 12/Smith")
    print(result.counts)                     # {'archived': 41, 'reused': 3, 'failed': 1, 'skipped': 6}

    with permify.ArchiveSite(folder="Law Review/Vol 12") as site:   # where to archive, resolved once
        result = permify.archive_documents(["a.md", "refs.bib"], site=site,
                                           progress=lambda event: print(event.kind, event.message))

    with permify.PermaClient(api_key) as perma:   # the whole Perma.cc API
        for folder in perma.list_top_folders():
            print(folder.id, folder.name)
"""

from __future__ import annotations

from ._version import __version__
from .api import (
    RunResult,
    archive_document,
    archive_documents,
    check_documents,
    ensure_archives,
    known_archives,
    scan_documents,
)
from .archiving.archiver import Archiver
from .archiving.folder_ledger import FolderLedger
from .archiving.ledger import Ledger, LedgerEntry, LedgerStatus, default_ledger_path
from .archiving.outcomes import (
    ArchiveOptions,
    Outcome,
    OutcomeStatus,
    ProgressCallback,
    ProgressEvent,
    ProgressKind,
    UrlRequest,
)
from .documents import Citation, DocumentScan, scan_document, url_requests
from .errors import (
    AuthenticationError,
    ConfigError,
    InputError,
    Interrupted,
    InvalidGuidError,
    LedgerError,
    NetworkError,
    NotFoundError,
    OutputError,
    PermaError,
    PermifyError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    StrictModeError,
    UnknownOutcomeError,
    UnsafeTransportError,
    UnsupportedFormatError,
    UsageError,
    ValidationError,
)
from .exit_status import ExitStatus
from .formats.base import CitedUrl, RewriteOptions, ScanOptions
from .perma import Archive, Batch, CaptureJob, Folder, Organization, PermaClient, PermaSession, RetryPolicy, User
from .perma.folders import folder_tree, resolve_folder
from .report import ReportRow, build_report, write_report
from .site import ArchiveSite
from .urls import classify, dedupe_key, find_urls

__all__ = [
    "Archive",
    "ArchiveOptions",
    "ArchiveSite",
    "Archiver",
    "AuthenticationError",
    "Batch",
    "CaptureJob",
    "Citation",
    "CitedUrl",
    "ConfigError",
    "DocumentScan",
    "ExitStatus",
    "Folder",
    "FolderLedger",
    "InputError",
    "Interrupted",
    "InvalidGuidError",
    "Ledger",
    "LedgerEntry",
    "LedgerError",
    "LedgerStatus",
    "NetworkError",
    "NotFoundError",
    "Organization",
    "Outcome",
    "OutcomeStatus",
    "OutputError",
    "PermaClient",
    "PermaError",
    "PermaSession",
    "PermifyError",
    "PermissionDeniedError",
    "ProgressCallback",
    "ProgressEvent",
    "ProgressKind",
    "QuotaExceededError",
    "RateLimitedError",
    "ReportRow",
    "RetryPolicy",
    "RewriteOptions",
    "RunResult",
    "ScanOptions",
    "ServerError",
    "StrictModeError",
    "UnknownOutcomeError",
    "UnsafeTransportError",
    "UnsupportedFormatError",
    "UrlRequest",
    "UsageError",
    "User",
    "ValidationError",
    "__version__",
    "archive_document",
    "archive_documents",
    "build_report",
    "check_documents",
    "classify",
    "dedupe_key",
    "default_ledger_path",
    "ensure_archives",
    "find_urls",
    "folder_tree",
    "known_archives",
    "resolve_folder",
    "scan_document",
    "scan_documents",
    "url_requests",
    "write_report",
]
