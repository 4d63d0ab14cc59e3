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
is live. Field results are never scanned as text (editing them is undone by a field update),
except a reference-manager field's (``ADDIN``: Zotero, Mendeley, EndNote): the URLs its result
shows are cited (``reference-manager``) but have no place to edit, and carry a note telling
the user to add the Perma link in the reference manager (:mod:`permify.formats.docx.managers`).

An existing Perma link is recognised by what the reader sees and by a hyperlink's target
(:mod:`permify.formats.docx.existing`); the URL is then ``linked``. A URL between
quotation marks of its paragraph (:func:`permify.quotes.inside_quotation`) gets a skip reason
unless quotations are included.

Text boxes exist twice (``mc:Choice`` and ``mc:Fallback``): the Choice copy is scanned and the
Fallback copy's matching places are attached to the same hit, so one URL counts once and both
copies get the same edit.

Speed: paragraphs that cannot hold a citation (:func:`~permify.formats.docx.paragraphs.live_paragraphs`,
found in C) are only counted, text-box bookkeeping is skipped in parts without text boxes, and
the notes of a part are scanned in one pass over its paragraphs (:meth:`StoryScanner.scan_notes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping

from lxml import etree

from ...quotes import QUOTED_REASON, inside_quotation
from ...urls import find_urls, is_perma_link
from .existing import PERMA_TEXT_RE, linked_by_next_paragraph, mark_existing, tail_hit
from .fields import HTTP_RE, hyperlink_field_target, title
from .hits import Anchor, Frame, Hit, Para
from .managers import flush_manager, manage_paragraph, managed_control, manager, manager_hits, open_manager, sdt_manager
from .paragraphs import block_quotation, first_run, first_txbx, owner, text_boxes
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

__all__ = ["StoryScanner"]

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
_W_SDT = w("sdt")
# cheap tests before the slower work: a Perma link in the text, a quotation mark
_QUOTE_MARK_RE = re.compile("[\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb\u2039\u203a]")
_W_ANCHOR, _W_INSTR, _W_FLDCHARTYPE = w("anchor"), w("instr"), w("fldCharType")
# a paragraph's hits and text: a paragraph that is only a Perma link links its last URL
_Previous = tuple[list[Hit], str]


class StoryScanner:
    """Scans the stories of one part. ``warn`` receives warnings for the user.

    ``live`` (from :func:`live_paragraphs`) lets the scan skip the other paragraphs;
    ``boxes=False`` says the part has no text box or ``mc:Fallback`` (no ``txbxContent`` or
    ``Fallback`` in its bytes), so no paragraph needs its owner checked. ``include_quoted``
    makes URLs inside a quotation citations like any other. ``managed`` maps the paragraphs
    of a reference manager's block-level content control to the manager's name;
    ``quote_styles=False`` says no paragraph of the part has a block-quotation style.
    """

    def __init__(
        self, targets: dict[str, tuple[str, str, bool]], warn: Callable[[str], None],
        live: Container[etree._Element] | None = None, boxes: bool = True,
        include_quoted: bool = False, managed: Mapping[etree._Element, str] | None = None,
        quote_styles: bool = True,
    ) -> None:
        self.targets = targets
        self.warn = warn
        self.live = live
        self.boxes = boxes
        self.include_quoted = include_quoted
        self.managed = managed or {}
        self.quote_styles = quote_styles

    # ------------------------------------------------------------------ stories
    def scan_story(
        self, container: etree._Element, location: Callable[[int], str] | str, textbox: bool = False
    ) -> list[Hit]:
        """Every hit in ``container``'s own paragraphs (and its text boxes), in order.

        ``location(n)`` names the n-th (1-based) own paragraph for people; a string, all."""
        hits: list[Hit] = []
        fields: list[Frame] = []
        n = 0
        live, boxes = self.live, self.boxes
        before: _Previous | None = None  # the last paragraph's hits and text, if it had hits
        for p in container.iter(W_P):
            if boxes and owner(p, container) is not container:
                continue
            n += 1
            if live is not None and not fields and p not in live:
                before = None
                continue  # no link, field, colon or Perma link: nothing to find
            where = location if isinstance(location, str) else location(n)
            before = self._scan_into(hits, p, fields, where, textbox, before)
            if boxes:
                for alt_or_box in text_boxes(p):
                    hits.extend(self._scan_text_box(alt_or_box, f"text box in {where}"))
        return hits

    def scan_notes(self, root: etree._Element, tag: str,
                   label: Callable[[etree._Element], str | None]) -> list[Hit]:
        """Every hit in the notes ``tag`` (footnotes, endnotes, comments) of part ``root``, in
        order: :meth:`scan_story` of each note that ``label`` names (None: not scanned).

        Where the part has no text box and every note is a child of the root (always, in
        practice), in one pass over the part's paragraphs: a long document has thousands of
        one-paragraph notes, and a scan per note costs more than its paragraph."""
        if self.boxes or len(root.findall(tag)) != len(list(root.iter(tag))):
            hits: list[Hit] = []
            for each in root.iter(tag):
                name = label(each)
                if name is not None:
                    hits.extend(self.scan_story(each, name))
            return hits
        hits, live = [], self.live
        note: etree._Element | None = None
        where: str | None = None
        fields: list[Frame] = []
        before: _Previous | None = None
        for p in root.iter(W_P):
            parent = p.getparent()
            if parent is not note:  # a new note (or a table in this one): what scan_story resets
                el = parent
                while el is not None and el.tag != tag:
                    el = el.getparent()
                if el is not note:
                    note, fields, before = el, [], None
                    where = label(el) if el is not None else None
            if where is None:
                continue
            if live is not None and not fields and p not in live:
                before = None
                continue
            before = self._scan_into(hits, p, fields, where, False, before)
        return hits

    def _scan_into(self, hits: list[Hit], p: etree._Element, fields: list[Frame], where: str,
                   textbox: bool, before: _Previous | None) -> _Previous | None:
        """Scan paragraph ``p`` into ``hits``, given the hits and text of the paragraph
        ``before`` it (if it had hits), whose last URL it may link; return its own."""
        para, full = self._scan_paragraph(p, fields, where, textbox)
        if before is not None:
            tail = tail_hit(*before)
            if tail is not None:
                para = linked_by_next_paragraph(tail, para, full)
        if para:
            hits.extend(para)
            return para, full
        return None

    def _scan_text_box(self, el: etree._Element, where: str) -> list[Hit]:
        if el.tag != MC_ALT:
            return self.scan_story(el, where, textbox=True)
        choice = el.find(MC_CHOICE)
        fallback = el.find(MC_FALLBACK)
        main = first_txbx(choice) if choice is not None else None
        twin = first_txbx(fallback) if fallback is not None else None
        if main is None and twin is not None:
            main, twin = twin, None
        if main is None:
            return []
        hits = self.scan_story(main, where, textbox=True)
        if twin is not None:
            twins = StoryScanner(self.targets, lambda _msg: None, self.live, self.boxes,
                                 self.include_quoted, self.managed, self.quote_styles).scan_story(
                twin, where, textbox=True
            )
            if [h.url for h in twins] == [h.url for h in hits]:
                for hit, other in zip(hits, twins, strict=True):
                    hit.anchors.extend(other.anchors)
            elif twins:
                self.warn(f"{where}: the text box's two copies differ; only the first is edited")
        return hits

    # ------------------------------------------------------------------ paragraphs
    def _scan_paragraph(
        self, p: etree._Element, fields: list[Frame], where: str, textbox: bool
    ) -> tuple[list[Hit], str]:
        """The hits of paragraph ``p`` and its text as the reader sees it."""
        para = Para(p)
        self._walk(p, para, fields, where, masked=False)
        if fields:
            flush_manager(fields, para, where, self.warn)
        det = "".join(para.det)
        hits = para.hits
        if "://" in det:  # find_urls needs a scheme
            for m in find_urls(det):
                start_piece = para.piece_at(m.start)
                end_piece = para.piece_at(m.end - 1)
                if start_piece is None or end_piece is None:
                    continue
                anchor = Anchor(
                    p, m.end, t=end_piece[2], offset=m.end - end_piece[0], fmt=start_piece[3]
                )
                hits.append(Hit(m.url, "text", where, m.start, m.end, [anchor]))
        full = "".join(para.full)
        if not hits:
            return hits, full
        name = self.managed.get(p) if self.managed else None
        if name:  # a reference manager's content control: cited, never edited
            manage_paragraph(hits, name, where, self.warn)
        if len(hits) > 1:
            hits.sort(key=lambda h: (h.start, h.end))
        if PERMA_TEXT_RE.search(full) or (len(hits) > 1 and any(is_perma_link(h.url) for h in hits)):
            hits = mark_existing(hits, full)
        if not self.include_quoted and self.quote_styles and block_quotation(p):
            for h in hits:
                h.skip_reason = h.skip_reason or QUOTED_REASON
        elif not self.include_quoted and _QUOTE_MARK_RE.search(full):
            for h in hits:
                if h.skip_reason is None and inside_quotation(full, h.start, h.end,
                                                              title=h.title is not None):
                    h.skip_reason = QUOTED_REASON
        if textbox:
            for h in hits:
                h.in_textbox = True
        for h in hits:  # the paragraph as the reader sees it: the context, cut when asked for
            h.text = full
        return hits, full

    def _walk(
        self, el: etree._Element, para: Para, fields: list[Frame], where: str, masked: bool
    ) -> None:
        # The paragraph's lists and offset are kept in locals here (runs are most of a story,
        # and attribute look-ups per w:t add up); ``para.pos`` is brought up to date around
        # every call that reads or moves it.
        full_append, det_append, pieces_append = para.full.append, para.det.append, para.pieces.append
        pos = para.pos
        for child in el:
            tag = child.tag
            if tag == W_R:
                # A run's text, inlined: a call per run adds up.
                for item in child:
                    tag = item.tag
                    if tag == W_T:
                        text = item.text or ""
                        start, pos = pos, pos + len(text)
                        full_append(text)
                        if fields and any(f.separated for f in fields):  # a field result
                            det_append(" " * len(text))
                            top = fields[-1]
                            top.result.append(text)
                            if top.fmt is None:
                                top.fmt = child
                        elif masked:
                            det_append(" " * len(text))
                        else:
                            det_append(text)
                            pieces_append((start, pos, item, child))
                    elif tag == W_RPR:
                        continue
                    elif tag == W_INSTRTEXT:
                        if fields and not fields[-1].separated:
                            fields[-1].instr.append(item.text or "")
                    elif tag == W_FLDCHAR:
                        para.pos = pos
                        self._fld_char(item.get(_W_FLDCHARTYPE), child, para, fields, where, masked)
                        pos = para.pos
                    elif tag in _GAPS:  # a tab, break, note mark, drawing...: a space
                        full_append(" ")
                        det_append(" ")
                        pos += 1
                continue
            para.pos = pos
            if tag == W_HYPERLINK:
                self._hyperlink(child, para, fields, where, masked)
            elif tag == W_FLDSIMPLE:
                self._fld_simple(child, para, fields, where, masked)
            elif tag == _W_SDT and sdt_manager(child):
                managed_control(child, para, fields, where, masked, self._walk, self.warn)
            elif tag in _CONTAINERS:
                self._walk(child, para, fields, where, masked)
            elif tag == MC_ALT:
                choice = child.find(MC_CHOICE)
                if choice is not None:
                    self._walk(choice, para, fields, where, masked)
            # anything else (pPr, bookmarks, w:del, w:moveFrom, proofErr...) holds no live text
            pos = para.pos
        para.pos = pos

    def _hyperlink(
        self, el: etree._Element, para: Para, fields: list[Frame], where: str, masked: bool
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
        frame = open_manager(fields)
        if frame is not None:
            frame.links.append(url)  # cited by the field's result (see managers.manager_hits)
            return
        if masked:
            return
        self._link_hit(para, url, "hyperlink", where, start, first, el)

    @staticmethod
    def _link_hit(para: Para, url: str, kind: str, where: str, start: int, first: int, el: etree._Element) -> None:
        """Record a link-like citation (a hyperlink or a simple field) whose display text began at ``first``."""
        end = para.pos  # positional arguments: thousands of links
        anchor = Anchor(para.p, end, el, None, 0, first_run(el), True)
        para.hits.append(Hit(url, kind, where, start, end, [anchor], title("".join(para.full[first:]), url)))

    def _fld_simple(
        self, el: etree._Element, para: Para, fields: list[Frame], where: str, masked: bool
    ) -> None:
        start, first = para.pos, len(para.full)
        self._walk(el, para, fields, where, masked=True)
        instr = el.get(_W_INSTR) or ""
        name = manager(instr)
        if name:
            if not masked:
                manager_hits(name, para, start, "".join(para.full[first:]), [], where, self.warn)
            return
        url = hyperlink_field_target(instr)
        if url is None or masked or open_manager(fields) is not None:
            return
        self._link_hit(para, url, "fldSimple", where, start, first, el)

    def _fld_char(
        self, kind: str | None, r: etree._Element, para: Para, fields: list[Frame],
        where: str, masked: bool,
    ) -> None:
        if kind == "begin":
            fields.append(Frame(begin_run=r))
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
                if not masked and not any(f.separated for f in fields):
                    start = frame.result_start if frame.para is para.p else 0
                    manager_hits(name, para, start, "".join(frame.result[frame.flushed:]),
                                 frame.links, where, self.warn)
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

