"""Exactly-once archiving: ledger, then folder reconcile, then batches, then polling.

Perma creates a new link for every POST and charges personal quota for it, so the archiver's
one job is to make sure each unique URL gets one archive, ever, however often the user runs
permify, on however many machines, and wherever a run is killed:

1. URLs the ledger knows are reused with no API call (failed ones are reported, and
   archived again only with ``retry_failed``).
2. The rest are claimed in the ledger (so a parallel process waits instead of duplicating),
   then matched against what the target folder already holds.
3. What is truly new is created with the batch endpoint in modest chunks. The intent is
   committed before each request, each GUID the moment it is returned. A request whose
   answer is lost, or an intent left by a killed process, is settled by watching the
   user's recent batches and the folder before anything is sent again.
4. Captures are polled (one request covers every batch) until none is pending; failed and
   invalid ones are reported with Perma's own message and never inserted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import (
    Interrupted,
    NotFoundError,
    QuotaExceededError,
    UnknownOutcomeError,
    ValidationError,
)
from .ledger import Ledger
from .outcomes import ArchiveOptions, Outcome, ProgressCallback, UrlRequest
from .perma.client import PermaClient
from .perma.models import Folder
from .perma.session import is_quota_message
from .reconcile import archive_state, best_archive, folder_index, job_state, scan_recent_batches

__all__ = ["Archiver"]


@dataclass
class _Watch:
    """An archive whose capture this run is waiting on."""

    guid: str
    status: str  # the outcome status once completed: archived | reused
    deadline: float
    batch_id: int | None = None


class Archiver:
    """Archive URLs into one folder exactly once. See the module docstring for the rules.

    Parameters: ``client`` and ``ledger``; ``options`` (:class:`ArchiveOptions`);
    ``progress(kind, line)`` for a live display; ``clock`` (epoch seconds) and ``sleep``,
    injected in tests.
    """

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
        self._watch: dict[str, _Watch] = {}
        self._unsent: set[str] = set()

    # ------------------------------------------------------------------ entry point

    def ensure(self, requests: Iterable[UrlRequest]) -> dict[str, Outcome]:
        """Make sure every requested URL has an archive; return an :class:`Outcome` per key."""
        self._reqs, self._results, self._watch = {}, {}, {}
        for req in requests:
            prior = self._reqs.get(req.key)
            if prior is None:
                self._reqs[req.key] = req
            else:  # the same URL cited again: one archive, all its places
                self._reqs[req.key] = UrlRequest(
                    prior.key, prior.url, prior.title or req.title, prior.locations + req.locations
                )
        self.progress("found", f"{len(self._reqs)} unique URLs to archive")
        try:
            todo = self._from_ledger(list(self._reqs))
            if todo and self.options.dry_run:
                self._dry_run(todo)
            elif todo:
                claimed, orphaned, busy = self._claim(todo)
                claimed += self._settle_orphans(orphaned)
                self._create(self._reconcile_folder(claimed))
                self._wait_for_others(busy)
            self._poll()
        except KeyboardInterrupt:
            # Claims never sent are released; a request in flight stays an intent, settled next run.
            self.ledger.release(self.api_host, self.options.folder_id, self._unsent)
            raise Interrupted("interrupted; everything archived so far is in the ledger") from None
        return {key: self._results[key] for key in self._reqs}

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
        self._watch[key] = _Watch(guid, status, self.clock() + self.options.capture_timeout, batch_id)

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

    # ------------------------------------------------------------------ 1. ledger

    def _from_ledger(self, keys: list[str]) -> list[str]:
        todo = []
        folder = self.options.folder_id
        for key in keys:
            entry = self.ledger.get(self.api_host, folder, key)
            if entry is None and self.options.reuse_any_folder:
                entry = self.ledger.get(self.api_host, None, key)
            if entry is None:
                todo.append(key)
            elif entry.status == "completed":
                self._outcome(key, "reused", entry.guid)
            elif entry.status == "pending" and entry.guid:
                self._watch_for(key, entry.guid, "reused")
            elif self.options.retry_failed and not self.options.dry_run:
                self.ledger.forget(api_host=self.api_host, folder_id=entry.folder_id, url_key=key)
                todo.append(key)
            else:
                self._outcome(
                    key, "failed", entry.guid,
                    (entry.message or f"capture {entry.status} earlier") + "; use --retry-failed to try again",
                )
        return todo

    def _dry_run(self, keys: list[str]) -> None:
        index = folder_index(self.client, self.options.folder_id)
        for key in keys:
            best = best_archive(index.get(key, []))
            if best is not None and archive_state(best) != "failed":
                self._outcome(key, "reused", best.guid, "already in the folder")
            else:
                self._outcome(key, "would-archive", message="dry run: would archive")

    # ------------------------------------------------------------------ 2. claim and reconcile

    def _claim(self, keys: list[str]):  # -> tuple[list[str], list[Intent], list[str]]
        claimed, orphaned, busy = self.ledger.claim(
            self.api_host, self.options.folder_id, {k: self._reqs[k].url for k in keys}
        )
        self._unsent.update(claimed)
        for key in keys:
            if key not in claimed and key not in busy and all(i.url_key != key for i in orphaned):
                self._take_ledger_entry(key)  # another process finished it meanwhile
        return claimed, orphaned, busy

    def _take_ledger_entry(self, key: str) -> bool:
        entry = self.ledger.get(self.api_host, self.options.folder_id, key)
        if entry is None:
            return False
        if entry.status == "completed":
            self._outcome(key, "reused", entry.guid)
        elif entry.status == "pending" and entry.guid:
            self._watch_for(key, entry.guid, "reused")
        else:
            self._outcome(key, "failed", entry.guid, entry.message or f"capture {entry.status}")
        return True

    def _reconcile_folder(self, keys: list[str]) -> list[str]:
        if not keys:
            return []
        index = folder_index(self.client, self.options.folder_id)
        missing = []
        for key in keys:
            best = best_archive(index.get(key, []))
            state = archive_state(best) if best else None
            if best is None or (state == "failed" and self.options.retry_failed):
                missing.append(key)
                continue
            message = None
            if state == "failed":
                message = self._failure_message(best.guid) + "; use --retry-failed to try again"
            self._record(key, best.guid, state or "pending", message)
            if state == "completed":
                self._outcome(key, "reused", best.guid, "found in the folder")
            elif state == "pending":
                self._watch_for(key, best.guid, "reused")
            else:
                self._outcome(key, "failed", best.guid, message)
        return missing

    def _failure_message(self, guid: str) -> str:
        try:
            return self.client.get_capture_job(guid).error_text or "capture failed"
        except NotFoundError:
            return "capture failed"

    # ------------------------------------------------------------------ 3. create

    def _create(self, keys: list[str]) -> None:
        if not keys:
            return
        folder = self._folder_info()
        allowed = keys
        if folder.is_personal:
            remaining = self.client.links_remaining(folder.id)
            if remaining < len(keys):
                allowed = keys[: max(int(remaining), 0)]
                self.progress("info", f"only {int(remaining)} links left in the Perma quota; "
                                      f"{len(keys) - len(allowed)} URLs will not be archived")
                for key in keys[len(allowed):]:
                    self._quota_failure(key)
        # Batches carry neither titles nor privacy: those need one create per URL.
        single = self.options.private or self.options.titles
        size = 1 if single else max(1, self.options.batch_size)
        for start in range(0, len(allowed), size):
            chunk = allowed[start : start + size]
            if self.quota_exhausted:
                for key in chunk:
                    self._quota_failure(key)
                continue
            if single:
                self._create_one(chunk[0])
            else:
                self._create_batch(chunk)

    def _create_batch(self, chunk: list[str]) -> None:
        urls = [self._reqs[k].url for k in chunk]
        self.ledger.mark_sending(self.api_host, self.options.folder_id, chunk)
        sent_at = self.clock()
        self.progress("waiting", f"sending a batch of {len(chunk)} URLs to Perma")
        try:
            batch = self.client.create_batch(urls, self.options.folder_id)
        except UnknownOutcomeError:
            self.progress("waiting", "the answer to a batch was lost; checking what Perma made")
            self._create(self._settle_unknown(chunk, sent_at))
            return
        except QuotaExceededError:
            self.quota_exhausted = True
            for key in chunk:
                self._quota_failure(key)
            return
        jobs = {}
        for job in batch.capture_jobs:
            jobs.setdefault(job.submitted_url, job)
        lost = []
        for key in chunk:
            job = jobs.get(self._reqs[key].url)
            if job is None:
                lost.append(key)
            else:
                self._take_job(key, job, batch.id)
        if batch.links_remaining is not None and batch.links_remaining <= 0 and self._folder_info().is_personal:
            self.quota_exhausted = True
        if lost:
            self._create(self._settle_unknown(lost, sent_at))

    def _take_job(self, key: str, job, batch_id: int | None) -> None:  # job: CaptureJob
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
        else:
            self._watch_for(key, job.guid, "archived", batch_id)

    def _create_one(self, key: str) -> None:
        req = self._reqs[key]
        self.ledger.mark_sending(self.api_host, self.options.folder_id, [key])
        sent_at = self.clock()
        try:
            archive = self.client.create_archive(
                req.url, folder=self.options.folder_id, title=req.title,
                is_private=True if self.options.private else None,
            )
        except UnknownOutcomeError:
            self._create(self._settle_unknown([key], sent_at))
            return
        except QuotaExceededError:
            self.quota_exhausted = True
            self._quota_failure(key)
            return
        except ValidationError as error:
            message = "; ".join(error.messages) or str(error)
            self._record(key, None, "invalid", message)
            self._outcome(key, "failed", message=message)
            return
        self._record(key, archive.guid, "pending")
        self.progress("created", f"{req.url} -> {archive.perma_url}")
        self._watch_for(key, archive.guid, "archived")

    # ------------------------------------------------------------------ unknown outcomes

    def _settle_orphans(self, orphaned: list) -> list[str]:  # orphaned: list[Intent]
        """Settle intents left by a killed process; return the keys that were never created."""
        missing: list[str] = []
        groups: dict[float, list[str]] = {}
        for intent in orphaned:
            groups.setdefault(intent.sent_at or intent.started_at, []).append(intent.url_key)
        for sent_at, keys in sorted(groups.items()):
            self.progress("waiting", f"settling {len(keys)} URLs a killed run may have sent")
            missing += self._settle_unknown(keys, sent_at)
        return missing

    def _settle_unknown(self, keys: list[str], sent_at: float) -> list[str]:
        """Find what a create sent at ``sent_at`` made; return the keys it certainly did not."""
        urls = {self._reqs[k].url: k for k in keys}
        pending = dict(urls)
        wait_until = sent_at + self.options.unknown_outcome_wait
        give_up = wait_until + self.options.unknown_outcome_wait + 65.0 * len(keys)
        interval = self.options.poll_initial
        while True:
            # Scan for the whole request (a batch is ours when all its URLs were in it),
            # but settle only what is still open.
            scan = scan_recent_batches(self.client, self.options.folder_id, set(urls), sent_at, len(urls))
            index = folder_index(self.client, self.options.folder_id)
            for url, key in list(pending.items()):
                best = best_archive(index.get(key, []))
                job = scan.jobs.get(url)
                if best is not None:
                    state = archive_state(best)
                    self._record(key, best.guid, state)
                    if state == "completed":
                        self._outcome(key, "archived", best.guid)
                    else:
                        self._watch_for(key, best.guid, "archived")
                elif job is not None:
                    self._take_job(key, job, None)
                else:
                    continue
                del pending[url]
            now = self.clock()
            if not pending or (scan.found_batch and scan.settled) or now >= give_up:
                break
            if not scan.found_batch and now >= wait_until:
                break
            self.ledger.heartbeat()
            self.sleep(interval)
            interval = min(interval * 1.5, self.options.poll_max)
        unresolved = list(pending.values())
        # Truly missing: the claim stays ours, back to "claimed" so it may be sent again.
        self._unsent.update(unresolved)
        return unresolved

    # ------------------------------------------------------------------ other processes

    def _wait_for_others(self, busy: list[str]) -> None:
        deadline = self.clock() + self.options.wait_for_others
        interval = self.options.poll_initial
        while busy:
            self.progress("waiting", f"another permify process is archiving {len(busy)} of these URLs")
            self.sleep(interval)
            interval = min(interval * 1.5, self.options.poll_max)
            busy = [k for k in busy if not self._take_ledger_entry(k)]
            if not busy:
                return
            claimed, orphaned, busy = self._claim(busy)
            claimed += self._settle_orphans(orphaned)
            self._create(self._reconcile_folder(claimed))
            if busy and self.clock() >= deadline:
                for key in busy:
                    self._outcome(
                        key, "failed", message="another permify process is still archiving this URL; run again later"
                    )
                return

    # ------------------------------------------------------------------ 4. poll

    def _poll(self) -> None:
        interval = self.options.poll_initial
        while self._watch:
            waiting = len(self._watch)
            self.progress("waiting", f"waiting for {waiting} capture{'s' * (waiting != 1)} to finish")
            self.sleep(interval)
            interval = min(interval * 1.5, self.options.poll_max)
            jobs = self._batch_jobs({w.batch_id for w in self._watch.values() if w.batch_id is not None})
            for key, watch in list(self._watch.items()):
                job = jobs.get(watch.guid)
                if job is None:
                    try:
                        job = self.client.get_capture_job(watch.guid)
                    except NotFoundError:
                        state = archive_state(self.client.get_archive(watch.guid))
                        self._finish(key, watch, state, None)
                        continue
                state = job_state(job)
                if state != "pending":
                    self._finish(key, watch, state, job.error_text)
                elif self.clock() >= watch.deadline:
                    del self._watch[key]
                    self._outcome(key, "failed", watch.guid,
                                  f"capture still {job.status} after {self.options.capture_timeout:.0f} s; "
                                  "run again later to pick it up (no new archive will be made)")
            if self._watch:
                self.ledger.heartbeat()

    def _finish(self, key: str, watch: _Watch, state: str, message: str | None) -> None:
        del self._watch[key]
        if state == "completed":
            self._record(key, watch.guid, "completed")
            self._outcome(key, watch.status, watch.guid)
        else:
            text = message or f"capture {state}"
            self._record(key, watch.guid, "failed", text)
            self._outcome(key, "failed", watch.guid, text)

    def _batch_jobs(self, batch_ids: set[int]) -> dict:  # -> dict[str, CaptureJob] by GUID
        """One listing of the user's recent batches gives every watched job's status."""
        jobs = {}
        if not batch_ids:
            return jobs
        remaining = set(batch_ids)
        for batch in self.client.list_batches(page_size=max(len(batch_ids) + 5, 20)):
            if batch.id in remaining:
                remaining.discard(batch.id)
                for job in batch.capture_jobs:
                    if job.guid:
                        jobs[job.guid] = job
            if not remaining:
                break
        return jobs
