"""Creating an archive: Perma's checks in Perma's order, shared by single and batch POSTs."""

from __future__ import annotations

import json
from typing import Any

from permify.sandbox.model import Folder, Job, Link, User
from permify.sandbox.state import State
from permify.sandbox.urlcheck import has_control_chars, matches, netloc, normalize, validate

QUOTA_MESSAGE = (
    "Perma can't create this link. You've reached your usage limit. Visit your Usage Plan page "
    "for information and plan options."
)
FOLDER_NOT_FOUND = {"folder": ["Folder not found."]}


def _type_name(value: Any) -> str:
    return type(value).__name__


def preliminary_errors(data: dict[str, Any]) -> Any:
    """Errors found before Perma creates a job row (``human`` type, control characters)."""
    human = data.get("human", False)
    if not isinstance(human, bool):
        return {"human": f"Value must be of type bool, not {_type_name(human)}."}
    url = data.get("url", "")
    if url is None:
        return {"url": ["This field may not be null."]}
    if not isinstance(url, str):
        return {"url": ["Not a valid string."]}
    if has_control_chars(url):
        return {"url": "Unicode error while processing URL."}
    return None


def resolve_folder(state: State, user: User, value: Any, default: Folder | None) -> Folder:
    """The target folder: a truthy body ``folder`` wins, else ``default``, else Personal Links."""
    if value in (None, "", 0, False):
        return default or state.folders[user.root_folder_id]
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
    ):
        raise ValueError("not an integer")
    folder = state.folders.get(int(value))
    if folder is None or not state.can_access(user, folder):
        raise ValueError("not accessible")
    return folder


def _field_errors(data: dict[str, Any], url: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if len(url) > 2100:
        errors["url"] = ["Ensure this field has no more than 2100 characters."]
    if "title" in data and data["title"] is not None:
        title = data["title"]
        if not isinstance(title, str) or not title.strip():
            errors["title"] = ["This field may not be blank."]
        elif len(title) > 2100:
            errors["title"] = ["Ensure this field has no more than 2100 characters."]
    description = data.get("description")
    if isinstance(description, str) and len(description) > 300:
        errors["description"] = ["Ensure this field has no more than 300 characters."]
    return errors


def submit(state: State, user: User, data: dict[str, Any], *, default_folder: Folder | None,
           batch_id: int | None = None) -> tuple[Job | None, Link | None, Any]:
    """Run one create. Returns ``(job, link, errors)``: a link on success, else the 400 body.

    ``job`` is None only when Perma fails before creating a job row. Call under the lock.
    """
    early = preliminary_errors(data)
    raw_url = data.get("url", "") if isinstance(data.get("url", ""), str) else ""
    now = state.now()
    if early is not None and batch_id is None:
        return None, None, early
    job = Job(state.next_id("job"), raw_url, user.id, now, human=data.get("human") is True,
              batch_id=batch_id)
    state.jobs[job.id] = job
    errors = early if early is not None else _errors(state, user, data, raw_url, default_folder)
    if errors is not None:
        job.message = json.dumps(errors)
        return job, None, errors
    folder = resolve_folder(state, user, data.get("folder"), default_folder)
    url = normalize(raw_url)
    org = state.orgs.get(folder.organization) if folder.organization else None
    private = bool(data.get("is_private")) or bool(org and org.default_to_private)
    title = data.get("title") or netloc(url)
    guid = state.new_guid()
    job.guid = guid
    job.start_at = now + state.config.queue_seconds
    job.end_at = job.start_at + state.config.capture_seconds
    job.fails = matches(url, state.config.fail_patterns)
    link = Link(guid, url, title, data.get("description"), str(data.get("notes") or ""), private,
                "user" if private else None, folder.id, user.id, now, job.id,
                default_to_screenshot_view=bool(data.get("default_to_screenshot_view")))
    state.links[guid] = link
    return job, link, None


def _errors(state: State, user: User, data: dict[str, Any], raw_url: str,
            default_folder: Folder | None) -> Any:
    try:
        folder = resolve_folder(state, user, data.get("folder"), default_folder)
    except ValueError:
        return FOLDER_NOT_FOUND
    if state.is_personal(folder) and state.links_remaining(user.id) == 0:
        return {"error": [QUOTA_MESSAGE]}
    fields = _field_errors(data, raw_url)
    if fields:
        return fields
    if not raw_url.strip():
        return {"url": ["URL cannot be empty."]}
    message = validate(normalize(raw_url), state.config.invalid_patterns)
    if message:
        return {"url": [message]}
    return None
