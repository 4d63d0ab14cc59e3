"""Folders by id or by path of names (``"Law Review/Vol 12/Smith"``), and the folder tree.

A path always starts at a top-level folder (``Personal Links`` or an organization's shared
folder): a first name that matches none of them is an error that lists them and the closest
names, so a typo never creates folders (and spends quota) under Personal Links.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import NotFoundError, UsageError, ValidationError
from ..text import safe_text
from .accounts import Folder

if TYPE_CHECKING:  # a type only: folder plans are read without loading the HTTP stack
    from .client import PermaClient

__all__ = ["FolderNotFoundError", "FolderPlan", "folder_tree", "plan_folder", "resolve_folder"]


class FolderNotFoundError(UsageError):
    """Raised when ``--folder`` names a folder that does not exist (and ``--create-folder``
    was not given), or a path whose first name is no top-level folder."""


@dataclass(frozen=True)
class FolderPlan:
    """Where a folder path stands: the deepest folder of it that exists, and the names below
    it that do not (empty when the whole path exists). Nothing is created to learn this."""

    spec: str
    existing: Folder
    existing_path: str
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every folder of the path exists."""
        return not self.missing

    def describe(self) -> str:
        """What creating the missing folders would do, for people."""
        names = "/".join(self.missing)
        return f"would create {names!r} in {self.existing_path!r}"


def _by_name(folders: Sequence[Folder], name: str) -> Folder | None:
    exact = [f for f in folders if f.name == name]
    if exact:
        return exact[0]
    folded = [f for f in folders if f.name.casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


def _close_names(name: str, folders: Sequence[Folder]) -> list[str]:
    """The folder names closest to ``name``, compared case-insensitively."""
    by_folded = {f.name.casefold(): f.name for f in folders}
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=3, cutoff=0.6)
    return [by_folded[c] for c in close]


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(safe_text(n, 80)) for n in names) or "none"


def _check_writable(folder: Folder, spec: str) -> Folder:
    if folder.read_only:
        raise UsageError(f"folder {spec!r} is read-only (its sponsorship is inactive); choose another --folder")
    if folder.is_sponsored_root_folder:
        raise UsageError(
            f"folder {spec!r} is the Sponsored Links root, where Perma makes no links; choose a folder inside it"
        )
    return folder


def _no_top_folder(client: PermaClient, first: str, top: Sequence[Folder]) -> FolderNotFoundError:
    """The error for a path whose first name is no top-level folder, with the closest names."""
    if not top:
        return FolderNotFoundError("this account has no folders")
    hints = [repr(n) for n in _close_names(first, top)]
    personal = next((f for f in top if f.is_personal), None)
    if personal is not None:  # a folder of that name inside Personal Links is a likely meaning
        inside = _by_name(list(client.list_child_folders(personal.id)), first)
        if inside is not None:
            hints.append(repr(f"{personal.name}/{inside.name}"))
    hint = f" (did you mean {' or '.join(hints)}?)" if hints else ""
    return FolderNotFoundError(
        f"no top-level folder {safe_text(first, 80)!r}{hint}; a folder path starts with one of yours "
        f"({_quoted([f.name for f in top])}), and --create-folder creates folders only below them; "
        "run 'permify folders' to see them all"
    )


def plan_folder(client: PermaClient, spec: str) -> FolderPlan:
    """Walk a path of names from its top-level folder down, creating nothing.

    Names match exactly, else case-insensitively when that is unambiguous. Raises
    :class:`FolderNotFoundError` when the first name is no top-level folder (listing the
    top-level folders and the closest names), and :class:`UsageError` for an empty path.
    """
    names = [part.strip() for part in str(spec).strip().strip("/").split("/") if part.strip()]
    if not names:
        raise UsageError("no folder given: pass --folder ID or --folder 'Name/Sub', or set PERMIFY_FOLDER")
    top = list(client.list_top_folders())
    current = _by_name(top, names[0])
    if current is None:
        raise _no_top_folder(client, names[0], top)
    path = [current.name]
    for index, name in enumerate(names[1:], start=1):
        found = _by_name(list(client.list_child_folders(current.id)), name)
        if found is None:
            return FolderPlan(str(spec), current, "/".join(path), tuple(names[index:]))
        current = found
        path.append(current.name)
    return FolderPlan(str(spec), current, "/".join(path), ())


def resolve_folder(client: PermaClient, spec: str | int, *, create: bool = False) -> Folder:
    """The folder named by an id (``"1234"``) or a path of names starting at a top-level folder.

    With ``create``, the missing folders at the end of the path are created below the deepest
    one that exists (never a top-level folder). Raises :class:`FolderNotFoundError` when the
    folder does not exist (naming what is there and the closest names), and
    :class:`UsageError` when it cannot hold links.
    """
    text = str(spec).strip()
    if not text:
        raise UsageError("no folder given: pass --folder ID or --folder 'Name/Sub', or set PERMIFY_FOLDER")
    if text.isdigit():
        try:
            return _check_writable(client.get_folder(int(text)), text)
        except NotFoundError:
            raise FolderNotFoundError(f"folder {text} does not exist; run 'permify folders' to see the ids") from None
    plan = plan_folder(client, text)
    current = plan.existing
    if plan.missing and not create:
        children = list(client.list_child_folders(current.id))
        name = plan.missing[0]
        close = _close_names(name, children)
        hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
        raise FolderNotFoundError(
            f"no folder {safe_text(name, 80)!r} in {plan.existing_path!r} "
            f"(its subfolders: {_quoted([c.name for c in children])}); {hint}pass --create-folder to create it"
        )
    for name in plan.missing:
        try:
            found = client.create_folder(current.id, name)
        except ValidationError:
            # Created meanwhile by someone else (duplicate name): take theirs.
            taken = _by_name(list(client.list_child_folders(current.id)), name)
            if taken is None:
                raise
            found = taken
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
