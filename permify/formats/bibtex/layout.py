"""Where and how a new field goes into an existing BibTeX entry, and how to take it out again.

The inserted text copies the entry's own layout: the indentation of its field lines, the
column its ``=`` signs (or its values) are aligned to, its trailing-comma habit and its line
ending. One-line entries stay on one line. :func:`removal_edits` recognises exactly what
:func:`insertion_edits` wrote, which gives the "remove the insertions, get the input back"
guarantee (:func:`permify.formats.bibtex.adapter.strip_perma_fields`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple, TypeVar

from ...urls import PERMA_URL_RE
from .scan import EntrySpans, FieldSpan, ScanError, scan_entry

_T = TypeVar("_T")

__all__ = ["Edit", "Layout", "field_text", "insertion_edits", "layout_of", "perma_value", "removal_edits"]


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


def perma_value(pairs: list[tuple[str, str]]) -> str:
    """The ``perma`` field content for ``(url, perma link)`` pairs with distinct links.

    One link: just the link. Several: ``url link; url link`` so each archive names its URL.
    """
    if len(pairs) == 1:
        return pairs[0][1]
    return "; ".join(f"{url} {link}" for url, link in pairs)


def _printed(links: list[str]) -> str:
    if len(links) == 1:
        return "\\url{" + links[0] + "}"
    return ", ".join(f"\\url{{{link}}}" for link in links)


def insertion_edits(
    raw: str, pairs: list[tuple[str, str]], print_field: str | None, print_value: str | None, offset: int = 0
) -> list[Edit]:
    """The edits that add ``perma`` (and the printed copy in ``print_field``) to one entry.

    ``print_value`` is the raw value (as bibtexparser read it) of the entry's first
    ``print_field`` field, or None when it has none; a missing print field is added after
    ``perma``, an existing one gets `` [\\url{link}]`` appended inside its delimiters, or
    `` # { [\\url{link}]}`` when its value is a macro or a ``#`` concatenation (the macro
    itself is never rewritten). The edits' offsets are into ``raw`` plus ``offset``.
    Raises :class:`ScanError` if the entry's text is not what bibtexparser reported.
    """
    layout = layout_of(raw)
    perma = field_text(layout, "perma", "{" + perma_value(pairs) + "}")
    added = ""  # a new print field, when the entry has none
    edits: list[Edit] = []
    if print_field is not None:
        printed = _printed([link for _, link in pairs])
        if print_value is None:
            added = field_text(layout, print_field, "{" + printed + "}")
        else:
            if not print_value:  # "note = ," is not BibTeX; there is nowhere sane to append
                raise ScanError(f"empty {print_field} value")
            end = offset + _value_end(raw, print_field, print_value)
            if "#" not in print_value and print_value[0] in "{\"":
                edits.append(Edit(end - 1, end - 1, f" [{printed}]"))
            else:
                edits.append(Edit(end, end, f" # {{ [{printed}]}}"))
    at = len(raw.rstrip()) - 1  # the closing delimiter
    while raw[at - 1].isspace():  # raw[:at].rstrip(), without copying the entry
        at -= 1
    sep = layout.sep
    if raw[at - 1] == ",":  # the entry ends its last field with a comma: so do we
        new = sep + perma + "," + (sep + added + "," if added else "")
    else:
        new = "," + sep + perma + ("," + sep + added if added else "")
    edits.append(Edit(offset + at, offset + at, new))
    return edits


def _value_end(raw: str, name: str, value: str) -> int:
    """Where field ``name`` (whose raw value is ``value``) ends in ``raw``.

    The first place where ``value`` follows ``[,{(] name =`` (spaces allowed, any case):
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
    pos = at
    while pos > 0 and raw[pos - 1].isspace():
        pos -= 1
    if pos == 0 or raw[pos - 1] != "=":
        return False
    pos -= 1
    while pos > 0 and raw[pos - 1].isspace():
        pos -= 1
    start = pos - len(name)
    if start < 1 or raw[start:pos].lower() != name:
        return False
    while start > 0 and raw[start - 1].isspace():
        start -= 1
    return start > 0 and raw[start - 1] in ",{("


def _value_end_by_pattern(raw: str, name: str, value: str) -> int:
    """:func:`_value_end` by a search for the name (for a value that starts with a space)."""
    for m in re.finditer(rf"[,{{(]\s*{re.escape(name)}\s*=\s*", raw, re.IGNORECASE):
        if raw.startswith(value, m.end()):
            return m.end() + len(value)
    for f in scan_entry(raw).fields:  # an unusual layout: scan it properly
        if f.name.lower() == name:
            return f.value_end
    raise ScanError(f"field {name} not found")


_LINK = PERMA_URL_RE.pattern
_INSERTED_PERMA_RE = re.compile(rf"\{{(?:{_LINK}|\S+ {_LINK}(?:; \S+ {_LINK})+)\}}")
_INSERTED_PRINT_RE = re.compile(rf"\{{\\url\{{{_LINK}\}}(?:, \\url\{{{_LINK}\}})*\}}")


def removal_edits(raw: str, spans: EntrySpans) -> list[Edit]:
    """The edits that undo :func:`insertion_edits` on one entry (none if it has no insertion).

    Only a ``perma`` field in the inserted form, placed last (or just before an inserted
    printed copy), is removed; a hand-written ``perma`` elsewhere in the entry stays.
    """
    fields = spans.fields

    def value(f: FieldSpan) -> str:
        return raw[f.value_start : f.value_end]

    count = 0
    if len(fields) >= 2 and fields[-1].name.lower() == "perma":
        count = 1
    elif (len(fields) >= 3 and fields[-1].name.lower() in ("note", "addendum")
          and fields[-2].name.lower() == "perma"
          and _INSERTED_PRINT_RE.fullmatch(value(fields[-1]))):
        count = 2
    if not count or not _INSERTED_PERMA_RE.fullmatch(value(fields[-count])):
        return []
    links = [m.group(0) for m in PERMA_URL_RE.finditer(value(fields[-count]))]
    if count == 2 and [m.group(0) for m in PERMA_URL_RE.finditer(value(fields[-1]))] != links:
        return []
    prev, last = fields[-count - 1], fields[-1]
    if last.comma >= 0:
        if prev.comma < 0:
            return []
        edits = [Edit(prev.comma + 1, last.comma + 1, "")]
    else:
        if prev.comma != prev.value_end:
            return []
        edits = [Edit(prev.value_end, last.value_end, "")]
    if count == 1:
        suffix = f" [{_printed(links)}]"
        for f in fields[:-1]:
            if f.name.lower() not in ("note", "addendum"):
                continue
            text = value(f)
            if len(f.pieces) == 1 and f.pieces[0].kind != "bare" and text[:-1].endswith(suffix):
                end = f.value_end - 1
                edits.append(Edit(end - len(suffix), end, ""))
                break
            appended = f" # {{{suffix}}}"
            if text.endswith(appended):
                edits.append(Edit(f.value_end - len(appended), f.value_end, ""))
                break
    return edits
