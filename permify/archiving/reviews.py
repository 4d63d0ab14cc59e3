"""The capture review inside an archiving run: reviews run on a small pool while polling goes on.

When a capture completes, :meth:`Reviews.submit` queues its archive; each collection hands
the queued archives to a bounded thread pool (one listing for the group's records, then at
most one WARC download each, see :mod:`permify.review`). The run's own
thread collects the verdicts, between polling rounds and once more before
:meth:`~permify.archiving.archiver.Archiver.ensure` returns, and turns each into an outcome
and a ledger write: worker threads only make HTTP requests, the ledger is touched by the
run's thread alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..review.verdict import Verdict
from .outcomes import OutcomeStatus

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from ..perma.client import PermaClient
    from ..perma.models import Archive
    from ..review.memo import VerdictMemo

__all__ = ["LISTING_SLACK", "OTHERS_SLACK", "PendingReview", "Reviews"]

#: Archives newer than a group's that its listing reads past: the batches created meanwhile
#: (a few in flight at once) come first in Perma's newest-first list. Used when the run cannot
#: tell how many it made since (an archive found in the folder or the ledger).
LISTING_SLACK = 100
#: Archives another process may have made since, read past on top of those this run made.
OTHERS_SLACK = 20


@dataclass(frozen=True)
class PendingReview:
    """A review under way: the archive, the outcome it gets if the verdict is ok, and the
    message that goes with it."""

    key: str
    guid: str
    status: OutcomeStatus  # archived | reused
    message: str | None
    future: Future[Verdict]


class Reviews:
    """The reviews of one run: a pool of ``concurrency`` threads, started on first use.

    The archives handed over together (the captures one polling round found complete) have
    their records read in one listing of the account's newest archives instead of one GET
    each (:func:`~permify.review.fetch.prefetch_archives`); a record the listing misses is
    fetched on its own. Each archive then costs at most its WARC download.

    ``made_since(key)``, when given, bounds how many archives the run made since ``key``'s
    (its own and those sent after it; None when the run did not make it): the listing then
    reads that many records and :data:`OTHERS_SLACK` more, not a fixed page. Every record
    of the page costs CPU on both sides, and a group's listing runs while creates go on.
    """

    def __init__(self, client: PermaClient, concurrency: int,
                 made_since: Callable[[str], int | None] | None = None) -> None:
        self.client = client
        self.concurrency = max(1, int(concurrency))
        self.pending: dict[str, PendingReview] = {}
        self._pool: ThreadPoolExecutor | None = None
        self._queue: list[tuple[str, str, str | None, Future[Verdict]]] = []
        self._made_since = made_since
        #: the verdicts judged from a WARC, with their basis, for the ledger's verdict store
        #: (none is looked up: a rerun reads a suspect capture's WARC again, see needs_review)
        self.memo: VerdictMemo | None = None

    def submit(self, key: str, guid: str, status: OutcomeStatus, message: str | None, title: str | None) -> None:
        """Review ``guid`` (the archive of ``key``); it starts at the next :meth:`collect`."""
        from concurrent.futures import Future  # with the first review: a run the ledger answers needs none

        if self._pool is None:
            # the thread pool loads with the first review: a run the ledger answers starts none
            from concurrent.futures import ThreadPoolExecutor

            from ..review.memo import VerdictMemo

            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="permify-review")
            self.memo = VerdictMemo()
        # Queued until :meth:`collect` (after the polling round that found it complete), so
        # that the archives of one round share one listing.
        future: Future[Verdict] = Future()
        self._queue.append((key, guid, title, future))
        self.pending[key] = PendingReview(key, guid, status, message, future)

    def _dispatch_queued(self) -> None:
        """Hand the archives queued since the last call to a worker, as one group."""
        if self._queue and self._pool is not None:
            queued, self._queue = self._queue, []
            group = [(guid, title, future) for _key, guid, title, future in queued]
            try:
                self._pool.submit(self._dispatch, group, self._page_size([key for key, *_ in queued]))
            except RuntimeError:  # the pool is closed (an interrupted run): the next run reviews them
                for _guid, _title, future in group:
                    future.cancel()

    def _page_size(self, keys: list[str]) -> int:
        """The listing page that holds a group's records: the archives made since the
        group's oldest, when the run knows, else twice the group and :data:`LISTING_SLACK`."""
        made = [self._made_since(key) for key in keys] if self._made_since is not None else [None]
        if any(m is None for m in made):
            return min(300, 2 * len(keys) + LISTING_SLACK)
        return min(300, max(m for m in made if m is not None) + OTHERS_SLACK)

    def _dispatch(self, group: list[tuple[str, str | None, Future[Verdict]]], page_size: int) -> None:
        """(A worker thread.) Read the group's records in one listing, then start their reviews.
        Every future of the group ends up with a verdict or cancelled, whatever happens here."""
        from ..review.fetch import prefetch_archives  # loads the HTTP stack: only when reviewing

        try:
            records = prefetch_archives(self.client, [guid for guid, _, _ in group], minimum=2,
                                        page_size=page_size)
        except Exception:  # best effort: each review then reads its own record
            records = {}
        for guid, title, future in group:
            try:
                if self._pool is None:
                    raise RuntimeError("the review pool is closed")
                self._pool.submit(self._review, guid, title, records.get(guid.upper()), future)
            except RuntimeError:  # closed (an interrupted run): the next run reviews it
                future.cancel()

    def _review(self, guid: str, title: str | None, record: Archive | None, future: Future[Verdict]) -> None:
        from ..review.fetch import review_or_unchecked

        if future.set_running_or_notify_cancel():
            # review_or_unchecked never raises: a review that cannot run is an unchecked verdict.
            future.set_result(review_or_unchecked(self.client, guid, expected_title=title, record=record,
                                                  memo=self.memo))

    def collect(self, settle: Callable[[list[tuple[PendingReview, Verdict]]], None], *, block: bool) -> None:
        """Call ``settle`` with the finished reviews, all that finished together in one call (so
        their ledger writes share a transaction); all of them, waiting, when ``block``."""
        self._dispatch_queued()
        while self.pending:
            futures = {p.future for p in self.pending.values()}
            done = {f for f in futures if f.done()}
            if not done and block:
                from concurrent.futures import FIRST_COMPLETED, wait

                done, _ = wait(futures, return_when=FIRST_COMPLETED)
            if not done:
                return
            finished = [(key, pending) for key, pending in self.pending.items() if pending.future in done]
            for key, _pending in finished:
                del self.pending[key]
            # A cancelled review (the pool closed under it) has no verdict: the next run does it.
            settle([(pending, pending.future.result()) for _key, pending in finished
                    if not pending.future.cancelled()])

    def close(self) -> None:
        """Stop the pool; reviews not started yet are cancelled (an interrupted run)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
