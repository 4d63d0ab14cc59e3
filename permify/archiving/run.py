"""The state and bookkeeping shared by the archiver's steps (see :mod:`permify.archiving.archiver`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..perma.client import PermaClient
from ..perma.models import CaptureJob, Folder
from ..perma.session import is_quota_message
from .ledger import Ledger, LedgerEntry
from .outcomes import ArchiveOptions, Outcome, ProgressCallback, UrlRequest
from .reconcile import job_state

__all__ = ["ArchiverCore"]


@dataclass
class Watch:
    """An archive whose capture this run is waiting on."""

    guid: str
    status: str  # the outcome status once completed: archived | reused
    deadline: float
    batch_id: int | None = None


class ArchiverCore:
    """One archiving run's state: the requests, the results so far, the captures being
    watched; and the helpers that record an outcome in the ledger and for the caller."""

    def __init__(
        self,
        client: PermaClient,
        ledger: Ledger,
        options: ArchiveOptions,
        *,
        progress: ProgressCallback | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.options = options
        self.progress = progress or (lambda kind, line: None)
        self.clock = clock
        self.sleep = sleep
        self.api_host = urlsplit(client.session.base_url).netloc
        self.quota_exhausted = False
        self._folder: Folder | None = None
        self._reqs: dict[str, UrlRequest] = {}
        self._results: dict[str, Outcome] = {}
        self._watch: dict[str, Watch] = {}
        self._unsent: set[str] = set()

    # ------------------------------------------------------------------ helpers

    def _outcome(self, key: str, status: str, guid: str | None = None, message: str | None = None) -> None:
        req = self._reqs[key]
        self._results[key] = Outcome(key, req.url, status, guid, message, req.locations)
        line = f"{req.url} -> https://perma.cc/{guid}" if guid and status != "failed" else req.url
        kind = {"archived": "captured", "would-archive": "info"}.get(status, status)
        self.progress(kind, line + (f" ({message})" if message else ""))

    def _record(self, key: str, guid: str | None, status: str, message: str | None = None) -> None:
        req = self._reqs[key]
        self.ledger.record(
            self.api_host, self.options.folder_id, key, req.url,
            guid=guid, status=status, message=message, locations=req.locations,
        )
        self._unsent.discard(key)

    def _watch_for(self, key: str, guid: str, status: str, batch_id: int | None = None) -> None:
        self._watch[key] = Watch(guid, status, self.clock() + self.options.capture_timeout, batch_id)

    def _folder_info(self) -> Folder:
        if self._folder is None:
            self._folder = self.client.get_folder(self.options.folder_id)
        return self._folder

    def _quota_failure(self, key: str) -> None:
        self.ledger.release(self.api_host, self.options.folder_id, [key])
        self._unsent.discard(key)
        self._outcome(
            key, "failed", message="not archived: the Perma account's link quota is used up "
            "(archive into an organization folder, or raise the quota, then run again)",
        )

    def _take_ledger_entry(self, key: str) -> bool:
        """Use what the ledger holds for ``key`` in the target folder; False if it holds nothing."""
        entry = self.ledger.get(self.api_host, self.options.folder_id, key)
        if entry is not None:
            self._take_entry(key, entry)
        return entry is not None

    def _take_entry(self, key: str, entry: LedgerEntry) -> None:
        if entry.status == "completed":
            self._outcome(key, "reused", entry.guid)
        elif entry.status == "pending" and entry.guid:
            self._watch_for(key, entry.guid, "reused")
        else:
            message = entry.message or f"capture {entry.status} earlier"
            self._outcome(key, "failed", entry.guid, message + "; use --retry-failed to try again")

    def _take_job(self, key: str, job: CaptureJob, batch_id: int | None) -> None:
        state = job_state(job)
        if state == "invalid":
            if is_quota_message(job.error_text):
                self.quota_exhausted = True
                self._quota_failure(key)
                return
            self._record(key, None, "invalid", job.error_text)
            self._outcome(key, "failed", message=job.error_text)
            return
        self._record(key, job.guid, state, job.error_text if state == "failed" else None)
        self.progress("created", f"{self._reqs[key].url} -> https://perma.cc/{job.guid}")
        if state == "completed":
            self._outcome(key, "archived", job.guid)
        elif state == "failed":
            self._outcome(key, "failed", job.guid, job.error_text)
        elif job.guid is not None:  # job_state() gives "invalid" for a job with no GUID
            self._watch_for(key, job.guid, "archived", batch_id)

