"""Exactly-once archiving against the sandbox over real sockets: ledger, reconcile, faults, quota."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from permify.api import ensure_archives
from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, UrlRequest
from permify.perma.client import PermaClient
from permify.perma.session import PermaSession, RetryPolicy
from permify.sandbox import FaultConfig, Sandbox, SandboxConfig
from permify.urls import dedupe_key

URLS = [
    "https://www.supremecourt.gov/opinions/22pdf/21-476_c185.pdf",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "https://www.congress.gov/bill/117th-congress/house-bill/1",
    "https://www.law.cornell.edu/constitution/first_amendment",
    "https://www.nytimes.com/2023/06/30/us/supreme-court-website-designer.html",
    "https://www.ftc.gov/legal-library/browse/rules",
]


def requests_for(urls: list[str]) -> list[UrlRequest]:
    return [UrlRequest(dedupe_key(u), u, None, (f"line {i}",)) for i, u in enumerate(urls, 1)]


def fast(folder_id: int, **kw: object) -> ArchiveOptions:
    base = {"poll_initial": 0.02, "poll_max": 0.1, "unknown_outcome_wait": 0.5, "capture_timeout": 30.0}
    base.update(kw)
    return ArchiveOptions(folder_id=folder_id, **base)  # type: ignore[arg-type]


def client_for(sb: Sandbox, **kw: object) -> PermaClient:
    session = PermaSession(
        sb.api_key, sb.base_url, retry=RetryPolicy(max_retries=8, backoff=0.01, max_delay=0.05), **kw  # type: ignore[arg-type]
    )
    return PermaClient(session=session)


def links_per_url(sb: Sandbox, folder_id: int) -> Counter[str]:
    return Counter(dedupe_key(link.url) for link in sb.links(folder_id=folder_id))


def test_each_unique_url_archived_once_and_reused_after(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    reqs = requests_for([*URLS, URLS[0], URLS[1].replace("https://en.", "https://EN.")])
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        first = Archiver(client, ledger, fast(folder)).ensure(reqs)
        assert {o.status for o in first.values()} == {"archived"}
        assert len(first) == len(URLS)
        assert all(n == 1 for n in links_per_url(sandbox, folder).values())
        assert len(sandbox.links(folder_id=folder)) == len(URLS)

        sandbox.reset_log()
        second = Archiver(client, ledger, fast(folder)).ensure(reqs)
        assert {o.status for o in second.values()} == {"reused"}
        assert {k: o.guid for k, o in second.items()} == {k: o.guid for k, o in first.items()}
        assert sandbox.count() == 0  # the ledger alone answers


def test_ensure_archives_second_run_makes_no_request_at_all(api_env: Sandbox, tmp_path: Path) -> None:
    reqs = requests_for(URLS[:3])
    spec = "Demo Law Review/Vol 12"
    first = ensure_archives(reqs, folder=spec, options=fast(0))
    assert all(o.insertable for o in first.values())
    api_env.reset_log()
    second = ensure_archives(reqs, folder=spec, options=fast(0))
    assert [o.guid for o in second.values()] == [o.guid for o in first.values()]
    assert api_env.count() == 0


def test_lost_ledger_is_healed_from_the_folder_without_posts(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    reqs = requests_for(URLS)
    with client_for(sandbox) as client:
        with Ledger(tmp_path / "a.db") as ledger:
            first = Archiver(client, ledger, fast(folder)).ensure(reqs)
        sandbox.reset_log()
        with Ledger(tmp_path / "b.db") as fresh:
            again = Archiver(client, fresh, fast(folder)).ensure(reqs)
    assert sandbox.count("POST") == 0
    assert {k: o.guid for k, o in again.items()} == {k: o.guid for k, o in first.items()}
    assert {o.status for o in again.values()} == {"reused"}


def test_failed_and_invalid_captures_are_reported_not_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    bad = ["https://capture-fails.example.com/page", "https://site.does-not-resolve.com/x"]
    reqs = requests_for([URLS[0], *bad])
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        out = Archiver(client, ledger, fast(folder)).ensure(reqs)
        failed = out[dedupe_key(bad[0])]
        invalid = out[dedupe_key(bad[1])]
        assert failed.status == "failed" and "Failed during capture" in (failed.message or "")
        assert not failed.insertable
        assert invalid.status == "failed" and "resolve" in (invalid.message or "")
        assert out[dedupe_key(URLS[0])].status == "archived"
        sandbox.reset_log()
        again = Archiver(client, ledger, fast(folder)).ensure(reqs)
        assert sandbox.count("POST") == 0
        assert again[dedupe_key(bad[0])].status == "failed"
        assert "--retry-failed" in (again[dedupe_key(bad[0])].message or "")


def test_retry_failed_archives_again(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    url = "https://capture-fails.example.com/page"
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        Archiver(client, ledger, fast(folder)).ensure(requests_for([url]))
        sandbox.reset_log()
        Archiver(client, ledger, fast(folder, retry_failed=True)).ensure(requests_for([url]))
        assert sandbox.count("POST", "archives/batches") == 1


def test_quota_archives_what_fits_and_a_rerun_finishes(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.personal_folder_id
    used = len(sandbox.links(folder_id=folder))
    sandbox.set_link_limit(sandbox.api_key, used + 3)
    reqs = requests_for(URLS[:5])
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        out = Archiver(client, ledger, fast(folder)).ensure(reqs)
        statuses = Counter(o.status for o in out.values())
        assert statuses == {"archived": 3, "failed": 2}
        assert all("quota" in (o.message or "") for o in out.values() if o.status == "failed")
        sandbox.set_link_limit(sandbox.api_key, None)
        again = Archiver(client, ledger, fast(folder)).ensure(reqs)
    assert Counter(o.status for o in again.values()) == {"reused": 3, "archived": 2}
    assert all(n == 1 for n in links_per_url(sandbox, folder).values())


def test_lost_batch_answer_is_reconciled_not_resent(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    sandbox.inject_fault("drop", method="POST", path_contains="batches", times=1)
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        out = Archiver(client, ledger, fast(folder)).ensure(requests_for(URLS))
    assert {o.status for o in out.values()} == {"archived"}
    assert sandbox.count("POST", "archives/batches") == 1
    assert links_per_url(sandbox, folder) == Counter({dedupe_key(u): 1 for u in URLS})


@pytest.mark.parametrize("losses, archived", [(1, True), (2, False)])
def test_lost_create_that_made_nothing_is_sent_once_more_never_twice(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, losses: int, archived: bool
) -> None:
    """A create whose request was lost before it reached Perma (an error shape a server cannot
    give: nothing arrives): the folder shows nothing, so it is sent once more; lost again, the
    URLs fail with a message and are not sent a third time."""
    from permify.errors import UnknownOutcomeError

    folder = sandbox.org_folder_id
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        real, lost = client.create_batch, []

        def create_batch(*args: object, **kw: object) -> object:
            if len(lost) < losses:
                lost.append(args)
                raise UnknownOutcomeError("connection reset before the request was sent")
            return real(*args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(client, "create_batch", create_batch)
        out = Archiver(client, ledger, fast(folder, concurrency=1)).ensure(requests_for(URLS))
        assert not ledger.intents()
    assert len(lost) == losses
    if archived:
        assert {o.status for o in out.values()} == {"archived"}
        assert links_per_url(sandbox, folder) == Counter({dedupe_key(u): 1 for u in URLS})
    else:
        assert {o.status for o in out.values()} == {"failed"}
        assert all("lost twice" in (o.message or "") for o in out.values())
        assert sandbox.count("POST", "archives/batches") == 0 and not links_per_url(sandbox, folder)


def test_orphaned_intent_from_a_killed_run_is_settled(sandbox: Sandbox, tmp_path: Path) -> None:
    """A run killed after sending: its intent is still 'sending' and the archives exist."""
    folder = sandbox.org_folder_id
    with client_for(sandbox) as client:
        made = client.create_batch(URLS[:2], folder)
    with Ledger(tmp_path / "l.db") as ledger:
        host = sandbox.base_url.split("/")[2]
        ledger.claim(host, folder, {dedupe_key(u): u for u in URLS[:2]})
        ledger.mark_sending(host, folder, [dedupe_key(u) for u in URLS[:2]])
        # Hand the intents to a process that no longer exists.
        ledger._db.execute("UPDATE intents SET owner='nohost:999999', heartbeat_at=0")
    sandbox.reset_log()
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        out = Archiver(client, ledger, fast(folder)).ensure(requests_for(URLS[:3]))
        assert not ledger.intents()
    made_guids = {job.guid for job in made.capture_jobs}
    assert {out[dedupe_key(u)].guid for u in URLS[:2]} == made_guids
    assert out[dedupe_key(URLS[2])].status == "archived"
    assert sandbox.count("POST", "archives/batches") == 1  # only the URL that was never sent
    assert all(n == 1 for n in links_per_url(sandbox, folder).values())


def test_faults_everywhere_still_exactly_once(tmp_path: Path) -> None:
    config = SandboxConfig(
        capture_seconds=0.05,
        faults=FaultConfig(rate=0.3, seed=7, retry_after=0.01, slow_seconds=0.01),
    )
    urls = [f"https://www.example-law{i}.org/opinion/{i}" for i in range(12)]
    with Sandbox(config) as sb, Ledger(tmp_path / "l.db") as ledger:
        folder = sb.org_folder_id
        client = client_for(sb)
        outcomes = {}
        for _ in range(4):  # a user reruns until done; faults may fail a run outright
            try:
                outcomes = Archiver(client, ledger, fast(folder, batch_size=4)).ensure(requests_for(urls))
            except Exception as error:  # a run may end on an exhausted retry
                assert type(error).__module__.startswith("permify")
                continue
            if all(o.status in ("archived", "reused") for o in outcomes.values()):
                break
        counts = links_per_url(sb, folder)
    assert all(n == 1 for n in counts.values()), counts
    assert all(o.status in ("archived", "reused") for o in outcomes.values())


def test_key_never_stored_or_reported(sandbox: Sandbox, tmp_path: Path) -> None:
    folder = sandbox.org_folder_id
    lines: list[str] = []
    with Ledger(tmp_path / "l.db") as ledger, client_for(sandbox) as client:
        out = Archiver(client, ledger, fast(folder), progress=lambda event: lines.append(event.message)).ensure(
            requests_for([*URLS[:2], "https://capture-fails.example.com/z"])
        )
    dumped = json.dumps([o.__dict__ for o in out.values()], default=lambda verdict: verdict.to_json())
    blob = (tmp_path / "l.db").read_bytes() + dumped.encode()
    blob += "\n".join(lines).encode()
    assert sandbox.api_key.encode() not in blob
    assert not any(r.had_api_key_query for r in sandbox.requests)


def test_corrupt_and_foreign_ledgers_are_clear_errors(tmp_path: Path) -> None:
    from permify.errors import LedgerError

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(LedgerError, match=r"junk\.db"):
        Ledger(junk)
    foreign = tmp_path / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(LedgerError, match="not a permify ledger"):
        Ledger(foreign)


def test_processes_opening_a_new_ledger_at_once_all_succeed(tmp_path: Path) -> None:
    """Two pandoc builds start together: neither may see a half-created ledger as foreign."""
    import threading

    for trial in range(15):
        path = tmp_path / f"ledger{trial}.db"
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def open_it(
            path: Path = path, barrier: threading.Barrier = barrier, errors: list[BaseException] = errors
        ) -> None:
            barrier.wait()
            try:
                Ledger(path).close()
            except BaseException as error:  # collected for the assertion below
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
