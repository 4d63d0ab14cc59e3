"""Finding cited URLs in one WordprocessingML story part, with what is needed to edit there.

A *story* is a flow of paragraphs: the body, one footnote, one endnote, one comment, a header,
a footer, or a text box. Paragraphs are scanned in document order. A paragraph's text is the
joined ``w:t`` of its *own* runs (runs whose nearest paragraph is this one), because Word splits
runs at every formatting, spell-check and revision boundary. Four forms are found:

``hyperlink``  ``w:hyperlink`` with an external relationship in the part's own ``.rels``;
``fldSimple``  ``w:fldSimple w:instr="HYPERLINK ..."``;
``field-code`` a complex field (``fldChar`` begin/separate/end, the instruction joined across
               runs and paragraphs of the same story);
``text``       a plain URL in the text, possibly split across runs.

Deleted and moved-from text (``w:del``, ``w:moveFrom``) is never read. Inserted text (``w:ins``)
is live. Field results are never scanned as text (editing them is undone by a field update);
reference-manager fields (``ADDIN``: Zotero, Mendeley, EndNote) are reported as warnings.
Text boxes exist twice (``mc:Choice`` and ``mc:Fallback``): the Choice copy is scanned and the
Fallback copy's matching places are attached to the same hit, so one URL counts once and both
copies get the same edit.

Speed: paragraphs that cannot hold a citation (:func:`~permify.formats.docx.paragraphs.live_paragraphs`,
found in C) are only counted, and text-box bookkeeping is skipped in parts without text boxes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from lxml import etree

from ...urls import find_urls, is_perma_link
from ..base import context_around
from .fields import HTTP_RE, MANAGER_ADVICE, hyperlink_field_target, manager, title
from .paragraphs import first_run, first_txbx, owner, text_boxes
from .xml import (
    MC_ALT,
    MC_CHOICE,
    MC_FALLBACK,
    R_ID,
    W_FLDCHAR,
    W_FLDSIMPLE,
    W_HYPERLINK,
    W_INSTRTEXT,
    W_P,
    W_R,
    W_RPR,
    W_T,
    w,
)

__all__ = ["Anchor", "Hit", "StoryScanner"]

# Elements whose children are runs or run-level content of the same paragraph.
_CONTAINERS = frozenset(
    w(n)
    for n in ("ins", "moveTo", "smartTag", "sdt", "sdtContent", "customXml", "bdo", "dir")
) | {MC_CHOICE}
# Run content that shows as a gap in the text: a URL never runs across it.
_GAPS = frozenset(
    w(n)
    for n in (
        "tab", "br", "cr", "footnoteReference", "endnoteReference", "commentReference",
        "footnoteRef", "endnoteRef", "annotationRef", "noBreakHyphen", "softHyphen", "sym",
        "drawing", "pict", "object", "ptab",
    )
) | {MC_ALT}
_BETWEEN_URL_AND_ARCHIVE = re.compile(r"\s*[\[(]?\s*")
_W_ANCHOR, _W_INSTR, _W_FLDCHARTYPE = w("anchor"), w("instr"), w("fldCharType")
@dataclass(slots=True)
class Anchor:
    """One place to insert a Perma link: after ``after``, or inside ``t`` at ``offset``."""

    para: etree._Element
    pos: int
    after: etree._Element | None = None
    t: etree._Element | None = None
    offset: int = 0
    fmt: etree._Element | None = None
    from_link: bool = False


@dataclass(slots=True)
class Hit:
    """A URL found in a story, with every place (one, or two for a text box) to edit."""

    url: str
    kind: str
    location: str
    start: int
    end: int
    anchors: list[Anchor]
    title: str | None = None
    existing: str | None = None
    in_textbox: bool = False
    consumed: bool = False
    context: str = ""


@dataclass(slots=True)
class _Frame:
    """An open complex field."""

    instr: list[str] = field(default_factory=list)
    separated: bool = False
    para: etree._Element | None = None
    result_start: int = 0
    result: list[str] = field(default_factory=list)
    fmt: etree._Element | None = None
    begin_run: etree._Element | None = None


class _Para:
    """The text of one paragraph as it is built: full text, detection text, pieces, hits."""

    __slots__ = ("det", "full", "hits", "p", "pieces", "pos")

    def __init__(self, p: etree._Element) -> None:
        self.p = p
        self.full: list[str] = []
        self.det: list[str] = []
        self.pos = 0
        self.pieces: list[tuple[int, int, etree._Element, etree._Element]] = []
        self.hits: list[Hit] = []

    def add(self, text: str, masked: bool) -> int:
        start = self.pos
        self.full.append(text)
        self.det.append(" " * len(text) if masked else text)
        self.pos += len(text)
        return start


class StoryScanner:
    """Scans the stories of one part. ``warn`` receives warnings for the user.

    ``live`` (from :func:`live_paragraphs`) lets the scan skip the other paragraphs;
    ``boxes=False`` says the part has no text box or ``mc:Fallback`` (no ``txbxContent`` or
    ``Fallback`` in its bytes), so no paragraph needs its owner checked.
    """

    def __init__(
        self, targets: dict[str, tuple[str, str, bool]], warn: Callable[[str], None],
        live: Container[etree._Element] | None = None, boxes: bool = True,
    ) -> None:
        self.targets = targets
        self.warn = warn
        self.live = live
        self.boxes = boxes

    # ------------------------------------------------------------------ stories
    def scan_story(
        self, container: etree._Element, location: Callable[[int], str], textbox: bool = False
    ) -> list[Hit]:
        """Every hit in ``container``'s own paragraphs (and its text boxes), in order.

        ``location(n)`` names the n-th (1-based) own paragraph for people.
        """
        hits: list[Hit] = []
        fields: list[_Frame] = []
        n = 0
        live, boxes = self.live, self.boxes
        for p in container.iter(W_P):
            if boxes and owner(p, container) is not container:
                continue
            n += 1
            if live is not None and not fields and p not in live:
                continue  # no link, field or colon: nothing to find
            where = location(n)
            para = self._scan_paragraph(p, fields, where, textbox)
            if para:
                hits.extend(para)
            if boxes:
                for alt_or_box in text_boxes(p):
                    hits.extend(self._scan_text_box(alt_or_box, f"text box in {where}"))
        return hits

    def _scan_text_box(self, el: etree._Element, where: str) -> list[Hit]:
        if el.tag != MC_ALT:
            return self.scan_story(el, lambda _n: where, textbox=True)
        choice = el.find(MC_CHOICE)
        fallback = el.find(MC_FALLBACK)
        main = first_txbx(choice) if choice is not None else None
        twin = first_txbx(fallback) if fallback is not None else None
        if main is None and twin is not None:
            main, twin = twin, None
        if main is None:
            return []
        hits = self.scan_story(main, lambda _n: where, textbox=True)
        if twin is not None:
            twins = StoryScanner(self.targets, lambda _msg: None, self.live, self.boxes).scan_story(
                twin, lambda _n: where, textbox=True
            )
            if [h.url for h in twins] == [h.url for h in hits]:
                for hit, other in zip(hits, twins, strict=True):
                    hit.anchors.extend(other.anchors)
            elif twins:
                self.warn(f"{where}: the text box's two copies differ; only the first is edited")
        return hits

    # ------------------------------------------------------------------ paragraphs
    def _scan_paragraph(
        self, p: etree._Element, fields: list[_Frame], where: str, textbox: bool
    ) -> list[Hit]:
        para = _Para(p)
        self._walk(p, para, fields, where, masked=False)
        det = "".join(para.det)
        hits = para.hits
        if "://" in det:  # find_urls needs a scheme
            pieces = para.pieces
            for m in find_urls(det):
                start_piece = _piece_at(pieces, m.start)
                end_piece = _piece_at(pieces, m.end - 1)
                if start_piece is None or end_piece is None:
                    continue
                anchor = Anchor(
                    p, m.end, t=end_piece[2], offset=m.end - end_piece[0], fmt=start_piece[3]
                )
                hits.append(Hit(m.url, "text", where, m.start, m.end, [anchor]))
        if not hits:
            return hits
        if len(hits) > 1:
            hits.sort(key=lambda h: (h.start, h.end))
        perma = [is_perma_link(h.url) for h in hits]
        if any(perma):
            full = "".join(para.full)
            last = len(hits) - 1
            for i, hit in enumerate(hits):
                if perma[i] or hit.consumed or i == last or not perma[i + 1]:
                    continue
                nxt = hits[i + 1]
                if nxt.start >= hit.end:
                    gap = _BETWEEN_URL_AND_ARCHIVE.match(full, hit.end)
                    if gap is not None and gap.end() >= nxt.start:
                        hit.existing = nxt.url
                        nxt.consumed = True
            hits = [h for h in hits if not h.consumed]
        if textbox:
            for h in hits:
                h.in_textbox = True
        shown = "".join(para.full)  # the paragraph as the reader sees it, for reports
        for h in hits:
            h.context = context_around(shown, h.start, h.end)
        return hits

    def _walk(
        self, el: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        for child in el:
            tag = child.tag
            if tag == W_R:
                # A run's text, inlined: runs are most of a story, and a call each adds up.
                for item in child:
                    tag = item.tag
                    if tag == W_T:
                        text = item.text or ""
                        start = para.pos
                        para.pos = start + len(text)
                        para.full.append(text)
                        if fields and any(f.separated for f in fields):  # a field result
                            para.det.append(" " * len(text))
                            top = fields[-1]
                            top.result.append(text)
                            if top.fmt is None:
                                top.fmt = child
                        elif masked:
                            para.det.append(" " * len(text))
                        else:
                            para.det.append(text)
                            para.pieces.append((start, para.pos, item, child))
                    elif tag == W_RPR:
                        continue
                    elif tag == W_INSTRTEXT:
                        if fields and not fields[-1].separated:
                            fields[-1].instr.append(item.text or "")
                    elif tag == W_FLDCHAR:
                        self._fld_char(item.get(_W_FLDCHARTYPE), child, para, fields, where, masked)
                    elif tag in _GAPS:  # a tab, break, note mark, drawing...
                        para.add(" ", True)
            elif tag == W_HYPERLINK:
                self._hyperlink(child, para, fields, where, masked)
            elif tag == W_FLDSIMPLE:
                self._fld_simple(child, para, fields, where, masked)
            elif tag in _CONTAINERS:
                self._walk(child, para, fields, where, masked)
            elif tag == MC_ALT:
                choice = child.find(MC_CHOICE)
                if choice is not None:
                    self._walk(choice, para, fields, where, masked)
            # anything else (pPr, bookmarks, w:del, w:moveFrom, proofErr...) holds no live text

    def _hyperlink(
        self, el: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        start, first = para.pos, len(para.full)
        self._walk(el, para, fields, where, masked=True)
        target = self.targets.get(el.get(R_ID) or "")
        if target is None or not target[2]:
            return  # an internal anchor (bookmark) or a broken id: not a citation
        url = target[1]
        anchor_name = el.get(_W_ANCHOR)
        if anchor_name and "#" not in url:
            url = f"{url}#{anchor_name}"
        if not HTTP_RE.match(url):
            return
        name = _open_manager(fields)
        if name:
            self.warn(f"{where}: a {name} field shows a link to {url}; {MANAGER_ADVICE}")
            return
        if masked:
            return
        self._link_hit(para, url, "hyperlink", where, start, first, el)

    @staticmethod
    def _link_hit(para: _Para, url: str, kind: str, where: str, start: int, first: int, el: etree._Element) -> None:
        """Record a link-like citation (a hyperlink or a simple field) whose display text began at ``first``."""
        para.hits.append(
            Hit(url, kind, where, start, para.pos,
                [Anchor(para.p, para.pos, after=el, fmt=first_run(el), from_link=True)],
                title=title("".join(para.full[first:]), url))
        )

    def _fld_simple(
        self, el: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        start, first = para.pos, len(para.full)
        self._walk(el, para, fields, where, masked=True)
        instr = el.get(_W_INSTR) or ""
        name = manager(instr)
        if name:
            self._warn_manager(name, "".join(para.full[first:]), where)
            return
        url = hyperlink_field_target(instr)
        if url is None or masked or _open_manager(fields):
            return
        self._link_hit(para, url, "fldSimple", where, start, first, el)

    def _fld_char(
        self, kind: str | None, r: etree._Element, para: _Para, fields: list[_Frame],
        where: str, masked: bool,
    ) -> None:
        if kind == "begin":
            fields.append(_Frame(begin_run=r))
        elif kind == "separate" and fields:
            fields[-1].separated = True
            fields[-1].para = para.p
            fields[-1].result_start = para.pos
        elif kind == "end" and fields:
            frame = fields.pop()
            instr = "".join(frame.instr)
            result = "".join(frame.result)
            name = manager(instr)
            if name:
                self._warn_manager(name, result, where)
                return
            url = hyperlink_field_target(instr)
            if url is None or masked or any(f.separated for f in fields):
                return
            start = frame.result_start if frame.para is para.p else 0
            fmt = frame.fmt if frame.fmt is not None else frame.begin_run
            para.hits.append(
                Hit(url, "field-code", where, start, para.pos,
                    [Anchor(para.p, para.pos, after=r, fmt=fmt, from_link=True)],
                    title=title(result, url))
            )

    def _warn_manager(self, name: str, text: str, where: str) -> None:
        for m in find_urls(text):
            self.warn(f"{where}: a {name} citation field shows {m.url}; {MANAGER_ADVICE}")


def _open_manager(fields: list[_Frame]) -> str | None:
    for f in fields:
        if f.separated:
            name = manager("".join(f.instr))
            if name:
                return name
    return None


def _piece_at(
    pieces: list[tuple[int, int, etree._Element, etree._Element]], offset: int
) -> tuple[int, int, etree._Element, etree._Element] | None:
    for piece in pieces:
        if piece[0] <= offset < piece[1]:
            return piece
    return None
