"""Inserting `` [https://perma.cc/GUID]`` after a cited URL in WordprocessingML, optionally tracked.

The new content is three siblings placed right after the URL (after the ``w:hyperlink``,
the ``w:fldSimple``, the run holding the field's ``end`` mark, or the split point of a run)::

    <w:r>" ["</w:r>  <w:hyperlink r:id="rIdPermaN"><w:r>perma link</w:r></w:hyperlink>  <w:r>"]"</w:r>

Rules Word enforces and LibreOffice does not (docs/word.md#traps): a ``w:hyperlink`` may not sit
inside ``w:ins``/``w:moveTo`` (the revision is split around the new content instead),
``w:rStyle`` is the first child of ``w:rPr``, and a new ``w:t`` keeps its spaces only with
``xml:space="preserve"``. The new runs take their look from the URL's run
(:mod:`permify.formats.docx.looks`).

Speed: the three nodes are built as elements once per formatting and namespace scope,
serialised there, and kept as a text template; each link puts only a placeholder (a processing
instruction with a random target) in the tree, and :meth:`Inserter.serialize` replaces the
placeholders in the serialised part. A URL that ends inside a run's text needs the run split
in two: in a UTF-8 part that is done in the text too, with a mark (private-use characters
around the random target) at the split point of the ``w:t``'s text, replaced by the end of
the first run, the new content and the start of the second run, whose text is rendered once
per run look like the new content's. The bytes are those element insertion gives.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import AnyStr, cast

from lxml import etree

from .hits import Anchor
from .looks import clean_rpr, link_rpr, look_key, matched_rpr
from .parts import is_utf8, part_encoding, serialize_xml
from .rels import Rels
from .xml import R_ID, W_HYPERLINK, W_ID, W_INS, W_MOVETO, W_R, W_RPR, W_T, XML_SPACE, w

__all__ = ["Inserter"]

_REVISION_WRAPPERS = (W_INS, W_MOVETO)
_W_HISTORY, _W_AUTHOR, _W_DATE = w("history"), w("author"), w("date")
# The new content is rendered once per look with these slots in it, then filled per link.
# Private-use characters: no template (run properties, author, date) holds them.
_SLOT_RID, _SLOT_URL = "\ue000rid\ue000", "\ue000url\ue000"
_SLOT_LINK_ID, _SLOT_OPEN_ID, _SLOT_CLOSE_ID = "\ue000link\ue000", "\ue000open\ue000", "\ue000close\ue000"
_SLOT_RE = re.compile("\ue000([a-z]+)\ue000")
_SLOT_TEXT = "\ue000text\ue000"


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
    _heads: dict[tuple[object, ...], tuple[str, str]] = field(default_factory=dict, repr=False)
    _scopes: dict[int, tuple[tuple[str | None, str], ...] | None] = field(
        default_factory=dict, repr=False
    )
    _utf8: dict[int, bool] = field(default_factory=dict, repr=False)
    _closes: dict[tuple[str | None, str | None], str] = field(default_factory=dict, repr=False)
    # element with marks in its tail -> its tail's own text, before the marks
    _tails: dict[etree._Element, str] = field(default_factory=dict, repr=False)
    # w:t split in its text -> (where its first half now ends, the number of that split's mark,
    # the length of the end tags that begin its new content)
    _cuts: dict[etree._Element, tuple[int, int, int]] = field(default_factory=dict, repr=False)
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

        The tree gets only a placeholder (a processing instruction, or a mark in the text of
        a run to split); :meth:`serialize` puts the new content's text there. The text is what
        lxml writes for the new elements in this namespace scope, made once per formatting
        (see :meth:`_text`), so thousands of links cost a string join each instead of a dozen
        element operations.
        """
        after, t = anchor.after, anchor.t
        split: tuple[str, str] | None = None
        if t is not None:
            split = self._text_split(t, anchor.offset, root, original)
            after = t.getparent() if split is not None else self._split_run(t, anchor.offset)
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
        if t is not None and split is not None:
            self._mark_split(t, anchor.offset, split, filled)
        elif not self._is_utf8(root, original):
            self._filled.append(filled)
            after.addnext(etree.ProcessingInstruction(self._mark, str(len(self._filled) - 1)))
        elif not (self._cuts and after.tag == W_R and self._after_split(after, filled)):
            self._mark_after(after, filled)

    def serialize(self, root: etree._Element, original: bytes | None) -> bytes:
        """The edited part's bytes (as :func:`serialize_xml` writes them) with each placeholder
        replaced by its new content."""
        data = serialize_xml(root, original)
        if self._is_utf8(root, original):  # marks only
            opening = f"\ue000{self._mark} ".encode()
            return _fill(data, opening, "\ue000".encode(), [t.encode() for t in self._filled])
        encoding = part_encoding(root, original)  # rare: UTF-16 or a legacy encoding
        text = data.decode(encoding)
        return _fill(text, f"<?{self._mark} ", "?>", self._filled).encode(encoding, "xmlcharrefreplace")

    def _is_utf8(self, root: etree._Element, original: bytes | None) -> bool:
        """True if the part is written in UTF-8, so a mark reaches its bytes as it is."""
        utf8 = self._utf8.get(id(root))
        if utf8 is None:
            utf8 = self._utf8[id(root)] = is_utf8(part_encoding(root, original))
        return utf8

    def _text(self, anchor: Anchor, parent: etree._Element, root: etree._Element,
              original: bytes | None) -> str:
        """The new content for a URL formatted like ``anchor.fmt`` placed in ``parent``: a
        :meth:`str.format` template with the fields ``rid`` and ``url`` (and, tracked, the
        revision ids ``link``, ``open`` and ``close``)."""
        fmt, rpr = anchor.fmt, None
        if fmt is not None:
            rpr = _rpr(fmt)
        key = (look_key(rpr), anchor.from_link, self._scope(parent, root, original))
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
        base = clean_rpr(anchor.fmt, drop_link_look=anchor.from_link)
        link = etree.Element(W_HYPERLINK)
        link.set(_W_HISTORY, "1")
        link.set(R_ID, _SLOT_RID)
        if self.match_look:
            look = matched_rpr(anchor.fmt, self.hyperlink_style)
        else:
            look = link_rpr(base, self.hyperlink_style)
        link.append(self._run(_SLOT_URL, look))
        opening, closing = self._run(" [", base), self._run("]", base)
        if self.track:
            link.append(self._tracked(link[0], _SLOT_LINK_ID))
            opening, closing = self._tracked(opening, _SLOT_OPEN_ID), self._tracked(closing, _SLOT_CLOSE_ID)
        text = self._serialize_in(parent, [opening, link, closing])
        text = text.replace("{", "{{").replace("}", "}}")
        return _SLOT_RE.sub(lambda m: "{" + m[1] + "}", text)

    def _serialize_in(self, parent: etree._Element, nodes: list[etree._Element]) -> str:
        """``nodes`` as lxml writes them as children of ``parent`` (inside an element with its
        tag and namespace scope)."""
        scratch = etree.Element(parent.tag, nsmap=parent.nsmap)
        scratch.append(etree.ProcessingInstruction(self._mark, "start"))
        for node in nodes:
            scratch.append(node)
        scratch.append(etree.ProcessingInstruction(self._mark, "end"))
        text = etree.tostring(scratch, encoding="unicode")
        start, end = f"<?{self._mark} start?>", f"<?{self._mark} end?>"
        return text[text.index(start) + len(start) : text.rindex(end)]

    # ------------------------------------------------------------------ splitting a run
    def _text_split(self, t: etree._Element, offset: int, root: etree._Element,
                    original: bytes | None) -> tuple[str, str] | None:
        """How to split ``t``'s run after character ``offset`` in the serialised text: the end
        of the first run (``</w:t></w:r>``) and the start of the second, up to its text; or
        None where :meth:`_split_run` must do it on the tree.

        The text way gives the same bytes where nothing sits between the split point and the
        second run's start but the two end tags: ``t`` and its run have no tail, the run is
        not in a revision (split around new content, see :meth:`_leave_revision`), the URL
        ends before the end of the text (at the end, the run is not split, or is split with
        no text in its second half), and the new run would be written with the original's
        prefixes (its end tags are the original's). ``t``'s text is then only ever cut here."""
        run = t.getparent()
        assert run is not None
        if t not in self._cuts:
            parent = run.getparent()
            if (not self._is_utf8(root, original) or t.tail or self._tails.get(run, run.tail)
                    or parent is None or parent.tag in _REVISION_WRAPPERS
                    or offset >= len(t.text or "")):
                return None
        rpr = _rpr(run)
        parent = run.getparent()
        assert parent is not None
        key = (tuple(run.items()), look_key(rpr), None if rpr is None else rpr.tail,
               self._scope(parent, root, original))
        rendered = self._heads.get(key)
        if rendered is None:
            rendered = self._heads[key] = self._render_head(run, rpr, parent)
        head, end = rendered
        close = self._closes.get((t.prefix, run.prefix))
        if close is None:
            close = self._closes[t.prefix, run.prefix] = f"</{_qname(t)}></{_qname(run)}>"
        # the second half ends with the original's end tags: the same only with the same prefixes
        return (close, head) if end == close else None

    def _render_head(self, run: etree._Element, rpr: etree._Element | None,
                     parent: etree._Element) -> tuple[str, str]:
        """The second half of ``run`` (see :meth:`_split_run`) as lxml writes it as a child of
        ``parent``: its start up to its text, and its end after its text."""
        second = parent.makeelement(W_R, run.attrib)
        if rpr is not None:
            second.append(rpr.__copy__())
        t2 = etree.SubElement(second, W_T)
        t2.set(XML_SPACE, "preserve")
        t2.text = _SLOT_TEXT
        head, _slot, end = self._serialize_in(parent, [second]).partition(_SLOT_TEXT)
        return head, end

    def _mark_split(self, t: etree._Element, offset: int, split: tuple[str, str], filled: str) -> None:
        """Split ``t``'s run after character ``offset`` by a mark in its text (see
        :meth:`_text_split`), with ``filled`` between the two halves."""
        close, head = split
        cut = self._cuts.get(t)
        if cut is not None and offset >= cut[0]:  # the end of what the first half keeps
            self._before(cut, filled)
            return
        text = t.text or ""
        self._filled.append(close + filled + head)
        number = len(self._filled) - 1
        t.text = f"{text[:offset]}\ue000{self._mark} {number}\ue000{text[offset:]}"
        t.set(XML_SPACE, "preserve")
        self._cuts[t] = (offset, number, len(close))

    def _mark_after(self, el: etree._Element, filled: str) -> None:
        """Put ``filled`` right after ``el`` by a mark at the start of its tail after the
        tail's own text: where a placeholder inserted next to it would be, before those
        inserted earlier."""
        self._filled.append(filled)
        mark = f"\ue000{self._mark} {len(self._filled) - 1}\ue000"
        tail = el.tail or ""
        own = self._tails.get(el)
        if own is None:
            own = self._tails[el] = tail
        el.tail = own + mark + tail[len(own):]

    def _addnext(self, el: etree._Element, new: etree._Element) -> None:
        """``el.addnext(new)``, the marks in ``el``'s tail moving to ``new``'s: a placeholder
        after ``el`` would follow ``new``, which lxml puts right after ``el``'s tail."""
        el.addnext(new)
        own = self._tails.pop(el, None)
        if own is not None:
            marks = (el.tail or "")[len(own):]
            el.tail = own or None
            new.tail = marks
            self._tails[new] = ""

    def _after_split(self, run: etree._Element, filled: str) -> bool:
        """Put ``filled`` after ``run`` if it was split by marks: on the tree, the first half
        would be all that is left of it, so the new content goes right after the first split's
        end tags. False if ``run`` holds no mark."""
        for child in run:
            cut = self._cuts.get(child)
            if cut is not None:
                self._before(cut, filled)
                return True
        return False

    def _before(self, cut: tuple[int, int, int], filled: str) -> None:
        """Put ``filled`` right after the first half's end of split ``cut``, before that
        split's new content: where a placeholder after the first half would be."""
        _offset, number, close = cut
        old = self._filled[number]
        self._filled[number] = old[:close] + filled + old[close:]

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

    def _split_run(self, t: etree._Element, offset: int) -> etree._Element:
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
        self._addnext(run, second)
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
            self._addnext(parent, clone)
        return parent


def _rpr(run: etree._Element) -> etree._Element | None:
    """``run``'s ``w:rPr``: its first child when present (schema order); find() is the slow
    way, needed only if the first child is something else and there are others."""
    if not len(run):
        return None
    first = run[0]
    if first.tag == W_RPR:
        return first
    return run.find(W_RPR) if len(run) > 1 else None


def _qname(el: etree._Element) -> str:
    """The name lxml writes in ``el``'s tags: its own prefix and local name."""
    local = el.tag.rpartition("}")[2]
    return f"{el.prefix}:{local}" if el.prefix else local


def _escape(text: str) -> str:
    """``text`` as lxml writes element text (the perma link: plain ASCII in practice)."""
    if "&" not in text and "<" not in text and ">" not in text and "\r" not in text:
        return text  # the usual case, tested faster than replaced
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _fill(data: AnyStr, opening: AnyStr, closing: AnyStr, filled: list[AnyStr]) -> AnyStr:
    """``data`` with each ``opening`` N ``closing`` (a placeholder or a mark) replaced by
    ``filled[N]``."""
    number = cast(AnyStr, b"([0-9]+)" if isinstance(data, bytes) else "([0-9]+)")
    # split in C: every other piece is a number
    pieces = re.split(re.escape(opening) + number + re.escape(closing), data)
    pieces[1::2] = [filled[int(n)] for n in pieces[1::2]]
    return data[:0].join(pieces)
