"""Configuration of the pandoc filter: the ``permify:`` metadata block, the environment, the config file.

The order is the command line's (:class:`permify.config.SettingSources`), with the document's
``permify:`` metadata block in the place of the flags: a key there wins over the environment,
which wins over the config file's ``[permify]`` section, which wins over the default::

    ---
    permify:
      folder: Law Review/Vol 12/Smith
      strict: true
    ---

The API key is deliberately *not* read from metadata: documents are shared, keys are not.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..config import SettingSources, parse_timeout
from ..errors import ConfigError
from ..hosts import normalise_host_pattern

__all__ = [
    "HTML_FORMATS",
    "STYLES",
    "SUPPORTED_API",
    "FilterConfig",
    "api_version_of",
    "load_filter_config",
    "strict_from_env",
]

#: Output formats whose links get Robust Links attributes (``data-versionurl`` ...).
HTML_FORMATS = frozenset(
    {"html", "html4", "html5", "chunkedhtml", "revealjs", "slidy", "slideous", "s5", "dzslides",
     "epub", "epub2", "epub3"}
)

#: Insertion styles. ``bluebook``: `` [https://perma.cc/GUID]`` right after the original link.
STYLES = ("bluebook",)

#: pandoc AST API versions (major, minor) that panflute 2.3 reads: pandoc 2.11.0.4 to 3.x.
SUPPORTED_API = ((1, 22), (1, 23))

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}
_API_RE = re.compile(r'"pandoc-api-version"\s*:\s*\[\s*(\d+)\s*,\s*(\d+)((?:\s*,\s*\d+)*)\s*\]')

# key in metadata -> (environment variable, config-file key)
_KEYS: dict[str, tuple[str, str]] = {
    "folder": ("PERMIFY_FOLDER", "folder"),
    "style": ("PERMIFY_STYLE", "style"),
    "private": ("PERMIFY_PRIVATE", "private"),
    "dry-run": ("PERMIFY_DRY_RUN", "dry_run"),
    "strict": ("PERMIFY_STRICT", "strict"),
    "archive-doi": ("PERMIFY_ARCHIVE_DOI", "archive_doi"),
    "include-quoted": ("PERMIFY_INCLUDE_QUOTED", "include_quoted"),
    "skip-hosts": ("PERMIFY_SKIP_HOSTS", "skip_hosts"),
    "include-hosts": ("PERMIFY_INCLUDE_HOSTS", "include_hosts"),
    "timeout": ("PERMIFY_TIMEOUT", "timeout"),
}


class FilterConfig(NamedTuple):
    """The filter's resolved options (see the module docstring for where each comes from).

    ``poll_initial`` is the first wait between capture status polls, from
    ``PERMIFY_POLL_INITIAL`` (seconds; default 1.0, lower only for tests against the sandbox).
    A named tuple rather than a dataclass, which would cost a measurable part of a warm build.
    """

    folder: str | None = None
    style: str = "bluebook"
    private: bool = False
    dry_run: bool = False
    strict: bool = False
    archive_doi: bool = False
    include_quoted: bool = False
    skip_hosts: tuple[str, ...] = ()
    include_hosts: tuple[str, ...] = ()
    poll_initial: float = 1.0
    #: seconds one request to Perma may take, all included (None: the session's default)
    timeout: float | None = None


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigError(f"permify option {name}: {value!r} is not true or false")


def _hosts(name: str, value: Any) -> tuple[str, ...]:
    """A list of host patterns: a metadata list, or a comma- or space-separated string."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else re.split(r"[,\s]+", str(value))
    try:
        return tuple(dict.fromkeys(normalise_host_pattern(str(v)) for v in items if str(v).strip()))
    except ValueError as error:
        raise ConfigError(f"permify option {name}: {error}") from None


def strict_from_env(env: Mapping[str, str] | None = None) -> bool:
    """``PERMIFY_STRICT`` alone, for failures that happen before the metadata can be read."""
    env = os.environ if env is None else env
    try:
        return _as_bool("strict", env.get("PERMIFY_STRICT", ""))
    except ConfigError:
        return False


def load_filter_config(
    metadata: Mapping[str, Any] | None,
    *,
    env: Mapping[str, str] | None = None,
) -> FilterConfig:
    """Resolve the options from the ``permify:`` metadata mapping, ``env`` and the config file.

    ``metadata`` is ``doc.get_metadata("permify")`` (plain Python values). Raises
    :class:`~permify.errors.ConfigError` for a malformed value, with one line naming the key.
    """
    env = os.environ if env is None else env
    meta = dict(metadata) if isinstance(metadata, Mapping) else {}
    if metadata is not None and not isinstance(metadata, Mapping):
        raise ConfigError("permify metadata must be a mapping, e.g. 'permify: {folder: 1234}'")
    unknown = sorted(set(meta) - set(_KEYS) - {k.replace("-", "_") for k in _KEYS})
    if unknown:
        raise ConfigError(f"permify metadata: unknown key {unknown[0]!r} (known: {', '.join(_KEYS)})")
    # The config file is read on first need: most builds set everything in metadata or env.
    sources = SettingSources(env)
    values: dict[str, Any] = {}
    for key, (env_name, cfg_name) in _KEYS.items():
        value = sources.pick(meta.get(key, meta.get(key.replace("-", "_"))), env_name, cfg_name)
        if value is not None:
            values[key] = value
    style = str(values.get("style", "bluebook")).strip().lower()
    if style not in STYLES:
        raise ConfigError(f"permify option style: {style!r} is not one of {', '.join(STYLES)}")
    poll = env.get("PERMIFY_POLL_INITIAL", "").strip()
    try:
        poll_initial = float(poll) if poll else 1.0
    except ValueError:
        raise ConfigError(f"PERMIFY_POLL_INITIAL: {poll!r} is not a number of seconds") from None
    folder = values.get("folder")
    return FilterConfig(
        folder=str(folder).strip() or None if folder is not None else None,
        style=style,
        private=_as_bool("private", values.get("private", False)),
        dry_run=_as_bool("dry-run", values.get("dry-run", False)),
        strict=_as_bool("strict", values.get("strict", False)),
        archive_doi=_as_bool("archive-doi", values.get("archive-doi", False)),
        include_quoted=_as_bool("include-quoted", values.get("include-quoted", False)),
        skip_hosts=_hosts("skip-hosts", values.get("skip-hosts")),
        include_hosts=_hosts("include-hosts", values.get("include-hosts")),
        poll_initial=max(poll_initial, 0.01),
        timeout=parse_timeout(values.get("timeout"), "permify option timeout"),
    )


def api_version_of(json_text: str) -> tuple[int, ...] | None:
    """The ``pandoc-api-version`` of a pandoc JSON document, read from its first bytes only."""
    m = _API_RE.search(json_text[:200])
    if m is None:
        return None
    rest = [int(x) for x in re.findall(r"\d+", m.group(3))]
    return (int(m.group(1)), int(m.group(2)), *rest)
