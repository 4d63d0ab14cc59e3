"""Polling captures until none is pending (see :mod:`permify.archiving.archiver`)."""

from __future__ import annotations

from ..errors import NotFoundError
from ..perma.models import CaptureJob
from .reconcile import archive_state, job_state
from .run import ArchiverCore, Watch

__all__ = ["PollingMixin"]


class PollingMixin(ArchiverCore):
    """Waits on captures: one listing of recent batches per round covers every batch job."""

    def _poll(self) -> None:
        interval = self.options.poll_initial
        queue = 0
        while self._watch:
            waiting = len(self._watch)
            where = f" (queue position {queue})" if queue else ""
            self.progress("waiting", f"waiting for {waiting} capture{'s' * (waiting != 1)} to finish{where}")
            self.sleep(interval)
            interval = min(interval * 1.5, self.options.poll_max)
            jobs = self._batch_jobs({w.batch_id for w in self._watch.values() if w.batch_id is not None})
            queue = 0
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
                queue = max(queue, job.queue_position) if state == "pending" else queue
                if state != "pending":
                    self._finish(key, watch, state, job.error_text)
                elif self.clock() >= watch.deadline:
                    del self._watch[key]
                    self._outcome(key, "failed", watch.guid,
                                  f"capture still {job.status} after {self.options.capture_timeout:.0f} s; "
                                  "run again later to pick it up (no new archive will be made)")
            if self._watch:
                self.ledger.heartbeat()

    def _finish(self, key: str, watch: Watch, state: str, message: str | None) -> None:
        del self._watch[key]
        if state == "completed":
            self._record(key, watch.guid, "completed")
            self._outcome(key, watch.status, watch.guid)
        else:
            text = message or f"capture {state}"
            self._record(key, watch.guid, "failed", text)
            self._outcome(key, "failed", watch.guid, text)

    def _batch_jobs(self, batch_ids: set[int]) -> dict[str, CaptureJob]:
        """One listing of the user's recent batches gives every watched job's status."""
        jobs: dict[str, CaptureJob] = {}
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
