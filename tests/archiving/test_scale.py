"""Archiving at scale: batches in flight, grouped ledger writes, quota with concurrency, URLs
Perma would refuse, and a server that loses every answer."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hostile_server import HostileServer, Request

from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger, Record
from permify.archiving.outcomes import ArchiveOptions, UrlRequest
from permify.perma.client import PermaClient
from permify.perma.models import Batch
from permify.perma.session import PermaSession, RetryPolicy
from permify.sandbox import Sandbox
from permify.urls import dedupe_key

HOST = "127.0.0.1:1"


def reqs(n: int, tag: str = "scale") -> list[UrlRequest]:
    urls = [f"https://www.{tag}{i}.gov/opinions/{i}.html" for i in range(n)]
    return [UrlRequest(dedupe_key(u), u, None, (f"line {i}",)) for i, u in enumerate(urls, 1)]


def options(folder_id: int, **kw: Any) -> ArchiveOptions:
    base: dict[str, Any] = {"poll_initial": 0.02, "poll_max": 0.1, "unknown_outcome_wait": 0.3,
                            "capture_timeout": 30.0, "review": False}
    base.update(kw)
    return ArchiveOptions(folder_id=folder_id, **base)


class CountingClient(PermaClient):
    """A real client that records how many batch creates were in flight at once."""

    def __init__(self, *args: Any, hold: float = 0.05, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.hold = hold
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.threads: set[str] = set()

    def create_batch(self, urls: Any, folder: int, *, human: bool = False) -> Batch:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.threads.add(threading.current_thread().name)
        try:
            time.sleep(self.hold)  # long enough for the other workers to start theirs
            return super().create_batch(urls, folder, human=human)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 3])
def test_batches_in_flight_are_bounded_and_each_url_archived_once(
    sandbox: Sandbox, tmp_path: Path, concurrency: int
) -> None:
    folder = sandbox.org_folder_id
    with Ledger(tmp_path / "l.db") as ledger, CountingClient(sandbox.api_key, sandbox.base_url) as client:
        out = Archiver(client, ledger, options(folder, batch_size=4, concurrency=concurrency)).ensure(reqs(24))
        assert {o.status for o in out.values()} == {"archived"}
        assert client.most == concurrency
        assert sandbox.count("POST", "/v1/archives/batches") == 6
        per_url = Counter(dedupe_key(link.url) for link in sandbox.links(folder_id=folder))
        assert len(per_url) == 24 and set(per_url.values()) == {1}
        assert {e.guid for e in ledger.entries()} == {o.guid for o in out.values()}
        assert ledger.intents() == []
    if concurrency == 1:
        assert client.threads == {threading.main_thread().name}  # sent inline, no thread at all


def test_one_ledger_transaction_per_batch(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = sandbox.org_folder_id
    count = 0
    original = Ledger._write

    @contextmanager
    def counted(self: Ledger) -> Iterator[sqlite3.Connection]:
        nonlocal count
        count += 1
        with original(self) as db:
            yield db

    with Ledger(tmp_path / "l.db") as ledger, PermaClient(sandbox.api_key, sandbox.base_url) as client:
        monkeypatch.setattr(Ledger, "_write", counted)
        out = Archiver(client, ledger, options(folder, batch_size=5)).ensure(reqs(60))
    assert {o.status for o in out.values()} == {"archived"}
    batches = 12
    # claim + one per batch (its intents, with the previous answer's GUIDs) + the last answer
    # + polling rounds and heartbeats: far from the two per URL of one transaction per write.
    assert count <= batches + 8, count


def test_quota_never_overspent_with_batches_in_flight(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.personal_folder_id
    with Ledger(tmp_path / "l.db") as ledger, PermaClient(sandbox.api_key, sandbox.base_url) as client:
        sandbox.set_link_limit(sandbox.api_key, 1000)
        used = 1000 - int(client.links_remaining(folder))
        sandbox.set_link_limit(sandbox.api_key, used + 7)
        out = Archiver(client, ledger, options(folder, batch_size=2, concurrency=3)).ensure(reqs(20, "quota"))
    statuses = Counter(o.status for o in out.values())
    assert statuses == Counter({"archived": 7, "failed": 13})
    assert all("quota" in (o.message or "") for o in out.values() if o.status == "failed")
    assert len(sandbox.links(folder_id=folder)) == 7
    assert sandbox.count("POST", "/v1/archives/batches") == 2 + 4  # two quota probes, then 2+2+2+1
    # No batch was refused for quota: each was sized to what was left.
    assert all(o.message is None or "quota is used up" in o.message for o in out.values())


def test_url_perma_would_refuse_is_never_sent(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    long_url = "https://www.example.gov/" + "a" * 2100
    good = reqs(3, "fine")
    with Ledger(tmp_path / "l.db") as ledger, PermaClient(sandbox.api_key, sandbox.base_url) as client:
        out = Archiver(client, ledger, options(folder)).ensure([*good, UrlRequest(dedupe_key(long_url), long_url)])
        assert ledger.intents() == []
    refused = out[dedupe_key(long_url)]
    assert refused.status == "failed" and "2,100" in (refused.message or "")
    assert {out[r.key].status for r in good} == {"archived"}
    assert sandbox.count("POST") == 1
    assert all(len(link.url) < 2100 for link in sandbox.links())


def _lossy_perma(request: Request) -> None:
    """Answers every create with a redirect (the client must not follow a POST) and shows nothing."""
    if request.method == "POST":
        request.send(307, b"", {"Location": request.path})
    elif request.path.endswith("/archives") or request.path.endswith("/batches"):
        request.send(200, {"count": 0, "next": None, "previous": None, "results": []})
    else:  # the folder
        request.send(200, {"id": 25, "name": "Law Review", "parent": None, "organization": 3,
                           "has_children": False, "sponsored_by": None, "read_only": False})


def test_a_server_answering_every_post_with_307_cannot_make_a_run_loop(tmp_path: Path) -> None:
    with HostileServer(_lossy_perma) as server, Ledger(tmp_path / "l.db") as ledger:
        session = PermaSession("key", server.base_url, retry=RetryPolicy(max_retries=1, backoff=0.01))
        with PermaClient(session=session) as client:
            start = time.monotonic()
            out = Archiver(client, ledger, options(25, batch_size=5, poll_initial=0.05)).ensure(reqs(10, "lost"))
            assert time.monotonic() - start < 30
            assert ledger.entries() == []  # nothing recorded as made
            assert ledger.intents() == []  # certainly never made: not left for the next run to settle
    posts = [s for s in server.seen if s[0] == "POST"]
    assert len(posts) == 4  # two batches, each sent once more after its answer was lost, never again
    assert {o.status for o in out.values()} == {"failed"}
    assert all("run again later" in (o.message or "") for o in out.values())


def test_ledger_reads_many_keys_at_once_and_uses_wal_normal(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.db") as ledger:
        keys = [f"k{i}" for i in range(1200)]  # more than one IN (...) chunk
        ledger.write(HOST, 1, records=[Record(k, "https://x/" + k, "ABCD-2345", "completed") for k in keys[::2]])
        ledger.write(HOST, 2, records=[Record("k1", "https://x/k1", "EFGH-2345", "pending")])
        found = ledger.get_many(HOST, 1, keys)
        assert set(found) == set(keys[::2])
        anywhere = ledger.get_many(HOST, None, ["k0", "k1", "k3"])
        assert anywhere["k1"].guid == "EFGH-2345" and anywhere["k0"].folder_id == 1 and "k3" not in anywhere
        claims = ledger.claim(HOST, 1, {k: "https://x/" + k for k in keys})
        assert claims.claimed == keys[1::2] and claims.orphaned == [] and claims.busy == []
        assert ledger._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ledger._db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
