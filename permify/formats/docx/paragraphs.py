"""Which paragraphs of a story may hold a citation, and where a paragraph sits: its text
boxes, and the text box or story that owns it.

The structural questions :mod:`permify.formats.docx.scan` asks of the tree before it reads any
text, each answered without a Python walk where lxml can do it in C.
"""

from __future__ import annotations

from lxml import etree

from .xml import MC_ALT, MC_FALLBACK, W_P, W_R, W_TXBX, W

__all__ = ["first_run", "first_txbx", "live_paragraphs", "owner", "text_boxes"]

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
