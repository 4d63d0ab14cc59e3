"""Settings from flags, the environment and the config file, in that order of precedence.

Environment: ``PERMA_API_KEY``, ``PERMA_API_URL``, ``PERMIFY_FOLDER``, ``PERMIFY_LEDGER``, and
``PERMIFY_CONFIG`` (the config file's path). The config file is INI, in the user config
directory (see docs/architecture.md#configuration)::

    [permify]
    api_key = 0123456789abcdef0123456789abcdef01234567
    folder = Law Review/Vol 12
    ledger = ~/permify-ledger.sqlite3
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .perma.session import DEFAULT_BASE_URL

__all__ = ["Settings", "default_config_path", "load_settings", "read_config_file"]


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``PERMIFY_CONFIG`` if set, else ``config.ini`` in the user config directory."""
    env = os.environ if env is None else env
    if env.get("PERMIFY_CONFIG"):
        return Path(env["PERMIFY_CONFIG"]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("permify")) / "config.ini"


@dataclass(frozen=True)
class Settings:
    """Resolved settings. ``api_key`` is never printed: ``repr`` hides it."""

    api_key: str | None
    api_url: str
    folder: str | None
    ledger: Path | None
    config_path: Path

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return f"Settings(api_key={key}, api_url={self.api_url!r}, folder={self.folder!r}, ledger={self.ledger!r})"


def read_config_file(path: Path) -> dict[str, str]:
    """The ``[permify]`` section of an INI config file (empty if the file or section is missing)."""
    if not path.exists():
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeError, configparser.Error) as error:
        problem = error.__class__.__name__
        raise ConfigError(f"config file {path}: cannot read it ({problem}); fix or remove it") from None
    if not parser.has_section("permify"):
        return {}
    return {k: v.strip() for k, v in parser.items("permify") if v.strip()}


def load_settings(
    *,
    api_key: str | None = None,
    api_url: str | None = None,
    folder: str | None = None,
    ledger: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Merge explicit values (flags) over the environment over the config file over defaults."""
    env = os.environ if env is None else env
    path = config_path or default_config_path(env)
    cfg = read_config_file(path)

    def pick(flag: object, env_name: str, cfg_name: str) -> str | None:
        if flag not in (None, ""):
            return str(flag)
        if env.get(env_name, "").strip():
            return env[env_name].strip()
        return cfg.get(cfg_name)

    ledger_value = pick(ledger, "PERMIFY_LEDGER", "ledger")
    return Settings(
        api_key=pick(api_key, "PERMA_API_KEY", "api_key"),
        api_url=(pick(api_url, "PERMA_API_URL", "api_url") or DEFAULT_BASE_URL).rstrip("/"),
        folder=pick(folder, "PERMIFY_FOLDER", "folder"),
        ledger=Path(ledger_value).expanduser() if ledger_value else None,
        config_path=path,
    )
