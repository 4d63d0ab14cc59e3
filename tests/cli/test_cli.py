"""The `permify` command: exit codes, one-line errors, reports, outputs, every subcommand."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from child_process import ctrl_c_delivered
from cli_helpers import run

from permify.cli.main import build_parser, main
from permify.report import REPORT_FIELDS
from permify.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = """# A short article

The Court's opinion[^1] cites [the statute](https://www.law.cornell.edu/uscode/text/42/1983) and
<https://www.congress.gov/bill/117th-congress/house-bill/1>. Again: https://www.law.cornell.edu/uscode/text/42/1983.
Not archived: `https://code.example.com/x`, https://perma.cc/2B3C-D4E5 and http://localhost:8000/draft.

[^1]: See https://www.supremecourt.gov/opinions/22pdf/21-476_c185.pdf (Stürmer, J.) and https://capture-fails.example.com/p.
"""


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.md"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


# ------------------------------------------------------------------ help and version


def test_version_and_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("permify ")
    subcommands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(subcommands) == {"archive", "urls", "check", "review", "folders", "sandbox", "ledger", "serve"}
    for name in subcommands:
        with pytest.raises(SystemExit):
            main([name, "--help"])
        text = capsys.readouterr().out
        assert "example:" in text, name


# ------------------------------------------------------------------ bad input: exit 2, one line


@pytest.mark.parametrize(
    ("name", "content", "expect"),
    [
        ("missing.md", None, "no such file"),
        ("junk.md", b"\x00\x01\x02binary\xff\xfe" * 50, "missing.md"),
        ("latin1.md", "caf\xe9 https://example.com".encode("latin-1"), "UTF-8"),
        ("notes.txt", b"https://example.com", "unknown file type"),
        ("old.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, ".docx"),
        ("fake.docx", b"this is not a zip", "docx"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: bytes | None, expect: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    for command in ("urls", "check", "archive"):
        code, _, err = run(capsys, command, str(path))
        assert code == 2, (command, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("permify: error: "), err
        assert "Traceback" not in err
        assert str(path) in lines[0] or name in lines[0]
        if expect != "missing.md":
            assert expect.lower() in lines[0].lower(), lines[0]
    if content is not None:
        assert path.read_bytes() == content


def test_directory_and_empty_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "urls", str(tmp_path))
    assert code == 2 and "directory" in err
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    code, _, _ = run(capsys, "check", str(empty))
    assert code == 0


def test_missing_key_names_the_fix(capsys, article: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PERMA_API_KEY", raising=False)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    monkeypatch.setenv("PERMIFY_LEDGER", str(tmp_path / "l.db"))
    monkeypatch.setenv("PERMA_API_URL", "http://127.0.0.1:9/v1")
    code, _, err = run(capsys, "archive", str(article), "--folder", "1")
    assert code == 2
    assert "PERMA_API_KEY" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "article.perma.md").exists()


def test_unreachable_api_is_one_line(capsys, article: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PERMA_API_KEY", "0" * 40)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    monkeypatch.setenv("PERMIFY_LEDGER", str(tmp_path / "l.db"))
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PERMA_API_URL", f"http://127.0.0.1:{port}/v1")
    from permify.perma import session

    monkeypatch.setattr(session.RetryPolicy, "delay", lambda self, attempt, retry_after: 0.0)
    code, _, err = run(capsys, "archive", str(article), "--folder", "1")
    assert code == 2 and "cannot reach" in err and len(err.strip().splitlines()) == 1


def test_wrong_key_and_unknown_folder(capsys, api_env: Sandbox, article: Path) -> None:
    code, _, err = run(capsys, "archive", str(article), "--folder", "Demo Law Review/No Such")
    assert code == 2 and "No Such" in err and "--create-folder" in err
    os.environ["PERMA_API_KEY"] = "f" * 40
    code, _, err = run(capsys, "archive", str(article), "--folder", "1")
    assert code == 2 and "Invalid token" in err and "f" * 40 not in err


# ------------------------------------------------------------------ urls and check


def test_urls_in_every_format(capsys: pytest.CaptureFixture[str], article: Path) -> None:
    code, out, _ = run(capsys, "urls", str(article), "--format", "json")
    assert code == 0
    rows = json.loads(out)
    by_url = {r["url"]: r for r in rows}
    assert by_url["https://www.congress.gov/bill/117th-congress/house-bill/1"]["action"] == "archive"
    assert by_url["http://localhost:8000/draft"]["action"] == "skip"
    assert "https://code.example.com/x" not in by_url
    code, out, _ = run(capsys, "urls", str(article), "--format", "csv")
    assert next(csv.reader(out.splitlines())) == [
        "file", "location", "url", "kind", "action", "reason", "perma_url", "note"]
    code, out, _ = run(capsys, "urls", str(article))
    assert "line 3" in out
    assert "skip: loopback" in out or "skip: local" in out


def test_urls_from_stdin(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "permify", "urls", "-", "--from", "markdown"],
        input=ARTICLE.encode(), capture_output=True, env=env, timeout=60,
    )
    assert done.returncode == 0 and b"congress.gov" in done.stdout


# ------------------------------------------------------------------ archive end to end


def test_archive_writes_output_report_and_check_passes(capsys, api_env: Sandbox, article: Path, tmp_path) -> None:
    before = article.read_bytes()
    report = tmp_path / "report.csv"
    code, _, err = run(capsys, "archive", str(article), "--folder", "Demo Law Review", "--report", str(report))
    assert code == 1  # capture-fails.example.com fails
    assert "3 archived" in err and "1 failed" in err and "article.perma.md" in err
    assert article.read_bytes() == before
    out = tmp_path / "article.perma.md"
    text = out.read_text(encoding="utf-8")
    assert text.count("https://perma.cc/") == 1 + 4  # the existing one, plus 4 inserted (one URL twice)
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    statuses = {r["url"]: r["status"] for r in rows}
    assert statuses["https://capture-fails.example.com/p"] == "failed"
    assert statuses["http://localhost:8000/draft"] == "skipped"
    assert api_env.api_key not in raw.decode("utf-8-sig") + err

    code, _, err = run(capsys, "check", str(out))
    assert code == 1 and "capture-fails" in _ + err  # the failed one has no link
    api_env.reset_log()
    code, _, err = run(capsys, "archive", str(article), "--folder", "Demo Law Review", "-o", str(tmp_path / "b.md"))
    assert api_env.count("POST") == 0
    assert (tmp_path / "b.md").read_bytes() == out.read_bytes()


def test_dry_run_writes_and_creates_nothing(capsys, api_env: Sandbox, article: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, "archive", str(article), "--folder", str(api_env.org_folder_id), "--dry-run")
    assert code == 0
    assert "would-archive" in out and "would be archived" in err
    assert api_env.count("POST") == 0
    assert not (tmp_path / "article.perma.md").exists()


def test_in_place_keeps_a_backup_and_json_report(capsys, api_env: Sandbox, article: Path, tmp_path: Path) -> None:
    before = article.read_bytes()
    report = tmp_path / "r.json"
    code, _, _ = run(
        capsys, "archive", str(article), "--folder", str(api_env.org_folder_id), "--in-place", "--report", str(report)
    )
    assert code == 1
    assert (tmp_path / "article.md.orig").read_bytes() == before
    assert article.read_text(encoding="utf-8").count("https://perma.cc/") == 5
    rows = json.loads(report.read_text(encoding="utf-8"))
    assert set(REPORT_FIELDS) == set(rows[0])


def test_folders_and_ledger_commands(capsys, api_env: Sandbox, article: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "folders")
    assert code == 0 and "Demo Law Review" in out and "Personal Links" in out
    run(capsys, "archive", str(article), "--folder", str(api_env.org_folder_id))
    code, out, _ = run(capsys, "ledger", "list")
    assert code == 0 and "https://perma.cc/" in out and "congress.gov" in out
    export = tmp_path / "ledger.csv"
    code, _, _ = run(capsys, "ledger", "export", str(export))
    assert code == 0 and "congress.gov" in export.read_text(encoding="utf-8-sig")
    code, _, err = run(capsys, "ledger", "forget", "https://www.congress.gov/bill/117th-congress/house-bill/1")
    assert code == 0 and "forgot 1" in err


def test_sandbox_flag_runs_without_a_key(capsys, article: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PERMA_API_KEY", raising=False)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    code, out, err = run(capsys, "archive", str(article), "--sandbox", "--diff")
    assert code == 1 and "built-in Perma sandbox" in err
    assert "+" in out and "https://perma.cc/" in out


def _guids_in(ledger: Path) -> int:
    """How many archives with a GUID the ledger holds (0 before it exists), read-only."""
    import sqlite3

    if not ledger.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM archives WHERE guid IS NOT NULL").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not written yet
        return 0


def test_ctrl_c_exits_130_without_partial_output(tmp_path: Path) -> None:
    from permify.sandbox import SandboxConfig

    doc = tmp_path / "a.md"
    doc.write_text("".join(f"See https://www.site{i}.org/page.\n" for i in range(30)), encoding="utf-8")
    with Sandbox(SandboxConfig(capture_seconds=30)) as sb:  # captures outlast the run
        env = dict(os.environ, PYTHONPATH=str(ROOT), PERMA_API_URL=sb.base_url, PERMA_API_KEY=sb.api_key,
                   PERMIFY_LEDGER=str(tmp_path / "l.db"), PERMIFY_CONFIG=str(tmp_path / "none.ini"))
        proc = subprocess.Popen(
            [sys.executable, "-m", "permify", "archive", str(doc), "--folder", str(sb.org_folder_id)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=ctrl_c_delivered,
        )
        deadline = time.monotonic() + 30
        # Both batches answered: every GUID is in the ledger (read-only, beside the writer), and
        # the run is waiting on captures that outlast it.
        while _guids_in(tmp_path / "l.db") < 30 and time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before it was interrupted"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err
    assert not (tmp_path / "a.perma.md").exists()
    from permify.archiving.ledger import Ledger

    with Ledger(tmp_path / "l.db") as ledger:
        assert len([e for e in ledger.entries() if e.guid]) == 30


def test_in_place_diff_shows_the_changes(capsys, api_env: Sandbox, article: Path) -> None:
    code, out, _ = run(capsys, "archive", str(article), "--folder", str(api_env.org_folder_id), "--in-place", "--diff")
    assert code == 1
    added = [line for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert added and all("https://perma.cc/" in line for line in added)


def test_each_failure_is_shown_once_on_a_terminal(capsys, api_env: Sandbox, article: Path, monkeypatch) -> None:
    from permify.cli import commands as cli_commands
    from permify.cli.progress import Progress

    monkeypatch.setattr(cli_commands, "Progress", lambda verbosity: Progress(verbosity=verbosity, live=True))
    code, _, err = run(capsys, "archive", str(article), "--folder", str(api_env.org_folder_id))
    assert code == 1
    assert err.count("https://capture-fails.example.com/p") == 1, err


def test_a_sandbox_run_leaves_no_temporary_files(capsys, article: Path, tmp_path: Path, monkeypatch) -> None:
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    run(capsys, "archive", str(article), "--sandbox", "-q")
    assert list(scratch.iterdir()) == []


def test_a_perma_link_already_in_the_document_is_reused_elsewhere(capsys, api_env: Sandbox, tmp_path: Path) -> None:
    doc = tmp_path / "reuse.md"
    doc.write_text(
        "First https://www.gao.gov/products/gao-24-1 [<https://perma.cc/2B3C-D4E5>].\n\n"
        "Again https://www.gao.gov/products/gao-24-1 later.\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.json"
    code, _, _ = run(capsys, "archive", str(doc), "--folder", str(api_env.org_folder_id), "--report", str(report))
    assert code == 0
    assert api_env.count("POST") == 0
    assert (tmp_path / "reuse.perma.md").read_text(encoding="utf-8").count("https://perma.cc/2B3C-D4E5") == 2
    (row,) = json.loads(report.read_text(encoding="utf-8"))
    assert row["status"] == "reused" and row["guid"] == "2B3C-D4E5" and len(row["locations"]) == 2
