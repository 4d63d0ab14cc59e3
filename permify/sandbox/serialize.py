"""JSON shapes of the API objects, exactly as Perma's serializers write them (docs/perma-api.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from permify.sandbox.captures import kind_of, stored
from permify.sandbox.config import ARCHIVE_DELAY
from permify.sandbox.model import Batch, Folder, Job, Link, Organization, User
from permify.sandbox.state import State
from permify.sandbox.urlcheck import ascii_url

FAILED_CAPTURE = json.dumps({"error": ["Failed during capture."]})


def ts(t: float | None) -> str | None:
    """ISO-8601 UTC with ``Z``; microseconds only when non-zero (Django REST Framework style)."""
    if t is None:
        return None
    moment = datetime.fromtimestamp(t, tz=timezone.utc)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def folder_obj(state: State, folder: Folder) -> dict[str, Any]:
    """The folder object: integer ``parent``, ``path`` as a hyphen-joined id chain."""
    return {
        "id": folder.id,
        "name": folder.name,
        "parent": folder.parent,
        "has_children": any(f.parent == folder.id for f in state.folders.values()),
        "path": "-".join(str(f.id) for f in state.ancestors(folder)),
        "organization": folder.organization,
        "sponsored_by": None,
        "is_sponsored_root_folder": False,
        "read_only": False,
    }


def org_obj(state: State, org: Organization) -> dict[str, Any]:
    """The organization object, with the registrar's name and the shared folder."""
    return {
        "id": org.id,
        "name": org.name,
        "registrar": org.registrar,
        "default_to_private": org.default_to_private,
        "shared_folder": folder_obj(state, state.folders[org.shared_folder_id]),
    }


def user_obj(user: User) -> dict[str, Any]:
    """The short user object used for ``created_by``."""
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "short_name": user.short_name,
    }


def warc_size(state: State, link: Link) -> int | None:
    """Size of the stored WARC once the capture completed, else None."""
    status, _start, end = state.job_status(state.jobs[link.job_id])
    if status != "completed" or end is None:
        return None
    return len(stored(link.guid, link.url, end))


_UPLOAD_EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def _captures(state: State, link: Link, status: str) -> list[dict[str, Any]]:
    if link.upload_content_type:
        # A file the user uploaded replaces the capture: one primary ``resource`` capture.
        ext = _UPLOAD_EXTENSIONS.get(link.upload_content_type, "pdf")
        return [{
            "role": "primary",
            "status": "success",
            "url": f"file:///{link.guid}/upload.{ext}",
            "record_type": "resource",
            "content_type": link.upload_content_type,
            "user_upload": True,
        }]
    kind = kind_of(link.url)
    primary = {
        "role": "primary",
        "status": {"completed": "success", "failed": "failed"}.get(status, "pending"),
        "url": ascii_url(link.url),
        "record_type": "response",
        "content_type": kind.content_type if status == "completed" else "",
        "user_upload": False,
    }
    out = [primary]
    if status == "completed" and kind.screenshot is not None:
        out.append({
            "role": "screenshot",
            "status": kind.screenshot,
            "url": "file:///screenshot.png",
            "record_type": "resource",
            "content_type": "image/png",
            "user_upload": False,
        })
    return out


def public_archive(state: State, link: Link, base: str, route: str = "public/archives") -> dict:
    """The 10-key public archive object. ``base`` is the absolute ``.../v1`` URL."""
    status, start, end = state.job_status(state.jobs[link.job_id])
    size = warc_size(state, link)
    return {
        "guid": link.guid,
        "creation_timestamp": ts(link.created_at),
        "url": link.url,
        "title": link.title,
        "description": link.description,
        "warc_size": size,
        "warc_download_url": f"{base}/{route}/{link.guid}/download" if size else None,
        "captures": _captures(state, link, status),
        "queue_time": int(start - link.created_at) if start is not None else None,
        "capture_time": int(end - start) if (start is not None and end is not None) else None,
    }


def auth_archive(state: State, link: Link, base: str) -> dict[str, Any]:
    """The authenticated archive object: the public keys plus owner-only ones."""
    out = public_archive(state, link, base, route="archives")
    folder = state.folders.get(link.folder_id)
    org = state.orgs.get(folder.organization) if folder and folder.organization else None
    out.update({
        "notes": link.notes,
        "created_by": user_obj(state.users[link.created_by]),
        "is_private": link.is_private,
        "private_reason": link.private_reason,
        "user_deleted": link.deleted,
        "archive_timestamp": ts(link.created_at + ARCHIVE_DELAY),
        "organization": org_obj(state, org) if org else None,
        "default_to_screenshot_view": link.default_to_screenshot_view,
    })
    return out


def _queue_position(state: State, job: Job, now: float) -> int:
    ahead = 0
    for other in state.jobs.values():
        if state.job_status(other, now)[0] != "pending":
            continue
        if other.human and (not job.human or other.id <= job.id):
            ahead += 1
        elif not other.human and not job.human and other.id <= job.id:
            ahead += 1
    return ahead


def _progress(status: str, start: float | None, now: float) -> tuple[float, str | None]:
    if status == "in_progress" and start is not None:
        return 1 + min((now - start) / 60.0, 0.99), "Waiting for Scoop job to finish: started"
    if status == "completed":
        return 4.0, "Saving web archive file (WARC)"
    if status == "failed":
        return 1.0, "Capturing with the Scoop REST API"
    return 0.0, None


def job_obj(state: State, job: Job, now: float | None = None) -> dict[str, Any]:
    """The capture job object; ``message`` is a JSON-encoded string or null."""
    now = state.now() if now is None else now
    status, start, end = state.job_status(job, now)
    link = state.links.get(job.guid) if job.guid else None
    step_count, step_description = _progress(status, start, now)
    message = job.message
    if status == "failed":
        message = FAILED_CAPTURE
    return {
        "guid": job.guid if link else None,
        "status": status,
        "message": message,
        "submitted_url": job.submitted_url[:2100],
        "attempt": 1 if start is not None else 0,
        "step_count": step_count,
        "step_description": step_description,
        "capture_start_time": ts(start),
        "capture_end_time": ts(end),
        "queue_position": _queue_position(state, job, now) if status == "pending" else 0,
        "title": link.title if link else "",
        "user_deleted": link.deleted if link else None,
    }


def batch_obj(state: State, batch: Batch, detailed: bool = True) -> dict[str, Any]:
    """A batch; the detailed form (every GET and the POST) nests the target folder object."""
    now = state.now()
    jobs = sorted((state.jobs[i] for i in batch.job_ids), key=lambda j: (not j.human, j.id))
    folder = state.folders.get(batch.target_folder)
    return {
        "id": batch.id,
        "started_on": ts(batch.started_on),
        "created_by": batch.created_by,
        "capture_jobs": [job_obj(state, j, now) for j in jobs],
        "target_folder": folder_obj(state, folder) if detailed and folder else batch.target_folder,
    }
