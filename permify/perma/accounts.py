"""The account's side of the Perma API: folders, organizations and the user who owns the key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .json_values import NAME_LIMIT, json_id, json_int, json_str, json_text

__all__ = ["Folder", "Organization", "User"]


@dataclass(frozen=True)
class Folder:
    """A Perma folder. ``path`` is the id chain from the root, e.g. ``"25-35-36"``."""

    id: int
    name: str
    parent: int | None = None
    has_children: bool = False
    path: str = ""
    organization: int | None = None
    sponsored_by: int | None = None
    is_sponsored_root_folder: bool = False
    read_only: bool = False

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Folder:
        """Build from a folder object."""
        org = data.get("organization")
        return cls(
            id=json_id(data["id"]),
            name=json_text(data.get("name"), NAME_LIMIT),
            parent=json_int(data.get("parent")),
            has_children=bool(data.get("has_children")),
            path=json_text(data.get("path"), NAME_LIMIT),
            organization=json_int(org.get("id")) if isinstance(org, dict) else json_int(org),
            sponsored_by=json_int(data.get("sponsored_by")),
            is_sponsored_root_folder=bool(data.get("is_sponsored_root_folder")),
            read_only=bool(data.get("read_only")),
        )

    @property
    def is_personal(self) -> bool:
        """True when links created here count against the user's personal quota."""
        return self.organization is None and self.sponsored_by is None


@dataclass(frozen=True)
class Organization:
    """An organization (a journal, a court) and its shared folder."""

    id: int
    name: str
    registrar: str | None = None
    default_to_private: bool = False
    shared_folder: Folder | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Organization:
        """Build from an organization object."""
        shared = data.get("shared_folder")
        return cls(
            id=json_id(data["id"]),
            name=json_text(data.get("name"), NAME_LIMIT),
            registrar=json_str(data.get("registrar"), NAME_LIMIT),
            default_to_private=bool(data.get("default_to_private")),
            shared_folder=Folder.from_json(shared) if isinstance(shared, dict) else None,
        )


@dataclass(frozen=True)
class User:
    """The account that owns the API key."""

    id: int
    full_name: str = ""
    short_name: str = ""
    first_name: str = ""
    last_name: str = ""
    top_level_folders: tuple[Folder, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> User:
        """Build from ``GET /v1/user``."""
        return cls(
            id=json_id(data.get("id") or 0),
            full_name=json_text(data.get("full_name"), NAME_LIMIT),
            short_name=json_text(data.get("short_name"), NAME_LIMIT),
            first_name=json_text(data.get("first_name"), NAME_LIMIT),
            last_name=json_text(data.get("last_name"), NAME_LIMIT),
            top_level_folders=tuple(
                Folder.from_json(f) for f in data.get("top_level_folders") or () if isinstance(f, dict)
            ),
        )
