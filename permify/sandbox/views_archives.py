"""Archive endpoints: public list/detail/download, and the authenticated archive resource."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from typing import Any

from permify.sandbox.actions import FOLDER_NOT_FOUND, resolve_folder, submit
from permify.sandbox.captures import download as download_bytes
from permify.sandbox.config import API_MAX_PAGES, ARCHIVE_DELAY
from permify.sandbox.model import Folder, Link
from permify.sandbox.serialize import auth_archive, public_archive
from permify.sandbox.state import State
from permify.sandbox.urlcheck import canonical
from permify.sandbox.web import (
    Request,
    Response,
    bad_request,
    forbidden,
    json_response,
    not_found,
    paginate,
)

# PATCH keys that are writable model fields but not updatable.
_FORBIDDEN_PATCH = ("url", "submitted_url", "user_deleted", "archive_timestamp", "warc_size",
                    "submitted_title", "submitted_description", "creation_timestamp")
_ONLY_UPDATES = ("Only updates on these fields are allowed: submitted_title, submitted_description, "
                 "notes, is_private, private_reason, default_to_screenshot_view")
_TRUE = (True, "true", "True", "1", 1, "on", "yes")
_FALSE = (False, "false", "False", "0", 0, "off", "no")


# ---------------------------------------------------------------------- shared lookups


def get_folder(state: State, req: Request, folder_id: str) -> Folder:
    """The folder at ``folder_id``: 404 if missing, 403 if not accessible."""
    folder = state.folders.get(int(folder_id))
    if folder is None:
        raise not_found()
    if not state.can_access(req.auth_user, folder):
        raise forbidden()
    return folder


def get_link(state: State, req: Request, guid: str) -> Link:
    """A live link by exact GUID: 404 if missing or deleted, 403 if not accessible."""
    link = state.links.get(guid)
    if link is None or link.deleted:
        raise not_found()
    if not state.link_accessible(req.auth_user, link):
        raise forbidden()
    return link


def _parse_when(name: str, value: str) -> datetime:
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            # A "+" in an unencoded query string arrives as a space.
            moment = datetime.fromisoformat(value.replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        raise bad_request({name: ["Enter a valid date/time."]}) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def filter_links(req: Request, links: list[Link], *, with_notes: bool) -> list[Link]:
    """Apply ``url=`` (canonical equality), ``q=``, ``date=``, ``min_date=``, ``max_date=``."""
    url = req.q("url")
    if url:
        key = canonical(url)
        links = [lk for lk in links if canonical(lk.url) == key]
    terms = (req.q("q") or "").lower().split()
    for term in terms:
        links = [lk for lk in links if any(
            term in field.lower()
            for field in (lk.guid, lk.url, lk.title, lk.notes if with_notes else ""))]
    for name, keep in (
        ("date", lambda t, m: datetime.fromtimestamp(t, timezone.utc).date() == m.date()),
        ("min_date", lambda t, m: t >= m.timestamp()),
        ("max_date", lambda t, m: t <= m.timestamp()),
    ):
        value = req.q(name)
        if value:
            moment = _parse_when(name, value)
            links = [lk for lk in links if keep(lk.created_at, moment)]
    return links


# ---------------------------------------------------------------------- public


def _public(state: State, guid: str) -> Link:
    link = state.links.get(guid)
    if link is None or link.deleted or link.is_private or link.is_unlisted:
        raise not_found()
    return link


def public_list(state: State, req: Request) -> Response:
    """GET /v1/public/archives: discoverable links, newest first; filters ignored (as newer servers do)."""
    links = [lk for lk in state.live_links() if not lk.is_private and not lk.is_unlisted]
    return paginate(req, links, lambda lk: public_archive(state, lk, req.base),
                    max_pages=API_MAX_PAGES)


def public_detail(state: State, req: Request, guid: str) -> Response:
    """GET /v1/public/archives/:guid."""
    return json_response(200, public_archive(state, _public(state, guid), req.base))


def _download(state: State, req: Request, link: Link) -> Response:
    file_format = req.q("file_format") or "warc"
    if file_format not in ("warc", "wacz"):
        raise bad_request({"file_format": "The specified format is not supported. Options: warc, wacz."})
    status, _start, end = state.job_status(state.jobs[link.job_id])
    if status != "completed" or end is None or file_format == "wacz":
        raise not_found()
    body = download_bytes(link.guid, link.url, end, state.now())
    if body is None:  # a ``warc-missing`` capture: Perma has no file to serve
        raise not_found()
    disposition = f'attachment; filename="{link.guid}.warc.gz"'
    return Response(200, body, "application/gzip", [("Content-Disposition", disposition)],
                    stream=True)


def public_download(state: State, req: Request, guid: str) -> Response:
    """GET /v1/public/archives/:guid/download: 404 until the capture job completed."""
    return _download(state, req, _public(state, guid))


# ---------------------------------------------------------------------- authenticated


def archives_list(state: State, req: Request) -> Response:
    """GET /v1/archives: every link in a folder the caller can access, newest first."""
    links = [lk for lk in state.live_links() if state.link_accessible(req.auth_user, lk)]
    links = filter_links(req, links, with_notes=True)
    return paginate(req, links, lambda lk: auth_archive(state, lk, req.base))


def folder_archives_list(state: State, req: Request, folder_id: str) -> Response:
    """GET /v1/folders/:id/archives: links directly in that folder, newest first."""
    folder = get_folder(state, req, folder_id)
    links = [lk for lk in state.live_links() if lk.folder_id == folder.id]
    links = filter_links(req, links, with_notes=True)
    return paginate(req, links, lambda lk: auth_archive(state, lk, req.base))


def create(state: State, req: Request, folder_id: str | None = None) -> Response:
    """POST /v1/archives and /v1/folders/:id/archives (runs without the global lock)."""
    data = req.data()
    with state.lock:
        default = get_folder(state, req, folder_id) if folder_id is not None else None
    if state.config.validation_seconds > 0:
        # Perma validates the URL synchronously (a network call); outside the lock.
        time.sleep(state.config.validation_seconds)
    with state.lock:
        _job, link, errors = submit(state, req.auth_user, data, default_folder=default)
        if errors is not None or link is None:
            raise bad_request(errors)
        return json_response(201, auth_archive(state, link, req.base))


def detail(state: State, req: Request, guid: str) -> Response:
    """GET /v1/archives/:guid."""
    return json_response(200, auth_archive(state, get_link(state, req, guid), req.base))


def _bool(name: str, value: Any) -> bool:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_request({name: ["Must be a valid boolean."]})


def patch(state: State, req: Request, guid: str) -> Response:
    """PATCH /v1/archives/:guid: title, description, notes, privacy, screenshot view, folder."""
    link = get_link(state, req, guid)
    data = req.data()
    if any(key in data for key in _FORBIDDEN_PATCH):
        raise bad_request([_ONLY_UPDATES])
    errors: dict[str, list[str]] = {}
    if "title" in data and (not isinstance(data["title"], str) or not data["title"].strip()):
        errors["title"] = ["This field may not be blank."]
    description = data.get("description")
    if isinstance(description, str) and len(description) > 300:
        errors["description"] = ["Ensure this field has no more than 300 characters."]
    if "is_private" in data and link.private_reason not in (None, "", "user", "meta"):
        errors["is_private"] = ["Cannot change link privacy."]
    if errors:
        raise bad_request(errors)
    target = None
    if data.get("folder") not in (None, ""):
        try:
            target = resolve_folder(state, req.auth_user, data["folder"], None)
        except ValueError:
            raise bad_request(FOLDER_NOT_FOUND) from None
    private = _bool("is_private", data["is_private"]) if "is_private" in data else None
    screenshot = (_bool("default_to_screenshot_view", data["default_to_screenshot_view"])
                  if "default_to_screenshot_view" in data else None)
    if "title" in data:
        link.title = data["title"]
    if "description" in data:
        link.description = description
    if "notes" in data:
        link.notes = str(data["notes"] or "")
    if private is not None:
        link.is_private, link.private_reason = private, ("user" if private else None)
    if screenshot is not None:
        link.default_to_screenshot_view = screenshot
    if target is not None:
        link.folder_id = target.id
    return json_response(200, auth_archive(state, link, req.base))


def delete(state: State, req: Request, guid: str) -> Response:
    """DELETE /v1/archives/:guid: 204 within 24 h; 403 when permanent; 400 while capturing."""
    link = get_link(state, req, guid)
    now = state.now()
    if now >= link.created_at + ARCHIVE_DELAY:
        raise forbidden()
    if state.link_status(link, now) == "in_progress":
        raise bad_request(
            {"error": ["Capture in progress: please wait until complete before deleting."]})
    link.deleted_at = now
    return Response(204, b"", None)


def download(state: State, req: Request, guid: str) -> Response:
    """GET /v1/archives/:guid/download."""
    return _download(state, req, get_link(state, req, guid))


def move(state: State, req: Request, folder_id: str, guid: str) -> Response:
    """PUT /v1/folders/:id/archives/:guid: move the link into the folder."""
    folder = get_folder(state, req, folder_id)
    link = get_link(state, req, guid)
    link.folder_id = folder.id
    return json_response(200, auth_archive(state, link, req.base))
