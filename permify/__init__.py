"""permify: archive every URL a manuscript cites with Perma.cc, and write the Perma links back.

The library is the product; the ``permify`` command and the ``permify-filter`` pandoc filter
use only what is exported here::

    import permify

    result = permify.archive_document("article.docx", folder="Law Review/Vol 12/Smith")
    print(result.counts)                     # {'archived': 41, 'reused': 3, 'failed': 1, 'skipped': 6}

    with permify.ArchiveSite(folder="Law Review/Vol 12") as site:   # where to archive, resolved once
        result = permify.archive_documents(["a.md", "refs.bib"], site=site,
                                           progress=lambda event: print(event.kind, event.message))

    review = permify.review_documents(["article.perma.docx"])   # are the Perma links in it sound?
    for row in review.rows:
        print(row.location, row.perma_url, row.status, row.reason)

    with permify.PermaClient(api_key) as perma:   # the whole Perma.cc API
        for folder in perma.list_top_folders():
            print(folder.id, folder.name)
"""

from __future__ import annotations

from ._lazy import lazy_exports
from ._version import __version__
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

# typing.TYPE_CHECKING without importing typing (about 9 ms of every start, `permify --help`
# included); type checkers treat a name TYPE_CHECKING as true all the same.
TYPE_CHECKING = False

if TYPE_CHECKING:  # the names below load on first use (PEP 562): importing the package stays cheap
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
    from .archiving.options import ArchiveOptions, ProgressCallback, ProgressEvent, ProgressKind
    from .archiving.outcomes import Outcome, OutcomeStatus, UrlRequest
    from .documents import Citation, DocumentScan, scan_document, url_requests
    from .formats.base import CitedUrl, ScanOptions
    from .formats.options import RewriteOptions
    from .link_review import ReviewResult, ReviewRow, review_documents, write_review_report
    from .perma import Archive, Batch, CaptureJob, Folder, Organization, PermaClient, PermaSession, RetryPolicy, User
    from .perma.folders import folder_tree, resolve_folder
    from .report import ReportRow, build_report, write_report
    from .review import ReviewError, Verdict, review_archive, review_archives, review_capture
    from .site import ArchiveSite
    from .urls import classify, dedupe_key, find_urls

# Where each public name lives; it is imported on first access (see __getattr__).
_LAZY = {
    'RunResult': '.api',
    'archive_document': '.api',
    'archive_documents': '.api',
    'check_documents': '.api',
    'ensure_archives': '.api',
    'known_archives': '.api',
    'scan_documents': '.api',
    'Archiver': '.archiving.archiver',
    'FolderLedger': '.archiving.folder_ledger',
    'Ledger': '.archiving.ledger',
    'LedgerEntry': '.archiving.ledger',
    'LedgerStatus': '.archiving.ledger',
    'default_ledger_path': '.archiving.ledger',
    'ArchiveOptions': '.archiving.options',
    'Outcome': '.archiving.outcomes',
    'OutcomeStatus': '.archiving.outcomes',
    'ProgressCallback': '.archiving.options',
    'ProgressEvent': '.archiving.options',
    'ProgressKind': '.archiving.options',
    'UrlRequest': '.archiving.outcomes',
    'Citation': '.documents',
    'DocumentScan': '.documents',
    'scan_document': '.documents',
    'url_requests': '.documents',
    'CitedUrl': '.formats.base',
    'RewriteOptions': '.formats.options',
    'ScanOptions': '.formats.base',
    'ReviewResult': '.link_review',
    'ReviewRow': '.link_review',
    'review_documents': '.link_review',
    'write_review_report': '.link_review',
    'Archive': '.perma',
    'Batch': '.perma',
    'CaptureJob': '.perma',
    'Folder': '.perma',
    'Organization': '.perma',
    'PermaClient': '.perma',
    'PermaSession': '.perma',
    'RetryPolicy': '.perma',
    'User': '.perma',
    'folder_tree': '.perma.folders',
    'resolve_folder': '.perma.folders',
    'ReportRow': '.report',
    'build_report': '.report',
    'write_report': '.report',
    'ReviewError': '.review',
    'Verdict': '.review',
    'review_archive': '.review',
    'review_archives': '.review',
    'review_capture': '.review',
    'ArchiveSite': '.site',
    'classify': '.urls',
    'dedupe_key': '.urls',
    'find_urls': '.urls',
}

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
    "ReviewError",
    "ReviewResult",
    "ReviewRow",
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
    "Verdict",
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
    "review_archive",
    "review_archives",
    "review_capture",
    "review_documents",
    "scan_document",
    "scan_documents",
    "url_requests",
    "write_report",
    "write_review_report",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
