"""The edits that record an entry's new Perma links, in the entry's own layout.

Where each archive goes (docs/bibtex.md, "How links are inserted"):

- the entry's primary URL: ``perma = {https://perma.cc/GUID}`` after the last field, and,
  when that URL is the ``url`` field's, a printed copy ``[\\url{https://perma.cc/GUID}]`` at the
  start of the print field (``note`` or ``addendum``; a new field when there is none);
- any other URL of a URL field ``F``: ``F-perma = {...}`` (``F-perma-2``... for its second
  URL...) right after ``F``;
- a URL printed inside a text field (``note``, ``howpublished``...): `` [\\url{...}]`` right
  after that URL (after its ``\\url{}``, or its ``\\href{}{}`` text).

:func:`removal_edits` in :mod:`.layout` recognises all of it.
"""

from __future__ import annotations

from typing import NamedTuple

from ...urls import is_perma_link
from .fields import PERMA_FIELD, archive_field_name
from .layout import Edit, Layout, field_text, layout_of, value_end
from .scan import ScanError, scan_value
from .values import urls_in_text

__all__ = ["EntryLinks", "entry_edits", "printed"]


def printed(link: str) -> str:
    """How a Perma link is printed: ``[\\url{link}]``."""
    return "[\\url{" + link + "}]"


class EntryLinks(NamedTuple):
    """What one entry gets.

    ``primary``: the primary URL's link (None when it gets none). ``print_field``: where its
    printed copy goes (None: no printed copy). ``fields``: ``(field name, its raw value,
    position, link)`` for the other URLs of URL fields. ``inline``: ``(field name, its raw
    value, position, written, link, end)`` for the URLs of text fields (``end``: where the URL
    ends in the raw value, when parsing found it there; see :class:`~.read.Slot`).
    """

    primary: str | None
    print_field: str | None
    print_value: str | None
    fields: list[tuple[str, str, int, str]]
    inline: list[tuple[str, str, int, str, str, int | None]]


def entry_edits(raw: str, links: EntryLinks, offset: int = 0) -> list[Edit]:
    """The edits for one entry (offsets into ``raw`` plus ``offset``).

    Raises :class:`ScanError` if the entry's text is not what bibtexparser reported.
    """
    layout = layout_of(raw)
    edits: list[Edit] = []
    at = len(raw.rstrip()) - 1  # the closing delimiter
    while raw[at - 1].isspace():  # raw[:at].rstrip(), without copying the entry
        at -= 1
    tail: list[str] = []  # new fields at the end of the entry, in order
    # most entries get only a perma field: the groups below are skipped without a call
    for name, value, lines in _field_groups(links.fields, layout) if links.fields else ():
        end = value_end(raw, name.lower(), value)
        after = end
        while after < at and raw[after].isspace():
            after += 1
        if after < at and raw[after] == ",":
            edits.append(Edit(offset + after + 1, offset + after + 1,
                              "".join(layout.sep + line + "," for line in lines)))
        else:  # the last field: its archive fields start the new tail
            tail.extend(lines)
    for name, value, where in _inline_ends(raw, links.inline) if links.inline else ():
        for end, text in where:
            edits.append(Edit(offset + end, offset + end, text))
        del name, value
    if links.primary is not None:
        tail.append(field_text(layout, PERMA_FIELD, "{" + links.primary + "}"))
        copy = _print_edit(raw, links, layout, offset)
        if isinstance(copy, Edit):
            edits.append(copy)
        elif copy is not None:
            tail.append(copy)
    if tail:
        sep = layout.sep
        if raw[at - 1] == ",":  # the entry ends its last field with a comma: so do we
            new = "".join(sep + line + "," for line in tail)
        else:
            new = "".join("," + sep + line for line in tail)
        edits.append(Edit(offset + at, offset + at, new))
    return edits


def _field_groups(fields: list[tuple[str, str, int, str]], layout: Layout) -> list[tuple[str, str, list[str]]]:
    """The archive fields to add after each URL field, by field (in the entry's order)."""
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for name, value, position, link in fields:
        groups.setdefault((name, value), []).append((position, link))
    return [
        (name, value, [field_text(layout, archive_field_name(name, pos), "{" + link + "}")
                       for pos, link in sorted(items)])
        for (name, value), items in groups.items()
    ]


def _print_edit(raw: str, links: EntryLinks, layout: Layout, offset: int) -> Edit | str | None:
    """The printed copy of the primary link: an edit of the print field, a new field, or None."""
    field, value, link = links.print_field, links.print_value, links.primary
    if field is None or link is None:
        return None
    if value is None:
        return field_text(layout, field, "{" + printed(link) + "}")
    if link in value or any(inline_link == link and name.lower() == field
                            for name, _, _, _, inline_link, _ in links.inline):
        return None  # the print field shows this Perma link already
    if not value:  # "note = ," is not BibTeX; there is nowhere sane to put it
        raise ScanError(f"empty {field} value")
    start = value_end(raw, field, value) - len(value)
    if "#" not in value and value[0] in "{\"":
        return Edit(offset + start + 1, offset + start + 1, printed(link) + " ")
    return Edit(offset + start, offset + start, "{" + printed(link) + " } # ")


def _inline_ends(
    raw: str, inline: list[tuple[str, str, int, str, str, int | None]]
) -> list[tuple[str, str, list[tuple[int, str]]]]:
    """Where each text-field URL's printed link goes: ``(field, value, [(offset, text)])``."""
    by_field: dict[tuple[str, str], list[tuple[int, str, str, int | None]]] = {}
    for name, value, position, written, link, url_end in inline:
        by_field.setdefault((name, value), []).append((position, written, link, url_end))
    out = []
    for (name, value), items in by_field.items():
        end = value_end(raw, name.lower(), value)
        start = end - len(value)
        located: dict[int, int]
        if "#" not in value and value[:1] in "{\"":
            # parsing found each URL's end in the value (the same URLs, numbered the same way)
            located = {pos: start + url_end for pos, _, _, url_end in items if url_end is not None}
        else:  # a concatenation: the URLs of its delimited pieces, matched by how they are written
            located = _concatenated(raw, start, items)
        where = []
        for position, _written, link, _ in items:
            at = located.get(position)
            if at is None:  # inside a macro: after the whole value, if it is the field's only URL
                if len(items) != 1:
                    continue
                where.append((end, " # { " + printed(link) + "}"))
            else:
                where.append((at, " " + printed(link)))
        out.append((name, value, where))
    return out


def _concatenated(raw: str, start: int, items: list[tuple[int, str, str, int | None]]) -> dict[int, int]:
    """Position -> raw end offset, for the URLs of a ``#`` value found in its delimited pieces."""
    pieces, _ = scan_value(raw, start)
    found: list[tuple[str, int]] = []
    for piece in pieces:
        if piece.kind != "bare":
            inner = raw[piece.start + 1 : piece.end - 1]
            found.extend((u.written, piece.start + 1 + u.end) for u in urls_in_text(inner)
                         if not is_perma_link(u.url))
    located: dict[int, int] = {}
    for position, written, _, _ in items:
        matches = [end for w, end in found if w == written]
        if len(matches) == 1:
            located[position] = matches[0]
    return located
