"""The Perma.cc API: the client, its transport session, the models and folder paths."""

from __future__ import annotations

from .._lazy import lazy_exports

# typing.TYPE_CHECKING without importing typing (about 9 ms of every start, `permify --help`
# included); type checkers treat a name TYPE_CHECKING as true all the same.
TYPE_CHECKING = False

if TYPE_CHECKING:  # the names below load on first use (PEP 562): importing the package stays cheap
    from .accounts import Folder, Organization, User
    from .client import PermaClient, check_url_for_perma, normalize_guid
    from .models import (
        GUID_ALPHABET,
        MAX_URL_LENGTH,
        PROTOCOL_ERROR,
        Archive,
        Batch,
        Capture,
        CaptureJob,
        is_perma_guid,
    )
    from .session import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, TIMEOUT_OPTION, PermaSession, RetryPolicy

# Where each public name lives; it is imported on first access (see __getattr__).
_LAZY = {
    'PermaClient': '.client',
    'check_url_for_perma': '.client',
    'normalize_guid': '.client',
    'GUID_ALPHABET': '.models',
    'MAX_URL_LENGTH': '.models',
    'PROTOCOL_ERROR': '.models',
    'Archive': '.models',
    'Batch': '.models',
    'Capture': '.models',
    'CaptureJob': '.models',
    'Folder': '.accounts',
    'Organization': '.accounts',
    'User': '.accounts',
    'is_perma_guid': '.models',
    'DEFAULT_BASE_URL': '.session',
    'DEFAULT_TIMEOUT': '.session',
    'TIMEOUT_OPTION': '.session',
    'PermaSession': '.session',
    'RetryPolicy': '.session',
}

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "GUID_ALPHABET",
    "MAX_URL_LENGTH",
    "PROTOCOL_ERROR",
    "TIMEOUT_OPTION",
    "Archive",
    "Batch",
    "Capture",
    "CaptureJob",
    "Folder",
    "Organization",
    "PermaClient",
    "PermaSession",
    "RetryPolicy",
    "User",
    "check_url_for_perma",
    "is_perma_guid",
    "normalize_guid",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
