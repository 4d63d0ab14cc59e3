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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from ..urls import find_urls, is_perma_link
from .docx_package import NS, R, W

__all__ = ["Anchor", "Hit", "StoryScanner", "hyperlink_field_target"]

_W = "{" + W + "}"
_MC = "{" + NS["mc"] + "}"
W_P, W_R, W_T = _W + "p", _W + "r", _W + "t"
W_HYPERLINK, W_FLDSIMPLE, W_FLDCHAR, W_INSTRTEXT = (
    _W + "hyperlink", _W + "fldSimple", _W + "fldChar", _W + "instrText"
)
W_TXBX = _W + "txbxContent"
W_DEL, W_MOVEFROM = _W + "del", _W + "moveFrom"
MC_ALT, MC_CHOICE, MC_FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
R_ID = "{" + R + "}id"

# Elements whose children are runs or run-level content of the same paragraph.
_CONTAINERS = frozenset(
    _W + n
    for n in ("ins", "moveTo", "smartTag", "sdt", "sdtContent", "customXml", "bdo", "dir")
) | {MC_CHOICE}
# Run content that shows as a gap in the text: a URL never runs across it.
_GAPS = frozenset(
    _W + n
    for n in (
        "tab", "br", "cr", "footnoteReference", "endnoteReference", "commentReference",
        "footnoteRef", "endnoteRef", "annotationRef", "noBreakHyphen", "softHyphen", "sym",
        "drawing", "pict", "object", "ptab",
    )
) | {MC_ALT}
_FIELD_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_BETWEEN_URL_AND_ARCHIVE = re.compile(r"\s*[\[(]?\s*")
_MANAGERS = (
    ("ZOTERO", "Zotero"), ("MENDELEY", "Mendeley"), ("CSL_CITATION", "Mendeley"),
    ("EN.CITE", "EndNote"), ("EN.REFLIST", "EndNote"),
)


def hyperlink_field_target(instr: str) -> str | None:
    """The external http(s) URL of a ``HYPERLINK`` field instruction, else None.

    ``HYPERLINK \\l "bookmark"`` (a link inside the document) and non-web targets give None.
    """
    tokens = [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
              for m in _FIELD_TOKEN.finditer(instr)]
    if not tokens or tokens[0][0].upper() != "HYPERLINK":
        return None
    url: str | None = None
    i = 1
    while i < len(tokens):
        tok, quoted = tokens[i]
        if not quoted and tok.startswith("\\"):
            i += 2 if tok[1:2].lower() in ("l", "o", "t") else 1  # these switches take a value
            continue
        if url is None:
            url = tok
        i += 1
    if url and re.match(r"https?://", url, re.IGNORECASE):
        return url
    return None


def _manager(instr: str) -> str | None:
    """The reference manager behind an ``ADDIN`` field, or None for other fields."""
    text = instr.strip().upper()
    if not text.startswith("ADDIN"):
        return None
    for key, name in _MANAGERS:
        if key in text:
            return name
    return "reference-manager"


@dataclass
class Anchor:
    """One place to insert a Perma link: after ``after``, or inside ``t`` at ``offset``."""

    para: etree._Element
    pos: int
    after: etree._Element | None = None
    t: etree._Element | None = None
    offset: int = 0
    fmt: etree._Element | None = None
    from_link: bool = False


@dataclass
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


@dataclass
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
    """Scans the stories of one part. ``warn`` receives warnings for the user."""

    def __init__(self, targets: dict[str, tuple[str, str, bool]], warn: Callable[[str], None]):
        self.targets = targets
        self.warn = warn

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
        for p in container.iter(W_P):
            if _owner(p, container) is not container:
                continue
            n += 1
            where = location(n)
            para = self._scan_paragraph(p, fields, where, textbox)
            hits.extend(para)
            for alt_or_box in _text_boxes(p):
                hits.extend(self._scan_text_box(alt_or_box, f"text box in {where}"))
        return hits

    def _scan_text_box(self, el: etree._Element, where: str) -> list[Hit]:
        if el.tag != MC_ALT:
            return self.scan_story(el, lambda _n: where, textbox=True)
        choice = el.find(MC_CHOICE)
        fallback = el.find(MC_FALLBACK)
        main = _first_txbx(choice) if choice is not None else None
        twin = _first_txbx(fallback) if fallback is not None else None
        if main is None and twin is not None:
            main, twin = twin, None
        if main is None:
            return []
        hits = self.scan_story(main, lambda _n: where, textbox=True)
        if twin is not None:
            twins = StoryScanner(self.targets, lambda _msg: None).scan_story(
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
        for m in find_urls(det):
            start_piece = _piece_at(para.pieces, m.start)
            end_piece = _piece_at(para.pieces, m.end - 1)
            if start_piece is None or end_piece is None:
                continue
            anchor = Anchor(
                p, m.end, t=end_piece[2], offset=m.end - end_piece[0], fmt=start_piece[3]
            )
            para.hits.append(Hit(m.url, "text", where, m.start, m.end, [anchor]))
        hits = sorted(para.hits, key=lambda h: (h.start, h.end))
        full = "".join(para.full)
        for i, hit in enumerate(hits):
            if is_perma_link(hit.url) or hit.consumed:
                continue
            nxt = hits[i + 1] if i + 1 < len(hits) else None
            if nxt is not None and is_perma_link(nxt.url) and nxt.start >= hit.end:
                gap = _BETWEEN_URL_AND_ARCHIVE.match(full, hit.end)
                if gap is not None and gap.end() >= nxt.start:
                    hit.existing = nxt.url
                    nxt.consumed = True
        out = [h for h in hits if not h.consumed]
        for h in out:
            h.in_textbox = textbox
        return out

    def _walk(
        self, el: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        for child in el:
            tag = child.tag
            if tag == W_R:
                self._run(child, para, fields, where, masked)
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
        start = para.pos
        self._walk(el, para, fields, where, masked=True)
        target = self.targets.get(el.get(R_ID) or "")
        if target is None or not target[2]:
            return  # an internal anchor (bookmark) or a broken id: not a citation
        url = target[1]
        anchor_name = el.get(_W + "anchor")
        if anchor_name and "#" not in url:
            url = f"{url}#{anchor_name}"
        if not re.match(r"https?://", url, re.IGNORECASE):
            return
        text = "".join(para.full)[start:]
        manager = _open_manager(fields)
        if manager:
            self.warn(f"{where}: a {manager} field shows a link to {url}; {_MANAGER_ADVICE}")
            return
        if masked:
            return
        para.hits.append(
            Hit(url, "hyperlink", where, start, para.pos,
                [Anchor(para.p, para.pos, after=el, fmt=el.find(".//" + W_R), from_link=True)],
                title=_title(text, url))
        )

    def _fld_simple(
        self, el: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        start = para.pos
        self._walk(el, para, fields, where, masked=True)
        instr = el.get(_W + "instr") or ""
        text = "".join(para.full)[start:]
        manager = _manager(instr)
        if manager:
            self._warn_manager(manager, text, where)
            return
        url = hyperlink_field_target(instr)
        if url is None or masked or _open_manager(fields):
            return
        para.hits.append(
            Hit(url, "fldSimple", where, start, para.pos,
                [Anchor(para.p, para.pos, after=el, fmt=el.find(".//" + W_R), from_link=True)],
                title=_title(text, url))
        )

    def _run(
        self, r: etree._Element, para: _Para, fields: list[_Frame], where: str, masked: bool
    ) -> None:
        for child in r:
            tag = child.tag
            if tag == W_T:
                text = child.text or ""
                in_result = any(f.separated for f in fields)
                start = para.add(text, masked or in_result)
                if in_result:
                    top = fields[-1]
                    top.result.append(text)
                    if top.fmt is None:
                        top.fmt = r
                elif not masked:
                    para.pieces.append((start, para.pos, child, r))
            elif tag in _GAPS:
                para.add(" ", True)
            elif tag == W_INSTRTEXT:
                if fields and not fields[-1].separated:
                    fields[-1].instr.append(child.text or "")
            elif tag == W_FLDCHAR:
                self._fld_char(child.get(_W + "fldCharType"), r, para, fields, where, masked)

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
            manager = _manager(instr)
            if manager:
                self._warn_manager(manager, result, where)
                return
            url = hyperlink_field_target(instr)
            if url is None or masked or any(f.separated for f in fields):
                return
            start = frame.result_start if frame.para is para.p else 0
            fmt = frame.fmt if frame.fmt is not None else frame.begin_run
            para.hits.append(
                Hit(url, "field-code", where, start, para.pos,
                    [Anchor(para.p, para.pos, after=r, fmt=fmt, from_link=True)],
                    title=_title(result, url))
            )

    def _warn_manager(self, manager: str, text: str, where: str) -> None:
        for m in find_urls(text):
            self.warn(f"{where}: a {manager} citation field shows {m.url}; {_MANAGER_ADVICE}")


_MANAGER_ADVICE = (
    "it is not archived, because the reference manager would undo the edit on its next "
    "refresh (add the Perma link to the item in the reference manager instead)"
)


def _open_manager(fields: list[_Frame]) -> str | None:
    for f in fields:
        if f.separated:
            manager = _manager("".join(f.instr))
            if manager:
                return manager
    return None


def _title(text: str, url: str) -> str | None:
    text = " ".join(text.split())
    return text if text and text != url else None


def _owner(p: etree._Element, container: etree._Element) -> etree._Element | None:
    """The nearest text box or ``container`` above ``p`` (None if it is in a Fallback copy)."""
    el = p.getparent()
    while el is not None and el is not container:
        if el.tag == W_TXBX or el.tag == MC_FALLBACK:
            return None
        el = el.getparent()
    return el


def _first_txbx(el: etree._Element) -> etree._Element | None:
    return next(el.iter(W_TXBX), None)


def _text_boxes(p: etree._Element) -> list[etree._Element]:
    """The text boxes of paragraph ``p`` itself: an ``mc:AlternateContent`` holding one, or a
    bare (VML-only) ``w:txbxContent``."""
    found: list[etree._Element] = []
    for box in p.iter(W_TXBX):
        # the box belongs to p only if no other paragraph or box sits between them
        el = box.getparent()
        alt: etree._Element | None = None
        inside_other = False
        while el is not None and el is not p:
            if el.tag in (W_P, W_TXBX):
                inside_other = True
                break
            if el.tag == MC_ALT:
                alt = el
            el = el.getparent()
        if inside_other:
            continue
        target = alt if alt is not None else box
        if not any(f is target for f in found):
            found.append(target)
    return found


def _piece_at(
    pieces: list[tuple[int, int, etree._Element, etree._Element]], offset: int
) -> tuple[int, int, etree._Element, etree._Element] | None:
    for piece in pieces:
        if piece[0] <= offset < piece[1]:
            return piece
    return None
