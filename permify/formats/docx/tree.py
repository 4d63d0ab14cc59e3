"""Where things sit in a WordprocessingML tree: tag names, text boxes, paragraph owners.

Split out of :mod:`permify.formats.docx.scan`, which reads the text: this module answers the
structural questions the scan asks of lxml (which paragraphs may hold a citation, which text
box or story owns a paragraph, a link's first run), each without a Python walk where C can do it.
"""

from __future__ import annotations

from lxml import etree

from .package import NS, R, W

__all__ = ["first_run", "first_txbx", "live_paragraphs", "owner", "text_boxes"]

_W = "{" + W + "}"
_MC = "{" + NS["mc"] + "}"
W_P, W_R, W_T, W_RPR = _W + "p", _W + "r", _W + "t", _W + "rPr"
W_HYPERLINK, W_FLDSIMPLE, W_FLDCHAR, W_INSTRTEXT = (
    _W + "hyperlink", _W + "fldSimple", _W + "fldChar", _W + "instrText"
)
W_TXBX = _W + "txbxContent"
W_DEL, W_MOVEFROM = _W + "del", _W + "moveFrom"
MC_ALT, MC_CHOICE, MC_FALLBACK = _MC + "AlternateContent", _MC + "Choice", _MC + "Fallback"
R_ID = "{" + R + "}id"

# A paragraph can hold a citation only if it has a link, a field, or a colon in its text.
_LIVE = etree.XPath(
    "//w:p[.//w:hyperlink or .//w:fldSimple or .//w:fldChar or .//w:t[contains(., ':')]]",
    namespaces={"w": W},
)


def live_paragraphs(root: etree._Element) -> set[etree._Element]:
    """The paragraphs of ``root``'s document that may hold a citation: those with a link, a
    field, or a colon in a ``w:t`` (a URL's ``://`` needs one, and one character is never
    split across runs). Found in C by one XPath; every other paragraph, outside an open
    complex field, gives no hit and no warning, so the scan only counts it.
    """
    return set(_LIVE(root))


def owner(p: etree._Element, container: etree._Element) -> etree._Element | None:
    """The nearest text box or ``container`` above ``p`` (None if it is in a Fallback copy)."""
    el = p.getparent()
    while el is not None and el is not container:
        if el.tag == W_TXBX or el.tag == MC_FALLBACK:
            return None
        el = el.getparent()
    return el


def first_run(el: etree._Element) -> etree._Element | None:
    """The first ``w:r`` below ``el`` in document order (``el.iter(W_R)`` without building a
    tag matcher on every call)."""
    for child in el:
        if child.tag == W_R:
            return child
        if len(child):
            found = first_run(child)
            if found is not None:
                return found
    return None


def first_txbx(el: etree._Element) -> etree._Element | None:
    """The first ``w:txbxContent`` below ``el``, if any."""
    return next(el.iter(W_TXBX), None)


def text_boxes(p: etree._Element) -> list[etree._Element]:
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
