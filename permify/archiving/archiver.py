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

from collections.abc import Iterable

from ..errors import Interrupted, NotFoundError, QuotaExceededError, UnknownOutcomeError, ValidationError
from ..perma.models import CaptureJob
from .ledger import Intent
from .outcomes import Outcome, UrlRequest
from .poll import PollingMixin
from .reconcile import archive_state, best_archive, folder_index
from .settle import SettlingMixin

__all__ = ["Archiver"]


class Archiver(SettlingMixin, PollingMixin):
    """Archive URLs into one folder exactly once. See the module docstring for the rules.

    Parameters: ``client`` and ``ledger``; ``options`` (:class:`ArchiveOptions`);
    ``progress(kind, line)`` for a live display; ``clock`` (epoch seconds) and ``sleep``,
    injected in tests.
    """

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
            elif entry.status in ("failed", "invalid") and self.options.retry_failed and not self.options.dry_run:
                self.ledger.forget(api_host=self.api_host, folder_id=entry.folder_id, url_key=key)
                todo.append(key)
            else:
                self._take_entry(key, entry)
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

    def _claim(self, keys: list[str]) -> tuple[list[str], list[Intent], list[str]]:
        claimed, orphaned, busy = self.ledger.claim(
            self.api_host, self.options.folder_id, {k: self._reqs[k].url for k in keys}
        )
        self._unsent.update(claimed)
        for key in keys:
            if key not in claimed and key not in busy and all(i.url_key != key for i in orphaned):
                self._take_ledger_entry(key)  # another process finished it meanwhile
        return claimed, orphaned, busy

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
        jobs: dict[str, CaptureJob] = {}
        for job in batch.capture_jobs:
            jobs.setdefault(job.submitted_url, job)
        lost: list[str] = []
        for key in chunk:
            found = jobs.get(self._reqs[key].url)
            if found is None:
                lost.append(key)
            else:
                self._take_job(key, found, batch.id)
        if batch.links_remaining is not None and batch.links_remaining <= 0 and self._folder_info().is_personal:
            self.quota_exhausted = True
        if lost:
            self._create(self._settle_unknown(lost, sent_at))

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
