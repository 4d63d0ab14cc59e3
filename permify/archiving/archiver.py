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
5. Each capture that completes is reviewed (:mod:`permify.archiving.reviews`) while polling
   goes on; a suspect or failed capture is reported and not inserted. A rerun reviews again
   the failed and suspect archives the ledger knows (no new archive): a user upload fixes them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

from ..errors import Interrupted, NotFoundError, QuotaExceededError, UnknownOutcomeError, ValidationError
from ..perma.client import PermaClient
from ..perma.models import CaptureJob
from .ledger import Claims, Ledger
from .outcomes import ArchiveOptions, Outcome, ProgressCallback, ProgressEvent, UrlRequest
from .poll import poll, poll_round
from .reconcile import archive_state, best_archive, folder_index
from .run import Cancelled, Run
from .settle import settle_orphans, settle_unknown

__all__ = ["Archiver"]


def _ignore(event: ProgressEvent) -> None:
    pass


class Archiver:
    """Archive URLs into one folder exactly once. See the module docstring for the rules.

    Parameters: ``client`` and ``ledger``; ``options`` (:class:`ArchiveOptions`, whose
    ``folder_id`` is the target folder); ``progress(event)`` for a live display (see
    :class:`ProgressEvent`); ``clock`` (epoch seconds) and ``sleep``, injected in tests;
    ``cancel``, an event another thread may set to stop a run at its next safe point (before a
    create request, or while waiting on Perma), which then raises
    :class:`~permify.errors.Interrupted` as Ctrl-C does. The archiver holds no state between
    runs: each :meth:`ensure` works on a fresh :class:`~permify.archiving.run.Run`.
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
        cancel: threading.Event | None = None,
    ) -> None:
        self.client = client
        self.ledger = ledger
        self.options = options
        self.progress = progress or _ignore
        self.clock = clock
        self.sleep = sleep
        self.cancel = cancel
        #: the ``host[:port]`` of the API, which the ledger keys every entry by
        self.api_host = urlsplit(client.session.base_url).netloc

    def ensure(self, requests: Iterable[UrlRequest]) -> dict[str, Outcome]:
        """Make sure every requested URL has an archive; return an :class:`Outcome` per key.

        Raises :class:`~permify.errors.Interrupted` on Ctrl-C or when ``cancel`` is set (what was
        archived so far is in the ledger), and the client's errors when Perma cannot be used at all.
        """
        run = self.new_run(requests)
        run.tell("found", f"{len(run.requests)} unique URLs to archive", len(run.requests))
        try:
            todo = _from_ledger(run, list(run.requests))
            if todo and run.options.dry_run:
                _dry_run(run, todo)
            elif todo:
                _claim_and_create(run, todo)
            poll(run)
            run.collect_reviews(block=True)
        except KeyboardInterrupt as stop:
            # Claims never sent are released; a request in flight stays an intent, settled next run.
            run.ledger.release(run.claimed)
            how = "cancelled" if isinstance(stop, Cancelled) else "interrupted"
            raise Interrupted(f"{how}; everything archived so far is in the ledger") from None
        finally:
            run.close_reviews()
        return {key: run.results[key] for key in run.requests}

    def new_run(self, requests: Iterable[UrlRequest]) -> Run:
        """A fresh :class:`Run` for ``requests``, the places of a URL cited twice merged into one."""
        run = Run(
            self.client, self.ledger.scoped(self.api_host, self.options.folder_id), self.options,
            self.progress, self.clock, self.sleep, cancel=self.cancel,
        )
        for req in requests:
            prior = run.requests.get(req.key)
            if prior is None:
                run.requests[req.key] = req
            else:  # the same URL cited again: one archive, all its places
                run.requests[req.key] = UrlRequest(
                    prior.key, prior.url, prior.title or req.title, prior.locations + req.locations
                )
        return run


# ---------------------------------------------------------------------- 1. ledger


def _from_ledger(run: Run, keys: list[str]) -> list[str]:
    todo = []
    options = run.options
    for key in keys:
        entry = run.ledger.get(key)
        if entry is None and options.reuse_any_folder:
            entry = run.ledger.get_any_folder(key)
        if entry is None:
            todo.append(key)
        elif entry.status in ("failed", "invalid") and options.retry_failed and not options.dry_run:
            run.ledger.forget(entry)
            todo.append(key)
        else:
            run.take_entry(key, entry)
    return todo


def _dry_run(run: Run, keys: list[str]) -> None:
    index = folder_index(run.client, run.options.folder_id)
    for key in keys:
        best = best_archive(index.get(key, []))
        if best is not None and archive_state(best) != "failed":
            run.outcome(key, "reused", best.guid, "already in the folder")
        else:
            run.outcome(key, "would-archive", message="dry run: would archive")


# ---------------------------------------------------------------------- 2. claim and reconcile


def _claim_and_create(run: Run, keys: list[str]) -> None:
    """Claim ``keys``, settle orphans, create what is missing, then wait for other processes."""
    claimed, orphaned, busy = _claim(run, keys)
    claimed += settle_orphans(run, orphaned)
    _create(run, _reconcile_folder(run, claimed))
    _wait_for_others(run, busy)


def _claim(run: Run, keys: list[str]) -> Claims:
    claims = run.ledger.claim({k: run.requests[k].url for k in keys})
    run.claimed.update(claims.claimed)
    open_keys = {*claims.claimed, *claims.busy, *(i.url_key for i in claims.orphaned)}
    for key in keys:
        if key not in open_keys:
            run.take_ledger_entry(key)  # another process finished it meanwhile
    return claims


def _reconcile_folder(run: Run, keys: list[str]) -> list[str]:
    if not keys:
        return []
    index = folder_index(run.client, run.options.folder_id)
    missing = []
    for key in keys:
        best = best_archive(index.get(key, []))
        state = archive_state(best) if best else None
        if best is None or (state == "failed" and run.options.retry_failed):
            missing.append(key)
            continue
        message = None
        if state == "failed":
            message = _failure_message(run, best.guid) + "; use --retry-failed to try again"
        run.record(key, best.guid, state or "pending", message)
        if state == "completed":
            run.completed(key, best.guid, "reused", "found in the folder")
        elif state == "pending":
            run.watch(key, best.guid, "reused")
        else:
            run.outcome(key, "failed", best.guid, message)
    return missing


def _failure_message(run: Run, guid: str) -> str:
    try:
        return run.client.get_capture_job(guid).error_text or "capture failed"
    except NotFoundError:
        return "capture failed"


# ---------------------------------------------------------------------- 3. create


def _create(run: Run, keys: Sequence[str]) -> None:
    if not keys:
        return
    options = run.options
    allowed = list(keys)
    if run.folder().is_personal:
        remaining = run.client.links_remaining(options.folder_id)
        if remaining < len(keys):
            allowed = allowed[: max(int(remaining), 0)]
            run.tell("info", f"only {int(remaining)} links left in the Perma quota; "
                             f"{len(keys) - len(allowed)} URLs will not be archived", len(keys) - len(allowed))
            for key in keys[len(allowed):]:
                run.quota_failure(key)
    # Batches carry neither titles nor privacy: those need one create per URL.
    single = options.private or options.titles
    size = 1 if single else max(1, options.batch_size)
    for start in range(0, len(allowed), size):
        chunk = allowed[start : start + size]
        run.check_cancel()  # before the intent is marked as sending: nothing is in flight
        if run.quota_exhausted:
            for key in chunk:
                run.quota_failure(key)
            continue
        if single:
            _create_one(run, chunk[0])
        else:
            _create_batch(run, chunk)
            if options.review and run.watches and not options.dry_run:
                poll_round(run)  # start reviewing the captures of earlier batches meanwhile


def _create_batch(run: Run, chunk: list[str]) -> None:
    urls = [run.requests[k].url for k in chunk]
    run.ledger.mark_sending(chunk)
    sent_at = run.clock()
    run.tell("waiting", f"sending a batch of {len(chunk)} URLs to Perma", len(chunk))
    try:
        batch = run.client.create_batch(urls, run.options.folder_id)
    except UnknownOutcomeError:
        run.tell("waiting", "the answer to a batch was lost; checking what Perma made", len(chunk))
        _create(run, settle_unknown(run, chunk, sent_at))
        return
    except QuotaExceededError:
        run.quota_exhausted = True
        for key in chunk:
            run.quota_failure(key)
        return
    jobs: dict[str, CaptureJob] = {}
    for job in batch.capture_jobs:
        jobs.setdefault(job.submitted_url, job)
    lost: list[str] = []
    for key in chunk:
        found = jobs.get(run.requests[key].url)
        if found is None:
            lost.append(key)
        else:
            run.take_job(key, found, batch.id)
    if batch.links_remaining is not None and batch.links_remaining <= 0 and run.folder().is_personal:
        run.quota_exhausted = True
    if lost:
        _create(run, settle_unknown(run, lost, sent_at))


def _create_one(run: Run, key: str) -> None:
    req = run.requests[key]
    run.ledger.mark_sending([key])
    sent_at = run.clock()
    try:
        archive = run.client.create_archive(
            req.url, folder=run.options.folder_id, title=req.title,
            is_private=True if run.options.private else None,
        )
    except UnknownOutcomeError:
        _create(run, settle_unknown(run, [key], sent_at))
        return
    except QuotaExceededError:
        run.quota_exhausted = True
        run.quota_failure(key)
        return
    except ValidationError as error:
        message = "; ".join(error.messages) or str(error)
        run.record(key, None, "invalid", message)
        run.outcome(key, "failed", message=message)
        return
    run.record(key, archive.guid, "pending")
    run.created(key, archive.guid)
    run.watch(key, archive.guid, "archived")


# ---------------------------------------------------------------------- other processes


def _wait_for_others(run: Run, busy: list[str]) -> None:
    deadline = run.clock() + run.options.wait_for_others
    interval = run.options.poll_initial
    while busy:
        run.tell("waiting", f"another permify process is archiving {len(busy)} of these URLs", len(busy))
        run.pause(interval)
        interval = min(interval * 1.5, run.options.poll_max)
        busy = [k for k in busy if not run.take_ledger_entry(k)]
        if not busy:
            return
        claimed, orphaned, busy = _claim(run, busy)
        claimed += settle_orphans(run, orphaned)
        _create(run, _reconcile_folder(run, claimed))
        if busy and run.clock() >= deadline:
            for key in busy:
                run.outcome(
                    key, "failed", message="another permify process is still archiving this URL; run again later"
                )
            return
