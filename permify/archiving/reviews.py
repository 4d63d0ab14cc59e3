"""The capture review inside an archiving run: reviews run on a small pool while polling goes on.

When a capture completes, :meth:`Reviews.submit` hands its archive to a bounded thread pool
(one archive GET and at most one WARC download, see :mod:`permify.review`). The run's own
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

__all__ = ["PendingReview", "Reviews"]


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
    """The reviews of one run: a pool of ``concurrency`` threads, started on first use."""

    def __init__(self, client: PermaClient, concurrency: int) -> None:
        self.client = client
        self.concurrency = max(1, int(concurrency))
        self.pending: dict[str, PendingReview] = {}
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, key: str, guid: str, status: OutcomeStatus, message: str | None, title: str | None) -> None:
        """Start reviewing ``guid`` (the archive of ``key``)."""
        if self._pool is None:
            # the thread pool loads with the first review: a run the ledger answers starts none
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="permify-review")
        from ..review.fetch import review_or_unchecked  # loads the HTTP stack: only when reviewing

        future = self._pool.submit(review_or_unchecked, self.client, guid, expected_title=title)
        self.pending[key] = PendingReview(key, guid, status, message, future)

    def collect(self, settle: Callable[[PendingReview, Verdict], None], *, block: bool) -> None:
        """Call ``settle`` for every finished review (all of them, waiting, when ``block``)."""
        while self.pending:
            futures = {p.future for p in self.pending.values()}
            done = {f for f in futures if f.done()}
            if not done and block:
                from concurrent.futures import FIRST_COMPLETED, wait

                done, _ = wait(futures, return_when=FIRST_COMPLETED)
            if not done:
                return
            for key, pending in list(self.pending.items()):
                if pending.future in done:
                    del self.pending[key]
                    settle(pending, pending.future.result())

    def close(self) -> None:
        """Stop the pool; reviews not started yet are cancelled (an interrupted run)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
