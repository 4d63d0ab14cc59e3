"""What the command tells a cite-checker: folders, dry runs, reports, the ledger, settings, files."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
from cli_helpers import run

from permify.report import REPORT_FIELDS
from permify.sandbox import Sandbox, SandboxConfig

DOC = (
    "As the court held in its opinion, see https://example.com/one for the full text, "
    "and the record at https://capture-fails.example.com/p was lost.\n"
)


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "doc.md"
    path.write_text(DOC, encoding="utf-8")
    return path


# ------------------------------------------------------------------ folders


def test_a_typo_in_the_first_folder_name_creates_nothing(capsys, api_env: Sandbox, doc: Path) -> None:
    code, _, err = run(capsys, "archive", str(doc), "--folder", "Demo Law Reveiw/Vol 12", "--create-folder")
    assert code == 2 and "did you mean 'Demo Law Review'?" in err and len(err.strip().splitlines()) == 1
    assert api_env.count("POST") == 0 and not doc.with_name("doc.perma.md").exists()


def test_dry_run_create_folder_shows_what_it_would_create(capsys, api_env: Sandbox, doc: Path) -> None:
    code, out, err = run(
        capsys, "archive", str(doc), "--folder", "Demo Law Review/Vol 13/Smith", "--create-folder", "--dry-run"
    )
    assert code == 0, err
    assert "would create 'Vol 13/Smith' in 'Demo Law Review'" in err
    assert "would-archive" in out and "https://example.com/one" in out
    assert "at " + str(doc) + ": line 1" in out  # a dry run shows where each URL is cited
    assert api_env.count("POST") == 0
    code, _, err = run(capsys, "archive", str(doc), "--folder", "Demo Law Review/Vol 13/Smith")
    assert code == 2 and "no folder 'Vol 13'" in err  # the dry run really created nothing


def test_the_quota_message_is_printed_once(capsys, api_env: Sandbox, tmp_path: Path) -> None:
    doc = tmp_path / "many.md"
    doc.write_text("".join(f"See https://www.site{i}.org/page.\n" for i in range(5)), encoding="utf-8")
    used = len(api_env.links(folder_id=api_env.personal_folder_id))
    api_env.set_link_limit(api_env.api_key, used + 1)
    for flags in ((), ("-q",)):
        code, _, err = run(capsys, "archive", str(doc), "--folder", "Personal Links", *flags)
        assert code == 1
        assert err.count("quota is used up") == 1, err
        assert err.count("the same reason as above") == 3, err


def test_ledger_list_shows_folder_paths(capsys, api_env: Sandbox, doc: Path) -> None:
    assert run(capsys, "archive", str(doc), "--folder", "Demo Law Review/Vol 12")[0] == 1
    code, out, _ = run(capsys, "ledger", "list")
    assert code == 0 and "Demo Law Review/Vol 12" in out and "folder " not in out
    assert run(capsys, "archive", str(doc), "--folder", str(api_env.org_folder_id))[0] == 1
    code, out, _ = run(capsys, "ledger", "list")
    assert f"folder {api_env.org_folder_id}" in out  # an id nobody named: the id


# ------------------------------------------------------------------ the report


def test_report_rows_have_context_date_and_a_failed_guid_without_a_link(
    capsys, api_env: Sandbox, doc: Path, tmp_path: Path
) -> None:
    report = tmp_path / "r.csv"
    code, _, _ = run(capsys, "archive", str(doc), "--folder", str(api_env.org_folder_id), "--report", str(report))
    assert code == 1
    with open(report, encoding="utf-8-sig", newline="") as handle:
        rows = {r["url"]: r for r in csv.DictReader(handle)}
    assert list(next(iter(rows.values()))) == list(REPORT_FIELDS)
    ok = rows["https://example.com/one"]
    assert ok["status"] == "archived" and ok["perma_url"].startswith("https://perma.cc/")
    assert "see https://example.com/one for the full text" in ok["context"] and "\n" not in ok["context"]
    assert len(ok["captured_on"]) == 10 and ok["captured_on"][:2] == "20"
    assert ok["title"] == "One | example.com"  # the page title the capture review read
    failed = rows["https://capture-fails.example.com/p"]
    assert failed["status"] == "failed" and failed["guid"] and failed["perma_url"] == ""
    assert f"upload a copy of the page to https://perma.cc/{failed['guid']}" in failed["message"]
    assert "--retry-failed" in failed["message"] and ".;" not in failed["message"]


# ------------------------------------------------------------------ messages, settings, files


def test_quiet_silences_the_sandbox_banner(capsys, doc: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    monkeypatch.delenv("PERMA_API_KEY", raising=False)
    _, _, err = run(capsys, "archive", str(doc), "--sandbox", "-q")
    assert "sandbox" not in err
    _, _, err = run(capsys, "archive", str(doc), "--sandbox")
    assert "built-in Perma sandbox" in err


def test_timeout_flag_environment_and_config_reach_the_session(tmp_path: Path, monkeypatch) -> None:
    from permify.site import ArchiveSite

    config = tmp_path / "c.ini"
    config.write_text("[permify]\ntimeout = 45\n", encoding="utf-8")
    monkeypatch.setenv("PERMIFY_CONFIG", str(config))
    monkeypatch.delenv("PERMIFY_TIMEOUT", raising=False)
    with ArchiveSite(api_url="http://127.0.0.1:9/v1") as site:
        assert site.client.session.timeout == 45
    monkeypatch.setenv("PERMIFY_TIMEOUT", "30")
    with ArchiveSite(api_url="http://127.0.0.1:9/v1") as site:
        assert site.client.session.timeout == 30
    with ArchiveSite(api_url="http://127.0.0.1:9/v1", timeout=7) as site:
        assert site.client.session.timeout == 7 and site.client.session.post_timeout > 7


def test_a_bad_timeout_is_one_line_exit_2(capsys, api_env: Sandbox, doc: Path, monkeypatch) -> None:
    code, _, err = run(capsys, "archive", str(doc), "--folder", "1", "--timeout", "-3")
    assert code == 2 and "--timeout" in err and "positive" in err
    monkeypatch.setenv("PERMIFY_TIMEOUT", "soon")
    code, _, err = run(capsys, "folders")
    assert code == 2 and "PERMIFY_TIMEOUT" in err


def test_a_silent_server_ends_the_command_within_the_timeout(capsys, doc: Path, tmp_path: Path, monkeypatch) -> None:
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)  # accepts connections, never answers
    monkeypatch.setenv("PERMA_API_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
    monkeypatch.setenv("PERMA_API_KEY", "k" * 40)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    from permify.perma import session

    monkeypatch.setattr(session.RetryPolicy, "delay", lambda self, attempt, retry_after: 0.0)
    started = time.monotonic()
    try:
        code, _, err = run(capsys, "folders", "--timeout", "0.3")
    finally:
        listener.close()
    assert code == 2 and "--timeout" in err and "k" * 40 not in err
    assert time.monotonic() - started < 20


def test_a_config_file_with_a_readable_key_gives_one_warning(capsys, tmp_path: Path, monkeypatch) -> None:
    from permify import config

    path = tmp_path / "config.ini"
    path.write_text("[permify]\napi_key = " + "a" * 40 + "\n", encoding="utf-8")
    path.chmod(0o644)
    monkeypatch.setattr(config, "_WARNED", set())
    config.load_settings(config_path=path, env={})
    config.load_settings(config_path=path, env={})
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and f"chmod 600 {path}" in err and "a" * 40 not in err
    private = tmp_path / "private.ini"
    private.write_text("[permify]\napi_key = " + "a" * 40 + "\n", encoding="utf-8")
    private.chmod(0o600)
    config.load_settings(config_path=private, env={})
    assert capsys.readouterr().err == ""


def test_the_ledger_is_created_private_whatever_the_umask(tmp_path: Path) -> None:
    from permify.archiving.ledger import Ledger

    old = os.umask(0o022)
    try:
        with Ledger(tmp_path / "l.sqlite3") as ledger:
            ledger.remember_folder("h", "A", 1)
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    finally:
        os.umask(old)
    assert modes == {"l.sqlite3": 0o600, "l.sqlite3-wal": 0o600, "l.sqlite3-shm": 0o600}


def test_unseeded_sandboxes_draw_different_guids_and_a_seed_repeats_them() -> None:
    body = ["https://example.com/a", "https://example.com/b", "https://example.com/c"]

    def guids(seed: int | None) -> list[str]:
        import requests

        with Sandbox(SandboxConfig(capture_seconds=0.01, seed=seed)) as sb:
            answer = requests.post(
                sb.base_url + "/archives/batches", json={"urls": body, "target_folder": sb.org_folder_id},
                headers={"Authorization": f"ApiKey {sb.api_key}"}, timeout=10,
            )
            return [job["guid"] for job in answer.json()["capture_jobs"]]

    assert guids(None) != guids(None)
    assert guids(5) == guids(5)


def test_json_report_keeps_the_columns(capsys, api_env: Sandbox, doc: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    run(capsys, "archive", str(doc), "--folder", str(api_env.org_folder_id), "--report", str(report), "--dry-run")
    rows = json.loads(report.read_text(encoding="utf-8"))
    assert rows and all(set(r) == set(REPORT_FIELDS) for r in rows)
    assert all(r["status"] == "would-archive" and r["context"] for r in rows)


def test_the_filter_takes_a_timeout_and_its_strict_hint_names_its_own_option(tmp_path: Path) -> None:
    from permify.errors import ConfigError
    from permify.pandoc.config import load_filter_config
    from permify.pandoc.filter import STRICT_HINT

    env = {"PERMIFY_CONFIG": str(tmp_path / "none.ini")}
    assert load_filter_config({"timeout": 12}, env=env).timeout == 12
    assert load_filter_config({}, env={**env, "PERMIFY_TIMEOUT": "8"}).timeout == 8
    assert load_filter_config({}, env=env).timeout is None
    with pytest.raises(ConfigError, match="permify option timeout"):
        load_filter_config({"timeout": "never"}, env=env)
    assert "strict: false" in STRICT_HINT and "PERMIFY_STRICT" in STRICT_HINT and "--" not in STRICT_HINT


def test_a_warm_run_with_a_report_makes_no_request(capsys, api_env: Sandbox, doc: Path, tmp_path: Path) -> None:
    folder = str(api_env.org_folder_id)
    assert run(capsys, "archive", str(doc), "--folder", folder)[0] == 1
    api_env.reset_log()
    report = tmp_path / "warm.json"
    # The capture review reads the failed capture again (a copy of the page may have been
    # uploaded since): GETs only. Without the review, a warm run makes no request at all.
    assert run(capsys, "archive", str(doc), "--folder", folder, "--report", str(report))[0] == 1
    assert {r.method for r in api_env.requests} == {"GET"}
    api_env.reset_log()
    assert run(capsys, "archive", str(doc), "--folder", folder, "--report", str(report), "--no-review")[0] == 1
    assert api_env.count() == 0, [(r.method, r.path) for r in api_env.requests]
    rows = {r["url"]: r for r in json.loads(report.read_text(encoding="utf-8"))}
    assert rows["https://example.com/one"]["status"] == "reused" and rows["https://example.com/one"]["captured_on"]
