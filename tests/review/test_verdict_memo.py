"""``permify review`` keeps each verdict judged from a WARC in the ledger, with the basis it was
judged on, and reuses it without a download while the archive's record is unchanged."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import permify
from permify.archiving.ledger import Ledger
from permify.cli.main import main
from permify.perma import PermaClient
from permify.perma.models import Archive, Capture
from permify.review.memo import VerdictMemo, review_basis, worth_keeping
from permify.review.verdict import Verdict
from permify.sandbox import Sandbox

GOOD = "https://www.law.cornell.edu/constitution/first_amendment"
WALL = "https://www.example.com/cloudflare-wall/ruling"


def _downloads(sb: Sandbox) -> int:
    return sum(1 for r in sb.requests if r.path.endswith("/download"))


@pytest.fixture
def final(api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    """A finished manuscript citing a good page and a walled one, each with its Perma link."""
    monkeypatch.setenv("PERMIFY_FOLDER", str(api_env.org_folder_id))
    draft = tmp_path / "draft.md"
    draft.write_text(f"Good: [First Amendment]({GOOD}).\n\nWalled: [ruling]({WALL}).\n", encoding="utf-8")
    options = permify.ArchiveOptions(folder_id=0, insert_suspect=True, poll_initial=0.02, poll_max=0.1)
    links = {row.url: row.perma_url or "" for row in permify.archive_documents([draft], options=options).rows}
    doc = tmp_path / "final.md"
    doc.write_text(f"Good: [First Amendment]({GOOD}) [{links[GOOD]}].\n\n"
                   f"Walled: [ruling]({WALL}) [{links[WALL]}].\n", encoding="utf-8")
    return doc, links


def test_a_review_reuses_the_verdicts_without_downloads(final: tuple[Path, dict[str, str]],
                                                        api_env: Sandbox) -> None:
    doc, _links = final
    api_env.reset_log()
    first = permify.review_documents([doc], recheck=True)
    assert _downloads(api_env) == 2
    api_env.reset_log()
    second = permify.review_documents([doc])
    assert _downloads(api_env) == 0
    assert api_env.count("GET") >= 1  # the records are still read: deleted or private shows at once
    assert [(r.status, r.reason, r.verdict) for r in second.rows] == [(r.status, r.reason, r.verdict)
                                                                       for r in first.rows]
    assert [r.status for r in second.rows] == ["ok", "suspect"]


def test_the_verdicts_of_the_archiving_run_are_kept(final: tuple[Path, dict[str, str]], api_env: Sandbox) -> None:
    doc, _links = final
    api_env.reset_log()
    assert [r.status for r in permify.review_documents([doc]).rows] == ["ok", "suspect"]
    assert _downloads(api_env) == 0


def test_recheck_downloads_every_capture_again(final: tuple[Path, dict[str, str]], api_env: Sandbox,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    doc, _links = final
    permify.review_documents([doc])
    api_env.reset_log()
    assert [r.status for r in permify.review_documents([doc], recheck=True).rows] == ["ok", "suspect"]
    assert _downloads(api_env) == 2
    api_env.reset_log()
    assert main(["review", str(doc), "--recheck"]) == 1
    assert _downloads(api_env) == 2
    assert main(["review", str(doc), "--recheck", "--offline"]) == 2
    assert "--recheck" in capsys.readouterr().err


def test_a_changed_record_or_title_is_judged_again(final: tuple[Path, dict[str, str]], api_env: Sandbox) -> None:
    doc, links = final
    good = links[GOOD].rsplit("/", 1)[1]
    with PermaClient(api_env.api_key, api_env.base_url) as client:
        client.update_archive(good, is_private=True)
    api_env.reset_log()
    rows = permify.review_documents([doc]).rows
    assert _downloads(api_env) == 1  # the private one: its verdict says is_private
    assert rows[0].verdict is not None and rows[0].verdict.is_private is True
    doc.write_text(doc.read_text(encoding="utf-8").replace("[ruling]", "[The ruling of the court]"),
                   encoding="utf-8")
    api_env.reset_log()
    permify.review_documents([doc])
    assert _downloads(api_env) == 1  # another title: the title rule may judge otherwise


def test_without_a_ledger_nothing_is_kept(api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          final: tuple[Path, dict[str, str]]) -> None:
    doc, _links = final
    monkeypatch.setenv("PERMIFY_LEDGER", str(tmp_path / "elsewhere" / "none.sqlite3"))
    permify.review_documents([doc])
    api_env.reset_log()
    permify.review_documents([doc])
    assert _downloads(api_env) == 2
    assert not (tmp_path / "elsewhere").exists()  # a review never creates a ledger


def _archive(**changes: object) -> Archive:
    base = Archive(guid="AB2C-D3EF", url="https://example.com/a", is_private=False, warc_size=100,
                   captures=(Capture("primary", "success", "https://example.com/a", "response", "text/html"),
                             Capture("screenshot", "success")))
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_basis_covers_what_the_verdict_depends_on() -> None:
    basis = review_basis(_archive(), "Title", body_cap=10, download_cap=20)
    assert basis == review_basis(_archive(), "Title", body_cap=10, download_cap=20)
    others = [
        review_basis(_archive(), "Other title", body_cap=10, download_cap=20),
        review_basis(_archive(), "Title", body_cap=11, download_cap=20),
        review_basis(_archive(is_private=True), "Title", body_cap=10, download_cap=20),
        review_basis(_archive(captures=(Capture("primary", "success", "https://example.com/a", "response",
                                                "text/html"), Capture("screenshot", "failed"))),
                     "Title", body_cap=10, download_cap=20),
    ]
    assert basis not in others and len(set(others)) == len(others)


def test_the_memo_keeps_only_verdicts_read_from_a_warc() -> None:
    memo = VerdictMemo({"AB2C-D3EF": ("b1", Verdict("ok", "fine", guid="AB2C-D3EF"))})
    assert memo.get("AB2C-D3EF", "b1") is not None and memo.get("AB2C-D3EF", "b2") is None
    assert memo.reused == 1
    unchecked = Verdict("suspect", "could not be checked (x)", rule="unchecked", checked=False)
    missing = Verdict("suspect", "no WARC", rule="warc-missing")
    assert not worth_keeping(unchecked) and not worth_keeping(missing)
    for verdict in (unchecked, missing, Verdict("suspect", "bot wall", rule="cloudflare-title")):
        memo.keep("AB2C-D3EF", "b3", verdict)
    assert [v.rule for _g, _b, v in memo.fresh] == ["cloudflare-title"]


def test_the_ledger_stores_one_verdict_per_guid(tmp_path: Path) -> None:
    with Ledger(tmp_path / "l.sqlite3") as ledger:
        ledger.store_verdicts("h", [("AB2C-D3EF", "b1", Verdict("ok", "fine"))])
        ledger.store_verdicts("h", [("AB2C-D3EF", "b2", Verdict("suspect", "wall", rule="x"))])
        assert ledger.stored_verdicts("h", ["AB2C-D3EF", "ZZ2Z-Z2ZZ"]) == {
            "AB2C-D3EF": ("b2", Verdict("suspect", "wall", rule="x"))}
        assert ledger.stored_verdicts("other-host", ["AB2C-D3EF"]) == {}
