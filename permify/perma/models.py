"""The archives' side of the Perma.cc API as frozen dataclasses: archives and their captures,
capture jobs and batches (folders, organizations and the user are in :mod:`.accounts`).

Built with ``from_json`` class methods that tolerate what the real server does: unknown keys
(ignored), null fields, timestamps with and without microseconds, ``parent`` as an integer or
as the stale ``/v1/folders/25/`` form of the docs, and a capture job ``message`` that is a
JSON *string* to decode.

They also trust nothing: this is the edge where the server's answer becomes data that is
written into documents and the ledger. A GUID must be a Perma GUID (:func:`is_perma_guid`),
or the archive is refused with :class:`~permify.errors.ProtocolError` and a capture job is
marked as a protocol failure (:data:`PROTOCOL_ERROR`, no GUID) while the rest of its batch
stays usable. Every string is made safe to show (no control characters or escapes) and
capped in length; numbers and timestamps are parsed from bounded text only
(:mod:`.json_values`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..frozen import assemble
from ..text import safe_text
from .accounts import Folder, Organization
from .json_values import (
    TEXT_LIMIT,
    decode_messages,
    json_float,
    json_id,
    json_int,
    json_str,
    json_text,
    parse_timestamp,
)
from .validate import GUID_ALPHABET, MAX_URL_LENGTH, check_guid, is_perma_guid

__all__ = [
    "GUID_ALPHABET",
    "MAX_URL_LENGTH",
    "PROTOCOL_ERROR",
    "TRANSITIONAL_STATUSES",
    "Archive",
    "Batch",
    "Capture",
    "CaptureJob",
    "check_guid",
    "is_perma_guid",
]

#: Capture-job statuses that are still moving; a batch is settled when none of its jobs has one.
TRANSITIONAL_STATUSES = frozenset({"pending", "in_progress"})
#: The status given to a capture job whose answer broke the API's contract (e.g. a bad GUID).
PROTOCOL_ERROR = "protocol_error"
# Limits for strings kept from the server: URLs a little over Perma's own limit (so a match
# still works), titles at Perma's title limit (messages: json_values.TEXT_LIMIT).
_URL_LIMIT = 4096
_TITLE_LIMIT = MAX_URL_LENGTH
_STATUS_RE = re.compile(r"^[a-z_]{1,40}\Z")
_MAX_MESSAGES = 20


@dataclass(frozen=True)
class Capture:
    """One capture of an archive (the primary page, a screenshot, ...)."""

    role: str
    status: str
    url: str | None = None
    record_type: str | None = None
    content_type: str | None = None
    user_upload: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Capture:
        """Build from a capture object."""
        return assemble(cls, {
            "role": json_text(data.get("role"), 40),
            "status": json_text(data.get("status"), 40),
            "url": json_str(data.get("url"), _URL_LIMIT),
            "record_type": json_str(data.get("record_type"), 100),
            "content_type": json_str(data.get("content_type"), 200),
            "user_upload": bool(data.get("user_upload")),
        })


@dataclass(frozen=True)
class Archive:
    """A Perma link (public or authenticated form; the private fields are None in the public one)."""

    guid: str
    url: str
    title: str = ""
    creation_timestamp: datetime | None = None
    description: str | None = None
    warc_size: int | None = None
    warc_download_url: str | None = None
    captures: tuple[Capture, ...] = ()
    queue_time: int | None = None
    capture_time: int | None = None
    notes: str | None = None
    is_private: bool | None = None
    private_reason: str | None = None
    archive_timestamp: datetime | None = None
    organization: Organization | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Archive:
        """Build from a public or authenticated archive object.

        Raises :class:`~permify.errors.ProtocolError` when ``guid`` is not a Perma GUID.
        """
        org = data.get("organization")
        return assemble(cls, {  # a listing page builds hundreds: see permify.frozen
            "guid": check_guid(data["guid"]),
            "url": json_text(data.get("url"), _URL_LIMIT),
            "title": json_text(data.get("title"), _TITLE_LIMIT),
            "creation_timestamp": parse_timestamp(data.get("creation_timestamp")),
            "description": json_str(data.get("description")),
            "warc_size": json_int(data.get("warc_size")),
            "warc_download_url": json_str(data.get("warc_download_url"), _URL_LIMIT),
            "captures": tuple(Capture.from_json(c) for c in data.get("captures") or () if isinstance(c, dict)),
            "queue_time": json_int(data.get("queue_time")),
            "capture_time": json_int(data.get("capture_time")),
            "notes": json_str(data.get("notes")),
            "is_private": data.get("is_private") if isinstance(data.get("is_private"), bool) else None,
            "private_reason": json_str(data.get("private_reason"), 100),
            "archive_timestamp": parse_timestamp(data.get("archive_timestamp")),
            "organization": Organization.from_json(org) if isinstance(org, dict) else None,
        })

    @property
    def perma_url(self) -> str:
        """The public Perma link, ``https://perma.cc/GUID``."""
        return f"https://perma.cc/{self.guid}"

    @property
    def primary_status(self) -> str | None:
        """Status of the primary capture (``pending``, ``success``, ``failed``), if any."""
        for capture in self.captures:
            if capture.role == "primary":
                return capture.status
        return None


@dataclass(frozen=True)
class CaptureJob:
    """The capture job of one archive, or of one URL in a batch.

    ``guid`` is None for ``invalid`` jobs (the URL was rejected and no archive exists).
    ``errors`` is the decoded ``message`` (Perma sends it as a JSON string).

    A job whose answer breaks the API's contract (a GUID that is not a Perma GUID, a status
    that is not a plain word) gets ``status`` :data:`PROTOCOL_ERROR`, no GUID, and the
    reason in ``protocol_error`` and ``errors``: it is a failure for its URL only.
    """

    guid: str | None
    status: str
    submitted_url: str = ""
    message: str | None = None
    id: int | None = None
    attempt: int = 0
    step_count: float = 0.0
    step_description: str | None = None
    queue_position: int = 0
    capture_start_time: datetime | None = None
    capture_end_time: datetime | None = None
    title: str = ""
    user_deleted: bool | None = None
    errors: tuple[str, ...] = field(default=())
    protocol_error: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptureJob:
        """Build from a capture job object, decoding its JSON-string ``message``.

        Never raises for a bad GUID or status: the job becomes a :data:`PROTOCOL_ERROR` job.
        """
        message = data.get("message")
        guid = data.get("guid")
        status = data.get("status")
        errors = tuple(safe_text(m, TEXT_LIMIT) for m in decode_messages(message)[:_MAX_MESSAGES]) if message else ()
        problem: str | None = None
        if guid is not None and not is_perma_guid(guid):
            problem = "invalid GUID " + safe_text(repr(guid) if isinstance(guid, str) else type(guid).__name__, 60)
        elif status is not None and not (isinstance(status, str) and _STATUS_RE.match(status)):
            problem = "invalid status " + safe_text(repr(status), 60)
        if problem is not None:
            guid, status = None, PROTOCOL_ERROR
            errors = (f"Perma answered with an {problem} for this URL; it was not used",)
        user_deleted = data.get("user_deleted")
        return assemble(cls, {  # one per URL of every batch answer: see permify.frozen
            "guid": guid,
            "status": status or "",
            "submitted_url": json_text(data.get("submitted_url"), _URL_LIMIT),
            "message": safe_text(message, TEXT_LIMIT) if isinstance(message, str) else None,
            "id": json_int(data.get("id")),
            "attempt": json_int(data.get("attempt")) or 0,
            "step_count": json_float(data.get("step_count")),
            "step_description": json_str(data.get("step_description")),
            "queue_position": json_int(data.get("queue_position")) or 0,
            "capture_start_time": parse_timestamp(data.get("capture_start_time")),
            "capture_end_time": parse_timestamp(data.get("capture_end_time")),
            "title": json_text(data.get("title"), _TITLE_LIMIT),
            "user_deleted": user_deleted if isinstance(user_deleted, bool) else None,
            "errors": errors,
            "protocol_error": errors[0] if problem is not None else None,
        })

    @property
    def transitional(self) -> bool:
        """True while the job is ``pending`` or ``in_progress``."""
        return self.status in TRANSITIONAL_STATUSES

    @property
    def error_text(self) -> str:
        """Perma's own error message(s) for a failed or invalid job, joined for a report."""
        return "; ".join(self.errors) or (f"capture {self.status}" if self.status else "")


@dataclass(frozen=True)
class Batch:
    """A batch of archives created with one request.

    ``links_remaining`` is only set on the create response (None elsewhere); it is the
    caller's personal quota after the batch, ``float('inf')`` when unlimited.
    """

    id: int
    started_on: datetime | None = None
    created_by: int | None = None
    target_folder: Folder | None = None
    target_folder_id: int | None = None
    capture_jobs: tuple[CaptureJob, ...] = ()
    links_remaining: float | None = None
    links_remaining_period: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        """Build from a (detailed) batch object or a batch create response."""
        target = data.get("target_folder")
        remaining = data.get("links_remaining")
        if remaining == "Infinity":
            remaining_value: float | None = float("inf")
        elif isinstance(remaining, (int, float)) and not isinstance(remaining, bool):
            remaining_value = float(remaining)
        else:
            remaining_value = None
        folder = Folder.from_json(target) if isinstance(target, dict) else None
        return cls(
            id=json_id(data["id"]),
            started_on=parse_timestamp(data.get("started_on")),
            created_by=json_int(data.get("created_by")),
            target_folder=folder,
            target_folder_id=folder.id if folder else json_int(target),
            capture_jobs=tuple(
                CaptureJob.from_json(j) for j in data.get("capture_jobs") or () if isinstance(j, dict)
            ),
            links_remaining=remaining_value,
            links_remaining_period=json_str(data.get("links_remaining_period"), 40),
        )

    @property
    def settled(self) -> bool:
        """True when no job is pending or in progress."""
        return not any(job.transitional for job in self.capture_jobs)
