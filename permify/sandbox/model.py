"""The sandbox's records: users, organizations, folders, links, capture jobs and batches.

Plain mutable dataclasses, serialisable with :func:`dataclasses.asdict` for persistence.
Times are floats (seconds since the epoch) from the configured clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class User:
    """A Perma account with its API key. ``org_ids`` are the organizations it belongs to."""

    id: int
    first_name: str
    last_name: str
    email: str
    api_key: str
    is_active: bool = True
    org_ids: list[int] = field(default_factory=list)
    root_folder_id: int = 0

    @property
    def full_name(self) -> str:
        """``First Last``, falling back to the e-mail's local part (as Perma does)."""
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email.split("@")[0]

    @property
    def short_name(self) -> str:
        """The first name, else the last name, else the e-mail's local part."""
        return self.first_name or self.last_name or self.email.split("@")[0]


@dataclass
class Organization:
    """An organization (journal, court) with its registrar's name and its shared folder."""

    id: int
    name: str
    registrar: str
    shared_folder_id: int
    default_to_private: bool = False


@dataclass
class Folder:
    """A folder. ``owner_id`` is the user whose tree it is; ``organization`` the org's id, if any."""

    id: int
    name: str
    parent: int | None
    owner_id: int | None
    organization: int | None = None
    is_root: bool = False  # a Personal Links root or an org shared folder


@dataclass
class Link:
    """An archive. Its capture status follows from its job's timeline and the clock."""

    guid: str
    url: str  # the normalised submission (Perma's submitted_url)
    title: str
    description: str | None
    notes: str
    is_private: bool
    private_reason: str | None
    folder_id: int
    created_by: int
    created_at: float
    job_id: int
    default_to_screenshot_view: bool = False
    is_unlisted: bool = False
    deleted_at: float | None = None
    #: MIME type of a file the user uploaded in place of the capture (None: no upload).
    upload_content_type: str | None = None

    @property
    def deleted(self) -> bool:
        """True once the link was (soft-)deleted."""
        return self.deleted_at is not None


@dataclass
class Job:
    """A capture job. Valid jobs carry their planned start and end; ``invalid`` jobs a message."""

    id: int
    submitted_url: str
    created_by: int
    created_at: float
    human: bool = False
    guid: str | None = None  # None for invalid jobs
    message: str | None = None  # JSON-encoded error dict, for invalid jobs
    start_at: float | None = None
    end_at: float | None = None
    fails: bool = False
    batch_id: int | None = None


@dataclass
class Batch:
    """A batch of capture jobs submitted in one ``POST /v1/archives/batches``."""

    id: int
    started_on: float
    created_by: int
    target_folder: int
    job_ids: list[int] = field(default_factory=list)
