"""The capture review inside archiving, against the sandbox over loopback: verdicts, ledger, reruns."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, ProgressEvent, UrlRequest
from permify.perma.client import PermaClient
from permify.perma.session import PermaSession, RetryPolicy
from permify.sandbox import Sandbox
from permify.urls import dedupe_key

GOOD = "https://www.law.cornell.edu/constitution/first_amendment"
WALL = "https://www.example.com/cloudflare-wall/ruling"
UPLOAD = "https://news.example.org/gains-upload/story"
HARD_404 = "https://www.example.com/hard-404/gone"
FAILS = "https://capture-fails.example.com/page"


def reqs(*urls: str) -> list[UrlRequest]:
    return [UrlRequest(dedupe_key(u), u, None, (f"line {i}",)) for i, u in enumerate(urls, 1)]


def opts(folder_id: int, **kw: object) -> ArchiveOptions:
    base: dict[str, object] = {"poll_initial": 0.02, "poll_max": 0.1, "unknown_outcome_wait": 0.5,
                               "capture_timeout": 30.0}
    base.update(kw)
    return ArchiveOptions(folder_id=folder_id, **base)  # type: ignore[arg-type]


def client_for(sb: Sandbox) -> PermaClient:
    return PermaClient(session=PermaSession(sb.api_key, sb.base_url,
                                            retry=RetryPolicy(max_retries=3, backoff=0.01, max_delay=0.05)))


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(tmp_path / "ledger.sqlite3") as opened:
        yield opened


def test_new_captures_are_reviewed_suspect_ones_not_inserted(sandbox: Sandbox, ledger: Ledger) -> None:
    events: list[ProgressEvent] = []
    with client_for(sandbox) as client:
        out = Archiver(client, ledger, opts(sandbox.org_folder_id), progress=events.append).ensure(
            reqs(GOOD, WALL, HARD_404))
    good, wall, gone = (out[dedupe_key(u)] for u in (GOOD, WALL, HARD_404))
    assert good.status == "archived" and good.insertable and good.verdict is not None and good.verdict.ok
    assert wall.status == "suspect" and not wall.insertable
    assert wall.verdict is not None and wall.verdict.reason == "origin answered 403: bot wall (Cloudflare)"
    assert "Upload file" in (wall.message or "") and wall.guid is not None
    assert gone.status == "failed" and not gone.insertable and "404" in (gone.message or "")
    # One archive GET and one WARC download per new archive.
    assert sandbox.count("GET", "/v1/archives/") >= 3
    downloads = [r for r in sandbox.requests if r.path.endswith("/download")]
    assert len(downloads) == 3
    # The live display hears each verdict.
    assert {e.kind for e in events if e.url == WALL} >= {"created", "suspect"}
    assert any(e.kind == "captured" and e.url == GOOD and e.verdict is not None for e in events)
    # The ledger keeps the verdicts.
    stored = {e.url: e.review for e in ledger.entries()}
    assert stored[WALL] is not None and stored[WALL].status == "suspect"
    assert stored[GOOD] is not None and stored[GOOD].ok


def test_rerun_of_reviewed_archives_makes_no_request(sandbox: Sandbox, ledger: Ledger) -> None:
    with client_for(sandbox) as client:
        Archiver(client, ledger, opts(sandbox.org_folder_id)).ensure(reqs(GOOD))
        sandbox.reset_log()
        again = Archiver(client, ledger, opts(sandbox.org_folder_id)).ensure(reqs(GOOD))
    assert again[dedupe_key(GOOD)].status == "reused" and again[dedupe_key(GOOD)].verdict is not None
    assert sandbox.requests == []


def test_rerun_after_a_user_upload_inserts_the_link_without_a_new_archive(sandbox: Sandbox, ledger: Ledger) -> None:
    folder = sandbox.org_folder_id
    with client_for(sandbox) as client:
        first = Archiver(client, ledger, opts(folder)).ensure(reqs(UPLOAD))[dedupe_key(UPLOAD)]
        assert first.status == "suspect" and not first.insertable and first.guid
        # A rerun before the upload: still suspect, only review calls, no archive made.
        sandbox.reset_log()
        still = Archiver(client, ledger, opts(folder)).ensure(reqs(UPLOAD))[dedupe_key(UPLOAD)]
        assert still.status == "suspect" and sandbox.count("POST") == 0
        sandbox.upload_file(first.guid)
        sandbox.reset_log()
        after = Archiver(client, ledger, opts(folder)).ensure(reqs(UPLOAD))[dedupe_key(UPLOAD)]
    assert after.status == "reused" and after.insertable and after.guid == first.guid
    assert after.verdict is not None and after.verdict.user_upload
    assert sandbox.count("POST") == 0 and not [r for r in sandbox.requests if r.path.endswith("/download")]
    assert {r.method for r in sandbox.requests} == {"GET"}
    assert len(sandbox.links(folder_id=folder)) == 1
    entry = ledger.entries()[0]
    assert entry.status == "completed" and entry.review is not None and entry.review.ok


def test_a_failed_capture_is_rechecked_and_fixed_by_an_upload(sandbox: Sandbox, ledger: Ledger) -> None:
    folder = sandbox.org_folder_id
    with client_for(sandbox) as client:
        first = Archiver(client, ledger, opts(folder)).ensure(reqs(FAILS))[dedupe_key(FAILS)]
        assert first.status == "failed" and first.guid
        sandbox.upload_file(first.guid)
        sandbox.reset_log()
        after = Archiver(client, ledger, opts(folder)).ensure(reqs(FAILS))[dedupe_key(FAILS)]
    assert after.status == "reused" and after.insertable and sandbox.count("POST") == 0
    assert ledger.entries()[0].status == "completed" and ledger.entries()[0].message is None


def test_insert_suspect_inserts_but_still_flags(sandbox: Sandbox, ledger: Ledger) -> None:
    with client_for(sandbox) as client:
        out = Archiver(client, ledger, opts(sandbox.org_folder_id, insert_suspect=True)).ensure(reqs(WALL, HARD_404))
    wall, gone = out[dedupe_key(WALL)], out[dedupe_key(HARD_404)]
    assert wall.status == "archived" and wall.insertable and wall.verdict is not None
    assert wall.verdict.status == "suspect" and "--insert-suspect" in (wall.message or "")
    assert gone.status == "failed" and not gone.insertable  # a failed capture is never inserted


def test_no_review_makes_no_review_request(sandbox: Sandbox, ledger: Ledger) -> None:
    with client_for(sandbox) as client:
        out = Archiver(client, ledger, opts(sandbox.org_folder_id, review=False)).ensure(reqs(WALL))
    assert out[dedupe_key(WALL)].status == "archived" and out[dedupe_key(WALL)].verdict is None
    assert not [r for r in sandbox.requests if r.path.endswith("/download")]
    assert ledger.entries()[0].review is None


def test_a_review_that_cannot_run_is_an_unchecked_suspect_not_an_error(sandbox: Sandbox, ledger: Ledger) -> None:
    # Every attempt of the download fails (the client tries 1 + 3 retries), then the fault is spent.
    sandbox.inject_fault("500", method="GET", path_contains="/download", times=4)
    with client_for(sandbox) as client:
        out = Archiver(client, ledger, opts(sandbox.org_folder_id)).ensure(reqs(GOOD))[dedupe_key(GOOD)]
        assert out.status == "suspect" and not out.insertable
        assert out.verdict is not None and not out.verdict.checked and "rerun" in (out.message or "")
        sandbox.reset_log()
        again = Archiver(client, ledger, opts(sandbox.org_folder_id)).ensure(reqs(GOOD))[dedupe_key(GOOD)]
    assert again.status == "reused" and again.insertable and sandbox.count("POST") == 0


def test_an_old_ledger_gains_the_review_columns_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with Ledger(path) as ledger:
        ledger.record("api.example", 1, "https://a.example/", "https://a.example/", guid="AB2C-D3EF",
                      status="completed")
    db = sqlite3.connect(path)  # make it look like a ledger written before the review existed
    db.execute("ALTER TABLE archives DROP COLUMN review")
    db.execute("ALTER TABLE archives DROP COLUMN reviewed_at")
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        entry = ledger.get("api.example", 1, "https://a.example/")
        assert entry is not None and entry.guid == "AB2C-D3EF" and entry.review is None
        columns = {r[1] for r in ledger._db.execute("PRAGMA table_info(archives)")}
        assert {"review", "reviewed_at"} <= columns
    # A stored verdict that cannot be read counts as none (the archive is reviewed again).
    db = sqlite3.connect(path)
    db.execute("UPDATE archives SET review=?", (json.dumps(["not", "a", "verdict"]),))
    db.commit()
    db.close()
    with Ledger(path) as ledger:
        assert ledger.entries()[0].review is None


def test_a_write_cut_short_by_ctrl_c_does_not_block_the_next(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger._db.execute("BEGIN IMMEDIATE")  # as if Ctrl-C landed between BEGIN and its try block
        ledger.record("api.example", 1, "https://a.example/", "https://a.example/", guid=None, status="invalid")
        assert ledger.get("api.example", 1, "https://a.example/") is not None


def test_reviews_start_while_batches_are_created_and_their_verdicts_are_kept(sandbox: Sandbox,
                                                                             ledger: Ledger) -> None:
    urls = [f"https://www.court{i}.example.gov/opinions/{i}" for i in range(12)]
    with client_for(sandbox) as client:
        out = Archiver(client, ledger, opts(sandbox.org_folder_id, batch_size=2, concurrency=3)).ensure(reqs(*urls))
    assert all(o.status == "archived" and o.verdict is not None and o.verdict.ok for o in out.values())
    guids = [o.guid or "" for o in out.values()]
    host = client.session.base_url.split("//", 1)[1].split("/", 1)[0]
    assert set(ledger.stored_verdicts(host, guids)) == set(guids)  # permify review needs no download
    assert sandbox.count("POST", "/v1/archives/batches") == 6


def test_a_polling_round_that_fails_during_creation_ends_the_run_with_its_error(sandbox: Sandbox,
                                                                                ledger: Ledger) -> None:
    from permify.errors import PermifyError

    urls = [f"https://www.court{i}.example.gov/opinions/{i}" for i in range(12)]
    sandbox.inject_fault("500", method="GET", path_contains="archives/batches", times=1000)
    with client_for(sandbox) as client, pytest.raises(PermifyError):
        Archiver(client, ledger, opts(sandbox.org_folder_id, batch_size=2, concurrency=3)).ensure(reqs(*urls))
    # The listing travelled on its own thread; its error reached the run's thread, and what was
    # created before it is recorded with its GUID (a request still in flight stays an intent).
    recorded = [e for e in ledger.entries() if e.guid]
    assert recorded and len({e.guid for e in recorded}) == len(recorded)
    assert len(recorded) + sum(1 for i in ledger.intents() if i.state == "sending") <= len(urls)
