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

import contextlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import Interrupted, LedgerError, NotFoundError
from ..perma.validate import check_url_for_perma
from .create import create
from .ledger import Claims, Ledger
from .outcomes import ArchiveOptions, Outcome, ProgressCallback, ProgressEvent, UrlRequest
from .poll import poll
from .reconcile import archive_state, best_archive, folder_index
from .run import Cancelled, Run
from .settle import settle_orphans

if TYPE_CHECKING:
    from ..perma.client import PermaClient

__all__ = ["Archiver"]


def _ignore(event: ProgressEvent) -> None:
    pass


class Archiver:
    """Archive URLs into one folder exactly once. See the module docstring for the rules.

    Parameters: ``client`` (or a function that builds it, called only when a request is
    needed, so a run the ledger answers alone never loads the HTTP stack; then ``api_host``
    must be given) and ``ledger``; ``options`` (:class:`ArchiveOptions`, whose
    ``folder_id`` is the target folder); ``progress(event)`` for a live display (see
    :class:`ProgressEvent`); ``clock`` (epoch seconds) and ``sleep``, injected in tests;
    ``cancel``, an event another thread may set to stop a run at its next safe point (before a
    create request, or while waiting on Perma), which then raises
    :class:`~permify.errors.Interrupted` as Ctrl-C does. The archiver holds no state between
    runs: each :meth:`ensure` works on a fresh :class:`~permify.archiving.run.Run`.
    """

    def __init__(
        self,
        client: PermaClient | Callable[[], PermaClient],
        ledger: Ledger,
        options: ArchiveOptions,
        *,
        progress: ProgressCallback | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        api_host: str | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self._client: PermaClient | None = None
        self._connect: Callable[[], PermaClient] | None = None
        if callable(client) and not hasattr(client, "session"):
            if api_host is None:
                raise TypeError("Archiver: api_host is needed when client is a function")
            self._connect = client
        else:
            self._client = client  # type: ignore[assignment]
        self.ledger = ledger
        self.options = options
        self.progress = progress or _ignore
        self.clock = clock
        self.sleep = sleep
        self.cancel = cancel
        #: the ``host[:port]`` of the API, which the ledger keys every entry by
        self.api_host = api_host if api_host is not None else urlsplit(self.client.session.base_url).netloc

    @property
    def client(self) -> PermaClient:
        """The Perma client (built on first use when a function was given)."""
        if self._client is None:
            assert self._connect is not None
            self._client = self._connect()
        return self._client

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
            run.flush()
        except KeyboardInterrupt as stop:
            # Claims never sent are released; a request in flight stays an intent, settled next run.
            _keep(run)
            how = "cancelled" if isinstance(stop, Cancelled) else "interrupted"
            raise Interrupted(f"{how}; everything archived so far is in the ledger") from None
        except BaseException:
            _keep(run)  # a run-level error (network, timeout): what was done is kept
            raise
        finally:
            run.close_reviews()
        return {key: run.results[key] for key in run.requests}

    def new_run(self, requests: Iterable[UrlRequest]) -> Run:
        """A fresh :class:`Run` for ``requests``, the places of a URL cited twice merged into one."""
        run = Run(
            lambda: self.client, self.ledger.scoped(self.api_host, self.options.folder_id), self.options,
            self.progress, self.clock, self.sleep, cancel=self.cancel,
        )
        places: dict[str, list[str]] = {}
        for req in requests:
            prior = run.requests.get(req.key)
            if prior is None:
                run.requests[req.key] = req
            else:  # the same URL cited again: one archive, all its places (joined once, below)
                places.setdefault(req.key, list(prior.locations)).extend(req.locations)
                if req.title and not prior.title:
                    run.requests[req.key] = UrlRequest(prior.key, prior.url, req.title, prior.locations)
        for key, locations in places.items():
            prior = run.requests[key]
            run.requests[key] = UrlRequest(prior.key, prior.url, prior.title, tuple(locations))
        return run


def _keep(run: Run) -> None:
    """Commit what the run learned and release the claims it never sent (it is ending early)."""
    with contextlib.suppress(LedgerError):
        run.flush()
        run.ledger.release(run.claimed)


# ---------------------------------------------------------------------- 1. ledger


def _from_ledger(run: Run, keys: list[str]) -> list[str]:
    todo = []
    options = run.options
    known = run.ledger.get_many(keys)  # set-wise reads: no query per URL
    if options.reuse_any_folder:
        elsewhere = run.ledger.get_many_any_folder([k for k in keys if k not in known])
    for key in keys:
        entry = known.get(key)
        if entry is None and options.reuse_any_folder:
            entry = elsewhere.get(key)
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
    claimed, orphaned, busy = _claim(run, _sendable(run, keys))
    claimed += settle_orphans(run, orphaned)
    run.flush()
    create(run, _reconcile_folder(run, claimed))
    _wait_for_others(run, busy)


def _sendable(run: Run, keys: list[str]) -> list[str]:
    """The keys whose URL Perma would accept; the others fail with the reason, never sent."""
    ok = []
    for key in keys:
        reason = check_url_for_perma(run.requests[key].url)
        if reason is None:
            ok.append(key)
        else:
            run.outcome(key, "failed", message=f"not sent to Perma: {reason}")
    return ok


def _claim(run: Run, keys: list[str]) -> Claims:
    claims = run.ledger.claim({k: run.requests[k].url for k in keys})
    run.claimed.update(claims.claimed)
    open_keys = {*claims.claimed, *claims.busy, *(i.url_key for i in claims.orphaned)}
    done = [k for k in keys if k not in open_keys]  # another process finished them meanwhile
    entries = run.ledger.get_many(done)
    for key in done:
        if key in entries:
            run.take_entry(key, entries[key])
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
            message = _failure_message(run, best.guid).rstrip(". ") + "; use --retry-failed to try again"
        run.record(key, best.guid, state or "pending", message)
        if state == "completed":
            run.completed(key, best.guid, "reused", "found in the folder")
        elif state == "pending":
            run.watch(key, best.guid, "reused")
        else:
            run.outcome(key, "failed", best.guid, message)
    run.flush()
    return missing


def _failure_message(run: Run, guid: str) -> str:
    try:
        return run.client.get_capture_job(guid).error_text or "capture failed"
    except NotFoundError:
        return "capture failed"


# ---------------------------------------------------------------------- other processes


def _wait_for_others(run: Run, busy: list[str]) -> None:
    deadline = run.clock() + run.options.wait_for_others
    interval = run.options.poll_initial
    while busy:
        run.tell("waiting", f"another permify process is archiving {len(busy)} of these URLs", len(busy))
        run.pause(interval)
        interval = min(interval * 1.5, run.options.poll_max)
        entries = run.ledger.get_many(busy)
        for key in busy:
            if key in entries:
                run.take_entry(key, entries[key])
        busy = [k for k in busy if k not in entries]
        if not busy:
            return
        claimed, orphaned, busy = _claim(run, busy)
        claimed += settle_orphans(run, orphaned)
        run.flush()
        create(run, _reconcile_folder(run, claimed))
        if busy and run.clock() >= deadline:
            for key in busy:
                run.outcome(
                    key, "failed", message="another permify process is still archiving this URL; run again later"
                )
            return
