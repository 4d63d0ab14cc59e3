"""What the BibTeX reader keeps of an entry, and what it already records.

:class:`Slot` is one URL read from an entry (where its archive is recorded), and
:class:`EntryRecord` one located entry that cites something. The functions decide, for the
URLs of one entry, which is its primary URL (the one the ``perma`` field archives), which URL
fields repeat another's URL (and share its record), and which archive each URL has already:
the ``perma`` field, an ``F-perma`` field, or the ``url link; url link`` form earlier
versions wrote. The rules are in docs/bibtex.md.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ...urls import PERMA_URL_RE, dedupe_key, is_perma_link
from .values import unescape

__all__ = ["EntryRecord", "Slot", "primary_index", "recorded_archives", "repeated_urls"]

# a perma field written as "url link; url link" (earlier versions): its tokens, and the test for it
_PERMA_TOKEN_RE = re.compile(r"[\s;{}]+|\\url")
_LEGACY_TOKEN_RE = re.compile(r"(?:^|[\s{])(?!https?://(?:www\.)?perma\.cc/)\S+://")


class EntryRecord(NamedTuple):
    """One located entry that cites something: where its raw text starts, the text, the raw
    value of its first ``note`` and ``addendum`` (by lower-case name), and its primary citation."""

    offset: int
    raw: str
    prints: dict[str, str]
    primary: int | None


class Slot(NamedTuple):
    """One URL read from an entry, and where its archive is recorded: the field (name as
    written, raw value), role (``url``, ``text``; ``same`` for a URL field repeating an
    earlier URL of the entry, whose record it shares; ``skip`` for a citation never written),
    1-based position in the field, 0-based line, the URL as written and as archived, the
    archive recorded already, why it is skipped.

    ``end``: for a URL of a text field whose value is one delimited piece, where the URL ends
    in the raw value (its printed link goes there), as parsing found it; None otherwise (the
    rewrite finds it in the value's pieces). The entry it belongs to is kept beside it
    (``BibtexDocument._slot_entries``): the read builds one record per URL, not two.
    """

    field: str
    value: str
    role: str
    position: int
    line: int
    written: str
    url: str
    existing: str | None = None
    skip: str | None = None
    end: int | None = None


def recorded_archives(found: list[Slot], primary: int | None, perma: str | None,
                      archives: dict[tuple[str, int], str], key: str) -> tuple[list[str | None], str | None]:
    """The archive already recorded for each URL found (None: it has none yet), and a warning
    for the entry, if any. ``perma`` is the entry's resolved ``perma`` field (None: it has
    none), ``archives`` the links of its ``F-perma`` fields by (field, position)."""
    existing = [item.existing for item in found]
    for n, item in enumerate(found):
        if item.role == "url" and n != primary:
            existing[n] = archives.get((item.field.lower(), item.position))
    if perma is None:
        return existing, None
    if not PERMA_URL_RE.search(perma):
        return ([perma.strip() or "perma field"] * len(found),
                f"entry {key!r} has a perma field without a Perma link; left unchanged")
    if _LEGACY_TOKEN_RE.search(perma):  # "url link; url link", as earlier versions wrote it
        return _legacy(perma, [item.url for item in found]), None
    if primary is not None and existing[primary] is None:
        existing[primary] = PERMA_URL_RE.search(perma).group(0)  # type: ignore[union-attr]
    return existing, None


def primary_index(found: list[Slot]) -> int | None:
    """Index of the entry's primary URL: the ``url`` field's first, else the first URL field's,
    else the first in a text field."""
    fallback: int | None = None
    text: int | None = None
    for n, item in enumerate(found):
        if item.role == "url":
            if item.field.lower() == "url":
                return n
            if fallback is None:
                fallback = n
        elif item.role == "text" and text is None:
            text = n
    return fallback if fallback is not None else text


def repeated_urls(found: list[Slot], primary: int | None) -> dict[int, int]:
    """URL-field URLs that repeat an earlier one of the entry (the primary first): index -> that one's.

    BibDesk copies ``url`` into ``Bdsk-Url-1``; its archive is recorded once.
    """
    urls = [n for n, item in enumerate(found) if item.role == "url"]
    if len(urls) < 2:
        return {}
    if primary is not None and primary in urls:
        urls.remove(primary)
        urls.insert(0, primary)
    seen: dict[str, int] = {}
    same: dict[int, int] = {}
    for n in urls:
        key = dedupe_key(found[n].url)
        if key in seen:
            same[n] = seen[key]
        else:
            seen[key] = n
    return same


def _legacy(perma: str, urls: list[str]) -> list[str | None]:
    """Each URL's archive in a ``perma`` field written as ``url link; url link``.

    Pairs are matched by URL; an entry written that way counts as done, so a URL with no
    pair gets the first link.
    """
    links: list[str] = []
    by_url: dict[str, str] = {}
    previous: str | None = None
    for token in _PERMA_TOKEN_RE.split(perma):
        if not token:
            continue
        if is_perma_link(token):
            links.append(token)
            if previous is not None:
                by_url[dedupe_key(unescape(previous))] = token
            previous = None
        else:
            previous = token
    return [by_url.get(dedupe_key(url), links[0]) for url in urls]
