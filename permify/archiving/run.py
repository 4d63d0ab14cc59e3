"""One archiving run's state and bookkeeping (see :mod:`permify.archiving.archiver`).

A :class:`Run` is built fresh by each :meth:`Archiver.ensure` call and holds everything that
belongs to that call: the requests, the outcomes so far, the captures being watched, the
claims not yet sent, whether the quota ran out. The steps of a run (claiming, creating,
settling, polling) are plain functions of it, so nothing carries over from one run to the
next when an :class:`~permify.archiving.archiver.Archiver` is reused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..frozen import assemble
from ..perma.answers import is_quota_message
from ..review.verdict import Verdict
from ..urls import perma_url
from .folder_ledger import FolderLedger
from .ledger import LedgerEntry, LedgerStatus, Record
from .ledger_lookup import reusable
from .outcomes import ArchiveOptions, Outcome, OutcomeStatus, ProgressCallback, ProgressEvent, ProgressKind, UrlRequest
from .reconcile import job_state
from .reviews import PendingReview, Reviews

if TYPE_CHECKING:  # Perma's models: annotations only, loaded by the client when it parses
    from ..perma.accounts import Folder
    from ..perma.client import PermaClient
    from ..perma.models import CaptureJob

__all__ = ["Cancelled", "Run", "Watch"]


class Cancelled(KeyboardInterrupt):
    """Raised inside a run when its ``cancel`` event is set; the archiver treats it like Ctrl-C
    (claims never sent are released) and raises :class:`~permify.errors.Interrupted`."""

# The progress event that reports an outcome.
_KIND: dict[OutcomeStatus, ProgressKind] = {
    "archived": "captured", "reused": "reused", "failed": "failed", "suspect": "suspect", "skipped": "info",
    "would-archive": "info",
}


def _url_event(kind: ProgressKind, message: str, url: str, guid: str | None,
               verdict: Verdict | None = None) -> ProgressEvent:
    """The progress event about one URL (one or two per URL: built with assemble, see permify.frozen)."""
    return assemble(ProgressEvent, {"kind": kind, "message": message, "count": None, "url": url, "guid": guid,
                                    "verdict": verdict})


@dataclass
class Watch:
    """An archive whose capture this run is waiting on; ``status`` is the outcome once completed."""

    guid: str
    status: OutcomeStatus  # archived | reused
    deadline: float
    batch_id: int | None = None


@dataclass
class Run:
    """The state of one :meth:`Archiver.ensure` call, and the helpers that record an outcome
    in the ledger and for the caller.

    ``requests`` maps each unique key to its request, in the order given; ``results`` holds
    the outcomes so far; ``watches`` the captures still pending; ``claimed`` the keys this run
    holds a claim on and has neither sent nor recorded (released if the run is interrupted).
    ``cancel``, when set by another thread, stops the run at its next safe point: before a
    create request is sent, or while it waits (see :meth:`check_cancel`, :meth:`pause`).
    """

    connect: Callable[[], PermaClient]
    ledger: FolderLedger
    options: ArchiveOptions
    progress: ProgressCallback
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    requests: dict[str, UrlRequest] = field(default_factory=dict)
    results: dict[str, Outcome] = field(default_factory=dict)
    watches: dict[str, Watch] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    quota_exhausted: bool = False
    reviews: Reviews | None = None
    cancel: threading.Event | None = None
    _folder: Folder | None = None
    _client: PermaClient | None = None
    # Ledger writes noted and not yet committed (see flush).
    _records: list[Record] = field(default_factory=list)
    _released: list[str] = field(default_factory=list)
    _dropped: list[str] = field(default_factory=list)
    # URLs sent in create requests so far, and how many had been sent before each key's request
    # (bounds the archives made since a key's: see made_since).
    _sent_total: int = 0
    _sent_before: dict[str, int] = field(default_factory=dict)

    @property
    def client(self) -> PermaClient:
        """The Perma client, built on first use (a run the ledger answers alone needs none)."""
        if self._client is None:
            self._client = self.connect()
        return self._client

    # ------------------------------------------------------------------ cancellation

    def check_cancel(self) -> None:
        """Raise :class:`Cancelled` when the run was cancelled. Called only where no request
        is in flight, so nothing sent is left without its answer."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (with the injected ``sleep``), or until the run is cancelled."""
        if self.cancel is None:
            self.sleep(seconds)
            return
        self.check_cancel()
        if self.cancel.wait(seconds):
            raise Cancelled()

    # ------------------------------------------------------------------ progress and outcomes

    def tell(self, kind: ProgressKind, message: str, count: int | None = None) -> None:
        """Report a step of the run that is not about one URL."""
        self.progress(ProgressEvent(kind, message, count))

    def outcome(self, key: str, status: OutcomeStatus, guid: str | None = None, message: str | None = None,
                verdict: Verdict | None = None) -> None:
        """Settle ``key``'s outcome and report it (with the review's ``verdict``, if any)."""
        req = self.requests[key]
        # One outcome per URL: built with assemble (see permify.frozen).
        self.results[key] = assemble(Outcome, {
            "key": key, "url": req.url, "status": status, "guid": guid, "message": message,
            "locations": req.locations, "captured_on": None, "verdict": verdict})
        kind = _KIND[status]
        note = message
        if verdict is not None and not verdict.ok:
            # The reason is what the live display shows; the advice goes in the report and summary.
            kind, note = ("failed" if status == "failed" else "suspect"), verdict.reason
        line = f"{req.url} -> {perma_url(guid)}" if guid and status != "failed" else req.url
        self.progress(_url_event(kind, line + (f" ({note})" if note else ""), req.url, guid, verdict))

    # ------------------------------------------------------------------ the capture review

    def completed(self, key: str, guid: str, status: OutcomeStatus, message: str | None = None) -> None:
        """``guid``'s capture completed: review it (unless the review is off), else report it
        as ``status``. The verdict arrives through :meth:`collect_reviews`."""
        if not self.options.review or self.options.dry_run:
            self.outcome(key, status, guid, message)
            return
        if self.reviews is None:
            self.reviews = Reviews(self.client, self.options.review_concurrency, self.made_since)
        self.reviews.submit(key, guid, status, message, self.requests[key].title)

    def collect_reviews(self, *, block: bool = False) -> None:
        """Settle the reviews that have finished (all of them, waiting, when ``block``)."""
        if self.reviews is not None:
            self.flush()  # a verdict updates the entry its capture's record wrote
            self.reviews.collect(self._reviewed, block=block)

    def close_reviews(self) -> None:
        """Stop the review pool (reviews not started are dropped: the next run does them)."""
        if self.reviews is not None:
            self.reviews.close()

    def _reviewed(self, done: list[tuple[PendingReview, Verdict]]) -> None:
        # The verdicts that arrived together go to the ledger in one transaction (a disk flush
        # per verdict would cost more than the review itself). An ok verdict also settles a
        # capture the ledger had as failed (a user upload).
        self.ledger.record_reviews(
            [(pending.key, verdict, "completed" if verdict.ok else None) for pending, verdict in done])
        memo = self.reviews.memo if self.reviews is not None else None
        if memo is not None and (fresh := memo.take_fresh()):
            # Kept by GUID for `permify review`, which then needs no download for these captures.
            self.ledger.ledger.store_verdicts(self.ledger.api_host, fresh)
        for pending, verdict in done:
            self.judged(pending.key, pending.guid, pending.status, verdict, pending.message)

    def judged(self, key: str, guid: str, status: OutcomeStatus, verdict: Verdict, message: str | None = None) -> None:
        """Report ``key`` by its verdict: as ``status`` when ok; a suspect capture as ``suspect``
        (or as ``status``, still flagged, with ``insert_suspect``); a failed one as ``failed``."""
        if verdict.ok:
            self.outcome(key, status, guid, message, verdict)
        elif verdict.status == "suspect" and self.options.insert_suspect:
            self.outcome(key, status, guid, f"{verdict.reason}; inserted anyway (--insert-suspect)", verdict)
        else:
            what: OutcomeStatus = "suspect" if verdict.status == "suspect" else "failed"
            advice = verdict.advice
            if verdict.rule == "capture-failed":
                advice += ", or use --retry-failed to try again"
            self.outcome(key, what, guid, f"{verdict.reason}; {advice}", verdict)

    def needs_review(self, entry: LedgerEntry) -> bool:
        """True when a rerun should re-read ``entry``'s archive: its capture failed or its
        review found it suspect or failed (a user upload may have fixed it since). Not without
        an API key: a keyless run (a pandoc build on a laptop without one) stays on the ledger
        and sends nothing; its stored verdict stands."""
        if not (self.options.review and entry.guid) or self.options.dry_run:
            return False
        flagged = entry.status == "failed" or (
            entry.status == "completed" and entry.review is not None and not entry.review.ok)
        # Asked last: the client is built only for an entry that would be read again.
        return flagged and self.client.session.has_key

    def created(self, key: str, guid: str) -> None:
        """Report that Perma answered a create for ``key`` with ``guid``."""
        url = self.requests[key].url
        self.progress(_url_event("created", f"{url} -> {perma_url(guid)}", url, guid))

    def record(self, key: str, guid: str | None, status: LedgerStatus, message: str | None = None) -> None:
        """Note what is known of ``key`` for the ledger (which drops its claim); written by the
        next :meth:`flush`, with everything else this step learned, in one transaction."""
        req = self.requests[key]
        self._records.append(Record(key, req.url, guid, status, message, req.locations))
        self.claimed.discard(key)

    def sent(self, keys: list[str]) -> None:
        """Note that a create request for ``keys`` is going out (see :meth:`made_since`)."""
        for key in keys:
            self._sent_before[key] = self._sent_total
        self._sent_total += len(keys)

    def made_since(self, key: str) -> int | None:
        """At most how many archives this run made since ``key``'s request, its own request's
        included (so the newest-first listing holds ``key``'s record within that many of this
        run's); None when ``key``'s archive was not made by a create of this run."""
        before = self._sent_before.get(key)
        return None if before is None else self._sent_total - before

    def drop(self, key: str) -> None:
        """Drop ``key``'s intent at the next :meth:`flush`, whatever its state: a create for it
        certainly made nothing and will not be sent again by this run."""
        self._dropped.append(key)
        self.claimed.discard(key)

    def flush(self, *, sending: list[str] | None = None) -> None:
        """Commit what was noted since the last flush, in one transaction; with ``sending``,
        mark those intents as being sent in the same transaction (before their request goes out)."""
        if self._records or self._released or self._dropped or sending:
            self.ledger.write(records=self._records, released=self._released, dropped=self._dropped,
                              sending=sending or ())
            self._records, self._released, self._dropped = [], [], []

    def watch(self, key: str, guid: str, status: OutcomeStatus, batch_id: int | None = None) -> None:
        """Wait on ``guid``'s capture; ``status`` is the outcome once it completes."""
        self.watches[key] = Watch(guid, status, self.clock() + self.options.capture_timeout, batch_id)

    def folder(self) -> Folder:
        """The target folder (fetched once per run, when creating needs to know its kind)."""
        if self._folder is None:
            self._folder = self.client.get_folder(self.options.folder_id)
        return self._folder

    def quota_failure(self, key: str) -> None:
        """``key`` is not archived because the account's link quota is used up."""
        self._released.append(key)
        self.claimed.discard(key)
        self.outcome(
            key, "failed", message="not archived: the Perma account's link quota is used up "
            "(archive into an organization folder, or raise the quota, then run again)",
        )

    # ------------------------------------------------------------------ taking what is known

    def take_entry(self, key: str, entry: LedgerEntry) -> None:
        """Use a ledger entry: reuse a completed archive (as its stored verdict says), watch a
        pending one, report a failed one; a failed or suspect archive is reviewed again."""
        if reusable(entry.status, entry.guid, entry.review):  # the rule a warm look-up applies too
            self.outcome(key, "reused", entry.guid, verdict=entry.review)
        elif entry.guid and self.needs_review(entry):
            self.completed(key, entry.guid, "reused")
        elif entry.status == "completed" and entry.guid and entry.review is not None:
            self.judged(key, entry.guid, "reused", entry.review)
        elif entry.status == "completed":
            self.outcome(key, "reused", entry.guid)
        elif entry.status == "pending" and entry.guid:
            self.watch(key, entry.guid, "reused")
        else:
            message = entry.message or f"capture {entry.status} earlier"
            self.outcome(key, "failed", entry.guid, message.rstrip(". ") + "; use --retry-failed to try again")

    def take_job(self, key: str, job: CaptureJob, batch_id: int | None) -> None:
        """Use a capture job Perma made for ``key``: record it, then report or watch it."""
        state = job_state(job)
        if state == "invalid":
            if is_quota_message(job.error_text):
                self.quota_exhausted = True
                self.quota_failure(key)
                return
            self.record(key, None, "invalid", job.error_text)
            self.outcome(key, "failed", message=job.error_text)
            return
        self.record(key, job.guid, state, job.error_text if state == "failed" else None)
        if job.guid is not None:
            self.created(key, job.guid)
        if state == "completed" and job.guid is not None:
            self.completed(key, job.guid, "archived")
        elif state == "failed":
            self.outcome(key, "failed", job.guid, job.error_text)
        elif job.guid is not None:  # job_state() gives "invalid" for a job with no GUID
            self.watch(key, job.guid, "archived", batch_id)
