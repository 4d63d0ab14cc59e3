"""``permify review`` and :func:`permify.review_documents` on finished documents, over loopback."""

from __future__ import annotations

import csv
import json
import socket
from pathlib import Path

import pytest

import permify
from permify.cli.main import main
from permify.errors import NetworkError
from permify.perma import PermaClient, PermaSession, RetryPolicy
from permify.sandbox import Sandbox

GOOD = "https://www.law.cornell.edu/constitution/first_amendment"
OTHER = "https://www.congress.gov/bill/117th-congress/house-bill/1"
WALL = "https://www.example.com/cloudflare-wall/ruling"


def _archive(tmp_path: Path, *urls: str) -> dict[str, str]:
    """Archive ``urls`` through the library (suspect ones inserted too); their Perma links by URL."""
    source = tmp_path / "draft.md"
    source.write_text("".join(f"See [source {i}]({u}).\n\n" for i, u in enumerate(urls)), encoding="utf-8")
    options = permify.ArchiveOptions(folder_id=0, insert_suspect=True, poll_initial=0.02, poll_max=0.1)
    result = permify.archive_documents([source], options=options, folder=None)
    return {row.url: row.perma_url or "" for row in result.rows}


@pytest.fixture
def finished(api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict[str, str]]:
    monkeypatch.setenv("PERMIFY_FOLDER", str(api_env.org_folder_id))
    links = _archive(tmp_path, GOOD, OTHER, WALL)
    doc = tmp_path / "final.md"
    doc.write_text(
        f"Good: [First Amendment]({GOOD}) [{links[GOOD]}].\n\n"
        f"Walled: [ruling]({WALL}) [{links[WALL]}].\n\n"
        f"Wrong link: [bill]({GOOD}#text) [{links[OTHER]}].\n\n"
        f"Made up: [page](https://example.net/made-up) [https://perma.cc/ZZ2Z-Z2ZZ].\n\n"
        f"Unlinked: <https://example.net/no-link>.\n",
        encoding="utf-8",
    )
    return doc, links


def test_review_documents_reports_each_link(finished: tuple[Path, dict[str, str]], api_env: Sandbox) -> None:
    doc, links = finished
    api_env.reset_log()
    result = permify.review_documents([doc])
    by_link = {row.perma_url: row for row in result.rows}
    assert len(result.rows) == 4 and not result.ok
    assert by_link[links[GOOD]].status == "ok"
    assert by_link[links[WALL]].status == "suspect" and "Cloudflare" in by_link[links[WALL]].reason
    assert "Upload file" in by_link[links[WALL]].advice
    mismatch = by_link[links[OTHER]]
    assert mismatch.status == "mismatch"
    assert mismatch.reason == f"Perma link is the archive of {OTHER}, not of the cited URL"
    assert by_link["https://perma.cc/ZZ2Z-Z2ZZ"].status == "failed"
    assert result.counts == {"ok": 1, "suspect": 1, "failed": 1, "mismatch": 1, "unknown": 0}
    # Nothing is written to Perma; at most one archive GET and one download per link.
    assert {r.method for r in api_env.requests} == {"GET"}
    assert sum(1 for r in api_env.requests if r.path.endswith("/download")) <= 3


def test_cli_review_table_report_and_exit_code(finished: tuple[Path, dict[str, str]], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    doc, links = finished
    report = tmp_path / "links.csv"
    assert main(["review", str(doc), "--report", str(report)]) == 1
    out, err = capsys.readouterr()
    header = out.splitlines()[0].split()
    assert header[:3] == ["LOCATION", "CITED", "URL"]
    assert links[GOOD] in out and "origin answered 403: bot wall (Cloudflare)" in out
    assert "3 Perma links need attention" in out and "what to do:" in out
    assert "checked 4 Perma links on Perma: 1 ok, 1 suspect, 1 failed, 1 mismatch" in err
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["status"] for r in rows] == ["ok", "suspect", "mismatch", "failed"]
    assert set(rows[0]) == {"file", "location", "url", "perma_url", "status", "reason", "advice"}


def test_cli_review_all_ok_exits_0(api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PERMIFY_FOLDER", str(api_env.org_folder_id))
    links = _archive(tmp_path, GOOD, OTHER)
    doc = tmp_path / "final.md"
    doc.write_text(f"[a]({GOOD}) [{links[GOOD]}] and [b]({OTHER}) [{links[OTHER]}]\n", encoding="utf-8")
    assert main(["review", str(doc), "--report", str(tmp_path / "r.json")]) == 0
    assert "checked 2 Perma links on Perma: 2 ok" in capsys.readouterr().err
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [row["status"] for row in data] == ["ok", "ok"] and data[0]["verdict"]["status"] == "ok"


def test_offline_review_reads_the_ledger_only(finished: tuple[Path, dict[str, str]], api_env: Sandbox) -> None:
    doc, links = finished
    api_env.reset_log()
    result = permify.review_documents([doc], offline=True)
    assert api_env.requests == []
    by_link = {row.perma_url: row for row in result.rows}
    assert by_link[links[GOOD]].status == "ok"
    assert by_link[links[WALL]].status == "suspect"
    assert by_link[links[OTHER]].status == "mismatch"  # the ledger knows which URL it archived
    unknown = by_link["https://perma.cc/ZZ2Z-Z2ZZ"]
    assert unknown.status == "unknown" and unknown.reason == "not in the ledger"


def test_deleted_archive_is_failed(api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERMIFY_FOLDER", str(api_env.org_folder_id))
    links = _archive(tmp_path, GOOD)
    doc = tmp_path / "final.md"
    doc.write_text(f"[a]({GOOD}) [{links[GOOD]}]\n", encoding="utf-8")
    with permify.PermaClient(api_env.api_key, api_env.base_url) as client:
        client.delete_archive(links[GOOD].rsplit("/", 1)[1])
    row = permify.review_documents([doc]).rows[0]
    assert row.status == "failed" and "deleted" in row.reason and "cannot be cited" in row.advice


def test_bad_input_is_one_line_exit_2(api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", str(tmp_path / "missing.md")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.md" in err and "Traceback" not in err
    doc = tmp_path / "a.md"
    doc.write_text("nothing\n", encoding="utf-8")
    assert main(["review", str(doc), "--report", str(tmp_path / "x.txt")]) == 2
    assert main(["review", str(doc), "--concurrency", "0"]) == 2
    assert main(["review", str(doc)]) == 0
    assert "no Perma links" in capsys.readouterr().err


def test_an_unreachable_perma_is_one_error_not_a_verdict_per_link(tmp_path: Path) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    doc = tmp_path / "final.md"
    doc.write_text(f"[a]({GOOD}) [https://perma.cc/AB2C-D3EF] [b]({OTHER}) [https://perma.cc/XY7Z-8W9V]\n",
                   encoding="utf-8")
    session = PermaSession("k" * 40, closed, retry=RetryPolicy(max_retries=1, backoff=0.0, random=lambda: 0.0),
                           sleep=lambda s: None, connect_timeout=1.0)
    with PermaClient(session=session) as client, pytest.raises(NetworkError):
        permify.review_documents([doc], site=permify.ArchiveSite(client=client, ledger=tmp_path / "l.db"))
