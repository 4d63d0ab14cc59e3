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
    scan_entry,
    scan_value,
)

__all__ = [
    "HEAD_RE",
    "MAX_EXPANDED_CHARS",
    "MAX_EXPANDED_TOTAL",
    "MONTH_MACROS",
    "EntrySpans",
    "ExpansionBudget",
    "ExpansionLimitError",
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


#: the longest value ``@string`` macros and ``#`` may spell, in characters
MAX_EXPANDED_CHARS = 100_000
#: the most characters ``@string`` macros may contribute in one file, all values together
#: (a file can spell no more than a 2 MB file holds: 20,000 URLs built from a 30-character
#: prefix macro use 600,000)
MAX_EXPANDED_TOTAL = 2_000_000


class ExpansionLimitError(ValueError):
    """Raised by :func:`resolve` when a value would pass :data:`MAX_EXPANDED_CHARS`, the file's
    :data:`MAX_EXPANDED_TOTAL`, or uses a macro that did. The message says which.

    Internal to the BibTeX adapter, which turns it into a warning naming the entry.
    Attributes: ``uses``, the over-cap macro the value names (None when it is this value
    that is too long).
    """

    def __init__(self, message: str, uses: str | None = None) -> None:
        super().__init__(message)
        self.uses = uses


class ExpansionBudget:
    """What is left of one file's :data:`MAX_EXPANDED_TOTAL`, and the macros over the cap.

    ``@string`` definitions that each repeat the previous one twice double at every line: a
    few hundred bytes would spell gigabytes. Expansion stops at the caps instead.
    """

    def __init__(self, total: int = MAX_EXPANDED_TOTAL) -> None:
        self.left = total
        self.total = total
        #: lower-cased names of macros not defined because they expand past the cap
        self.oversized: set[str] = set()


def resolve(
    text: str,
    pieces: tuple[Piece, ...],
    macros: dict[str, str],
    missing: str | None = None,
    budget: ExpansionBudget | None = None,
) -> str | None:
    """The value the pieces spell: delimiters dropped, macros expanded, ``#`` joined.

    An undefined macro reads as ``missing``; when that is None the whole value is unknown
    and None is returned. Raises :class:`ExpansionLimitError` past :data:`MAX_EXPANDED_CHARS`
    characters, or when macro expansion would overdraw ``budget`` (each call spends the
    characters its macros contribute) or uses one of its over-cap macros.
    """
    if len(pieces) == 1 and pieces[0].kind != "bare":
        return text[pieces[0].start + 1 : pieces[0].end - 1]
    parts: list[str] = []
    size = 0
    expanded = 0  # characters taken from macros (the text's own are bounded by the file)
    for piece in pieces:
        if piece.kind == "bare":
            name = text[piece.start : piece.end]
            if name.isdigit():
                part = name
            else:
                key = name.lower()
                if budget is not None and key in budget.oversized:
                    raise ExpansionLimitError(
                        f"uses @string {name!r}, which expands past {MAX_EXPANDED_CHARS:,} characters",
                        uses=key,
                    )
                value = macros.get(key, missing)
                if value is None:
                    return None
                part = value
                expanded += len(value)
        else:
            part = text[piece.start + 1 : piece.end - 1]
        size += len(part)
        if size > MAX_EXPANDED_CHARS:
            raise ExpansionLimitError(
                f"@string macros and # expand past {MAX_EXPANDED_CHARS:,} characters"
            )
        parts.append(part)
    if budget is not None and expanded:
        if expanded > budget.left:
            budget.left = 0
            raise ExpansionLimitError(
                f"@string expansion in this file passed its total cap of {budget.total:,} characters"
            )
        budget.left -= expanded
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
    if text.startswith("\\url{") and text.count("{") == 1 and text.count("}") == 1 and text[-1] == "}":
        # the whole text is one \url{...} without a brace inside (howpublished, most often):
        # what the general path below gives, without pairing braces or looking for bare URLs
        written = text[5:-1].strip()
        return [TextUrl(written, unescape(written).strip(), 0, len(text))] if written else []
    found: list[tuple[int, TextUrl]] = []
    blanked = text
    if "\\" in text:
        commands = list(_COMMAND_RE.finditer(text))
        if commands:
            blanked = _urls_of_commands(text, commands, found)
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


def _urls_of_commands(text: str, commands: list[re.Match[str]],
                      found: list[tuple[int, TextUrl]]) -> str:
    """Add the URL of each ``\\url{}``/``\\href{}{}`` to ``found``; return ``text`` with the
    commands blanked (same length, so offsets stay), for the bare-URL pass.

    Linear in the text: braces are paired in one pass, and a command inside the argument of
    one already read is part of that argument, not a citation of its own (100 KB of nested
    ``\\url{`` would otherwise cost seconds, a megabyte hours).
    """
    closes = _brace_pairs(text)
    spans: list[tuple[int, int]] = []
    inside = -1  # end of the last argument read: commands before it are inside it
    for m in commands:
        if m.start() < inside:
            continue
        arg_end = closes.get(m.end())
        if arg_end is None:
            continue  # unclosed
        written = text[m.end() + 1 : arg_end - 1].strip()
        end = arg_end
        if m.group(1) == "href":
            nxt = _WS_RE.match(text, arg_end).end()  # type: ignore[union-attr]
            if text[nxt : nxt + 1] == "{":
                end = closes.get(nxt, end)
        if written:
            found.append((m.start(), TextUrl(written, unescape(written).strip(), m.start(), end)))
        inside = arg_end
        if spans and m.start() < spans[-1][1]:  # within the text of an \href read before
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((m.start(), end))
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(" " * (end - start))
        last = end
    out.append(text[last:])
    return "".join(out)


def _brace_pairs(text: str) -> dict[int, int]:
    """``{`` offset -> the end offset after its matching ``}``, for every closed group.

    The same pairs as :func:`~permify.formats.bibtex.scan.match_brace` gives, in one pass.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    for m in _BRACE_RE.finditer(text):
        if m.group() == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.end()
    return pairs


_BRACE_RE = re.compile(r"[{}]")


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
    # each replacement asked only of a title holding its character: most hold none of them
    if "-" in text:
        text = text.replace("---", "\u2014").replace("--", "\u2013")
    if "~" in text:
        text = text.replace("~", " ")
    if "`" in text or "'" in text:
        text = text.replace("``", "\u201c").replace("''", "\u201d")
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.split())
