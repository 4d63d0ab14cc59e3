"""The Perma.cc API: the client, its transport session, the models and folder paths."""

from __future__ import annotations

from .client import PermaClient, check_url_for_perma, normalize_guid
from .models import (
    GUID_ALPHABET,
    MAX_URL_LENGTH,
    PROTOCOL_ERROR,
    Archive,
    Batch,
    Capture,
    CaptureJob,
    Folder,
    Organization,
    User,
    is_perma_guid,
)
from .session import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, TIMEOUT_OPTION, PermaSession, RetryPolicy

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
