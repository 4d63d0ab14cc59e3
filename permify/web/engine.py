"""The page's calls into the library, in one place: the key check, the folder tree, what the
ledger already knows, the archiving run itself and the archives' titles.

Every call builds its own :class:`~permify.perma.client.PermaClient` (cheap: building one
sends nothing), so a request thread of the web server and the archiving thread never share a
connection pool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..api import known_archives
from ..archiving.archiver import Archiver
from ..archiving.ledger import Ledger
from ..archiving.outcomes import ArchiveOptions, Outcome, UrlRequest
from ..documents import DocumentScan
from ..perma.client import PermaClient
from ..perma.models import Folder, User
from ..urls import perma_guid

__all__ = [
    "Cancelled",
    "Connection",
    "FolderChoice",
    "Step",
    "archive",
    "check_key",
    "create_subfolder",
    "folder_choices",
    "known",
    "linked_in_documents",
    "titles",
]


class Cancelled(KeyboardInterrupt):
    """Raised inside the archiver when the editor cancels the run.

    It is a :class:`KeyboardInterrupt` on purpose: the archiver then takes its Ctrl-C path,
    releasing the claims it never sent and leaving what is in flight to the next run
    (docs/architecture.md#exactly-once-archiving). It is raised only where the archiver
    waits between polls, never between an intent being marked as sending and its answer.
    """


@dataclass(frozen=True)
class Connection:
    """Where the page archives: the API key (kept in memory only), the API base URL and the ledger file."""

    api_key: str
    api_url: str
    ledger_path: Path

    def __repr__(self) -> str:  # never the key
        return f"Connection(api_url={self.api_url!r}, ledger_path={str(self.ledger_path)!r})"

    def client(self) -> PermaClient:
        """A new client for this connection (the caller closes it)."""
        return PermaClient(self.api_key, self.api_url)


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


def linked_in_documents(scans: Sequence[DocumentScan]) -> dict[str, Outcome]:
    """URLs to archive that already have a Perma link beside them somewhere in the documents:
    that link is reused everywhere else they are cited (as ``permify archive`` does)."""
    linked: dict[str, Outcome] = {}
    for scan in scans:
        for c in scan.citations:
            guid = perma_guid(c.cited.existing_archive or "")
            if c.state == "linked" and guid and c.key not in linked:
                linked[c.key] = Outcome(c.key, c.cited.url, "reused", guid, "Perma link found in the document")
    needed = {c.key for scan in scans for c in scan.to_archive}
    return {key: outcome for key, outcome in linked.items() if key in needed}


def known(conn: Connection, folder_id: int, requests: Sequence[UrlRequest]) -> dict[str, Outcome]:
    """What the ledger already holds for these URLs in the folder (no network)."""
    return known_archives(requests, folder=folder_id, api_url=conn.api_url, ledger=conn.ledger_path)


def _steps(requests: Sequence[UrlRequest], report: Callable[[Step], None]) -> Callable[[str, str], None]:
    """A library progress callback that turns each line into a :class:`Step` naming its URL."""
    by_length = sorted({r.url for r in requests}, key=len, reverse=True)

    def progress(kind: str, line: str) -> None:
        url = next((u for u in by_length if line == u or line.startswith(u + " ")), None)
        guid = perma_guid(line[len(url):]) if url else None
        report(Step(kind, line, url, guid))

    return progress


def archive(
    conn: Connection,
    folder_id: int,
    requests: Sequence[UrlRequest],
    *,
    report: Callable[[Step], None],
    cancel: threading.Event,
    options: ArchiveOptions | None = None,
) -> dict[str, Outcome]:
    """Archive ``requests`` exactly once into the folder with the library's archiver (the same
    ledger and folder reconcile as ``permify archive``), reporting each step; raises
    :class:`~permify.errors.Interrupted` when ``cancel`` is set while it waits on captures."""

    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise Cancelled()

    opts = ArchiveOptions(folder_id=folder_id) if options is None else replace(options, folder_id=folder_id)
    with conn.client() as client, Ledger(conn.ledger_path) as ledger:
        archiver = Archiver(client, ledger, opts, progress=_steps(requests, report), sleep=sleep)
        return archiver.ensure(requests)


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
