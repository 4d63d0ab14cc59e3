"""The sandbox's whole server-side state, its invariants, and its persistence.

One :class:`State` holds every record behind one re-entrant lock. Capture progress is not
stored: it is computed from each job's planned timeline and the configured clock, so the
sandbox needs no background thread and a fake clock drives it completely.
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
import threading
from dataclasses import asdict
from typing import Any

from permify.sandbox.config import SandboxConfig
from permify.sandbox.model import Batch, Folder, Job, Link, Organization, User

GUID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_RESERVED_GUID = re.compile(r"^[A-Z]{4}")
_STATE_VERSION = 1


class State:
    """Users, organizations, folders, links, jobs and batches, plus id counters and the GUID RNG."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.users: dict[int, User] = {}
        self.orgs: dict[int, Organization] = {}
        self.folders: dict[int, Folder] = {}
        self.links: dict[str, Link] = {}
        self.jobs: dict[int, Job] = {}
        self.batches: dict[int, Batch] = {}
        self.link_limits: dict[int, int | None] = {}
        self.counters = {"folder": 24, "job": 0, "batch": 0, "org": 0, "user": 0}
        self.rng = random.Random(config.seed)

    # ------------------------------------------------------------------ basics

    def now(self) -> float:
        """The current time from the configured clock."""
        return float(self.config.clock())

    def next_id(self, kind: str) -> int:
        """Allocate the next id of ``kind`` (``folder``, ``job``, ``batch``, ...)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def new_guid(self) -> str:
        """Draw a fresh GUID: ``XXXX-XXXX`` in Perma's alphabet, never four leading letters."""
        for _ in range(100):
            raw = "".join(self.rng.choice(GUID_ALPHABET) for _ in range(8))
            guid = f"{raw[:4]}-{raw[4:]}"
            if not _RESERVED_GUID.match(guid) and guid not in self.links:
                return guid
        raise RuntimeError("could not generate a unique GUID in 100 tries")

    def user_by_key(self, key: str) -> User | None:
        """The user owning API key ``key``, or None."""
        for user in self.users.values():
            if user.api_key == key:
                return user
        return None

    # ------------------------------------------------------------------ folders and access

    def can_access(self, user: User, folder: Folder) -> bool:
        """Perma's ``Folder.accessible_to``: the owner's tree, or an org the user belongs to."""
        if folder.organization is not None:
            return folder.organization in user.org_ids
        return folder.owner_id == user.id

    def children(self, folder_id: int) -> list[Folder]:
        """Direct subfolders, ordered by name then id."""
        kids = [f for f in self.folders.values() if f.parent == folder_id]
        return sorted(kids, key=lambda f: (f.name, f.id))

    def ancestors(self, folder: Folder) -> list[Folder]:
        """The chain from the tree root down to ``folder`` (inclusive)."""
        chain = [folder]
        while chain[-1].parent is not None:
            chain.append(self.folders[chain[-1].parent])
        return list(reversed(chain))

    def is_descendant(self, folder: Folder, maybe_ancestor: Folder) -> bool:
        """True when ``folder`` is strictly below ``maybe_ancestor``."""
        return any(f.id == maybe_ancestor.id for f in self.ancestors(folder)[:-1])

    def subtree(self, folder: Folder) -> list[Folder]:
        """``folder`` and everything below it."""
        out = [folder]
        for kid in self.children(folder.id):
            out.extend(self.subtree(kid))
        return out

    def top_level(self, user: User) -> list[Folder]:
        """Personal Links root, then each org's shared folder ordered by org name."""
        out = [self.folders[user.root_folder_id]] if user.root_folder_id in self.folders else []
        orgs = sorted((self.orgs[i] for i in user.org_ids if i in self.orgs), key=lambda o: o.name)
        out.extend(self.folders[o.shared_folder_id] for o in orgs)
        return out

    def live_links(self) -> list[Link]:
        """Every non-deleted link, newest first."""
        links = [lk for lk in self.links.values() if not lk.deleted]
        return sorted(links, key=lambda lk: (lk.created_at, lk.guid), reverse=True)

    def link_accessible(self, user: User, link: Link) -> bool:
        """True when the link's folder is accessible to ``user``."""
        folder = self.folders.get(link.folder_id)
        return folder is not None and self.can_access(user, folder)

    # ------------------------------------------------------------------ quota

    def is_personal(self, folder: Folder) -> bool:
        """Personal folders (no organization, no sponsor) are the only ones with a quota."""
        return folder.organization is None

    def link_limit(self, user_id: int) -> int | None:
        """The user's personal link limit (None: unlimited)."""
        if user_id in self.link_limits:
            return self.link_limits[user_id]
        return self.config.personal_link_limit

    def links_remaining(self, user_id: int) -> int | None:
        """Personal links the user may still create (None: unlimited). Deleted links refund."""
        limit = self.link_limit(user_id)
        if limit is None:
            return None
        used = sum(
            1
            for lk in self.links.values()
            if lk.created_by == user_id
            and not lk.deleted
            and lk.folder_id in self.folders
            and self.is_personal(self.folders[lk.folder_id])
        )
        return max(limit - used, 0)

    # ------------------------------------------------------------------ capture timeline

    def job_status(self, job: Job, now: float | None = None) -> tuple[str, float | None, float | None]:
        """``(status, capture_start, capture_end)`` of ``job`` at ``now``, from its timeline."""
        now = self.now() if now is None else now
        link = self.links.get(job.guid) if job.guid else None
        if link is None or job.start_at is None or job.end_at is None:
            return "invalid", None, None
        if link.deleted_at is not None and link.deleted_at < job.start_at:
            return "deleted", None, link.deleted_at
        if now < job.start_at:
            return "pending", None, None
        if now < job.end_at:
            return "in_progress", job.start_at, None
        return ("failed" if job.fails else "completed"), job.start_at, job.end_at

    def link_status(self, link: Link, now: float | None = None) -> str:
        """The status of the link's capture job."""
        return self.job_status(self.jobs[link.job_id], now)[0]

    # ------------------------------------------------------------------ persistence

    def to_json(self) -> dict[str, Any]:
        """Everything needed to resume, as JSON-able data."""
        version, internal, gauss = self.rng.getstate()
        return {
            "version": _STATE_VERSION,
            "counters": self.counters,
            "rng": [version, list(internal), gauss],
            "users": [asdict(u) for u in self.users.values()],
            "orgs": [asdict(o) for o in self.orgs.values()],
            "folders": [asdict(f) for f in self.folders.values()],
            "links": [asdict(lk) for lk in self.links.values()],
            "jobs": [asdict(j) for j in self.jobs.values()],
            "batches": [asdict(b) for b in self.batches.values()],
            "link_limits": [[k, v] for k, v in self.link_limits.items()],
        }

    def load_json(self, data: dict[str, Any]) -> None:
        """Replace the state with ``data`` from :meth:`to_json`."""
        if data.get("version") != _STATE_VERSION:
            raise ValueError(f"unsupported sandbox state version {data.get('version')!r}")
        self.counters = dict(data["counters"])
        version, internal, gauss = data["rng"]
        self.rng.setstate((version, tuple(internal), gauss))
        self.users = {d["id"]: User(**d) for d in data["users"]}
        self.orgs = {d["id"]: Organization(**d) for d in data["orgs"]}
        self.folders = {d["id"]: Folder(**d) for d in data["folders"]}
        self.links = {d["guid"]: Link(**d) for d in data["links"]}
        self.jobs = {d["id"]: Job(**d) for d in data["jobs"]}
        self.batches = {d["id"]: Batch(**d) for d in data["batches"]}
        self.link_limits = {int(k): v for k, v in data["link_limits"]}

    def save(self, path: str) -> None:
        """Write the state to ``path`` atomically (temporary file, then ``os.replace``)."""
        with self.lock:
            payload = json.dumps(self.to_json(), sort_keys=True)
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sandbox-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def load(self, path: str) -> None:
        """Load the state saved at ``path``."""
        with open(path, encoding="utf-8") as fh:
            self.load_json(json.load(fh))
