"""Reference managers in a Word story: Zotero, Mendeley, EndNote, Citavi, RefWorks, Papers.

A reference manager writes a citation or a bibliography as an ``ADDIN`` field (a complex
field or a ``w:fldSimple``) or as a tagged content control (``w:sdt``: Mendeley Cite). The
URLs its result shows are cited (kind ``reference-manager``) but have no place to edit: the
manager would undo an edit on its next refresh. Each carries a note telling the user to add
the Perma link in the reference manager, and a warning says so.

The paragraph walk (:mod:`permify.formats.docx.scan`) calls in here when it meets such a
field or control; the state it shares is :class:`~permify.formats.docx.hits.Para` and the
stack of open :class:`~permify.formats.docx.hits.Frame`.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ...urls import find_urls
from .hits import Frame, Hit, Para
from .xml import W_INSTRTEXT, W_VAL, w

__all__ = [
    "MANAGER_ADVICE", "control_manager", "flush_manager", "manage_paragraph", "managed_control",
    "manager", "manager_hits", "manager_note", "open_manager", "sdt_manager",
]

#: the paragraph walk: ``walk(element, para, fields, where, masked)``
Walk = Callable[[etree._Element, Para, list[Frame], str, bool], None]

_MANAGERS = (
    ("ZOTERO", "Zotero"), ("MENDELEY", "Mendeley"), ("CSL_CITATION", "Mendeley"),
    ("EN.CITE", "EndNote"), ("EN.REFLIST", "EndNote"), ("CITAVI", "Citavi"),
    ("RW.CITE", "RefWorks"), ("RW.BIB", "RefWorks"), ("PAPERS2", "Papers"),
)
# Content-control tags (``w:sdt/w:sdtPr/w:tag/@w:val``) of reference managers that write a
# citation as a content control instead of a field: Mendeley Cite (``MENDELEY_CITATION_v3_…``,
# ``MENDELEY_BIBLIOGRAPHY``), Citavi (``CitaviPlaceholder#…``, around an ADDIN field), Zotero.
_CONTROL_TAGS = (("MENDELEY_", "Mendeley"), ("CITAVIPLACEHOLDER", "Citavi"), ("ZOTERO_", "Zotero"))
#: what the user must do for a URL a reference-manager field shows (the report adds the link)
MANAGER_ADVICE = "add this Perma link to the item in your reference manager"
_W_SDTPR, _W_TAG = w("sdtPr"), w("tag")


def manager_note(name: str) -> str:
    """The note of a URL shown by a ``name`` (Zotero, Mendeley, EndNote) citation field: it is
    archived, but the field is not edited, because the reference manager would undo the edit
    on its next refresh."""
    return f"shown by a reference-manager field ({name}), which permify does not edit: {MANAGER_ADVICE}"


def manager(instr: str) -> str | None:
    """The reference manager behind an ``ADDIN`` field, or None for other fields."""
    text = instr.strip().upper()
    if not text.startswith("ADDIN"):
        return None
    for key, name in _MANAGERS:
        if key in text:
            return name
    return "ADDIN"


def control_manager(tag: str | None) -> str | None:
    """The reference manager behind a content control with this ``w:tag``, or None."""
    text = (tag or "").upper()
    for prefix, name in _CONTROL_TAGS:
        if text.startswith(prefix):
            return name
    return None


def sdt_manager(sdt: etree._Element) -> str | None:
    """The reference manager of content control ``sdt`` (by its tag), or None."""
    pr = sdt.find(_W_SDTPR)
    tag = pr.find(_W_TAG) if pr is not None else None
    return control_manager(tag.get(W_VAL)) if tag is not None else None


def open_manager(fields: list[Frame]) -> Frame | None:
    """The innermost reference-manager field whose result is being read, if any."""
    for f in reversed(fields):
        if f.separated and manager("".join(f.instr)):
            return f
    return None


def _warn_managed(warn: Callable[[str], None], name: str, url: str, where: str) -> None:
    warn(f"{where}: a reference-manager field ({name}) shows {url}; it is archived, "
         f"but the field is not edited: {MANAGER_ADVICE} (the report gives the link)")


def manage_paragraph(hits: list[Hit], name: str, where: str, warn: Callable[[str], None]) -> None:
    """The hits of a paragraph inside a manager's block-level content control: cited, never
    edited."""
    for h in hits:
        h.kind, h.anchors, h.note = "reference-manager", [], manager_note(name)
        _warn_managed(warn, name, h.url, where)


def manager_hits(name: str, para: Para, start: int, result: str, links: list[str], where: str,
                 warn: Callable[[str], None]) -> None:
    """Cite the URLs a reference-manager field's ``result`` shows (it began at ``start`` of
    the paragraph's text), and those of hyperlinks inside it. They have nowhere to edit:
    each carries the note to add the Perma link in the reference manager."""
    note = manager_note(name)
    # located by search in the paragraph's text: a tab or break inside the result reads as
    # a space there and is missing from ``result``
    text, cursor = "".join(para.full), start
    found = []
    for m in find_urls(result):
        begin = text.find(m.url, cursor)
        if begin < 0:
            found.append((para.pos, para.pos, m.url))
            continue
        cursor = begin + len(m.url)
        found.append((begin, cursor, m.url))
    shown = {url for _s, _e, url in found}
    found += [(para.pos, para.pos, url) for url in links if url not in shown]
    for begin, end, url in found:
        para.hits.append(Hit(url, "reference-manager", where, begin, end, [], note=note))
        _warn_managed(warn, name, url, where)


def flush_manager(fields: list[Frame], para: Para, where: str, warn: Callable[[str], None]) -> None:
    """At the end of a paragraph inside a reference-manager field's result (a bibliography
    of many paragraphs), cite the URLs this paragraph shows, located here."""
    top = fields[-1]
    if not top.separated or (top.flushed == len(top.result) and not top.links):
        return
    name = manager("".join(top.instr))
    if not name or any(f.separated for f in fields[:-1]):
        return
    start = top.result_start if top.para is para.p else 0
    manager_hits(name, para, start, "".join(top.result[top.flushed:]), top.links, where, warn)
    top.flushed, top.links = len(top.result), []


def managed_control(el: etree._Element, para: Para, fields: list[Frame], where: str, masked: bool,
                    walk: Walk, warn: Callable[[str], None]) -> None:
    """A reference manager's inline content control (Mendeley Cite): read (by ``walk``) like
    the result of an ADDIN field, so its URLs are cited but never edited."""
    if next(el.iter(W_INSTRTEXT), None) is not None:
        walk(el, para, fields, where, masked)  # a field inside (Citavi): read as a field
        return
    name = sdt_manager(el) or "ADDIN"
    frame = Frame(instr=[f"ADDIN {name}"], separated=True, para=para.p, result_start=para.pos)
    fields.append(frame)
    try:
        walk(el, para, fields, where, masked)
    finally:
        fields.remove(frame)
    if not masked and not any(f.separated for f in fields):
        manager_hits(name, para, frame.result_start, "".join(frame.result), frame.links, where, warn)
