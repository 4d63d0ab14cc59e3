"""Where and how a new field goes into an existing BibTeX entry, and how to take it out again.

The inserted text copies the entry's own layout: the indentation of its field lines, the
column its ``=`` signs (or its values) are aligned to, its trailing-comma habit and its line
ending. One-line entries stay on one line. :func:`removal_edits` recognises exactly what
:func:`permify.formats.bibtex.write.entry_edits` wrote, which gives the "remove the insertions, get the input back"
guarantee (:func:`permify.formats.bibtex.adapter.strip_perma_fields`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, TypeVar

from ...urls import PERMA_URL_RE
from .fields import PERMA_FIELD, PRINT_FIELDS, TEXT_FIELDS, archive_field_of
from .scan import EntrySpans, FieldSpan, ScanError, scan_entry

_T = TypeVar("_T")

__all__ = ["Edit", "Layout", "field_text", "layout_of", "removal_edits", "value_end"]


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``new`` (offsets into one entry's raw text)."""

    start: int
    end: int
    new: str


class Layout(NamedTuple):
    """How an entry writes its fields (see :func:`layout_of`)."""

    sep: str  # what precedes a field: newline + indentation, or the one-line separator
    indent_len: int
    eq_col: int | None  # '=' aligned to this column
    value_col: int | None  # values aligned to this column ('=' right after the name)
    gap_before: str  # between name and '='
    gap_after: str  # between '=' and value


# The head of a field at the start of a line: newline, indentation, name, '=' and the space
# around it, as one string (cheap to find and to use as a cache key; _LINE_PARTS_RE splits it).
# The second form also takes the "\r" of a CRLF line ending; it is only used on entries that
# contain "\r", because an optional first character makes every search twice as slow.
_FIELD_LINE_RE = re.compile(r"(\n[ \t]*[^\s=,{}()\"#%]+[ \t]*=[ \t]*)")
_FIELD_LINE_CR_RE = re.compile(r"(\r?\n[ \t]*[^\s=,{}()\"#%]+[ \t]*=[ \t]*)")
_LINE_PARTS_RE = re.compile(r"(\r?)\n([ \t]*)([^\s=,{}()\"#%]+)([ \t]*)=([ \t]*)")
_Line = tuple[str, str, str, str, str]  # cr, indentation, name, gap before '=', gap after '='


def layout_of(raw: str, spans: EntrySpans | None = None) -> Layout:
    """Read an entry's layout from the field lines it already has.

    Field lines are found with one regular expression (fast; a ``name =`` line inside a long
    value may be counted too, which only matters if it outvotes the real fields). Alignment
    is recognised when at least two field lines, and more than half of them, share the ``=``
    (or value) column while their names differ in length, so a field that sticks out
    (``urldate``) does not break it. An entry with no field at a line start is one-line:
    ``spans`` (scanned if not given) supplies the separator before its last field.
    """
    heads = (_FIELD_LINE_CR_RE if "\r" in raw else _FIELD_LINE_RE).findall(raw)
    if heads:
        return _lined_layout(tuple(heads))
    last = (spans or scan_entry(raw)).fields[-1]
    before = raw[: last.start]
    return Layout(before[len(before.rstrip()) :], 0, None, None,
                  raw[last.name_end : last.eq], raw[last.eq + 1 : last.value_start])


@lru_cache(maxsize=512)
def _lined_layout(heads: tuple[str, ...]) -> Layout:
    """Layout from the field lines' heads (cached: files repeat a handful of layouts thousands of times)."""
    lined: list[_Line] = [_LINE_PARTS_RE.fullmatch(head).groups() for head in heads]  # type: ignore[union-attr,misc]
    indent = lined[-1][1]
    same = lined
    if any(t[1] != indent for t in lined):
        indent = _mode([t[1] for t in lined])
        same = [t for t in lined if t[1] == indent]
    newline = "\r\n" if same[-1][0] else "\n"
    base = len(indent)
    names = [len(t[2]) for t in same]
    eqs = [base + n + len(t[3]) for n, t in zip(names, same, strict=True)]
    gap_before, gap_after = _mode([(t[3], t[4]) for t in same])
    eq_col = _aligned_col(eqs, names)
    value_col = None
    if eq_col is not None:
        gap_after = _mode([t[4] for e, t in zip(eqs, same, strict=True) if e == eq_col])
    else:
        values = [e + 1 + len(t[4]) for e, t in zip(eqs, same, strict=True)]
        value_col = _aligned_col(values, names)
        if value_col is not None:
            gap_before = _mode([t[3] for v, t in zip(values, same, strict=True) if v == value_col])
    return Layout(newline + indent, base, eq_col, value_col, gap_before, gap_after)


def _mode(items: list[_T]) -> _T:
    """The most common item (the first seen on a tie)."""
    first = items[0]
    if len(items) == 1 or items.count(first) == len(items):
        return first
    return max(dict.fromkeys(items), key=items.count)


def _aligned_col(cols: list[int], names: list[int]) -> int | None:
    """The column shared by field lines (``names``: their name lengths), if deliberately aligned."""
    if len(cols) < 2:
        return None
    col = _mode(cols)
    lengths = [n for c, n in zip(cols, names, strict=True) if c == col]
    if len(lengths) >= 2 and len(lengths) * 2 > len(cols) and min(lengths) != max(lengths):
        return col
    return None


def field_text(layout: Layout, name: str, value: str) -> str:
    """``name = value`` spaced like the entry's other fields (no separator, no comma)."""
    gap_before, gap_after = layout.gap_before, layout.gap_after
    if layout.eq_col is not None:
        pad = layout.eq_col - layout.indent_len - len(name)
        gap_before = " " * pad if pad >= 1 else " "
    elif layout.value_col is not None:
        pad = layout.value_col - (layout.indent_len + len(name) + len(gap_before) + 1)
        gap_after = " " * pad if pad >= 1 else " "
    if "\n" in gap_before or "\n" in gap_after:
        gap_before, gap_after = " ", " "
    return f"{name}{gap_before}={gap_after}{value}"


def value_end(raw: str, name: str, value: str) -> int:
    """Where field ``name`` (whose raw value is ``value``) ends in ``raw``.

    ``name`` is lower-case. The first place where ``value`` follows ``[,{(] name =`` (spaces
    allowed, any case):
    found by looking for ``value`` and checking what precedes it, which is much cheaper than
    a case-insensitive search for the name.
    """
    if value[:1].isspace() or not value:  # never from bibtexparser (it strips values)
        return _value_end_by_pattern(raw, name, value)
    at = raw.find(value)
    while at >= 0:
        if _name_before(raw, at, name):
            return at + len(value)
        at = raw.find(value, at + 1)
    for f in scan_entry(raw).fields:  # an unusual layout: scan it properly
        if f.name.lower() == name:
            return f.value_end
    raise ScanError(f"field {name} not found")


def _name_before(raw: str, at: int, name: str) -> bool:
    """Whether ``raw[:at]`` ends with ``[,{(] name =`` (spaces allowed around each part)."""
    # rstrip() of a copy rather than a loop over characters: entries are short, and it strips
    # exactly what str.isspace() calls space
    before = raw[:at].rstrip()
    if before[-1:] != "=":
        return False
    before = before[:-1].rstrip()
    start = len(before) - len(name)
    if start < 1 or before[start:].lower() != name:
        return False
    return before[:start].rstrip()[-1:] in (",", "{", "(")


def _value_end_by_pattern(raw: str, name: str, value: str) -> int:
    """:func:`value_end` by a search for the name (for a value that starts with a space)."""
    for m in re.finditer(rf"[,{{(]\s*{re.escape(name)}\s*=\s*", raw, re.IGNORECASE):
        if raw.startswith(value, m.end()):
            return m.end() + len(value)
    for f in scan_entry(raw).fields:  # an unusual layout: scan it properly
        if f.name.lower() == name:
            return f.value_end
    raise ScanError(f"field {name} not found")


_LINK = PERMA_URL_RE.pattern
_INSERTED_LINK_RE = re.compile(rf"\{{{_LINK}\}}")
# what earlier versions wrote in ``perma`` for several links: ``url link; url link``
_LEGACY_PERMA_RE = re.compile(rf"\{{\S+ {_LINK}(?:; \S+ {_LINK})+\}}")
# a new print field: ``{[\url{link}]}`` (earlier versions: ``{\url{link}}``, ``{\url{A}, \url{B}}``)
_INSERTED_PRINT_RE = re.compile(
    rf"\{{(?:\[\\url\{{{_LINK}\}}\]|\\url\{{{_LINK}\}}(?:, \\url\{{{_LINK}\}})*)\}}"
)
# a printed link after a URL in a text field, or appended by earlier versions
_INLINE_RE = re.compile(rf" \[\\url\{{{_LINK}\}}(?:, \\url\{{{_LINK}\}})*\]")
# the printed copy at the start of a print field: inside its delimiter, or before a macro
_PREFIX_RE = re.compile(rf"\[\\url\{{{_LINK}\}}\] ")
_PREFIX_PIECE_RE = re.compile(rf"\{{\[\\url\{{{_LINK}\}}\] \}} # ")
# appended by earlier versions after a macro or concatenation
_LEGACY_SUFFIX_RE = re.compile(rf" # \{{ \[\\url\{{{_LINK}\}}(?:, \\url\{{{_LINK}\}})*\]\}}$")


def removal_edits(raw: str, spans: EntrySpans) -> list[Edit]:
    """The edits that undo :func:`permify.formats.bibtex.write.entry_edits` on one entry.

    Removed: the fields permify adds at the end of an entry (``perma`` in the form permify
    writes it, a new print field holding only the printed copy, the archive fields of the
    last field before them); ``F-perma``/``F-perma-N`` fields right after field ``F``; the
    `` [\\url{PERMA}]`` after URLs in text fields; the printed copy at the start of a print
    field. A hand-written ``perma`` that is not last in its entry stays.
    """
    fields = spans.fields

    def value(f: FieldSpan) -> str:
        return raw[f.value_start : f.value_end]

    edits: list[Edit] = []
    first_added = _trailing_run(raw, fields)
    if first_added < len(fields):
        prev, last = fields[first_added - 1], fields[-1]
        if last.comma >= 0 and prev.comma >= 0:
            edits.append(Edit(prev.comma + 1, last.comma + 1, ""))
        elif last.comma < 0 and prev.comma == prev.value_end:
            edits.append(Edit(prev.value_end, last.value_end, ""))
        else:
            first_added = len(fields)
    for j in range(1, first_added):
        f, prev = fields[j], fields[j - 1]
        if prev.comma >= 0 and f.comma >= 0 and _archive_of(raw, f, fields[: j]):
            edits.append(Edit(prev.comma + 1, f.comma + 1, ""))
    for f in fields[:first_added]:
        name = f.name.lower()
        if name not in TEXT_FIELDS:
            continue
        text = value(f)
        if name in PRINT_FIELDS:
            if len(f.pieces) == 1 and f.pieces[0].kind != "bare":
                m = _PREFIX_RE.match(text, 1)
            else:
                m = _PREFIX_PIECE_RE.match(text)
            if m:
                edits.append(Edit(f.value_start + m.start(), f.value_start + m.end(), ""))
        limit = len(text)
        legacy = _LEGACY_SUFFIX_RE.search(text) if text.endswith("]}") else None
        if legacy:
            limit = legacy.start()
            edits.append(Edit(f.value_start + legacy.start(), f.value_end, ""))
        edits.extend(Edit(f.value_start + m.start(), f.value_start + m.end(), "")
                     for m in _INLINE_RE.finditer(text, 0, limit))
    return edits


def _trailing_run(raw: str, fields: tuple[FieldSpan, ...]) -> int:
    """Index of the first of the fields permify added at the end of the entry (len: none)."""
    i = len(fields)

    def value(f: FieldSpan) -> str:
        return raw[f.value_start : f.value_end]

    has_print = (i >= 3 and fields[i - 1].name.lower() in PRINT_FIELDS
                 and _INSERTED_PRINT_RE.fullmatch(value(fields[i - 1])) is not None)
    at = i - 1 if has_print else i
    if at >= 2 and fields[at - 1].name.lower() == PERMA_FIELD:
        perma = value(fields[at - 1])
        if _INSERTED_LINK_RE.fullmatch(perma) or _LEGACY_PERMA_RE.fullmatch(perma):
            at -= 1
        else:
            return i
    elif has_print:
        return i  # a note that looks like a printed copy, with no perma before it: the user's
    while at >= 2 and _archive_of(raw, fields[at - 1], fields[: at - 1]):
        at -= 1
    return at


def _archive_of(raw: str, f: FieldSpan, before: tuple[FieldSpan, ...]) -> bool:
    """Whether ``f`` is an archive field permify wrote for the field(s) just before it."""
    if not before:
        return False
    of = archive_field_of(f.name)
    if of is None or not _INSERTED_LINK_RE.fullmatch(raw[f.value_start : f.value_end]):
        return False
    for prev in reversed(before):  # skip the archive fields of the same field's other URLs
        prev_of = archive_field_of(prev.name)
        if prev_of is None:
            return prev.name.lower() == of[0]
        if prev_of[0] != of[0]:
            return False
    return False
