"""Meanings of BibTeX field values, read without ever rewriting them.

Resolving ``@string`` macros and ``#`` concatenation (:func:`resolve`), undoing the LaTeX
escapes people put in URLs (:func:`unescape`), finding ``\\url``, ``\\href`` and bare URLs in
text fields (:func:`urls_in_text`) and turning a LaTeX title into plain text (:func:`plain_title`).
The offsets of an entry's fields are found by :mod:`permify.formats.bibtex.scan`; its names are
re-exported here, where the adapter first had them.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from operator import itemgetter, methodcaller
from typing import NamedTuple

from ...urls import find_urls
from .scan import (
    HEAD_RE,
    EntrySpans,
    FieldSpan,
    Piece,
    ScanError,
    match_brace,
    scan_entry,
    scan_value,
)

__all__ = [
    "HEAD_RE",
    "MONTH_MACROS",
    "EntrySpans",
    "FieldSpan",
    "Piece",
    "ScanError",
    "TextUrl",
    "plain_title",
    "resolve",
    "scan_entry",
    "scan_value",
    "unescape",
    "urls_in_text",
]


#: the macros every BibTeX style predefines (``month = jan``)
MONTH_MACROS: dict[str, str] = {
    m[:3]: m
    for m in (
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december",
    )
}


def resolve(
    text: str, pieces: tuple[Piece, ...], macros: dict[str, str], missing: str | None = None
) -> str | None:
    """The value the pieces spell: delimiters dropped, macros expanded, ``#`` joined.

    An undefined macro reads as ``missing``; when that is None the whole value is unknown
    and None is returned.
    """
    if len(pieces) == 1 and pieces[0].kind != "bare":
        return text[pieces[0].start + 1 : pieces[0].end - 1]
    parts: list[str] = []
    for piece in pieces:
        if piece.kind == "bare":
            name = text[piece.start : piece.end]
            if name.isdigit():
                parts.append(name)
            else:
                value = macros.get(name.lower(), missing)
                if value is None:
                    return None
                parts.append(value)
        else:
            parts.append(text[piece.start + 1 : piece.end - 1])
    return "".join(parts)


# LaTeX escapes people write inside URLs; undone for the archive request only.
_ESCAPE_RE = re.compile(
    r"\\([_%&#$])|\\~\{\}|\{\\textasciitilde\}|\\textasciitilde(?:\{\}| ?)|\\slash(?:\{\}| ?)"
)


def _escape_value(m: re.Match[str]) -> str:
    if m.group(1):
        return m.group(1)
    return "/" if "slash" in m.group() else "~"


# Only the first branch of _ESCAPE_RE can match in a text without "~", "\\textasciitilde" and
# "\\slash"; there this substitution gives the same, with no Python code run per match (a
# C-level callable: a r"\1" template is slower still, it is expanded in Python).
_SIMPLE_ESCAPE_RE = re.compile(r"\\([_%&#$])")
_ESCAPED_CHAR = methodcaller("group", 1)


def unescape(text: str) -> str:
    """Undo ``\\_ \\% \\& \\# \\$ \\~{} {\\textasciitilde} \\textasciitilde`` (for archiving only)."""
    if "\\" not in text:
        return text
    if "~" in text or "\\textasciitilde" in text or "\\slash" in text:
        return _ESCAPE_RE.sub(_escape_value, text)
    return _SIMPLE_ESCAPE_RE.sub(_ESCAPED_CHAR, text)


def _unescape_with_map(text: str) -> tuple[str, list[int], list[int]]:
    """``unescape(text)`` and a map back: ``starts`` (decoded offsets) and ``origins``.

    The decoded text is runs copied from ``text`` and one-character replacements; run ``i``
    starts at decoded offset ``starts[i]`` and at ``origins[i]`` in ``text`` (see :func:`_origin`).
    """
    out: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    last = decoded = 0
    for m in _ESCAPE_RE.finditer(text):
        start = m.start()
        if start > last:
            out.append(text[last:start])
            starts.append(decoded)
            origins.append(last)
            decoded += start - last
        out.append(_escape_value(m))  # always one character
        starts.append(decoded)
        origins.append(start)
        decoded += 1
        last = m.end()
    out.append(text[last:])
    starts.append(decoded)  # the last run, maybe empty: it maps the end of the text
    origins.append(last)
    return "".join(out), starts, origins


def _origin(starts: list[int], origins: list[int], offset: int) -> int:
    """The offset in the original text of decoded ``offset`` (and of the end)."""
    run = bisect_right(starts, offset) - 1
    return origins[run] + offset - starts[run]


_WS_RE = re.compile(r"\s*")
_COMMAND_RE = re.compile(r"\\(url|href)\s*(?=\{)")


class TextUrl(NamedTuple):
    """A URL in a text field: as written, decoded for archiving, and where it is.

    ``start`` is where its command (``\\url``, ``\\href``) or the bare URL starts in the text,
    ``end`` where it ends (after the closing brace, the ``\\href`` text included): a Perma
    link printed for this URL goes at ``end``.
    """

    written: str
    url: str
    start: int = 0
    end: int = 0


def urls_in_text(text: str) -> list[TextUrl]:
    """URLs in a ``note``/``howpublished``-style value: ``\\url{}``, ``\\href{}{}``, then bare ones.

    Results are in text order. The text of a ``\\href`` (its second argument) is not scanned,
    so ``\\href{https://a}{https://a}`` counts once.
    """
    if "://" not in text:
        return []
    found: list[tuple[int, TextUrl]] = []
    blanked = text
    if "\\" in text:
        for m in _COMMAND_RE.finditer(text):
            try:
                arg_end = match_brace(text, m.end())
            except ScanError:
                continue
            written = text[m.end() + 1 : arg_end - 1].strip()
            end = arg_end
            if m.group(1) == "href":
                nxt = _WS_RE.match(text, arg_end).end()  # type: ignore[union-attr]
                if text[nxt : nxt + 1] == "{":
                    try:
                        end = match_brace(text, nxt)
                    except ScanError:
                        pass
            if written:
                found.append((m.start(), TextUrl(written, unescape(written).strip(), m.start(), end)))
            # blank the command so the bare-URL pass does not find it again (same length keeps offsets)
            blanked = blanked[: m.start()] + " " * (end - m.start()) + blanked[end:]
    if "://" in blanked:
        if "\\" in blanked:
            decoded, starts, origins = _unescape_with_map(blanked)
            for um in find_urls(decoded):
                start, end = _origin(starts, origins, um.start), _origin(starts, origins, um.end)
                written = text[start:end]
                if written.endswith("\\"):  # "\_" cut after the backslash by trimming
                    written = written[:-1]
                found.append((start, TextUrl(written, um.url, start, start + len(written))))
        else:  # nothing to decode: offsets are the text's own
            found.extend((um.start, TextUrl(um.url, um.url, um.start, um.end)) for um in find_urls(blanked))
    if len(found) > 1:
        found.sort(key=_FIRST)
    return [item[1] for item in found]


_FIRST = itemgetter(0)


# --------------------------------------------------------------------------- titles

_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
    "r": "\u030a",
}
# Braces around an accented letter ({\"o}, \"{o}) need no special case: all braces go at the end.
_ACCENT_RE = re.compile(
    r"\\(?:([\"'`^~=.])\s*|([cvuHkr])(?:\s+|(?=\{)))(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))"
)
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "l": "ł", "L": "Ł", "i": "i", "j": "j", "S": "§", "textsection": "§",
}
_SYMBOL_RE = re.compile(r"\\(" + "|".join(sorted(_SYMBOLS, key=len, reverse=True)) + r")\b\s?")
_COMMAND_NAME_RE = re.compile(r"\\[A-Za-z]+\*?\s*|\\(?=[^A-Za-z])")


def _accent(m: re.Match[str]) -> str:
    # the result depends on the matched text only; titles repeat a few accented letters
    whole = m.group()
    composed = _ACCENTED.get(whole)
    if composed is None:
        mark = _ACCENTS[m.group(1) or m.group(2)]
        letter = (m.group(3) or m.group(4)).lstrip("\\")
        composed = unicodedata.normalize("NFC", letter + mark)
        if len(_ACCENTED) < 4096:
            _ACCENTED[whole] = composed
    return composed


_ACCENTED: dict[str, str] = {}


def _symbol(m: re.Match[str]) -> str:
    return _SYMBOLS[m.group(1)]


def plain_title(title: str) -> str:
    """A LaTeX title as plain text: accents composed, commands and braces dropped.

    ``{The {EU} Act: \\"Uber \\emph{Recht}}`` gives ``The EU Act: Über Recht``. Reasonable,
    not complete: it is only the title Perma shows for the archive.
    """
    text = unescape(title)
    if "\\" in text:  # each pattern starts with a backslash; most titles run out of them early
        text = _ACCENT_RE.sub(_accent, text)
        if "\\" in text:
            text = _SYMBOL_RE.sub(_symbol, text)
            if "\\" in text:
                text = _COMMAND_NAME_RE.sub("", text)
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", " ")
    text = text.replace("``", "\u201c").replace("''", "\u201d")
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.split())
