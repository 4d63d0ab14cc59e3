"""``--skip-host``, ``--include-host``, their config keys, and the tracking-parameter note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from permify.cli.main import main
from permify.config import load_scan_options
from permify.errors import UsageError

TEXT = (
    "Cases: https://1.next.westlaw.com/Document/I0a1b/View/FullText.html and "
    "https://heinonline.org/HOL/P?h=hein.journals/hlr127&i=200.\n\n"
    "Press: https://www.ftc.gov/news?utm_source=govdelivery&utm_medium=email and "
    "https://intranet.example.edu/policy.\n"
)


@pytest.fixture
def doc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PERMIFY_SKIP_HOSTS", "PERMIFY_INCLUDE_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "config.ini"))
    path = tmp_path / "essay.md"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _rows(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict[str, str]]:
    assert main(["urls", *argv, "--format", "json"]) == 0
    return {r["url"]: r for r in json.loads(capsys.readouterr().out)}


def test_urls_lists_subscription_databases_and_tracking_notes(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(capsys, str(doc))
    westlaw = rows["https://1.next.westlaw.com/Document/I0a1b/View/FullText.html"]
    assert (westlaw["action"], westlaw["reason"]) == (
        "skip", "subscription database: cite the reporter or a public copy")
    ftc = rows["https://www.ftc.gov/news?utm_source=govdelivery&utm_medium=email"]
    assert (ftc["action"], ftc["note"]) == ("archive", "has tracking parameters (utm_source, utm_medium)")
    assert main(["urls", str(doc)]) == 0
    text = capsys.readouterr().out
    assert "archive\thttps://www.ftc.gov/news?utm_source=govdelivery&utm_medium=email\t" \
           "note: has tracking parameters (utm_source, utm_medium)" in text


def test_flags_and_config_keys_skip_and_include_hosts(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _rows(capsys, str(doc), "--skip-host", "example.edu", "--include-host", "heinonline.org")
    assert rows["https://intranet.example.edu/policy"]["reason"] == "host on your skip list (example.edu)"
    assert rows["https://heinonline.org/HOL/P?h=hein.journals/hlr127&i=200"]["action"] == "archive"
    (doc.parent / "config.ini").write_text(
        "[permify]\nskip_hosts = example.edu, *.example.org\ninclude_hosts = westlaw.com\n", encoding="utf-8")
    rows = _rows(capsys, str(doc))
    assert rows["https://intranet.example.edu/policy"]["action"] == "skip"
    assert rows["https://1.next.westlaw.com/Document/I0a1b/View/FullText.html"]["action"] == "archive"
    # A flag wins over the config file.
    rows = _rows(capsys, str(doc), "--include-host", "example.edu", "--skip-host", "westlaw.com")
    assert rows["https://intranet.example.edu/policy"]["action"] == "archive"
    assert rows["https://1.next.westlaw.com/Document/I0a1b/View/FullText.html"]["reason"] == (
        "host on your skip list (westlaw.com)")


def test_a_bad_host_is_one_line_and_exit_2(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(doc), "--skip-host", "not a host"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--skip-host" in err and "not a host name" in err
    assert doc.read_text(encoding="utf-8") == TEXT


def test_load_scan_options_reads_the_environment(tmp_path: Path) -> None:
    env = {"PERMIFY_SKIP_HOSTS": "a.example, B.Example", "PERMIFY_CONFIG": str(tmp_path / "none.ini")}
    options = load_scan_options(env=env, include_hosts=["b.example"])
    assert options.skip_hosts == ("a.example",)
    assert options.include_hosts == ("b.example",)
    with pytest.raises(UsageError, match="skip_hosts"):
        load_scan_options(env={**env, "PERMIFY_SKIP_HOSTS": "ok.example, bad$host"})
