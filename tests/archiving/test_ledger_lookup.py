"""The ledger's read-only look-up and the warm filter path: the same answers as the archiver.

The pandoc filter answers a warm build from the ledger file alone
(:mod:`permify.pandoc.warm`); these tests hold it to what the archiver's path gives for the
same ledger, and to falling back whenever the ledger cannot answer every URL alone.
"""

from __future__ import annotations

from pathlib import Path

import panflute as pf
import pytest

from permify.archiving.ledger import Ledger
from permify.archiving.ledger_lookup import reusable, reused_from_ledger, stored_verdict
from permify.pandoc import filter as pandoc_filter
from permify.review.verdict import Verdict
from permify.urls import dedupe_key

HOST = "127.0.0.1:9"  # nothing listens there: a request would fail the build
OK = Verdict("ok", "the page", title="A page")
SUSPECT = Verdict("suspect", "origin answered 403: bot wall", rule="bot-wall")


def _url(i: int) -> str:
    return f"https://www.court{i}.gov/opinions/{i}.html"


def _ledger(path: Path, entries: list[tuple[str, str | None, Verdict | None]]) -> None:
    """A ledger as earlier runs leave it: folder spec "42" resolved, one row per entry
    (status, guid, review), URL i for entry i."""
    with Ledger(path) as ledger:
        ledger.remember_folder(HOST, "42", 42)
        for i, (status, guid, review) in enumerate(entries):
            ledger.record(HOST, 42, dedupe_key(_url(i)), _url(i), guid=guid, status=status)  # type: ignore[arg-type]
            if review is not None:
                ledger.record_review(HOST, 42, dedupe_key(_url(i)), review)


def test_the_rule() -> None:
    assert reusable("completed", "ABCD-EFGH", None)
    assert reusable("completed", "ABCD-EFGH", OK)
    assert not reusable("completed", "ABCD-EFGH", SUSPECT)
    assert not reusable("completed", None, None)
    assert not reusable("pending", "ABCD-EFGH", None)
    assert not reusable("failed", "ABCD-EFGH", OK)


def test_a_stored_verdict_that_cannot_be_read_counts_as_none() -> None:
    assert stored_verdict(None) is None
    assert stored_verdict("{not json") is None
    assert stored_verdict('{"reason": "no status"}') is None
    assert stored_verdict('{"status": "ok", "reason": "fine", "unknown": 1}') == Verdict("ok", "fine")


def test_the_look_up_answers_only_when_every_key_is_reusable(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    _ledger(path, [("completed", "AAAA-0001", None), ("completed", "AAAA-0002", OK),
                   ("completed", "AAAA-0003", SUSPECT), ("failed", "AAAA-0004", None), ("pending", "AAAA-0005", None)])
    keys = [dedupe_key(_url(i)) for i in range(5)]
    found = reused_from_ledger(path, HOST, "42", keys[:2])
    assert found is not None and [a.guid for a in found.values()] == ["AAAA-0001", "AAAA-0002"]
    assert found[keys[1]].review == OK and found[keys[0]].review is None
    for other in keys[2:]:  # suspect, failed, pending: the archiver's to settle
        assert reused_from_ledger(path, HOST, "42", [keys[0], other]) is None
    assert reused_from_ledger(path, HOST, "42", [keys[0], dedupe_key("https://never.example.org/")]) is None
    assert reused_from_ledger(path, HOST, "Some/Folder", keys[:1]) is None  # a spec never resolved
    assert reused_from_ledger(path, "api.perma.cc", "42", keys[:1]) is None  # another API's ledger rows
    assert reused_from_ledger(tmp_path / "none.sqlite3", HOST, "42", keys[:1]) is None
    assert not (tmp_path / "none.sqlite3").exists()  # never creates a ledger
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite3"]  # closed as a ledger closes


def test_a_file_that_is_not_a_ledger_is_left_to_the_archiver(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    assert reused_from_ledger(path, HOST, "42", ["https://a.example.org/"]) is None


def _doc(n: int) -> pf.Doc:
    paras = [pf.Para(pf.Str("See"), pf.Space(), pf.Link(pf.Str(f"case {i}"), url=_url(i)), pf.Str("."))
             for i in range(n)]
    return pf.Doc(*paras, format="html5")


@pytest.mark.parametrize("entries", [
    [("completed", "AAAA-0001", None), ("completed", "AAAA-0002", OK)],  # warm: the ledger answers
    [("completed", "AAAA-0001", None), ("completed", "AAAA-0002", SUSPECT)],  # a flagged capture
    [("completed", "AAAA-0001", None), ("failed", "AAAA-0002", None)],  # a failed capture
])
def test_the_warm_path_gives_what_the_archiver_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     entries: list[tuple[str, str | None, Verdict | None]]) -> None:
    _ledger(tmp_path / "ledger.sqlite3", entries)
    for name in ("PERMA_API_KEY", "PERMIFY_STRICT", "PERMIFY_DRY_RUN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PERMA_API_URL", f"http://{HOST}/v1")
    monkeypatch.setenv("PERMIFY_FOLDER", "42")
    monkeypatch.setenv("PERMIFY_LEDGER", str(tmp_path / "ledger.sqlite3"))
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))

    def run() -> tuple[dict[str, object], str, list[str]]:
        warnings: list[str] = []
        one = pandoc_filter.PermifyFilter()
        monkeypatch.setattr(one, "warn", warnings.append)
        doc = one.run(_doc(len(entries)))
        return dict(one.outcomes), pf.stringify(doc) + repr([e.to_json() for e in doc.content]), warnings

    from permify.pandoc import warm as warm_module

    answered: list[bool] = []
    real = warm_module.warm_outcomes
    monkeypatch.setattr(warm_module, "warm_outcomes", lambda *a: answered.append(real(*a) is not None) or real(*a))
    warm = run()
    assert answered == [entries[1][2] is OK]  # the ledger alone answered the warm case only
    monkeypatch.setattr(warm_module, "warm_outcomes", lambda *a: None)  # the archiver's path
    assert run() == warm
    assert any("AAAA-0001" in s for s in warm[1].split())


def test_guids_and_days_match_the_entries_get_many_builds(tmp_path: Path) -> None:
    """The report's capture dates read (guid, day) pairs: the same as the entries give, for the
    folder asked only, and nothing for URLs the ledger does not hold there."""
    path = tmp_path / "ledger.db"
    clock = iter([1_700_000_000.0 + 86_400 * i for i in range(100)])
    with Ledger(path, clock=lambda: next(clock)) as ledger:
        ledger.record(HOST, 42, "k1", "https://a.example/1", guid="AAAA-1111", status="completed")
        ledger.record(HOST, 42, "k2", "https://a.example/2", guid=None, status="failed")
        ledger.record(HOST, 7, "k3", "https://a.example/3", guid="BBBB-2222", status="completed")
        ledger.record(HOST, 42, "k1", "https://a.example/1", guid="AAAA-1111", status="completed")  # a later day
        pairs = ledger.guids_and_days(HOST, 42, ["k1", "k2", "k3", "k9", "k1"])
        entries = ledger.get_many(HOST, 42, ["k1", "k2", "k3", "k9"])
    assert set(pairs) == set(entries) == {"k1", "k2"}
    for key, (guid, day) in pairs.items():
        assert (guid, day) == (entries[key].guid, entries[key].created_at[:10])
    assert pairs["k1"] == ("AAAA-1111", "2023-11-14")  # the day it was first recorded, kept on update
