"""Exact offsets in a BibTeX entry's raw text: the spans bibtexparser does not give.

bibtexparser 2.x locates blocks (``Entry.raw``, ``Entry.start_line``) but gives no offsets for
field names, ``=`` signs, values or commas, and its writer reformats the whole file. The BibTeX
adapter splices new text into the original, so it needs exact spans; :func:`scan_entry` finds
them in an entry's raw text, :func:`scan_value` in one value, :func:`match_brace` for one
``{...}`` group.

Speed matters here (a large bibliography has thousands of entries): the common field (one
value, braces nested at most one deep) is read with one regular expression, everything else
with the general scanner; both give the same spans.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "HEAD_RE",
    "EntrySpans",
    "FieldSpan",
    "Piece",
    "ScanError",
    "match_brace",
    "scan_entry",
    "scan_value",
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
_QUOTED_RE = re.compile(r'\\"|[{}"]')


def match_brace(text: str, pos: int) -> int:
    """End offset (after the closing brace) of the group opening at ``text[pos] == '{'``."""
    # str.find rather than a regex token loop: most groups hold no nested brace, and this
    # is the adapter's innermost loop. ``close`` is the next '}' at or after ``at``.
    depth = 0
    at = pos
    close = -1
    find = text.find
    while True:
        if close < at:
            close = find("}", at)
            if close < 0:
                raise ScanError(f"unclosed brace at offset {pos}")
        opening = find("{", at, close)
        if opening >= 0:
            depth += 1
            at = opening + 1
        else:
            depth -= 1
            if depth == 0:
                return close + 1
            at = close + 1


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
            end = match_brace(text, pos)
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
        after = end
        if text[end : end + 1].isspace():  # most values are followed by ',' or '}' at once
            after = _WS_RE.match(text, end).end()  # type: ignore[union-attr]
        if text[after : after + 1] != "#":
            return tuple(pieces), end
        pos = _WS_RE.match(text, after + 1).end()  # type: ignore[union-attr]


# A field's name, the space before '=', '=' and the space after: one match instead of four.
_FIELD_HEAD_RE = re.compile(r"([^\s=,{}()\"#]+)(\s*)=\s*")
# The common field in one match: name, '=', one value piece (braces nested at most one deep;
# quotes without braces or backslashes), then only space before the ',' or the entry's closing
# delimiter. Anything else (concatenation, deeper nesting) takes the general path; both give
# the same spans.
_SIMPLE_VALUE = r"(\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}|\"[^\"{}\\]*\"|[^\s,#{}()\"=]+)"
_SIMPLE_FIELD_RES = {
    close: re.compile(r"([^\s=,{}()\"#]+)(\s*)=\s*" + _SIMPLE_VALUE + r"\s*(?=[," + close + "])")
    for close in ("}", ")")
}


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
    field_head = _FIELD_HEAD_RE.match
    simple_field = _SIMPLE_FIELD_RES[close_char].match
    while True:
        pos = ws(raw, pos).end()  # type: ignore[union-attr]
        char = raw[pos : pos + 1]
        if char == close_char:
            break
        if char == ",":  # a stray double comma is tolerated by BibTeX
            pos += 1
            continue
        simple = simple_field(raw, pos)
        if simple is not None:
            value_start, value_end = simple.span(3)
            first = raw[value_start]
            pieces: tuple[Piece, ...] = (
                Piece(first if first == "{" or first == '"' else "bare", value_start, value_end),
            )
            pos = simple.end()
            if raw[pos] == ",":
                fields.append(FieldSpan(simple.group(1), simple.start(), simple.end(1),
                                        simple.end(2), value_start, value_end, pieces, pos))
                pos += 1
                continue
            fields.append(FieldSpan(simple.group(1), simple.start(), simple.end(1), simple.end(2),
                                    value_start, value_end, pieces, -1))
            break
        head_m = field_head(raw, pos)
        if head_m is None:
            if _NAME_RE.match(raw, pos) is None:
                raise ScanError(f"expected a field name at offset {pos}")
            raise ScanError(f"expected '=' after the field name at offset {pos}")
        name_end = head_m.end(1)
        value_start = head_m.end()
        pieces, value_end = scan_value(raw, value_start)
        pos = value_end
        char = raw[pos : pos + 1]
        if char.isspace():
            pos = ws(raw, pos).end()  # type: ignore[union-attr]
            char = raw[pos : pos + 1]
        if char == ",":
            fields.append(FieldSpan(head_m.group(1), head_m.start(), name_end, head_m.end(2),
                                    value_start, value_end, pieces, pos))
            pos += 1
        elif char == close_char:
            fields.append(FieldSpan(head_m.group(1), head_m.start(), name_end, head_m.end(2),
                                    value_start, value_end, pieces, -1))
            break
        else:
            raise ScanError(f"expected ',' or {close_char!r} at offset {pos}")
    if raw[pos + 1 :].strip():
        raise ScanError("text after the closing delimiter")
    return EntrySpans(key, tuple(fields), pos)
