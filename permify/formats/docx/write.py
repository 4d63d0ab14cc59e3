"""Inserting `` [https://perma.cc/GUID]`` after a cited URL in WordprocessingML, optionally tracked.

The new content is three siblings placed right after the URL (after the ``w:hyperlink``,
the ``w:fldSimple``, the run holding the field's ``end`` mark, or the split point of a run)::

    <w:r>" ["</w:r>  <w:hyperlink r:id="rIdPermaN"><w:r>perma link</w:r></w:hyperlink>  <w:r>"]"</w:r>

Rules Word enforces and LibreOffice does not (docs/word.md#traps): a ``w:hyperlink`` may not sit
inside ``w:ins``/``w:moveTo`` (the revision is split around the new content instead),
``w:rStyle`` is the first child of ``w:rPr``, and a new ``w:t`` keeps its spaces only with
``xml:space="preserve"``. The new runs copy the formatting of the URL's first run (font, size,
language) minus link and note-reference styling, so the link reads as the author's own text.

Speed: the three nodes are built as elements once per formatting and namespace scope,
serialised there, and kept as a text template; each link puts only a placeholder (a processing
instruction with a random target) in the tree, and :meth:`Inserter.serialize` replaces the
placeholders in the serialised part. The bytes are those element insertion gives.

The link itself looks like the cited URL (``match_look``, the default): a URL shown as a
hyperlink lends the link its run properties (its ``Hyperlink`` style, colour, underline), a URL
in plain text gives a link in the text's own look, clickable but neither blue nor underlined.
With ``match_look=False`` the link always uses the ``Hyperlink`` style.

When the document has no ``Hyperlink`` character style, the Hyperlink look is direct formatting
(blue ``0563C1``, single underline) rather than a new style: that keeps ``styles.xml``
untouched and leaves no dangling style reference.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import AnyStr

from lxml import etree

from .hits import Anchor
from .package import Rels, is_utf8, part_encoding, serialize_xml
from .xml import R_ID, W_HYPERLINK, W_ID, W_INS, W_MOVETO, W_R, W_RPR, W_T, W_VAL, XML_SPACE, w

__all__ = ["Inserter"]

_REVISION_WRAPPERS = (W_INS, W_MOVETO)
_W_RSTYLE, _W_COLOR, _W_U = w("rStyle"), w("color"), w("u")
_W_HISTORY, _W_AUTHOR, _W_DATE = w("history"), w("author"), w("date")
# The new content is rendered once per look with these slots in it, then filled per link.
# Private-use characters: no template (run properties, author, date) holds them.
_SLOT_RID, _SLOT_URL = "\ue000rid\ue000", "\ue000url\ue000"
_SLOT_LINK_ID, _SLOT_OPEN_ID, _SLOT_CLOSE_ID = "\ue000link\ue000", "\ue000open\ue000", "\ue000close\ue000"
_SLOT_RE = re.compile("\ue000([a-z]+)\ue000")
# Character styles and properties that belong to the URL's role, not to the author's text.
_DROP_STYLES = {"Hyperlink", "FollowedHyperlink", "FootnoteReference", "EndnoteReference",
                "CommentReference"}
_LINK_STYLES = {"Hyperlink", "FollowedHyperlink"}
_DROP_PROPS = {w(n) for n in ("vertAlign", "rPrChange", "ins", "del", "moveFrom", "moveTo")}
_LINK_LOOK = {_W_COLOR, _W_U}
# Schema order of w:rPr children (CT_RPr); Word rejects properties out of order.
_RPR_ORDER = {
    w(n): i
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
    Call :meth:`insert` for each place (last place of a paragraph first), then :meth:`serialize`
    for each part edited.
    """

    next_id: int | Callable[[], int]
    hyperlink_style: bool
    match_look: bool = True
    track: bool = False
    author: str = "permify"
    date: str = ""
    _texts: dict[tuple[object, ...], str] = field(default_factory=dict, repr=False)
    _scopes: dict[int, tuple[tuple[str | None, str], ...] | None] = field(
        default_factory=dict, repr=False
    )
    _filled: list[str] = field(default_factory=list, repr=False)
    # the placeholders' target: random, so no processing instruction of the input can match it
    _mark: str = field(default_factory=lambda: f"permify-{secrets.token_hex(8)}", repr=False)

    def fresh_id(self) -> str:
        """A ``w:id`` no other annotation in the document uses."""
        if callable(self.next_id):  # found on first use: plain rewrites never need one
            self.next_id = self.next_id()
        self.next_id += 1
        return str(self.next_id - 1)

    def insert(self, anchor: Anchor, perma: str, rels: Rels, root: etree._Element,
               original: bytes | None) -> None:
        """Insert `` [perma]`` at ``anchor`` in the part ``root`` (parsed from ``original``),
        adding the link's relationship to ``rels``.

        The tree gets only a placeholder (a processing instruction); :meth:`serialize` puts
        the new content's text there. The text is what lxml writes for the new elements in
        this namespace scope, made once per formatting (see :meth:`_text`), so thousands of
        links cost a string join each instead of a dozen element operations.
        """
        after = anchor.after
        if anchor.t is not None:
            after = self._split_run(anchor.t, anchor.offset)
        assert after is not None
        after = self._leave_revision(after)
        parent = after.getparent()
        assert parent is not None
        template = self._text(anchor, parent, root, original)
        rid = rels.add_hyperlink(perma)
        if self.track:  # numbered as the link's w:ins, the opening's, then the closing's
            link_id, open_id, close_id = self.fresh_id(), self.fresh_id(), self.fresh_id()
            filled = template.format(rid=rid, url=_escape(perma), link=link_id, open=open_id,
                                     close=close_id)
        else:
            filled = template.format(rid=rid, url=_escape(perma))
        self._filled.append(filled)
        after.addnext(etree.ProcessingInstruction(self._mark, str(len(self._filled) - 1)))

    def serialize(self, root: etree._Element, original: bytes | None) -> bytes:
        """The edited part's bytes (as :func:`serialize_xml` writes them) with each placeholder
        replaced by its new content."""
        data = serialize_xml(root, original)
        encoding = part_encoding(root, original)
        opening = f"<?{self._mark} "
        if is_utf8(encoding):
            return _fill(data, opening.encode(), b"?>", [t.encode() for t in self._filled])
        text = data.decode(encoding)  # rare: a part in UTF-16 or a legacy encoding
        return _fill(text, opening, "?>", self._filled).encode(encoding, "xmlcharrefreplace")

    def _text(self, anchor: Anchor, parent: etree._Element, root: etree._Element,
              original: bytes | None) -> str:
        """The new content for a URL formatted like ``anchor.fmt`` placed in ``parent``: a
        :meth:`str.format` template with the fields ``rid`` and ``url`` (and, tracked, the
        revision ids ``link``, ``open`` and ``close``)."""
        fmt, rpr = anchor.fmt, None
        if fmt is not None:  # w:rPr is the first child when present; find() is the slow way
            rpr = fmt[0] if len(fmt) and fmt[0].tag == W_RPR else fmt.find(W_RPR)
        key = (_look(rpr), anchor.from_link, self._scope(parent, root, original))
        template = self._texts.get(key)
        if template is None:
            template = self._texts[key] = self._render(anchor, parent)
        return template

    def _scope(self, parent: etree._Element, root: etree._Element,
               original: bytes | None) -> tuple[tuple[str | None, str], ...] | None:
        """The namespace declarations in scope at ``parent``, as a hashable key. When the part
        declares namespaces only on its root (the usual case, seen by counting ``xmlns`` in
        its bytes), that is the root's and needs no walk up the tree."""
        part = id(root)
        if part not in self._scopes:
            only_root = original is not None and original.count(b"xmlns") == len(root.nsmap)
            self._scopes[part] = tuple(sorted(root.nsmap.items(), key=str)) if only_root else None
        scope = self._scopes[part]
        return scope if scope is not None else tuple(sorted(parent.nsmap.items(), key=str))

    def _render(self, anchor: Anchor, parent: etree._Element) -> str:
        """Build the three new nodes with slots for the values, serialise them inside an
        element with ``parent``'s tag and namespace scope, exactly as lxml writes them in the
        part, and make the slots format fields."""
        base = _clean_rpr(anchor.fmt, drop_link_look=anchor.from_link)
        link = etree.Element(W_HYPERLINK)
        link.set(_W_HISTORY, "1")
        link.set(R_ID, _SLOT_RID)
        look = self._matched_rpr(anchor.fmt) if self.match_look else self._link_rpr(base)
        link.append(self._run(_SLOT_URL, look))
        opening, closing = self._run(" [", base), self._run("]", base)
        if self.track:
            link.append(self._tracked(link[0], _SLOT_LINK_ID))
            opening, closing = self._tracked(opening, _SLOT_OPEN_ID), self._tracked(closing, _SLOT_CLOSE_ID)
        scratch = etree.Element(parent.tag, nsmap=parent.nsmap)
        scratch.append(etree.ProcessingInstruction(self._mark, "start"))
        for node in (opening, link, closing):
            scratch.append(node)
        scratch.append(etree.ProcessingInstruction(self._mark, "end"))
        text = etree.tostring(scratch, encoding="unicode")
        start, end = f"<?{self._mark} start?>", f"<?{self._mark} end?>"
        text = text[text.index(start) + len(start) : text.rindex(end)]
        text = text.replace("{", "{{").replace("}", "}}")
        return _SLOT_RE.sub(lambda m: "{" + m[1] + "}", text)

    # ------------------------------------------------------------------ helpers
    def _tracked(self, run: etree._Element, revision_id: str) -> etree._Element:
        """``run`` wrapped in a ``w:ins`` by this rewrite's author, at its date."""
        ins = etree.Element(W_INS)
        ins.set(W_ID, revision_id)
        ins.set(_W_AUTHOR, self.author)
        ins.set(_W_DATE, self.date)
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
            if child.tag == _W_RSTYLE or child.tag in _LINK_LOOK:
                rpr.remove(child)
        if self.hyperlink_style:
            _put(rpr, _W_RSTYLE, {W_VAL: "Hyperlink"})
        else:
            _put(rpr, _W_COLOR, {W_VAL: "0563C1"})
            _put(rpr, _W_U, {W_VAL: "single"})
        return rpr

    def _matched_rpr(self, run: etree._Element | None) -> etree._Element | None:
        """The cited URL's own look for the link: ``run``'s properties without note-reference,
        superscript and revision marks (a followed-link style becomes the link style).

        A link in a look with no character style still gets the ``Hyperlink`` style when the
        document has one, its colour and underline then set to the run's own (automatic colour,
        no underline, when the run sets none): the reader sees the same text, and every
        renderer treats it as a link (LibreOffice's PDF export drops the link of an unstyled
        hyperlink)."""
        rpr = _clean_rpr(run, drop_link_look=False, keep_link_style=True)
        if not self.hyperlink_style:
            return rpr
        if rpr is None:
            rpr = etree.Element(W_RPR)
        style = rpr.find(_W_RSTYLE)
        if style is not None and style.get(W_VAL) == "FollowedHyperlink":
            style.set(W_VAL, "Hyperlink")
        elif style is None:
            _put(rpr, _W_RSTYLE, {W_VAL: "Hyperlink"})
            if rpr.find(_W_COLOR) is None:
                _put(rpr, _W_COLOR, {W_VAL: "auto"})
            if rpr.find(_W_U) is None:
                _put(rpr, _W_U, {W_VAL: "none"})
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
        second = run.makeelement(W_R, run.attrib)  # in the same document: no new one to build
        rpr = run[0] if run[0].tag == W_RPR else run.find(W_RPR)
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


def _look(rpr: etree._Element | None) -> object:
    """A hashable key equal for run properties that serialise alike (white space included).

    Usually a tuple of the children's tags, attributes and tails, seven times cheaper than
    serialising them; properties with nested content (a tracked formatting change) are
    serialised."""
    if rpr is None:
        return None
    key: list[object] = [rpr.text]
    for child in rpr:
        if len(child) or child.text:
            return etree.tostring(rpr)
        key.append((child.tag, tuple(child.items()), child.tail))
    return tuple(key)


def _clean_rpr(run: etree._Element | None, drop_link_look: bool,
               keep_link_style: bool = False) -> etree._Element | None:
    """A copy of ``run``'s ``w:rPr`` without note-reference and revision properties, and
    without the link styles unless ``keep_link_style`` (the colour and underline go too with
    ``drop_link_look``)."""
    if run is None:
        return None
    rpr = run.find(W_RPR)
    if rpr is None:
        return None
    rpr = copy.deepcopy(rpr)
    for child in list(rpr):
        tag = child.tag
        drop = tag in _DROP_PROPS or (drop_link_look and tag in _LINK_LOOK)
        if tag == _W_RSTYLE and child.get(W_VAL) in _DROP_STYLES:
            drop = not (keep_link_style and child.get(W_VAL) in _LINK_STYLES)
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


def _escape(text: str) -> str:
    """``text`` as lxml writes element text (the perma link: plain ASCII in practice)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _fill(data: AnyStr, opening: AnyStr, closing: AnyStr, filled: list[AnyStr]) -> AnyStr:
    """``data`` with each ``<?mark N?>`` (``opening`` N ``closing``) replaced by ``filled[N]``."""
    pieces = data.split(opening)
    out = [pieces[0]]
    for piece in pieces[1:]:
        end = piece.index(closing)
        out.append(filled[int(piece[:end])])
        out.append(piece[end + len(closing):])
    return data[:0].join(out)
