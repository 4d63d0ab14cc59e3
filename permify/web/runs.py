"""One archiving run of the page, on a worker thread: per-URL progress, cancellation, outputs.

A run is the page's only writer to Perma. The server holds at most one run at a time (see
:class:`permify.web.desk.Desk`), so a second browser tab, or a reload, sees the same run
instead of starting another. What a run archives is in the ledger the moment Perma answers,
so closing the page loses nothing: archiving again reuses it all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..archiving.outcomes import ArchiveOptions, Outcome, UrlRequest
from ..documents import DocumentScan, url_requests
from ..errors import Interrupted, PermifyError
from ..report import ReportRow, build_report
from ..review import Verdict
from . import engine
from .outputs import Download, write_outputs

__all__ = ["FINAL_STATES", "Run", "UrlRow"]

#: Row states after which nothing more happens to a URL in this run.
FINAL_STATES = frozenset({"captured", "reused", "linked", "failed", "left out", "cancelled"})

#: What each row state means, for people (the page shows it beside the state).
STATE_HELP = {
    "queued": "waiting its turn",
    "capturing": "Perma is capturing the page",
    "captured": "archived now",
    "reused": "archived before (from the ledger or the folder): no new archive",
    "linked": "already has a Perma link in the document",
    "failed": "not archived",
    "left out": "unticked: not archived, left as it is",
    "cancelled": "not finished: archive again to pick it up (no duplicate will be made)",
}


@dataclass
class UrlRow:
    """One unique URL of a run as the page shows it. ``verdict`` is the capture review's
    verdict (``ok``, ``suspect``, ``failed``) once the review has looked at the archive, with
    its ``verdict_reason`` and, unless ok, ``verdict_advice`` (what to do). ``by_hand`` is what
    the editor must do once it is archived (a reference-manager field permify does not edit)."""

    key: str
    url: str
    locations: tuple[str, ...]
    state: str = "queued"
    guid: str | None = None
    message: str | None = None
    title: str | None = None
    verdict: str | None = None
    verdict_reason: str | None = None
    verdict_advice: str | None = None
    by_hand: str | None = None

    @property
    def perma_url(self) -> str | None:
        """``https://perma.cc/GUID`` when there is a GUID."""
        return f"https://perma.cc/{self.guid}" if self.guid else None

    @property
    def final(self) -> bool:
        """True once nothing more happens to this URL in the run."""
        return self.state in FINAL_STATES


_OUTCOME_STATE = {"archived": "captured", "reused": "reused", "failed": "failed", "skipped": "left out"}


@dataclass
class Run:
    """One run: what to archive where, and how far it got. Start it with :meth:`start`.

    ``status`` is ``running``, ``done``, ``cancelled`` or ``error`` (then ``error`` says why).
    Once done, the capture review runs (``reviewing``) and fills each row's verdict; the
    downloads are ready before it starts. ``version`` grows with every change, so a page can
    tell when to redraw.
    """

    number: int
    conn: engine.Connection
    folder_id: int
    folder_name: str
    documents: Sequence[tuple[str, DocumentScan]]
    excluded: frozenset[str]
    out_dir: Path
    options: ArchiveOptions | None = None
    status: str = "running"
    message: str = "starting"
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    rows: dict[str, UrlRow] = field(default_factory=dict)
    report: list[ReportRow] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)
    version: int = 0
    reviewing: bool = False
    review_error: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        scans = [scan for _, scan in self.documents]
        self._linked = engine.linked_in_documents(scans)
        self._requests: list[UrlRequest] = []
        notes = {c.key: c.cited.note for scan in scans for c in scan.citations if c.cited.note}
        for req in url_requests(scans):
            row = UrlRow(req.key, req.url, req.locations, by_hand=notes.get(req.key))
            if req.key in self._linked:
                row.state, row.guid = "linked", self._linked[req.key].guid
            elif req.key in self.excluded:
                row.state = "left out"
            else:
                self._requests.append(req)
            self.rows[req.key] = row

    # ------------------------------------------------------------------ control

    def start(self) -> Run:
        """Start archiving on a worker thread; returns self."""
        self._thread = threading.Thread(target=self._work, name=f"permify-run-{self.number}", daemon=True)
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the run to stop at its next wait on Perma; what is archived stays in the ledger."""
        self._cancel.set()
        with self._lock:
            if self.status == "running":
                self.message = "cancelling: waiting for the current request to Perma to finish"
                self.version += 1

    @property
    def busy(self) -> bool:
        """True while archiving or reviewing."""
        return self.running or self.reviewing

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """True until the run has finished, one way or another."""
        return self.status == "running"

    @property
    def to_archive(self) -> int:
        """How many URLs this run sends to the archiver."""
        return len(self._requests)

    def counts(self) -> dict[str, int]:
        """Rows by state."""
        with self._lock:
            counts: dict[str, int] = {}
            for row in self.rows.values():
                counts[row.state] = counts.get(row.state, 0) + 1
            return counts

    def snapshot(self) -> list[UrlRow]:
        """Copies of the rows, in first-cited order."""
        with self._lock:
            return [replace(row) for row in self.rows.values()]

    # ------------------------------------------------------------------ the work

    def _step(self, step: engine.Step) -> None:
        with self._lock:
            row = next((r for r in self.rows.values() if r.url == step.url), None) if step.url else None
            if row is not None and not row.final:
                if step.kind == "created":
                    row.state, row.guid = "capturing", step.guid or row.guid
                elif step.kind in ("captured", "reused"):
                    row.state, row.guid = ("captured" if step.kind == "captured" else "reused"), step.guid or row.guid
                elif step.kind == "failed":
                    row.state = "failed"
            if step.kind in ("waiting", "info", "found"):
                self.message = step.message
            self.version += 1

    def _work(self) -> None:
        outcomes: dict[str, Outcome] = dict(self._linked)
        try:
            self._set_message(f"archiving {len(self._requests)} URLs")
            outcomes.update(
                engine.archive(
                    self.conn, self.folder_id, self._requests, report=self._step, cancel=self._cancel,
                    options=self.options,
                )
            )
            status, error = "done", None
        except Interrupted:
            # Whatever completed is in the ledger: the documents get those links.
            outcomes.update(engine.known(self.conn, self.folder_id, self._requests))
            status, error = "cancelled", None
        except PermifyError as exc:
            status, error = "error", str(exc)
        except Exception as exc:  # a bug: say so on the page instead of dying silently
            status, error = "error", f"internal error: {type(exc).__name__}: {exc}"
        if status == "error":
            with self._lock:
                self.status, self.error, self.finished = status, error, time.monotonic()
                self.message = ""
                for row in self.rows.values():
                    if not row.final:
                        row.state, row.message = "cancelled", error
                self.version += 1
            return
        for key in self.excluded:
            left = self.rows.get(key)
            if left is not None and key not in outcomes:
                outcomes[key] = Outcome(key, left.url, "skipped", None, "left out on the page", left.locations)
        self._apply(outcomes)
        self._finish_outputs(outcomes, status)
        self._review()

    def _set_message(self, message: str) -> None:
        with self._lock:
            self.message = message
            self.version += 1

    def _apply(self, outcomes: dict[str, Outcome]) -> None:
        with self._lock:
            for key, row in self.rows.items():
                outcome = outcomes.get(key)
                if row.state in ("linked", "left out"):
                    continue
                if outcome is None:
                    row.state, row.message = "cancelled", STATE_HELP["cancelled"]
                    continue
                row.state = _OUTCOME_STATE.get(outcome.status, outcome.status)
                row.guid = outcome.guid or row.guid
                row.message = outcome.message
                verdict = outcome.verdict  # the archiving run's own capture review
                if verdict is not None:
                    row.verdict, row.verdict_reason = verdict.status, verdict.reason
                    row.verdict_advice = verdict.advice or None
                    if outcome.status == "suspect":
                        row.message = None  # the Review column says why and what to do
            self.version += 1

    def _finish_outputs(self, outcomes: dict[str, Outcome], status: str) -> None:
        try:
            self._set_message("writing the documents and the report")
            report = build_report([scan for _, scan in self.documents], outcomes)
            downloads = write_outputs(self.out_dir, self.documents, outcomes, report)
            guids = {row.guid for row in self.rows.values() if row.guid and row.state in ("captured", "reused")}
            try:
                found = engine.titles(self.conn, self.folder_id, guids)
            except PermifyError:  # titles are a courtesy; the archives and outputs are what matter
                found = {}
            error = None
        except PermifyError as exc:
            report, downloads, found, error = [], [], {}, str(exc)
            status = "error"
        with self._lock:
            for row in self.rows.values():
                if row.guid in found:
                    row.title = found[row.guid]
            self.report, self.downloads = report, downloads
            self.reviewing = status != "error" and not self._cancel.is_set() and any(
                row.guid and row.state in ("captured", "reused") for row in self.rows.values())
            self.status, self.error, self.finished = status, error, time.monotonic()
            self.message = ""
            self.version += 1

    def _review(self) -> None:
        """Look at what each archive captured (the capture review), filling in the verdicts."""
        if not self.reviewing:
            return
        with self._lock:
            rows = [r for r in self.rows.values() if r.guid and r.state in ("captured", "reused")]
        by_guid = {row.guid: row for row in rows if row.guid}
        titles = {req.key: req.title for req in self._requests if req.title}
        expected = {row.guid: titles[row.key] for row in rows if row.guid and row.key in titles}

        def on_verdict(verdict: Verdict) -> None:
            with self._lock:
                row = by_guid.get(verdict.guid or "")
                if row is not None:
                    row.verdict, row.verdict_reason = verdict.status, verdict.reason
                    row.verdict_advice = verdict.advice or None
                self.version += 1

        try:
            engine.review(self.conn, list(by_guid), expected_titles=expected, on_verdict=on_verdict)
        except PermifyError as exc:
            with self._lock:
                self.review_error = f"the capture review stopped: {exc}"
        finally:
            with self._lock:
                self.reviewing = False
                self.version += 1
