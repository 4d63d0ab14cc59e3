"""Settings from flags, the environment and the config file, in that order of precedence.

The same precedence serves the command line (:func:`load_settings`) and the pandoc filter
(where the document's ``permify:`` metadata plays the part of the flags): both pick each value
with :meth:`SettingSources.pick`.

Environment: ``PERMA_API_KEY``, ``PERMA_API_URL``, ``PERMIFY_FOLDER``, ``PERMIFY_LEDGER``,
``PERMIFY_BIB_URL_FIELDS``, ``PERMIFY_BIB_SKIP_FIELDS``, ``PERMIFY_SKIP_HOSTS``,
``PERMIFY_INCLUDE_HOSTS``, ``PERMIFY_TIMEOUT`` (seconds one request may take), and
``PERMIFY_CONFIG`` (the config file's path). The config file is INI, in the user config
directory (see docs/architecture.md#configuration)::

    [permify]
    api_key = 0123456789abcdef0123456789abcdef01234567
    folder = Law Review/Vol 12
    ledger = ~/permify-ledger.sqlite3
    bib_url_fields = projecturl, slides
    bib_skip_fields = pdfurl
    skip_hosts = intranet.example.edu, *.ezproxy.*
    include_hosts = heinonline.org
    timeout = 120

A config file that holds the API key and that other users can read gets a warning on stderr
(once per file and process) saying to ``chmod 600`` it.
"""

from __future__ import annotations

import math
import os
import re
import stat
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import ConfigError, UsageError
from .hosts import normalise_host_pattern
from .perma.defaults import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from .formats.base import ScanOptions

__all__ = [
    "SettingSources",
    "Settings",
    "default_config_path",
    "load_scan_options",
    "load_settings",
    "parse_timeout",
    "read_config_file",
]

#: Config files already warned about (the warning is given once per file and process).
_WARNED: set[Path] = set()


def default_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``PERMIFY_CONFIG`` if set, else ``config.ini`` in the user config directory."""
    env = os.environ if env is None else env
    if env.get("PERMIFY_CONFIG"):
        return Path(env["PERMIFY_CONFIG"]).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("permify")) / "config.ini"


class Settings(NamedTuple):
    """Resolved settings. ``api_key`` is never printed: ``repr`` hides it.

    A named tuple rather than a dataclass: every command and every pandoc build defines it,
    and a frozen dataclass costs a measurable part of a quick command's start-up."""

    api_key: str | None
    api_url: str
    folder: str | None
    ledger: Path | None
    config_path: Path
    #: seconds one request may take, all included (None: the session's default)
    timeout: float | None = None

    def __repr__(self) -> str:
        key = "set" if self.api_key else "none"
        return (
            f"Settings(api_key={key}, api_url={self.api_url!r}, folder={self.folder!r}, "
            f"ledger={self.ledger!r}, timeout={self.timeout!r})"
        )


def parse_timeout(value: object, source: str = "--timeout") -> float | None:
    """A timeout in seconds from a flag, the environment, the config file or metadata (None
    stays None). Raises :class:`~permify.errors.ConfigError` naming ``source`` unless it is a
    positive number."""
    if value is None or value == "":
        return None
    try:
        seconds = float(str(value).strip())
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{source}: the timeout must be a positive number of seconds, not {str(value)[:40]!r}")
    return seconds


def _warn_if_key_readable(path: Path, values: Mapping[str, str]) -> None:
    """Warn once when a config file holding the API key can be read by other users."""
    if not values.get("api_key") or path in _WARNED:
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _WARNED.add(path)
        print(
            f"permify: warning: config file {path} holds the API key and other users can read it; "
            f"run: chmod 600 {path}",
            file=sys.stderr,
        )


def read_config_file(path: Path) -> dict[str, str]:
    """The ``[permify]`` section of an INI config file (empty if the file or section is missing)."""
    if not path.exists():
        return {}
    import configparser  # only when there is a file: most runs have none, or set PERMIFY_CONFIG to none

    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeError, configparser.Error) as error:
        problem = error.__class__.__name__
        raise ConfigError(f"config file {path}: cannot read it ({problem}); fix or remove it") from None
    if not parser.has_section("permify"):
        return {}
    values = {k: v.strip() for k, v in parser.items("permify") if v.strip()}
    _warn_if_key_readable(path, values)
    return values


class SettingSources:
    """Where a setting may come from besides an explicit value: the environment ``env`` and
    the config file (``PERMIFY_CONFIG`` or the default path), which is read on first need."""

    def __init__(self, env: Mapping[str, str] | None = None, config_path: Path | None = None) -> None:
        self.env = os.environ if env is None else env
        self.config_path = config_path or default_config_path(self.env)
        self._file: dict[str, str] | None = None

    @property
    def file(self) -> dict[str, str]:
        """The config file's ``[permify]`` values (read once). Raises
        :class:`~permify.errors.ConfigError` when the file exists but cannot be read."""
        if self._file is None:
            self._file = read_config_file(self.config_path)
        return self._file

    def pick(self, explicit: object, env_name: str, file_key: str) -> object | None:
        """``explicit`` unless it is None, else the environment variable ``env_name`` unless it
        is blank, else the config file's ``file_key``, else None."""
        if explicit is not None:
            return explicit
        value = self.env.get(env_name, "").strip()
        if value:
            return value
        return self.file.get(file_key)


def load_settings(
    *,
    api_key: str | None = None,
    api_url: str | None = None,
    folder: str | None = None,
    ledger: str | Path | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> Settings:
    """Merge explicit values (flags) over the environment over the config file over defaults."""
    sources = SettingSources(env, config_path)
    sources.file  # noqa: B018 -- a broken config file is reported even when flags set everything

    def pick(flag: object, env_name: str, file_key: str) -> str | None:
        value = sources.pick(None if flag == "" else flag, env_name, file_key)  # an empty flag is no flag
        return None if value is None else str(value)

    ledger_value = pick(ledger, "PERMIFY_LEDGER", "ledger")
    return Settings(
        api_key=pick(api_key, "PERMA_API_KEY", "api_key"),
        api_url=(pick(api_url, "PERMA_API_URL", "api_url") or DEFAULT_BASE_URL).rstrip("/"),
        folder=pick(folder, "PERMIFY_FOLDER", "folder"),
        ledger=Path(ledger_value).expanduser() if ledger_value else None,
        config_path=sources.config_path,
        timeout=_timeout(sources, timeout),
    )


def _timeout(sources: SettingSources, flag: float | None) -> float | None:
    """The timeout from the flag, ``PERMIFY_TIMEOUT`` or the config file's ``timeout``, checked."""
    if flag is not None:
        return parse_timeout(flag)
    if sources.env.get("PERMIFY_TIMEOUT", "").strip():
        return parse_timeout(sources.env["PERMIFY_TIMEOUT"], "PERMIFY_TIMEOUT")
    return parse_timeout(sources.file.get("timeout"), f"config file {sources.config_path}: timeout")


_FIELD_NAME_RE = re.compile(r"[^\s=,{}()\"#%]+")


def load_scan_options(
    *,
    bib_url_fields: Sequence[str] = (),
    bib_skip_fields: Sequence[str] = (),
    skip_hosts: Sequence[str] = (),
    include_hosts: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    config_path: Path | None = None,
) -> ScanOptions:
    """Which URLs documents are read for: the BibTeX field names of the environment
    (``PERMIFY_BIB_URL_FIELDS``, ``PERMIFY_BIB_SKIP_FIELDS``) or else the config file
    (``bib_url_fields``, ``bib_skip_fields``), comma-separated, plus the names given here
    (``--bib-url-field``, ``--bib-skip-field``; each may also be a comma-separated list).

    Hosts to skip or include work the same way: ``PERMIFY_SKIP_HOSTS`` /
    ``PERMIFY_INCLUDE_HOSTS`` or the config keys ``skip_hosts`` / ``include_hosts``, plus
    ``--skip-host`` / ``--include-host``; a host given on the command line is taken out of the
    other configured list, so a flag always wins over the configuration.

    Raises :class:`~permify.errors.UsageError` for a name that cannot be a BibTeX field name
    or a host pattern.
    """
    sources = SettingSources(env, config_path)

    def names(given: Sequence[str], env_name: str, key: str, flag: str) -> tuple[str, ...]:
        configured = str(sources.pick(None, env_name, key) or "")
        found: list[str] = []
        for where, text in [(f"{key} (config file or ${env_name})", configured)] + [(flag, g) for g in given]:
            for name in text.split(","):
                name = name.strip()
                if not name:
                    continue
                if not _FIELD_NAME_RE.fullmatch(name):
                    raise UsageError(f"{where}: {name!r} is not a BibTeX field name; give names like pdfurl, "
                                     "comma-separated")
                found.append(name.lower())
        return tuple(dict.fromkeys(found))

    def hosts(given: Sequence[str], env_name: str, key: str, flag: str) -> tuple[list[str], list[str]]:
        """(configured patterns, flag patterns), each normalised."""
        configured = str(sources.pick(None, env_name, key) or "")
        lists: tuple[list[str], list[str]] = ([], [])
        for index, (where, text) in enumerate([(f"{key} (config file or ${env_name})", configured)]
                                              + [(flag, g) for g in given]):
            # The config file may list one pattern a line; a flag's value is one pattern or a,b.
            for pattern in re.split(r"[,\s]+" if index == 0 else r"\s*,\s*", text.strip()):
                if not pattern:
                    continue
                try:
                    lists[min(index, 1)].append(normalise_host_pattern(pattern))
                except ValueError as error:
                    raise UsageError(f"{where}: {error}") from None
        return lists

    skip_cfg, skip_flag = hosts(skip_hosts, "PERMIFY_SKIP_HOSTS", "skip_hosts", "--skip-host")
    include_cfg, include_flag = hosts(include_hosts, "PERMIFY_INCLUDE_HOSTS", "include_hosts", "--include-host")
    from .formats.base import ScanOptions  # the formats' module loads with the documents, not with the settings

    return ScanOptions(
        bib_url_fields=names(bib_url_fields, "PERMIFY_BIB_URL_FIELDS", "bib_url_fields", "--bib-url-field"),
        bib_skip_fields=names(bib_skip_fields, "PERMIFY_BIB_SKIP_FIELDS", "bib_skip_fields", "--bib-skip-field"),
        skip_hosts=tuple(dict.fromkeys(p for p in skip_cfg + skip_flag if p not in include_flag)),
        include_hosts=tuple(dict.fromkeys(p for p in include_cfg + include_flag if p not in skip_flag)),
    )
