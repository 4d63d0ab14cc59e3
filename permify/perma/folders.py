"""Folders by id or by path of names (``"Law Review/Vol 12/Smith"``), and the folder tree."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import NotFoundError, UsageError, ValidationError
from .client import PermaClient
from .models import Folder

__all__ = ["FolderNotFoundError", "folder_tree", "resolve_folder"]


class FolderNotFoundError(UsageError):
    """Raised when ``--folder`` names a folder that does not exist (and ``--create-folder`` was not given)."""


def _by_name(folders: list[Folder], name: str) -> Folder | None:
    exact = [f for f in folders if f.name == name]
    if exact:
        return exact[0]
    folded = [f for f in folders if f.name.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _check_writable(folder: Folder, spec: str) -> Folder:
    if folder.read_only:
        raise UsageError(f"folder {spec!r} is read-only (its sponsorship is inactive); choose another --folder")
    if folder.is_sponsored_root_folder:
        raise UsageError(
            f"folder {spec!r} is the Sponsored Links root, where Perma makes no links; choose a folder inside it"
        )
    return folder


def resolve_folder(client: PermaClient, spec: str | int, *, create: bool = False) -> Folder:
    """The folder named by an id (``"1234"``) or a path of names.

    A path starts at a top-level folder (``Personal Links``, an organization's shared folder)
    or, when its first name is none of those, inside Personal Links. Names match exactly,
    else case-insensitively when that is unambiguous. With ``create``, missing folders along
    the path are created.
    """
    text = str(spec).strip()
    if not text:
        raise UsageError("no folder given: pass --folder ID or --folder 'Name/Sub', or set PERMIFY_FOLDER")
    if text.isdigit():
        try:
            return _check_writable(client.get_folder(int(text)), text)
        except NotFoundError:
            raise FolderNotFoundError(f"folder {text} does not exist; run 'permify folders' to see the ids") from None
    names = [part.strip() for part in text.strip("/").split("/") if part.strip()]
    top = list(client.list_top_folders())
    current = _by_name(top, names[0])
    rest = names[1:]
    if current is None:
        personal = top[0] if top else None
        if personal is None:
            raise FolderNotFoundError("this account has no folders")
        current, rest = personal, names
    for name in rest:
        children = list(client.list_child_folders(current.id))
        found = _by_name(children, name)
        if found is None:
            if not create:
                options = ", ".join(repr(c.name) for c in children) or "none"
                raise FolderNotFoundError(
                    f"no folder {name!r} in {current.name!r} (its subfolders: {options}); "
                    "pass --create-folder to create it"
                )
            try:
                found = client.create_folder(current.id, name)
            except ValidationError:
                # Created meanwhile by someone else (duplicate name): take theirs.
                found = _by_name(list(client.list_child_folders(current.id)), name)
                if found is None:
                    raise
        current = found
    return _check_writable(current, text)


def folder_tree(client: PermaClient) -> Iterator[tuple[int, Folder]]:
    """Every folder the account can reach, depth first, as ``(depth, folder)``."""

    def walk(folder: Folder, depth: int) -> Iterator[tuple[int, Folder]]:
        yield depth, folder
        if folder.has_children:
            for child in client.list_child_folders(folder.id):
                yield from walk(child, depth + 1)

    for top in client.list_top_folders():
        yield from walk(top, 0)
