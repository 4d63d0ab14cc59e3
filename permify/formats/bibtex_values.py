"""Offsets and meanings of BibTeX field values: the parts bibtexparser does not give.

bibtexparser 2.x locates blocks (``Entry.raw``, ``Entry.start_line``) but gives no offsets for
field names, ``=`` signs, values or commas, and its writer reformats the whole file. The BibTeX
adapter splices new text into the original, so it needs exact spans; :func:`scan_entry` finds
them in an entry's raw text. The rest of this module reads values without ever rewriting them:
resolving ``@string`` macros and ``#`` concatenation (:func:`resolve`), undoing the LaTeX
escapes people put in URLs (:func:`unescape`), finding ``\\url``, ``\\href`` and bare URLs in
text fields (:func:`urls_in_text`) and turning a LaTeX title into plain text (:func:`plain_title`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from ..urls import find_urls

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


class ScanError(ValueError):
    """An entry's text does not have the shape ``@type{key, name = value, ...}``.

    Internal to the BibTeX adapter, which turns it into a warning; never raised to callers.
    """


class Piece(NamedTuple):
    """One operand of a value: ``{...}``, ``"..."`` or a bare macro name / number.

    ``kind`` is ``"{"``, ``'"'`` or ``"bare"``; ``start``/``end`` include the delimiters.
    """

    kind: str
    start: int
    end: int


class FieldSpan(NamedTuple):
    """Where one field sits in an entry's raw text (all offsets into that text).

    ``comma`` is the offset of the comma after the value, or -1 when the field is the last
    one and has no trailing comma.
    """

    name: str
    start: int
    name_end: int
    eq: int
    value_start: int
    value_end: int
    pieces: tuple[Piece, ...]
    comma: int


class EntrySpans(NamedTuple):
    """An entry's key, its fields in order, and the offset of its closing ``}`` or ``)``."""

    key: str
    fields: tuple[FieldSpan, ...]
    close: int


HEAD_RE = re.compile(r"@\s*[A-Za-z][\w:-]*\s*([{(])")
_WS_RE = re.compile(r"\s*")
_NAME_RE = re.compile(r"[^\s=,{}()\"#]+")
_BARE_RE = re.compile(r"[^\s,#{}()\"=]+")
_BRACE_RE = re.compile(r"[{}]")
_QUOTED_RE = re.compile(r'\\"|[{}"]')


def _match_brace(text: str, pos: int) -> int:
    """End offset (after the closing brace) of the group opening at ``text[pos] == '{'``."""
    depth = 0
    for m in _BRACE_RE.finditer(text, pos):
        if m.group() == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.end()
    raise ScanError(f"unclosed brace at offset {pos}")


def _match_quote(text: str, pos: int) -> int:
    """End offset of the quoted string opening at ``text[pos] == '"'`` (braces nest, ``\\"`` is escaped)."""
    depth = 0
    for m in _QUOTED_RE.finditer(text, pos + 1):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                break
        elif token == '"' and depth == 0:
            return m.end()
    raise ScanError(f"unclosed quote at offset {pos}")


def scan_value(text: str, pos: int) -> tuple[tuple[Piece, ...], int]:
    """Scan ``piece (# piece)*`` starting at ``pos``; return the pieces and the end of the last."""
    pieces: list[Piece] = []
    while True:
        char = text[pos : pos + 1]
        if char == "{":
            end = _match_brace(text, pos)
            pieces.append(Piece("{", pos, end))
        elif char == '"':
            end = _match_quote(text, pos)
            pieces.append(Piece('"', pos, end))
        else:
            m = _BARE_RE.match(text, pos)
            if m is None:
                raise ScanError(f"expected a value at offset {pos}")
            end = m.end()
            pieces.append(Piece("bare", pos, end))
        after = _WS_RE.match(text, end).end()  # type: ignore[union-attr]
        if text[after : after + 1] != "#":
            return tuple(pieces), end
        pos = _WS_RE.match(text, after + 1).end()  # type: ignore[union-attr]


def scan_entry(raw: str) -> EntrySpans:
    """Offsets of every field in an entry's raw text (``Entry.raw`` from bibtexparser).

    Raises :class:`ScanError` when the text is not a well-formed entry; the caller then
    leaves the entry untouched.
    """
    head = HEAD_RE.match(raw)
    if head is None:
        raise ScanError("not an entry")
    close_char = "}" if head.group(1) == "{" else ")"
    pos = head.end()
    comma = raw.find(",", pos)
    closing = raw.find(close_char, pos)
    if comma < 0 or 0 <= closing < comma:
        if closing < 0:
            raise ScanError("no closing delimiter")
        return EntrySpans(raw[pos:closing].strip(), (), closing)
    key = raw[pos:comma].strip()
    pos = comma + 1
    fields: list[FieldSpan] = []
    ws = _WS_RE.match
    while True:
        pos = ws(raw, pos).end()  # type: ignore[union-attr]
        char = raw[pos : pos + 1]
        if char == close_char:
            break
        if char == ",":  # a stray double comma is tolerated by BibTeX
            pos += 1
            continue
        name_m = _NAME_RE.match(raw, pos)
        if name_m is None:
            raise ScanError(f"expected a field name at offset {pos}")
        eq = ws(raw, name_m.end()).end()  # type: ignore[union-attr]
        if raw[eq : eq + 1] != "=":
            raise ScanError(f"expected '=' at offset {eq}")
        value_start = ws(raw, eq + 1).end()  # type: ignore[union-attr]
        pieces, value_end = scan_value(raw, value_start)
        pos = ws(raw, value_end).end()  # type: ignore[union-attr]
        char = raw[pos : pos + 1]
        if char == ",":
            fields.append(FieldSpan(name_m.group(), name_m.start(), name_m.end(), eq,
                                    value_start, value_end, pieces, pos))
            pos += 1
        elif char == close_char:
            fields.append(FieldSpan(name_m.group(), name_m.start(), name_m.end(), eq,
                                    value_start, value_end, pieces, -1))
            break
        else:
            raise ScanError(f"expected ',' or {close_char!r} at offset {pos}")
    if raw[pos + 1 :].strip():
        raise ScanError("text after the closing delimiter")
    return EntrySpans(key, tuple(fields), pos)


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


def unescape(text: str) -> str:
    """Undo ``\\_ \\% \\& \\# \\$ \\~{} {\\textasciitilde} \\textasciitilde`` (for archiving only)."""
    if "\\" not in text:
        return text
    return _ESCAPE_RE.sub(_escape_value, text)


def _unescape_with_map(text: str) -> tuple[str, list[int]]:
    """``unescape(text)`` and, for each decoded offset (and the end), its offset in ``text``."""
    out: list[str] = []
    where: list[int] = []
    last = 0
    for m in _ESCAPE_RE.finditer(text):
        out.append(text[last : m.start()])
        where.extend(range(last, m.start()))
        out.append(_escape_value(m))
        where.append(m.start())
        last = m.end()
    out.append(text[last:])
    where.extend(range(last, len(text) + 1))
    return "".join(out), where


_COMMAND_RE = re.compile(r"\\(url|href)\s*(?=\{)")


class TextUrl(NamedTuple):
    """A URL in a text field: as written, and decoded for archiving."""

    written: str
    url: str


def urls_in_text(text: str) -> list[TextUrl]:
    """URLs in a ``note``/``howpublished``-style value: ``\\url{}``, ``\\href{}{}``, then bare ones.

    Results are in text order. The text of a ``\\href`` (its second argument) is not scanned,
    so ``\\href{https://a}{https://a}`` counts once.
    """
    if "://" not in text:
        return []
    found: list[tuple[int, TextUrl]] = []
    blanked = text
    for m in _COMMAND_RE.finditer(text):
        try:
            arg_end = _match_brace(text, m.end())
        except ScanError:
            continue
        written = text[m.end() + 1 : arg_end - 1].strip()
        end = arg_end
        if m.group(1) == "href":
            nxt = _WS_RE.match(text, arg_end).end()  # type: ignore[union-attr]
            if text[nxt : nxt + 1] == "{":
                try:
                    end = _match_brace(text, nxt)
                except ScanError:
                    pass
        if written:
            found.append((m.start(), TextUrl(written, unescape(written).strip())))
        # blank the command so the bare-URL pass does not find it again (same length keeps offsets)
        blanked = blanked[: m.start()] + " " * (end - m.start()) + blanked[end:]
    if "://" in blanked:
        decoded, where = _unescape_with_map(blanked)
        for um in find_urls(decoded):
            start, end = where[um.start], where[um.end]
            written = text[start:end]
            if written.endswith("\\"):  # "\_" cut after the backslash by trimming
                written = written[:-1]
            found.append((start, TextUrl(written, um.url)))
    found.sort(key=lambda item: item[0])
    return [item[1] for item in found]


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
    mark = _ACCENTS[m.group(1) or m.group(2)]
    letter = (m.group(3) or m.group(4)).lstrip("\\")
    return unicodedata.normalize("NFC", letter + mark)


def plain_title(title: str) -> str:
    """A LaTeX title as plain text: accents composed, commands and braces dropped.

    ``{The {EU} Act: \\"Uber \\emph{Recht}}`` gives ``The EU Act: Über Recht``. Reasonable,
    not complete: it is only the title Perma shows for the archive.
    """
    text = unescape(title)
    if "\\" in text:
        text = _ACCENT_RE.sub(_accent, text)
        text = _SYMBOL_RE.sub(lambda m: _SYMBOLS[m.group(1)], text)
        text = _COMMAND_NAME_RE.sub("", text)
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", " ")
    text = text.replace("``", "\u201c").replace("''", "\u201d")
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.split())
