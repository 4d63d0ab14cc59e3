"""Folder endpoints: top level, detail, children, create, rename/move, delete (docs/perma-api.md#folders)."""

from __future__ import annotations

from typing import Any

from permify.sandbox.config import LONG_PAGE_SIZE
from permify.sandbox.model import Folder, User
from permify.sandbox.serialize import folder_obj
from permify.sandbox.state import State
from permify.sandbox.views_archives import get_folder
from permify.sandbox.web import (
    Request,
    Response,
    bad_request,
    json_response,
    not_found,
    paginate,
)

DUPLICATE_NAME = "A folder with that name already exists at that location."
_FORBIDDEN_PATCH = ("organization", "sponsored_by", "is_sponsored_root_folder", "read_only")


def top_level(state: State, req: Request) -> Response:
    """GET /v1/folders: Personal Links, then org shared folders by org name."""
    folders = state.top_level(req.auth_user)
    return paginate(req, folders, lambda f: folder_obj(state, f), cap=LONG_PAGE_SIZE)


def detail(state: State, req: Request, folder_id: str, parent_id: str | None = None) -> Response:
    """GET /v1/folders/:id (and /v1/folders/:parent/folders/:id, which checks only the parent)."""
    if parent_id is not None:
        get_folder(state, req, parent_id)
        folder = state.folders.get(int(folder_id))
        if folder is None:
            raise not_found()
    else:
        folder = get_folder(state, req, folder_id)
    return json_response(200, folder_obj(state, folder))


def children(state: State, req: Request, parent_id: str) -> Response:
    """GET /v1/folders/:id/folders: direct children ordered by name, then id."""
    parent = get_folder(state, req, parent_id)
    return paginate(req, state.children(parent.id), lambda f: folder_obj(state, f),
                    cap=LONG_PAGE_SIZE)


def _clean_name(data: dict[str, Any]) -> str:
    if "name" not in data:
        raise bad_request({"name": ["This field is required."]})
    name = data["name"]
    if name is None:
        raise bad_request({"name": ["This field may not be null."]})
    name = str(name).strip()
    if not name:
        raise bad_request({"name": ["This field may not be blank."]})
    if len(name) > 255:
        raise bad_request({"name": ["Ensure this field has no more than 255 characters."]})
    return name


def _body_parent(state: State, user: User, value: Any) -> Folder:
    """Resolve a ``parent`` given in a body (as newer servers do: missing or inaccessible is an invalid pk)."""
    if value is None:
        raise bad_request({"parent": ["This field may not be null."]})
    folder = None
    if isinstance(value, int) and not isinstance(value, bool):
        folder = state.folders.get(value)
    elif isinstance(value, str) and value.strip().isdigit():
        folder = state.folders.get(int(value))
    if folder is None or not state.can_access(user, folder):
        raise bad_request({"parent": [f'Invalid pk "{value}" - object does not exist.']})
    return folder


def _check_unique(state: State, parent: Folder, name: str, exclude: int | None = None) -> None:
    if any(f.name == name and f.id != exclude for f in state.children(parent.id)):
        raise bad_request({"name": [DUPLICATE_NAME]})


def create(state: State, req: Request, parent_id: str | None = None) -> Response:
    """POST /v1/folders/:parent/folders (or /v1/folders with a body ``parent``): 201."""
    data = req.data()
    parent = get_folder(state, req, parent_id) if parent_id is not None else None
    if "parent" in data:
        parent = _body_parent(state, req.auth_user, data["parent"])
    elif parent is None:
        raise bad_request({"parent": ["This field is required."]})
    name = _clean_name(data)
    _check_unique(state, parent, name)
    folder = Folder(state.next_id("folder"), name, parent.id, req.auth_user.id, parent.organization)
    state.folders[folder.id] = folder
    return json_response(201, folder_obj(state, folder))


def _is_org_shared(state: State, folder: Folder) -> bool:
    return any(o.shared_folder_id == folder.id for o in state.orgs.values())


def _move(state: State, folder: Folder, parent: Folder) -> None:
    if _is_org_shared(state, folder):
        raise bad_request({"parent": ["You can't move an organization's shared folder."]})
    if folder.is_root:
        raise bad_request({"parent": ["You can't move your Personal Links folder."]})
    if parent.id == folder.id:
        raise bad_request({"parent": ["A node may not be made a child of itself."]})
    if state.is_descendant(parent, folder):
        raise bad_request({"parent": ["A node may not be made a child of any of its descendants."]})
    _check_unique(state, parent, folder.name, exclude=folder.id)
    folder.parent = parent.id
    for node in state.subtree(folder):
        node.organization = parent.organization


def patch(state: State, req: Request, folder_id: str, parent_id: str | None = None) -> Response:
    """PATCH /v1/folders/:id: rename (``name``) and/or move (``parent``)."""
    if parent_id is not None:
        get_folder(state, req, parent_id)
    folder = get_folder(state, req, folder_id)
    data = req.data()
    if any(key in data for key in _FORBIDDEN_PATCH):
        raise bad_request(["Only updates on these fields are allowed: name, parent"])
    name = None
    if "name" in data:
        name = _clean_name(data)
        if folder.is_root:
            raise bad_request({"name": ["Top-level folders cannot be renamed."]})
    if "parent" in data:
        if data["parent"] is None:
            raise bad_request({"parent": ["This field may not be null."]})
        target = _body_parent(state, req.auth_user, data["parent"])
        if target.id != folder.parent:
            _move(state, folder, target)
    if name is not None and name != folder.name:
        if folder.parent is not None:
            _check_unique(state, state.folders[folder.parent], name, exclude=folder.id)
        folder.name = name
    return json_response(200, folder_obj(state, folder))


def put(state: State, req: Request, folder_id: str, parent_id: str | None = None) -> Response:
    """PUT /v1/folders/:new_parent/folders/:id moves; the non-nested PUT is a 400."""
    if parent_id is None:
        raise bad_request({"error": ["PUT is only valid for nested folder endpoints."]})
    parent = get_folder(state, req, parent_id)
    folder = get_folder(state, req, folder_id)
    if parent.id != folder.parent:
        _move(state, folder, parent)
    return json_response(200, folder_obj(state, folder))


def delete(state: State, req: Request, folder_id: str, parent_id: str | None = None) -> Response:
    """DELETE /v1/folders/:id: 204 when empty; top-level folders cannot be deleted."""
    if parent_id is not None:
        get_folder(state, req, parent_id)
    folder = get_folder(state, req, folder_id)
    if folder.is_root:
        raise bad_request({"error": ["Top-level folders cannot be deleted."]})
    has_links = any(lk.folder_id == folder.id and not lk.deleted for lk in state.links.values())
    if state.children(folder.id) or has_links:
        raise bad_request({"error": ["Folders can only be deleted if they are empty."]})
    del state.folders[folder.id]
    return Response(204, b"", None)
