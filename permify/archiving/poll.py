"""Polling captures until none is pending (see :mod:`permify.archiving.archiver`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from ..errors import NotFoundError
from .reconcile import archive_state, job_state
from .run import Run, Watch

if TYPE_CHECKING:  # Perma's models: annotations only, loaded by the client when it parses
    from ..perma.client import PermaClient
    from ..perma.models import CaptureJob

__all__ = ["Fetched", "fetch_batches", "poll", "poll_round", "watched_batches"]

#: Batches newer than the watched ones that a polling round's listing reads past (newest first:
#: the batches still being validated, a few at once, and another process's). Each batch
#: carries all its capture jobs, so a page larger than needed costs both sides CPU on every
#: round; a watched batch beyond the first page is found on the next page.
_NEWER_BATCHES = 5


def poll(run: Run) -> None:
    """Wait until no capture of ``run`` is pending: one listing of recent batches per round
    covers every batch job; an archive made one at a time is asked for by its GUID."""
    interval = run.options.poll_initial
    queue = 0
    while run.watches:
        waiting = len(run.watches)
        where = f" (queue position {queue})" if queue else ""
        run.tell("waiting", f"waiting for {waiting} capture{'s' * (waiting != 1)} to finish{where}", waiting)
        if _reviewing(run):
            # Half-way through the wait, one more round: the captures that completed by then
            # are reviewed while the wait goes on, instead of all after it (the rounds at the
            # full intervals come at the same moments as without the review).
            run.pause(interval / 2)
            poll_round(run)
            if not run.watches:
                break
            run.pause(interval / 2)
        else:
            run.pause(interval)
        interval = min(interval * 1.5, run.options.poll_max)
        queue = poll_round(run)


def _reviewing(run: Run) -> bool:
    """True when the captures that complete are reviewed (then polling more often pays)."""
    return run.options.review and not run.options.dry_run


#: What one batch listing found: the batch ids it was asked for, and their jobs by GUID.
Fetched: TypeAlias = "tuple[set[int], dict[str, CaptureJob]]"


def watched_batches(run: Run) -> set[int] | None:
    """The ids of the batches whose captures ``run`` watches, or None when some watched
    capture was not made by a batch (only :func:`poll_round` itself asks for those)."""
    ids: set[int] = set()
    for watch in run.watches.values():
        if watch.batch_id is None:
            return None
        ids.add(watch.batch_id)
    return ids


def fetch_batches(client: PermaClient, batch_ids: set[int]) -> Fetched:
    """The listing of :func:`poll_round` alone (HTTP only: safe on another thread, so that the
    run's thread goes on sending creates while it travels)."""
    return batch_ids, _batch_jobs(client, batch_ids)


def poll_round(run: Run, fetched: Fetched | None = None) -> int:
    """One round of :func:`poll`: settle every watched capture that finished (completed ones
    go to the review), collect the verdicts that arrived; return the highest queue position.

    Also called between batch creates when the review is on, so that the reviews of the
    first batches run while the later ones are sent; then ``fetched`` may be a listing made
    meanwhile by :func:`fetch_batches`, and a capture watched since (of a batch it did not
    cover) waits for the next round.
    """
    if fetched is None:
        covered = None
        jobs = _batch_jobs(run.client, {w.batch_id for w in run.watches.values() if w.batch_id is not None})
    else:
        covered, jobs = fetched
    queue = 0
    for key, watch in list(run.watches.items()):
        if covered is not None and watch.batch_id not in covered:
            continue
        job = jobs.get(watch.guid)
        if job is None:
            try:
                job = run.client.get_capture_job(watch.guid)
            except NotFoundError:
                _finish(run, key, watch, archive_state(run.client.get_archive(watch.guid)), None)
                continue
        state = job_state(job)
        queue = max(queue, job.queue_position) if state == "pending" else queue
        if state != "pending":
            _finish(run, key, watch, state, job.error_text)
        elif run.clock() >= watch.deadline:
            del run.watches[key]
            run.outcome(key, "failed", watch.guid,
                        f"capture still {job.status} after {run.options.capture_timeout:.0f} s; "
                        "run again later to pick it up (no new archive will be made)")
    run.flush()  # one transaction for the round's results
    run.collect_reviews()  # verdicts of captures completed earlier
    if run.watches:
        run.ledger.heartbeat()
    return queue


def _finish(run: Run, key: str, watch: Watch, state: str, message: str | None) -> None:
    del run.watches[key]
    if state == "completed":
        run.record(key, watch.guid, "completed")
        run.completed(key, watch.guid, watch.status)
    else:
        text = message or f"capture {state}"
        run.record(key, watch.guid, "failed", text)
        run.outcome(key, "failed", watch.guid, text)


def _batch_jobs(client: PermaClient, batch_ids: set[int]) -> dict[str, CaptureJob]:
    """One listing of the user's recent batches gives every watched job's status."""
    jobs: dict[str, CaptureJob] = {}
    if not batch_ids:
        return jobs
    remaining = set(batch_ids)
    for batch in client.list_batches(page_size=len(batch_ids) + _NEWER_BATCHES):
        if batch.id in remaining:
            remaining.discard(batch.id)
            for job in batch.capture_jobs:
                if job.guid:
                    jobs[job.guid] = job
        if not remaining:
            break
    return jobs
