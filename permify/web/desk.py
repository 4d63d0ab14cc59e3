"""The editor's desk: everything one ``permify serve`` holds, shared by every tab of the page.

The API key (in memory only, unless the editor asks to save it), the folder tree and the
chosen folder, the uploaded documents with their scans, which URLs are unticked, and the
current run. Uploads live in a private temporary folder (mode 0700) that :meth:`Desk.close`
deletes; the editor's originals are never touched, since only copies are uploaded.
"""

from __future__ import annotations

import configparser
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..archiving.outcomes import ArchiveOptions, Outcome
from ..documents import DocumentScan, scan_document, url_requests
from ..errors import AuthenticationError, PermifyError, UsageError
from ..formats.base import format_for_path
from . import engine
from .runs import Run

__all__ = ["Desk", "DeskConfig", "Upload", "save_api_key"]

#: Largest upload the page accepts (the whole request), in bytes.
DEFAULT_UPLOAD_CAP = 64 * 1024 * 1024


@dataclass(frozen=True)
class DeskConfig:
    """How the desk was started.

    ``api_key``/``key_source``: a key from the environment or the config file, if any.
    ``default_folder``: the folder of ``--folder``, ``PERMIFY_FOLDER`` or the config file (an
    id or a path of names), preselected when it exists. ``sandbox``: the API is the built-in
    sandbox (its key is never saved). ``config_path``: where a typed key is saved on request.
    """

    api_url: str
    ledger_path: Path
    config_path: Path
    api_key: str | None = None
    key_source: str | None = None
    default_folder: str | None = None
    sandbox: bool = False
    sandbox_key: str | None = None
    upload_cap: int = DEFAULT_UPLOAD_CAP
    options: ArchiveOptions | None = None
    timeout: float | None = None

    def __repr__(self) -> str:  # never the key
        return f"DeskConfig(api_url={self.api_url!r}, sandbox={self.sandbox}, key={'set' if self.api_key else 'none'})"


@dataclass
class Upload:
    """One uploaded document: the ``name`` the editor gave it, its copy on disk and its scan."""

    id: str
    name: str
    path: Path
    scan: DocumentScan


@dataclass
class _Folders:
    choices: list[engine.FolderChoice] = field(default_factory=list)
    loaded: bool = False
    error: str | None = None


def save_api_key(path: Path, api_key: str) -> None:
    """Save ``api_key`` in the config file's ``[permify]`` section, keeping its other settings.

    The file is written with mode 0600 (and its folder 0700 when created): it holds a secret.
    """
    parser = configparser.ConfigParser(interpolation=None)
    if path.exists():
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as error:
            problem = error.__class__.__name__
            raise UsageError(f"config file {path}: cannot read it ({problem}); fix or remove it") from None
    if not parser.has_section("permify"):
        parser.add_section("permify")
    parser.set("permify", "api_key", api_key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            parser.write(handle)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Desk:
    """The per-server state of the page. Every method is safe to call from any request thread."""

    def __init__(self, config: DeskConfig) -> None:
        self.config = config
        self._lock = threading.RLock()
        self._key = config.api_key
        self.key_source = config.key_source if config.api_key else None
        self.account_name: str | None = None
        self._folders = _Folders()
        self.folder_id: int | None = None
        self.uploads: dict[str, Upload] = {}
        self.excluded: set[str] = set()
        self.run: Run | None = None
        self._runs = 0
        self._ids = 0
        self.workdir = Path(tempfile.mkdtemp(prefix="permify-serve-"))  # mkdtemp makes it 0700
        (self.workdir / "uploads").mkdir()

    # ------------------------------------------------------------------ the key

    @property
    def has_key(self) -> bool:
        """True once the desk has an API key."""
        return self._key is not None

    def connection(self) -> engine.Connection:
        """The connection to archive with; :class:`UsageError` when no key has been given."""
        if self._key is None:
            raise UsageError("enter your Perma API key first")
        return engine.Connection(self._key, self.config.api_url, self.config.ledger_path, self.config.timeout)

    def set_key(self, api_key: str, *, save: bool) -> str:
        """Check the key with Perma, keep it for this server's life and, when ``save``, store it
        in the config file (never for the sandbox). Returns the account's name."""
        key = api_key.strip()
        if not key:
            raise UsageError("the API key is empty; paste it from your Perma account's settings")
        if any(ch.isspace() for ch in key) or len(key) > 200:
            raise UsageError("that does not look like a Perma API key; paste it from your Perma account's settings")
        config = self.config
        user = engine.check_key(engine.Connection(key, config.api_url, config.ledger_path, config.timeout))
        if save and not self.config.sandbox:
            save_api_key(self.config.config_path, key)
        with self._lock:
            self._key = key
            saved = save and not self.config.sandbox
            self.key_source = "saved in your permify settings" if saved else "kept for this session only"
            self.account_name = user.full_name or user.short_name or None
            self._folders = _Folders()
        return self.account_name or "your account"

    def use_sandbox_key(self) -> str:
        """Use the sandbox's demo key (only when serving the sandbox)."""
        if not self.config.sandbox or not self.config.sandbox_key:
            raise UsageError("the demo key is only for the sandbox (permify serve --sandbox)")
        return self.set_key(self.config.sandbox_key, save=False)

    def ensure_account(self) -> None:
        """Learn the account's name for a key from the environment or config file (once).
        A key Perma rejects is dropped, so that the page asks for one (and the error is raised)."""
        if self._key is not None and self.account_name is None:
            try:
                user = engine.check_key(self.connection())
            except AuthenticationError:
                with self._lock:
                    self._key, self.key_source = None, None
                raise
            self.account_name = user.full_name or user.short_name or "your account"

    # ------------------------------------------------------------------ folders

    def folders(self, *, reload: bool = False) -> list[engine.FolderChoice]:
        """The folder tree (fetched once; ``reload`` fetches it again). Preselects the default folder."""
        with self._lock:
            if self._folders.loaded and not reload:
                return self._folders.choices
        choices = engine.folder_choices(self.connection())
        with self._lock:
            self._folders = _Folders(choices, True)
            if self.folder_id is None or all(c.id != self.folder_id for c in choices):
                self.folder_id = self._default_folder(choices)
            return choices

    def _default_folder(self, choices: list[engine.FolderChoice]) -> int | None:
        spec = (self.config.default_folder or "").strip().strip("/")
        if not spec:
            return None
        if spec.isdigit():
            return int(spec) if any(c.id == int(spec) and c.selectable for c in choices) else None
        wanted = [p.strip().casefold() for p in spec.split("/") if p.strip()]
        path: list[str] = []
        for choice in choices:
            path[choice.depth:] = [choice.name.casefold()]
            # a path starts at a top folder, or inside Personal Links (as --folder does)
            inside_personal = choice.kind == "personal" and path[1:] == wanted
            if choice.selectable and (path == wanted or inside_personal):
                return choice.id
        return None

    def folder(self, folder_id: int | None = None) -> engine.FolderChoice | None:
        """The chosen folder (or ``folder_id``'s) among the loaded ones."""
        wanted = self.folder_id if folder_id is None else folder_id
        return next((c for c in self._folders.choices if c.id == wanted), None)

    def select_folder(self, folder_id: int) -> engine.FolderChoice:
        """Choose the folder to archive into (one of the account's folders)."""
        self.folders()
        choice = self.folder(folder_id)
        if choice is None or not choice.selectable:
            raise UsageError("choose one of the folders listed (read-only and sponsored roots cannot hold links)")
        with self._lock:
            self.folder_id = folder_id
        return choice

    def create_folder(self, parent_id: int, name: str) -> engine.FolderChoice:
        """Create a subfolder of ``parent_id``, reload the tree and choose the new folder."""
        clean = " ".join(name.split())
        if not clean:
            raise UsageError("give the new folder a name")
        if len(clean) > 255:
            raise UsageError("the folder name is too long (at most 255 characters)")
        self.folders()
        if self.folder(parent_id) is None:
            raise UsageError("choose the folder to create it in")
        created = engine.create_subfolder(self.connection(), parent_id, clean)
        self.folders(reload=True)
        return self.select_folder(created.id)

    # ------------------------------------------------------------------ uploads

    def add_upload(self, filename: str, data: bytes) -> Upload:
        """Keep a copy of an uploaded document and scan it at once. A document with the same
        name replaces the earlier one. Raises :class:`~permify.errors.PermifyError` for a
        file that is not a manuscript permify reads (with what to do)."""
        name = _display_name(filename)
        format_for_path(name)  # .docx, .md, .bib (UnsupportedFormatError otherwise)
        scan = scan_document(name, data=data)
        with self._lock:
            self._ids += 1
            upload_id = f"d{self._ids}"
            for old in [u for u in self.uploads.values() if u.name == name]:
                self._drop(old)
            path = self.workdir / "uploads" / f"{upload_id}{Path(name).suffix.lower()}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            upload = Upload(upload_id, name, path, scan)
            self.uploads[upload_id] = upload
            return upload

    def _drop(self, upload: Upload) -> None:
        self.uploads.pop(upload.id, None)
        upload.path.unlink(missing_ok=True)

    def remove_upload(self, upload_id: str) -> None:
        """Forget an uploaded document (its copy is deleted)."""
        with self._lock:
            upload = self.uploads.get(upload_id)
            if upload is None:
                raise UsageError("no such document (it was removed already)")
            self._drop(upload)

    def set_selected(self, key: str, selected: bool) -> None:
        """Tick (archive) or untick (leave out) one unique URL, wherever it is cited."""
        with self._lock:
            if selected:
                self.excluded.discard(key)
            else:
                self.excluded.add(key)

    def scans(self) -> list[tuple[str, DocumentScan]]:
        """Each uploaded document's name and scan, in upload order."""
        with self._lock:
            return [(u.name, u.scan) for u in self.uploads.values()]

    def known(self) -> dict[str, Outcome]:
        """What the ledger already holds for the documents' URLs in the chosen folder (no network)."""
        if self.folder_id is None or self._key is None:
            return {}
        requests = url_requests(scan for _, scan in self.scans())
        try:
            return engine.known(self.connection(), self.folder_id, requests)
        except PermifyError:
            return {}

    # ------------------------------------------------------------------ the run

    def start_run(self, *, retry_failed: bool = False) -> tuple[Run, bool]:
        """Start archiving the ticked URLs of every document into the chosen folder
        (``retry_failed``: archive again URLs whose capture failed before).

        While a run is going, returns it instead (a second tab must not archive again).
        Returns ``(run, started)``.
        """
        with self._lock:
            if self.run is not None and self.run.running:
                return self.run, False
            conn = self.connection()
            if self.folder_id is None:
                raise UsageError("choose the Perma folder to archive into")
            documents = self.scans()
            if not documents:
                raise UsageError("add a manuscript first (.docx, .md or .bib)")
            choice = self.folder()
            self._runs += 1
            run = Run(
                self._runs, conn, self.folder_id, choice.name if choice else str(self.folder_id), documents,
                frozenset(self.excluded), self.workdir / f"run-{self._runs}",
                options=replace(self.config.options or ArchiveOptions(folder_id=self.folder_id),
                                folder_id=self.folder_id, retry_failed=retry_failed),
            )
            self.run = run.start()
            return run, True

    def cancel_run(self) -> bool:
        """Cancel the current run; False when none is going."""
        with self._lock:
            run = self.run
        if run is None or not run.running:
            return False
        run.cancel()
        return True

    def close(self) -> None:
        """Stop the run (what it archived is in the ledger) and delete every upload and output."""
        run = self.run
        if run is not None and run.busy:
            run.cancel()
            run.join(timeout=30)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _display_name(filename: str) -> str:
    """The file's own name, without any folder part or control characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    if not cleaned or cleaned in (".", ".."):
        raise UsageError("the file has no usable name")
    return cleaned[-200:]
