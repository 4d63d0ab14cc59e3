"""The Perma.cc API: the client, its transport session, the models and folder paths."""

from __future__ import annotations

from .client import PermaClient, normalize_guid
from .models import Archive, Batch, Capture, CaptureJob, Folder, Organization, User
from .session import DEFAULT_BASE_URL, PermaSession, RetryPolicy

__all__ = [
    "DEFAULT_BASE_URL",
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
    "normalize_guid",
]
