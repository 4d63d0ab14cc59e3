"""Where permify archives: one object for the settings, the Perma client, the ledger, the API
host and the target folder, each resolved once and only when first needed.

Every front end builds one :class:`ArchiveSite` and hands it to the library's functions
(:func:`permify.ensure_archives`, :func:`permify.archive_documents`,
:func:`permify.known_archives`) instead of passing the folder, the key, the API URL, the
client and the ledger to each call::

    with permify.ArchiveSite(folder="Law Review/Vol 12", ledger="ledger.sqlite3") as site:
        result = permify.archive_documents(["article.md"], site=site)
        more = permify.ensure_archives(requests, site=site)

The folder spec (an id or a path of names) is resolved to an id here and nowhere else: the
ledger remembers what a spec resolved to, so a run whose URLs are all in the ledger makes no
HTTP request at all (see docs/architecture.md).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .archiving.archiver import Archiver
from .archiving.folder_ledger import FolderLedger
from .archiving.ledger import Ledger, default_ledger_path
from .archiving.outcomes import ArchiveOptions, ProgressCallback
from .config import Settings, load_settings, parse_timeout
from .errors import ConfigError
from .perma.defaults import check_base_url

if TYPE_CHECKING:  # the HTTP stack loads only when a client is built: warm runs never need it
    from .perma.client import PermaClient
    from .perma.folders import FolderPlan
    from .perma.retry import RetryPolicy

__all__ = ["ArchiveSite"]


class ArchiveSite:
    """Where to archive, in the manner of a session: settings, client, ledger, folder.

    ``settings`` are used as given; without them, ``folder``, ``api_key`` and ``api_url``
    override the environment and the config file (see :func:`permify.config.load_settings`),
    which are read when first needed. ``client`` and ``ledger`` may be given ready-made (then
    the caller closes them), or ``ledger`` as a path; otherwise the site builds them from the
    settings and closes them in :meth:`close`. A client it builds uses ``connect_timeout``,
    ``retry`` and ``timeout`` (seconds one request may take, all included; default the
    settings' ``timeout``, else :data:`~permify.perma.session.DEFAULT_TIMEOUT`) when given.
    ``create_folder``: create the missing folders at the end of a folder path.

    Raises :class:`~permify.errors.ConfigError` when the settings cannot be read or no folder
    is set, and the client's errors while the folder is resolved.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        folder: str | int | None = None,
        api_key: str | None = None,
        api_url: str | None = None,
        client: PermaClient | None = None,
        ledger: Ledger | str | Path | None = None,
        create_folder: bool = False,
        connect_timeout: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | None = None,
    ) -> None:
        self._settings = settings
        self._overrides = (None if folder is None else str(folder), api_key, api_url)
        self._client = client
        self._own_client = client is None
        self._ledger = ledger if isinstance(ledger, Ledger) else None
        self._own_ledger = not isinstance(ledger, Ledger)
        self._ledger_path = Path(ledger) if ledger and not isinstance(ledger, Ledger) else None
        self.create_folder = create_folder
        self._transport = (connect_timeout, retry)
        self._timeout = timeout
        self._folder_id: int | None = None
        self._folder_plan: FolderPlan | None = None

    # ------------------------------------------------------------------ what it is made of

    @property
    def settings(self) -> Settings:
        """The resolved settings (flags over environment over config file over defaults)."""
        if self._settings is None:
            folder, api_key, api_url = self._overrides
            self._settings = load_settings(api_key=api_key, api_url=api_url, folder=folder, timeout=self._timeout)
        return self._settings

    @property
    def client(self) -> PermaClient:
        """The Perma client (built on first use; building it sends no request)."""
        if self._client is None:
            from .perma.client import PermaClient
            from .perma.session import PermaSession

            settings = self.settings
            connect_timeout, retry = self._transport
            timeout = parse_timeout(self._timeout) if self._timeout is not None else settings.timeout
            session = PermaSession(
                settings.api_key, settings.api_url, connect_timeout=connect_timeout or 10.0, retry=retry,
                timeout=timeout,
            )
            self._client = PermaClient(session=session)
        return self._client

    @property
    def contacted(self) -> bool:
        """True once a request has been sent to Perma through this site's client (a warm run,
        answered by the ledger alone, sends none)."""
        return self._client is not None and self._client.session.request_count > 0

    @property
    def api_host(self) -> str:
        """``host[:port]`` of the API, which the ledger keys every entry by."""
        base = self._client.session.base_url if self._client is not None else self.settings.api_url
        return urlsplit(base).netloc

    @property
    def ledger_path(self) -> Path:
        """The ledger file: as given, else ``PERMIFY_LEDGER``, the config file or the user cache."""
        if self._ledger is not None:
            return self._ledger.path
        return self._ledger_path or self.settings.ledger or default_ledger_path()

    @property
    def ledger(self) -> Ledger:
        """The ledger (opened, and created if need be, on first use)."""
        if self._ledger is None:
            self._ledger = Ledger(self.ledger_path)
        return self._ledger

    def existing_ledger(self) -> Ledger | None:
        """The ledger if there is one already, else None (never creates one just to look into it)."""
        if self._ledger is None and not self.ledger_path.exists():
            return None
        return self.ledger

    # ------------------------------------------------------------------ the folder

    def folder_id(self, *, create: bool | None = None) -> int:
        """The target folder's id, resolved once: from what the ledger remembers of the spec,
        else by asking Perma (creating missing folders when ``create``, which defaults to
        :attr:`create_folder`), then remembered in the ledger for later runs.

        Raises :class:`~permify.errors.ConfigError` when no folder is set, and
        :class:`~permify.perma.folders.FolderNotFoundError` when it does not exist.
        """
        found = self._resolve_folder(offline=False, create=self.create_folder if create is None else create)
        assert found is not None  # only an offline look-up may find nothing
        return found

    def planned_folder(self) -> FolderPlan | None:
        """For a dry run: the folders of the folder path that do not exist yet (what
        ``--create-folder`` would create), or None when the folder exists (its id is then
        resolved and remembered as by :meth:`folder_id`). Creates nothing.

        Raises as :meth:`folder_id` does.
        """
        self._resolve_folder(offline=False, create=False, plan_only=True)
        return self._folder_plan

    def known_folder_id(self) -> int | None:
        """The target folder's id without any network: what the ledger remembers of the spec,
        or the spec itself when it is an id; None when neither tells."""
        return self._resolve_folder(offline=True, create=False)

    def _resolve_folder(self, *, offline: bool, create: bool, plan_only: bool = False) -> int | None:
        if self._folder_id is not None:
            return self._folder_id
        if self._folder_plan is not None and plan_only:
            return None
        if offline:
            ledger = self.existing_ledger()
        else:  # the API URL, then the ledger: a bad API URL, then a bad ledger, is the first error
            check_base_url(self.settings.api_url)
            ledger = self.ledger
        spec = self.settings.folder or ""
        if not spec:
            if offline:
                return None
            raise ConfigError("no Perma folder: pass --folder ID or --folder 'Name/Sub', or set PERMIFY_FOLDER")
        found = ledger.folder_id(self.api_host, spec) if ledger is not None else None
        if found is None and offline:
            return int(spec) if spec.isdigit() else None
        if found is None and plan_only and not spec.isdigit():
            from .perma.folders import plan_folder

            plan = plan_folder(self.client, spec)
            if not plan.complete:  # a dry run of --create-folder: say what it would make
                self._folder_plan = plan
                return None
        if found is None:
            from .perma.folders import resolve_folder

            found = resolve_folder(self.client, spec, create=create).id
            self.ledger.remember_folder(self.api_host, spec, found)
        self._folder_id = found
        return found

    def folder_ledger(self, folder_id: int | None = None) -> FolderLedger:
        """The ledger seen from this API host and the target folder (or ``folder_id``)."""
        return self.ledger.scoped(self.api_host, self.folder_id() if folder_id is None else folder_id)

    def archiver(
        self, options: ArchiveOptions, *, progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Archiver:
        """An :class:`Archiver` for this site; ``options.folder_id`` names the folder; setting
        ``cancel`` stops a run at its next safe point (see :class:`Archiver`)."""
        # The client is built when the run first needs it: a warm run never loads the HTTP stack.
        return Archiver(lambda: self.client, self.ledger, options, progress=progress, api_host=self.api_host,
                        cancel=cancel)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the client and the ledger if the site made them."""
        if self._own_ledger and self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> ArchiveSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        folder = self._settings.folder if self._settings is not None else self._overrides[0]
        return f"ArchiveSite(folder={folder!r}, ledger={str(self._ledger_path or '') or None!r})"
