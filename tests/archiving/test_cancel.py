"""Cancelling a run from another thread (what ``permify serve``'s Cancel button does): it stops
before the next create request or during a wait, never with a request in flight; what Perma
made is in the ledger, the claims never sent are released, and the next run creates nothing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import FakeClock

from permify.api import ensure_archives
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, ProgressEvent, UrlRequest
from permify.errors import Interrupted
from permify.sandbox import Sandbox, SandboxConfig
from permify.site import ArchiveSite
from permify.urls import dedupe_key

URLS = [f"https://www.court{i}.gov/opinions/{i}.pdf" for i in range(45)]


def _requests() -> list[UrlRequest]:
    return [UrlRequest(dedupe_key(u), u) for u in URLS]


@pytest.fixture
def slow() -> Iterator[tuple[Sandbox, FakeClock]]:
    clock = FakeClock()
    with Sandbox(SandboxConfig(capture_seconds=60, clock=clock)) as sb:
        yield sb, clock


def test_cancel_stops_before_the_next_batch_and_keeps_what_was_sent(
    slow: tuple[Sandbox, FakeClock], tmp_path: Path
) -> None:
    sandbox, clock = slow
    cancel = threading.Event()

    def progress(event: ProgressEvent) -> None:
        if event.kind == "created":  # the first batch's answer: stop before the second is sent
            cancel.set()

    # One batch at a time: the cancel lands between two sends (with several in flight, those
    # already sent finish and only the ones not yet sent are dropped).
    options = ArchiveOptions(folder_id=0, batch_size=20, poll_initial=0.02, poll_max=0.05, concurrency=1)
    with ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=tmp_path / "ledger.sqlite3") as site:
        with pytest.raises(Interrupted, match="cancelled"):
            ensure_archives(_requests(), site=site, options=options, progress=progress, cancel=cancel)
        assert sandbox.count("POST", "archives/batches") == 1
        assert len(sandbox.links(folder_id=sandbox.org_folder_id)) == 20
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert [e.status for e in ledger.entries()] == ["pending"] * 20
        assert ledger.intents() == []  # the 25 claims never sent were released

    clock.advance(120)  # the captures finish at Perma
    sandbox.reset_log()
    with ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=tmp_path / "ledger.sqlite3") as site:
        # the new captures finish as soon as the run waits for them
        outcomes = ensure_archives(_requests(), site=site, options=options,
                                   progress=lambda event: clock.advance(120) if event.kind == "waiting" else None)
    statuses = [o.status for o in outcomes.values()]
    assert statuses.count("reused") == 20 and statuses.count("archived") == 25
    assert len(sandbox.links(folder_id=sandbox.org_folder_id)) == 45  # none twice


def test_cancel_interrupts_a_long_wait_at_once(slow: tuple[Sandbox, FakeClock], tmp_path: Path) -> None:
    sandbox, _ = slow
    cancel = threading.Event()
    options = ArchiveOptions(folder_id=0, poll_initial=30.0, poll_max=30.0)  # a wait far longer than the test
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(Interrupted, match="cancelled"):
            _with_site(sandbox, tmp_path, options, cancel)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 10
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert len(ledger.entries()) == 3 and ledger.intents() == []


def _with_site(sandbox: Sandbox, tmp_path: Path, options: ArchiveOptions, cancel: threading.Event) -> None:
    with ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=tmp_path / "ledger.sqlite3") as site:
        ensure_archives(_requests()[:3], site=site, options=options, cancel=cancel)


def test_without_cancel_nothing_changes(sandbox: Sandbox, tmp_path: Path) -> None:
    options = ArchiveOptions(folder_id=0, poll_initial=0.02, poll_max=0.05)
    never = threading.Event()
    with ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=tmp_path / "ledger.sqlite3") as site:
        outcomes = ensure_archives(_requests()[:5], site=site, options=options, cancel=never)
    assert {o.status for o in outcomes.values()} == {"archived"}


def test_cancel_with_batches_in_flight_records_their_answers(
    slow: tuple[Sandbox, FakeClock], tmp_path: Path
) -> None:
    sandbox, _ = slow
    cancel = threading.Event()

    def progress(event: ProgressEvent) -> None:
        if event.kind == "created":
            cancel.set()

    options = ArchiveOptions(folder_id=0, batch_size=10, poll_initial=0.02, poll_max=0.05, concurrency=3)
    with ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=tmp_path / "ledger.sqlite3") as site:
        with pytest.raises(Interrupted, match="cancelled"):
            ensure_archives(_requests(), site=site, options=options, progress=progress, cancel=cancel)
    sent = sandbox.count("POST", "archives/batches")
    assert 1 <= sent <= 3  # at most the batches in flight when the cancel came
    with Ledger(tmp_path / "ledger.sqlite3") as ledger:
        assert len(ledger.entries()) == len(sandbox.links(folder_id=sandbox.org_folder_id)) == 10 * sent
        assert ledger.intents() == []  # in-flight answers recorded, unsent claims released
