"""Creating what is truly new: a few create requests in flight, the ledger kept by one thread.

Perma validates every URL of a batch synchronously, in the web worker that took the request,
so one batch at a time leaves the client waiting on validations in a row. Here up to
``ArchiveOptions.concurrency`` requests are in flight at once (3 by default, 1 for the
polite). Worker threads only make the HTTP request; everything else happens on the run's
own thread, in this order for each request:

1. its intents are marked *sending* and committed, together with everything learned since
   the last commit (the GUIDs of earlier answers), before the request is handed to a worker;
2. its answer is applied when it arrives (GUIDs recorded, captures watched) and committed in
   one transaction before any later request is sent.

The quota of a personal folder is never overspent: what is sent never exceeds the links the
last answer said were left, less what is still in flight, and the last requests are sized to
what remains. A request whose answer is lost is settled (:func:`~permify.archiving.settle.
settle_unknown`) before anything is sent again, and a URL is sent again at most once after
such a loss, so a server that loses every answer cannot make the run loop.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    NetworkError,
    ProtocolError,
    QuotaExceededError,
    UnknownOutcomeError,
    ValidationError,
)
from ..perma.models import Archive, Batch, CaptureJob
from .poll import Fetched, fetch_batches, poll_round, watched_batches
from .run import Cancelled, Run
from .settle import settle_unknown

__all__ = ["create"]


@dataclass
class _Request:
    """One create request: its keys and when its intents were committed."""

    keys: list[str]
    sent_at: float
    single: bool
    answer: Batch | Archive | None = None
    error: BaseException | None = None


@dataclass
class _Quota:
    """Links left in a personal folder, as far as the client can know (``inf``: no limit).

    ``left`` already excludes what is in flight. An answer's ``links_remaining`` may or may not
    count the other requests still in flight, so while any is, it is read as a lower bound;
    when none is, it is exact.
    """

    left: float
    in_flight: int = 0

    def sent(self, count: int) -> None:
        self.left -= count
        self.in_flight += count

    def answered(self, count: int, reported: float | None) -> None:
        self.in_flight -= count
        if reported is None:
            return
        self.left = reported if self.in_flight == 0 else min(self.left, reported - self.in_flight)


@dataclass
class _Polled:
    """A polling round's batch listing, fetched on its own thread (or the error it met)."""

    fetched: Fetched | None = None
    error: BaseException | None = None


@dataclass
class _Workers:
    """``concurrency`` daemon threads that send create requests (inline with ``concurrency``
    1); answers come back on one queue, read by the run's thread. Daemon threads, so a run
    interrupted while a request hangs does not keep the interpreter from exiting."""

    concurrency: int
    # SimpleQueue: a hand-off in C, without queue.Queue's condition variables (one per batch each way).
    answers: queue.SimpleQueue[_Request | _Polled] = field(default_factory=queue.SimpleQueue)
    tasks: queue.SimpleQueue[tuple[_Request, Callable[[], Batch | Archive]] | None] = field(
        default_factory=queue.SimpleQueue
    )
    busy: int = 0
    polling: bool = False
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, request: _Request, send: Callable[[], Batch | Archive]) -> None:
        self.busy += 1
        if self.concurrency <= 1:
            self._run(request, send)
            return
        if len(self.threads) < min(self.busy, self.concurrency):
            thread = threading.Thread(target=self._work, daemon=True, name="permify-create")
            thread.start()
            self.threads.append(thread)
        self.tasks.put((request, send))

    def stop(self) -> None:
        for _ in self.threads:
            self.tasks.put(None)

    def _work(self) -> None:
        while (task := self.tasks.get()) is not None:
            self._run(*task)

    def _run(self, request: _Request, send: Callable[[], Batch | Archive]) -> None:
        try:
            request.answer = send()
        except BaseException as error:  # handed to the run's thread, which decides
            request.error = error
        self.answers.put(request)

    def poll(self, fetch: Callable[[], Fetched]) -> None:
        """Fetch a polling round's listing on a daemon thread; it arrives on :attr:`answers`."""

        def run() -> None:
            try:
                self.answers.put(_Polled(fetched=fetch()))
            except BaseException as error:  # handed to the run's thread, which raises it
                self.answers.put(_Polled(error=error))

        self.polling = True
        threading.Thread(target=run, daemon=True, name="permify-poll").start()

    def next(self) -> _Request | _Polled:
        item = self.answers.get()
        if isinstance(item, _Polled):
            self.polling = False
        else:
            self.busy -= 1
        return item


def create(run: Run, keys: Sequence[str]) -> None:
    """Create archives for ``keys`` (claimed, checked against the folder, never sent)."""
    if not keys:
        return
    options = run.options
    todo = deque(keys)
    quota = _Quota(float("inf"))
    personal = run.folder().is_personal  # links_remaining is the personal quota: org folders have none
    if personal:
        remaining = run.client.links_remaining(options.folder_id)
        if remaining < len(todo):
            allowed = max(int(remaining), 0)
            over = len(todo) - allowed
            run.tell("info", f"only {int(remaining)} links left in the Perma quota; "
                             f"{over} URLs will not be archived", over)
            for key in list(todo)[allowed:]:
                run.quota_failure(key)
            todo = deque(list(todo)[:allowed])
        quota.left = remaining
    # Batches carry neither titles nor privacy: those need one create per URL.
    single = options.private or options.titles
    size = 1 if single else max(1, options.batch_size)
    workers = _Workers(max(1, options.concurrency))
    resent: set[str] = set()
    poll_due, polled = False, float("-inf")
    try:
        while todo or workers.busy or poll_due or workers.polling:
            while todo and workers.busy < workers.concurrency and not run.quota_exhausted:
                room = min(size, len(todo), quota.left)
                if room < 1:
                    break  # wait for an answer to say how many links are left
                run.check_cancel()  # before the intent is marked as sending
                chunk = [todo.popleft() for _ in range(int(room))]
                _send(run, workers, quota, chunk, single)
            if poll_due and not workers.polling and (not workers.busy or run.clock() >= polled + options.poll_initial):
                # Start reviewing the captures of earlier batches meanwhile: polled after the
                # next requests went out, so that Perma validates them while the round runs
                # (polled before, each round would delay every later batch). No more often than
                # polling itself would (answers come in bursts of ``concurrency``: a round per
                # answer would list the same batches again for a capture or two), except after
                # the last answer, whose round starts the reviews that polling then waits on.
                poll_due = False
                polled = run.clock()
                _poll(run, workers)
            if not workers.busy and not workers.polling:
                break
            request = workers.next()
            if isinstance(request, _Polled):
                if request.error is not None:
                    raise request.error
                poll_round(run, request.fetched)
                continue
            quota.answered(len(request.keys), _reported(request.answer) if personal else None)
            for key in _apply(run, request, resent):
                todo.appendleft(key)
            poll_due = bool(options.review and run.watches and not options.dry_run)
            # The GUIDs of this answer are durable before the next request: committed with the
            # next request's intents (one transaction), or now when none follows at once.
            if not todo or run.quota_exhausted or quota.left < 1:
                run.flush()
    except Cancelled:
        # Cancelled (not Ctrl-C): what is already sent is answered and recorded before the run
        # stops, so no intent is left for the next run to settle.
        while workers.busy:
            request = workers.next()
            if isinstance(request, _Request):
                _apply(run, request, set(keys))  # nothing is sent again
        raise
    finally:
        workers.stop()
        run.flush()
    for key in todo:  # the quota ran out
        run.quota_failure(key)
    run.flush()


def _poll(run: Run, workers: _Workers) -> None:
    """A polling round while creates go on: its listing travels on its own thread, so the
    answers that arrive meanwhile are not held back (the run's thread applies the round when
    the listing arrives); a round that must ask for captures one by one runs here and now."""
    batches = watched_batches(run)
    if batches is None or workers.concurrency <= 1:
        poll_round(run)
        return
    client = run.client
    workers.poll(lambda: fetch_batches(client, batches))


def _reported(answer: Batch | Archive | None) -> float | None:
    return answer.links_remaining if isinstance(answer, Batch) else None


def _send(run: Run, workers: _Workers, quota: _Quota, chunk: list[str], single: bool) -> None:
    run.flush(sending=chunk)  # the intent is durable before the request goes out
    run.sent(chunk)
    quota.sent(len(chunk))
    request = _Request(chunk, run.clock(), single)
    client, options = run.client, run.options
    send: Callable[[], Any]
    if single:
        req = run.requests[chunk[0]]
        send = lambda: client.create_archive(  # noqa: E731
            req.url, folder=options.folder_id, title=req.title, is_private=True if options.private else None
        )
    else:
        run.tell("waiting", f"sending a batch of {len(chunk)} URLs to Perma", len(chunk))
        urls = [run.requests[k].url for k in chunk]
        send = lambda: client.create_batch(urls, options.folder_id)  # noqa: E731
    workers.start(request, send)


def _apply(run: Run, request: _Request, resent: set[str]) -> list[str]:
    """Apply one answer; return the keys to send again (certainly never created, first loss)."""
    keys, error = request.keys, request.error
    if isinstance(error, KeyboardInterrupt):
        raise error
    if isinstance(error, UnknownOutcomeError):
        run.tell("waiting", "the answer to a create was lost; checking what Perma made", len(keys))
        return _settle_or_resend(run, keys, request.sent_at, resent, "the answer to its create was lost twice "
                                 "and Perma shows no archive for it; run again later")
    if isinstance(error, QuotaExceededError):
        run.quota_exhausted = True
        for key in keys:
            run.quota_failure(key)
        return []
    if isinstance(error, ValidationError):
        # Refused as a whole, so nothing was made; never sent again in this run.
        message = "; ".join(error.messages) or str(error) if request.single else str(error)
        for key in keys:
            if request.single:
                run.record(key, None, "invalid", message)
            else:
                run.drop(key)
            run.outcome(key, "failed", message=message)
        return []
    if isinstance(error, ProtocolError):
        # An answer that breaks the API's contract: nothing in it is used, nothing recorded.
        # The intents stay "sending", so a later run settles them from the folder.
        for key in keys:
            run.claimed.discard(key)
            run.outcome(key, "failed", message=str(error))
        return []
    if isinstance(error, NetworkError) or error is not None:
        raise error  # the run ends with one line; what was done is in the ledger
    if isinstance(request.answer, Archive):
        archive = request.answer
        run.record(keys[0], archive.guid, "pending")
        run.created(keys[0], archive.guid)
        run.watch(keys[0], archive.guid, "archived")
        return []
    assert isinstance(request.answer, Batch)
    batch = request.answer
    jobs: dict[str, CaptureJob] = {}
    for job in batch.capture_jobs:
        jobs.setdefault(job.submitted_url, job)
    lost: list[str] = []
    for key in keys:
        found = jobs.get(run.requests[key].url)
        if found is None:
            lost.append(key)
        else:
            run.take_job(key, found, batch.id)
    if batch.links_remaining is not None and batch.links_remaining <= 0 and run.folder().is_personal:
        run.quota_exhausted = True
    if lost:
        return _settle_or_resend(run, lost, request.sent_at, resent,
                                 "Perma's answer did not include this URL, twice; run again later")
    return []


def _settle_or_resend(run: Run, keys: list[str], sent_at: float, resent: set[str], twice: str) -> list[str]:
    """Settle ``keys``, whose create may or may not have made an archive, from what Perma shows;
    return those it certainly never made, to send once more. A key already sent again fails
    with the message ``twice`` instead (exactly once: a URL is never sent a third time)."""
    missing = settle_unknown(run, keys, sent_at)
    again = [k for k in missing if k not in resent]
    resent.update(again)
    for key in missing:
        if key not in again:
            run.drop(key)
            run.outcome(key, "failed", message=twice)
    return again
