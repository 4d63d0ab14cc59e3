"""Inserting `` [https://perma.cc/GUID]`` after a cited URL in WordprocessingML, optionally tracked.

The new content is three siblings placed right after the URL (after the ``w:hyperlink``,
the ``w:fldSimple``, the run holding the field's ``end`` mark, or the split point of a run)::

    <w:r>" ["</w:r>  <w:hyperlink r:id="rIdPermaN"><w:r>perma link</w:r></w:hyperlink>  <w:r>"]"</w:r>

Rules Word enforces and LibreOffice does not (formats-notes §1.3): a ``w:hyperlink`` may not sit
inside ``w:ins``/``w:moveTo`` (the revision is split around the new content instead),
``w:rStyle`` is the first child of ``w:rPr``, and a new ``w:t`` keeps its spaces only with
``xml:space="preserve"``. The new runs copy the formatting of the URL's first run (font, size,
language) minus link and note-reference styling, so the link reads as the author's own text.

When the document has no ``Hyperlink`` character style, the link gets direct formatting
(blue ``0563C1``, single underline) rather than a new style: that keeps ``styles.xml``
untouched and leaves no dangling style reference.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .docx_package import R, Rels
from .docx_scan import _W, W_R, W_T, Anchor

__all__ = ["Inserter"]

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
W_RPR, W_INS, W_MOVETO, W_HYPERLINK = _W + "rPr", _W + "ins", _W + "moveTo", _W + "hyperlink"
W_ID, W_VAL, R_ID = _W + "id", _W + "val", "{" + R + "}id"
_REVISION_WRAPPERS = (W_INS, W_MOVETO)
# Character styles and properties that belong to the URL's role, not to the author's text.
_DROP_STYLES = {"Hyperlink", "FollowedHyperlink", "FootnoteReference", "EndnoteReference",
                "CommentReference"}
_DROP_PROPS = {_W + n for n in ("vertAlign", "rPrChange", "ins", "del", "moveFrom", "moveTo")}
_LINK_LOOK = {_W + "color", _W + "u"}
# Schema order of w:rPr children (CT_RPr); Word rejects properties out of order.
_RPR_ORDER = {
    _W + n: i
    for i, n in enumerate(
        "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
        "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
        "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath".split()
    )
}


@dataclass
class Inserter:
    """Makes the edits for one rewrite: fresh revision ids, the tracked-change author and date.

    ``next_id`` is the first free ``w:id``, or a function that finds it, called on first use.
    """

    next_id: int | Callable[[], int]
    hyperlink_style: bool
    track: bool = False
    author: str = "permify"
    date: str = ""
    _templates: dict[tuple[bytes, bool], tuple[etree._Element, ...]] = field(
        default_factory=dict, repr=False
    )

    def fresh_id(self) -> str:
        """A ``w:id`` no other annotation in the document uses."""
        if callable(self.next_id):  # found on first use: plain rewrites never need one
            self.next_id = self.next_id()
        self.next_id += 1
        return str(self.next_id - 1)

    def insert(self, anchor: Anchor, perma: str, rels: Rels) -> None:
        """Insert `` [perma]`` at ``anchor``, adding the link's relationship to ``rels``."""
        after = anchor.after
        if anchor.t is not None:
            after = self._split_run(anchor.t, anchor.offset)
        assert after is not None
        after = self._leave_revision(after)
        first, middle, last = self._template(anchor)
        # lxml's __copy__ is a deep copy; calling it skips the copy module's memo bookkeeping
        opening, link, closing = first.__copy__(), middle.__copy__(), last.__copy__()
        link.set(R_ID, rels.add_hyperlink(perma))
        if self.track:  # the templates are already wrapped in w:ins; number them in order
            link[0][0][-1].text = perma
            for ins in (link[0], opening, closing):
                ins.set(W_ID, self.fresh_id())
        else:
            link[0][-1].text = perma
        for node in (closing, link, opening):
            after.addnext(node)

    def _template(self, anchor: Anchor) -> tuple[etree._Element, ...]:
        """The three new nodes for a URL formatted like ``anchor.fmt`` (built once per look,
        then copied: a copy is much cheaper than building elements one by one)."""
        fmt, rpr = anchor.fmt, None
        if fmt is not None:  # w:rPr is the first child when present; find() is the slow way
            rpr = fmt[0] if len(fmt) and fmt[0].tag == W_RPR else fmt.find(W_RPR)
        key = (etree.tostring(rpr) if rpr is not None else b"", anchor.from_link)
        if key not in self._templates:
            base = _clean_rpr(anchor.fmt, drop_link_look=anchor.from_link)
            link = etree.Element(W_HYPERLINK)
            link.set(_W + "history", "1")
            link.append(self._run("", self._link_rpr(base)))
            opening, closing = self._run(" [", base), self._run("]", base)
            if self.track:
                link.append(self._tracked(link[0]))
                opening, closing = self._tracked(opening), self._tracked(closing)
            self._templates[key] = (opening, link, closing)
        return self._templates[key]

    # ------------------------------------------------------------------ helpers
    def _tracked(self, run: etree._Element) -> etree._Element:
        """``run`` wrapped in a ``w:ins`` whose ``w:id`` each copy sets (kept first, in place)."""
        ins = etree.Element(W_INS)
        ins.set(W_ID, "")
        ins.set(_W + "author", self.author)
        ins.set(_W + "date", self.date)
        ins.append(run)
        return ins

    @staticmethod
    def _run(text: str, rpr: etree._Element | None) -> etree._Element:
        run = etree.Element(W_R)
        if rpr is not None and len(rpr):
            run.append(copy.deepcopy(rpr))
        t = etree.SubElement(run, W_T)
        t.set(XML_SPACE, "preserve")
        t.text = text
        return run

    def _link_rpr(self, base: etree._Element | None) -> etree._Element:
        rpr = copy.deepcopy(base) if base is not None else etree.Element(W_RPR)
        for child in list(rpr):
            if child.tag == _W + "rStyle" or child.tag in _LINK_LOOK:
                rpr.remove(child)
        if self.hyperlink_style:
            _put(rpr, _W + "rStyle", {W_VAL: "Hyperlink"})
        else:
            _put(rpr, _W + "color", {W_VAL: "0563C1"})
            _put(rpr, _W + "u", {W_VAL: "single"})
        return rpr

    @staticmethod
    def _split_run(t: etree._Element, offset: int) -> etree._Element:
        """Split ``t``'s run after character ``offset`` of ``t``; return the first half."""
        run = t.getparent()
        assert run is not None
        text = t.text or ""
        later = list(t.itersiblings())
        if offset >= len(text) and not later:
            return run
        second = etree.Element(W_R, attrib=dict(run.attrib))
        rpr = run.find(W_RPR)
        if rpr is not None:
            second.append(rpr.__copy__())
        if offset < len(text):
            t2 = etree.SubElement(second, W_T)
            t2.set(XML_SPACE, "preserve")
            t2.text = text[offset:]
            t.text = text[:offset]
            t.set(XML_SPACE, "preserve")
        for sib in later:
            second.append(sib)
        run.addnext(second)
        return run

    def _leave_revision(self, el: etree._Element) -> etree._Element:
        """If ``el`` is inside a ``w:ins``/``w:moveTo``, split that revision after ``el`` and
        return the revision, so new content (a hyperlink) lands between the two halves."""
        parent = el.getparent()
        if parent is None or parent.tag not in _REVISION_WRAPPERS:
            return el
        later = list(el.itersiblings())
        if later:
            clone = etree.Element(parent.tag, attrib=dict(parent.attrib))
            clone.set(W_ID, self.fresh_id())
            for sib in later:
                clone.append(sib)
            parent.addnext(clone)
        return parent


def _clean_rpr(run: etree._Element | None, drop_link_look: bool) -> etree._Element | None:
    """A copy of ``run``'s ``w:rPr`` without link, note-reference and revision properties."""
    if run is None:
        return None
    rpr = run.find(W_RPR)
    if rpr is None:
        return None
    rpr = copy.deepcopy(rpr)
    for child in list(rpr):
        tag = child.tag
        drop = tag in _DROP_PROPS or (drop_link_look and tag in _LINK_LOOK)
        if tag == _W + "rStyle" and child.get(W_VAL) in _DROP_STYLES:
            drop = True
        if drop:
            rpr.remove(child)
    return rpr


def _put(rpr: etree._Element, tag: str, attrib: dict[str, str]) -> None:
    """Insert a property into ``rpr`` at its schema position."""
    new = etree.Element(tag, attrib=attrib)
    rank = _RPR_ORDER.get(tag, len(_RPR_ORDER))
    for i, child in enumerate(rpr):
        if _RPR_ORDER.get(child.tag, len(_RPR_ORDER)) > rank:
            rpr.insert(i, new)
            return
    rpr.append(new)
