"""The page's calls into the library, in one place: the key check, the folder tree, what the
ledger already knows, the archiving run itself and the archives' titles.

Every call builds its own :class:`~permify.perma.client.PermaClient` (cheap: building one
sends nothing), so a request thread of the web server and the archiving thread never share a
connection pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..api import ensure_archives, known_archives
from ..archiving.outcomes import ArchiveOptions, Outcome, ProgressEvent, UrlRequest
from ..documents import linked_in_documents
from ..perma.accounts import Folder, User
from ..perma.client import PermaClient
from ..perma.session import PermaSession
from ..review import Verdict, review_archives
from ..site import ArchiveSite

__all__ = [
    "Connection",
    "FolderChoice",
    "Step",
    "archive",
    "check_key",
    "create_subfolder",
    "folder_choices",
    "known",
    "linked_in_documents",
    "review",
    "titles",
]


@dataclass(frozen=True)
class Connection:
    """Where the page archives: the API key (kept in memory only), the API base URL, the ledger
    file, and how long one request to Perma may take (``None``: the session's default)."""

    api_key: str
    api_url: str
    ledger_path: Path
    timeout: float | None = None

    def __repr__(self) -> str:  # never the key
        return f"Connection(api_url={self.api_url!r}, ledger_path={str(self.ledger_path)!r})"

    def client(self) -> PermaClient:
        """A new client for this connection (the caller closes it)."""
        return PermaClient(session=PermaSession(self.api_key, self.api_url, timeout=self.timeout))

    def site(self, folder_id: int) -> ArchiveSite:
        """Where to archive: this connection's API and ledger, and the folder (the caller closes it)."""
        return ArchiveSite(folder=folder_id, api_key=self.api_key, api_url=self.api_url, ledger=self.ledger_path,
                           timeout=self.timeout)


@dataclass(frozen=True)
class FolderChoice:
    """One folder the editor can pick: ``depth`` in the tree, ``kind`` of its top folder
    (``organization``, ``personal`` or ``sponsored``) and, for Personal Links itself, the
    ``quota`` left (``None``: unknown or unlimited)."""

    id: int
    name: str
    depth: int
    kind: str
    quota: float | None = None
    read_only: bool = False
    selectable: bool = True


@dataclass(frozen=True)
class Step:
    """One progress step of a run, as the page shows it: ``kind`` as in the library's
    progress events, the ``url`` and ``guid`` when the step is about one URL."""

    kind: str
    message: str
    url: str | None = None
    guid: str | None = None


def check_key(conn: Connection) -> User:
    """The account behind the key (raises :class:`~permify.errors.AuthenticationError` for a bad key)."""
    with conn.client() as client:
        return client.get_user()


def _kind(top: Folder) -> str:
    if top.organization is not None:
        return "organization"
    if top.sponsored_by is not None or top.is_sponsored_root_folder:
        return "sponsored"
    return "personal"


def folder_choices(conn: Connection) -> list[FolderChoice]:
    """The account's folder tree: organization folders first, then Personal Links (with the
    quota left), then sponsored folders; each top folder followed by its subfolders."""
    with conn.client() as client:
        groups: dict[str, list[FolderChoice]] = {"organization": [], "personal": [], "sponsored": []}

        def walk(folder: Folder, depth: int, kind: str) -> None:
            quota: float | None = None
            if depth == 0 and kind == "personal":
                remaining = client.links_remaining(folder.id)
                quota = None if remaining == float("inf") else remaining
            selectable = not folder.read_only and not folder.is_sponsored_root_folder
            groups[kind].append(
                FolderChoice(folder.id, folder.name, depth, kind, quota, folder.read_only, selectable)
            )
            if folder.has_children:
                for child in client.list_child_folders(folder.id):
                    walk(child, depth + 1, kind)

        for top in client.list_top_folders():
            walk(top, 0, _kind(top))
    return groups["organization"] + groups["personal"] + groups["sponsored"]


def create_subfolder(conn: Connection, parent_id: int, name: str) -> Folder:
    """Create ``name`` inside folder ``parent_id`` (Perma refuses duplicate names at one level)."""
    with conn.client() as client:
        return client.create_folder(parent_id, name)



def known(conn: Connection, folder_id: int, requests: Sequence[UrlRequest]) -> dict[str, Outcome]:
    """What the ledger already holds for these URLs in the folder (no network)."""
    with conn.site(folder_id) as site:
        return known_archives(requests, site=site)


def archive(
    conn: Connection,
    folder_id: int,
    requests: Sequence[UrlRequest],
    *,
    report: Callable[[Step], None],
    cancel: threading.Event,
    options: ArchiveOptions | None = None,
) -> dict[str, Outcome]:
    """Archive ``requests`` exactly once into the folder with :func:`permify.ensure_archives`
    (the same ledger and folder reconcile as ``permify archive``), reporting each step; raises
    :class:`~permify.errors.Interrupted` when ``cancel`` is set (before the next create request,
    or during a wait on Perma)."""

    def progress(event: ProgressEvent) -> None:
        report(Step(event.kind, event.message, event.url, event.guid))

    with conn.site(folder_id) as site:
        return ensure_archives(requests, site=site, options=options, progress=progress, cancel=cancel)


def review(conn: Connection, guids: Sequence[str], *, expected_titles: Mapping[str, str],
           on_verdict: Callable[[Verdict], None]) -> None:
    """Review what each archive captured (:func:`permify.review.review_archives`), calling
    ``on_verdict`` as each verdict arrives. Raises the client's errors for a rejected key."""
    if not guids:
        return
    with conn.client() as client:
        review_archives(client, guids, expected_titles=expected_titles, on_verdict=on_verdict)


def titles(conn: Connection, folder_id: int, guids: set[str]) -> dict[str, str]:
    """The captured pages' titles by GUID, from one (paged) listing of the folder."""
    if not guids:
        return {}
    found: dict[str, str] = {}
    with conn.client() as client:
        for archive_ in client.list_folder_archives(folder_id):
            if archive_.guid in guids and archive_.title:
                found[archive_.guid] = archive_.title
    return found
