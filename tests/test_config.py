"""Settings precedence: flag (or the filter's metadata) > environment > config file > default,
one rule for the command line and the pandoc filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from permify.config import SettingSources, load_settings
from permify.errors import ConfigError
from permify.pandoc.config import load_filter_config
from permify.perma.session import DEFAULT_BASE_URL
from permify.site import ArchiveSite


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    path = tmp_path / "config.ini"
    path.write_text(
        "[permify]\napi_key = from-file\napi_url = https://file.example/v1/\nfolder = File/Folder\n"
        "ledger = ~/file-ledger.sqlite3\nprivate = yes\n"
    )
    return path


# (flag, env, file) -> which wins
CASES = [
    ("Flag", "Env", True, "Flag"),
    (None, "Env", True, "Env"),
    (None, None, True, "File/Folder"),
    (None, None, False, None),
    ("", "Env", True, "Env"),  # an empty flag is no flag (CLI)
    (None, "   ", True, "File/Folder"),  # a blank variable is no variable
]


@pytest.mark.parametrize(("flag", "env_value", "with_file", "expected"), CASES)
def test_folder_precedence_is_the_same_for_the_cli_and_the_filter(
    tmp_path: Path, ini: Path, flag: str | None, env_value: str | None, with_file: bool, expected: str | None
) -> None:
    env = {"PERMIFY_CONFIG": str(ini if with_file else tmp_path / "absent.ini")}
    if env_value is not None:
        env["PERMIFY_FOLDER"] = env_value
    assert load_settings(folder=flag, env=env).folder == expected
    meta = None if flag in (None, "") else {"folder": flag}  # pandoc drops an empty metadata value
    assert load_filter_config(meta, env=env).folder == expected


def test_every_cli_setting_follows_flag_env_file_default(tmp_path: Path, ini: Path) -> None:
    env = {"PERMIFY_CONFIG": str(ini)}
    from_file = load_settings(env=env)
    assert (from_file.api_key, from_file.api_url, from_file.folder) == (
        "from-file", "https://file.example/v1", "File/Folder"
    )
    assert from_file.ledger == Path("~/file-ledger.sqlite3").expanduser() and from_file.config_path == ini
    env.update(PERMA_API_KEY="key-from-env-0123", PERMA_API_URL="https://env.example/v1", PERMIFY_LEDGER="env.db")
    from_env = load_settings(env=env)
    assert (from_env.api_key, from_env.api_url, from_env.ledger) == (
        "key-from-env-0123", "https://env.example/v1", Path("env.db")
    )
    flags = load_settings(api_key="key-from-flag-4567", api_url="https://flag.example/v1", ledger="flag.db", env=env)
    assert (flags.api_key, flags.api_url, flags.ledger) == (
        "key-from-flag-4567", "https://flag.example/v1", Path("flag.db")
    )
    defaults = load_settings(env={"PERMIFY_CONFIG": str(tmp_path / "absent.ini")})
    assert (defaults.api_key, defaults.api_url, defaults.folder, defaults.ledger) == (
        None, DEFAULT_BASE_URL, None, None
    )
    assert "key-from-env" not in repr(from_env) and "key-from-flag" not in repr(flags)  # the key is never shown


def test_filter_options_follow_metadata_env_file_default(tmp_path: Path, ini: Path) -> None:
    env = {"PERMIFY_CONFIG": str(ini)}
    assert load_filter_config(None, env=env).private is True  # file
    assert load_filter_config(None, env={**env, "PERMIFY_PRIVATE": "no"}).private is False  # env over file
    assert load_filter_config({"private": True}, env={**env, "PERMIFY_PRIVATE": "no"}).private is True  # meta
    assert load_filter_config(None, env={"PERMIFY_CONFIG": str(tmp_path / "absent.ini")}).private is False


def test_a_broken_config_file_is_reported_by_the_cli_even_when_flags_set_everything(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ini"
    broken.write_bytes(b"[permify\nfolder = x\n")
    env = {"PERMIFY_CONFIG": str(broken)}
    with pytest.raises(ConfigError, match=r"broken\.ini"):
        load_settings(api_key="k", api_url="https://a.example/v1", folder="1", ledger="l.db", env=env)
    # The filter reads the file only when metadata and environment leave a value open.
    full = {"folder": "1", "style": "bluebook", "private": False, "dry-run": False, "strict": False,
            "archive-doi": False, "include-quoted": False, "skip-hosts": [], "include-hosts": [],
            "timeout": 60}
    assert load_filter_config(full, env=env).folder == "1"
    with pytest.raises(ConfigError, match=r"broken\.ini"):
        load_filter_config({"folder": "1"}, env=env)


def test_setting_sources_read_the_file_once_and_only_when_needed(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    sources = SettingSources({"PERMIFY_CONFIG": str(path), "PERMIFY_FOLDER": "Env"})
    assert sources.pick("Flag", "PERMIFY_FOLDER", "folder") == "Flag"
    assert sources.pick(None, "PERMIFY_FOLDER", "folder") == "Env"
    path.write_text("[permify]\nledger = first.db\n")
    assert sources.pick(None, "PERMIFY_LEDGER", "ledger") == "first.db"
    path.write_text("[permify]\nledger = second.db\n")
    assert sources.pick(None, "PERMIFY_LEDGER", "ledger") == "first.db"  # read once


def test_an_archive_site_takes_its_settings_with_the_same_precedence(tmp_path: Path, ini: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERMIFY_CONFIG", str(ini))
    monkeypatch.setenv("PERMIFY_FOLDER", "Env/Folder")
    monkeypatch.delenv("PERMA_API_KEY", raising=False)
    monkeypatch.delenv("PERMA_API_URL", raising=False)
    monkeypatch.delenv("PERMIFY_LEDGER", raising=False)
    site = ArchiveSite(api_url="http://127.0.0.1:9/v1")
    assert (site.settings.folder, site.settings.api_key) == ("Env/Folder", "from-file")
    assert site.api_host == "127.0.0.1:9"
    assert site.ledger_path == Path("~/file-ledger.sqlite3").expanduser()
    assert ArchiveSite(folder=12, ledger=tmp_path / "x.db").settings.folder == "12"
    assert ArchiveSite(ledger=tmp_path / "x.db").ledger_path == tmp_path / "x.db"
    assert "from-file" not in repr(site)
