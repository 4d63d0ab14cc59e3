"""The ledger's cross-process claims: fresh, orphaned (dead owner), busy (live owner), stale."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from permify.archiving.ledger import Ledger

HOST, FOLDER = "api.example:443", 7
URLS = {"example.com/a": "https://example.com/a", "example.com/b": "https://example.com/b"}


class Clock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def dead_pid() -> int:
    """The id of a process of this machine that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def clock() -> Clock:
    return Clock()


def open_as(path: Path, owner: str, clock: Clock) -> Ledger:
    """A ledger handle whose claims belong to ``owner`` (``host:pid``)."""
    ledger = Ledger(path, clock=clock)
    ledger.owner = owner
    return ledger


def test_fresh_keys_are_claimed_and_recorded_keys_are_in_no_list(tmp_path: Path, clock: Clock) -> None:
    with Ledger(tmp_path / "l.db", clock=clock) as ledger:
        ledger.record(HOST, FOLDER, "example.com/b", URLS["example.com/b"], guid="AAAA-BBBB", status="completed")
        claims = ledger.claim(HOST, FOLDER, URLS)
        assert claims.claimed == ["example.com/a"] and claims.orphaned == [] and claims.busy == []
        assert [(i.url_key, i.state, i.owner) for i in ledger.intents()] == [("example.com/a", "claimed", ledger.owner)]
        # Claiming again in the same process keeps the claim (ours) and makes no second intent.
        assert ledger.claim(HOST, FOLDER, URLS).claimed == ["example.com/a"]
        assert len(ledger.intents()) == 1


def test_a_sent_intent_of_a_dead_process_is_orphaned_and_taken_over(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "l.db"
    with open_as(path, f"{socket.gethostname()}:{dead_pid()}", clock) as killed:
        killed.claim(HOST, FOLDER, URLS)
        clock.now += 1
        killed.mark_sending(HOST, FOLDER, ["example.com/a"])  # b was claimed, never sent
    clock.now += 5
    with Ledger(path, clock=clock) as ledger:
        claims = ledger.claim(HOST, FOLDER, URLS)
        assert claims.busy == []
        assert claims.claimed == ["example.com/b"]  # never sent: nothing can exist, claim it
        (orphan,) = claims.orphaned
        assert (orphan.url_key, orphan.state, orphan.sent_at) == ("example.com/a", "sending", 1_000_001.0)
        # Taken over: ours now, its state kept so that it is settled before anything is sent.
        states = {i.url_key: (i.owner, i.state) for i in ledger.intents()}
        assert states == {"example.com/a": (ledger.owner, "sending"), "example.com/b": (ledger.owner, "claimed")}


def test_keys_held_by_a_live_process_are_busy_and_left_alone(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "l.db"
    live = f"{socket.gethostname()}:{os.getppid()}"  # our parent: alive, and not us
    with open_as(path, live, clock) as other:
        other.claim(HOST, FOLDER, URLS)
        other.mark_sending(HOST, FOLDER, list(URLS))
    clock.now += 60
    with Ledger(path, clock=clock) as ledger:
        claims = ledger.claim(HOST, FOLDER, URLS)
        assert claims.busy == list(URLS) and claims.claimed == [] and claims.orphaned == []
        assert {i.owner for i in ledger.intents()} == {live}
        ledger.release(HOST, FOLDER, list(URLS))  # not ours, and sent: releasing changes nothing
        assert len(ledger.intents()) == 2


def test_another_machine_is_busy_until_its_heartbeat_is_stale(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "l.db"
    with open_as(path, "other-machine.invalid:42", clock) as remote, Ledger(path, clock=clock) as ledger:
        remote.claim(HOST, FOLDER, URLS)
        remote.mark_sending(HOST, FOLDER, ["example.com/a"])
        clock.now += 500
        assert ledger.claim(HOST, FOLDER, URLS, stale_after=600).busy == list(URLS)
        remote.heartbeat()  # still working: the heartbeat moves to now
        clock.now += 500  # 1000 s after the claim, 500 s after the heartbeat
        assert ledger.claim(HOST, FOLDER, URLS, stale_after=600).busy == list(URLS)
        clock.now += 101  # 601 s without a heartbeat: the other machine is presumed gone
        claims = ledger.claim(HOST, FOLDER, URLS, stale_after=600)
        assert claims.busy == []
        assert claims.claimed == ["example.com/b"]
        assert [i.url_key for i in claims.orphaned] == ["example.com/a"]


def test_a_live_local_process_with_a_stale_heartbeat_is_taken_over(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "l.db"
    with open_as(path, f"{socket.gethostname()}:{os.getppid()}", clock) as stuck:
        stuck.claim(HOST, FOLDER, URLS)
    clock.now += 601
    with Ledger(path, clock=clock) as ledger:
        assert ledger.claim(HOST, FOLDER, URLS, stale_after=600).claimed == list(URLS)


def test_release_drops_only_claims_never_sent(tmp_path: Path, clock: Clock) -> None:
    with Ledger(tmp_path / "l.db", clock=clock) as ledger:
        ledger.claim(HOST, FOLDER, URLS)
        ledger.mark_sending(HOST, FOLDER, ["example.com/a"])
        ledger.release(HOST, FOLDER, list(URLS))
        assert [(i.url_key, i.state) for i in ledger.intents()] == [("example.com/a", "sending")]
        ledger.record(HOST, FOLDER, "example.com/a", URLS["example.com/a"], guid="AAAA-BBBB", status="pending")
        assert ledger.intents() == []  # recording the GUID drops the intent in the same transaction


def test_a_folder_ledger_sees_only_its_host_and_folder(tmp_path: Path, clock: Clock) -> None:
    with Ledger(tmp_path / "l.db", clock=clock) as ledger:
        here, there = ledger.scoped(HOST, FOLDER), ledger.scoped(HOST, FOLDER + 1)
        other_host = ledger.scoped("127.0.0.1:8765", FOLDER)
        assert here.claim(URLS).claimed == list(URLS)
        assert there.claim(URLS).claimed == list(URLS)  # another folder: its own claims
        here.record("example.com/a", URLS["example.com/a"], guid="AAAA-BBBB", status="completed")
        key = "example.com/a"
        entry = here.get_many([key]).get(key)
        assert entry is not None and (entry.api_host, entry.folder_id, entry.guid) == (HOST, FOLDER, "AAAA-BBBB")
        assert there.get_many([key]).get(key) is None and other_host.get_many([key]).get(key) is None
        found = there.get_many_any_folder([key]).get(key)
        assert found is not None and found.folder_id == FOLDER
        assert other_host.get_many_any_folder([key]).get(key) is None
        assert [e.url_key for e in here.entries()] == ["example.com/a"] and there.entries() == []
        assert there.forget(entry) == 1 and here.get_many([key]).get(key) is None
