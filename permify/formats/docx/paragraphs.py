"""Which paragraphs of a story may hold a citation, and where a paragraph sits: its text
boxes, and the text box or story that owns it.

The structural questions :mod:`permify.formats.docx.scan` asks of the tree before it reads any
text, each answered without a Python walk where lxml can do it in C.
"""

from __future__ import annotations

from lxml import etree

from .managers import control_manager
from .xml import MC_ALT, MC_FALLBACK, W_FLDCHAR, W_FLDSIMPLE, W_HYPERLINK, W_P, W_R, W_T, W_TXBX, W, w

__all__ = [
    "ascii_compatible", "block_quotation", "first_run", "first_txbx", "has", "live_paragraphs",
    "managed_paragraphs", "owner", "text_boxes",
]

_TAGGED_CONTROLS = etree.XPath("//w:sdt[w:sdtPr/w:tag]", namespaces={"w": W})
_W_SDTPR, _W_TAG, _W_VAL = w("sdtPr"), w("tag"), w("val")
_W_PPR, _W_PSTYLE = w("pPr"), w("pStyle")
_QUOTE_STYLES = frozenset({"quote", "intensequote", "blocktext", "blockquote", "blockquotation"})

# A paragraph can hold a citation only if it has a link, a field, or a colon in its text; one
# may also hold a Perma link without a scheme for the URL that ends the paragraph before.
# Each test with the element it looks for; descendant:: rather than //: the same paragraphs
# below the part's root, found in a third less time.
_TESTS = (
    (W_HYPERLINK, "descendant::w:hyperlink"),
    (W_FLDSIMPLE, "descendant::w:fldSimple"),
    (W_FLDCHAR, "descendant::w:fldChar"),
    (W_T, "descendant::w:t[contains(., ':') or contains(., 'perma.cc/')]"),
)
_LIVE: dict[tuple[bool, ...], etree.XPath] = {}


def live_paragraphs(root: etree._Element) -> set[etree._Element]:
    """The paragraphs below ``root`` (a part's root) that may hold a citation: those with a link, a
    field, or a colon in a ``w:t`` (a URL's ``://`` needs one, and one character is never
    split across runs), or ``perma.cc/`` in a ``w:t`` (a Perma link with no scheme). Found
    in C by one XPath; every other paragraph, outside an open complex field, gives no hit and
    no warning, so the scan only counts it. The XPath asks only about the elements the part
    has (a part without fields is not searched for one in every paragraph).
    """
    used = tuple(has(root, tag) for tag, _test in _TESTS)
    if not any(used):
        return set()
    xpath = _LIVE.get(used)
    if xpath is None:
        tests = " or ".join(test for (_tag, test), use in zip(_TESTS, used, strict=True) if use)
        xpath = _LIVE[used] = etree.XPath(f"descendant::w:p[{tests}]", namespaces={"w": W})
    return set(xpath(root))


def has(root: etree._Element, *tags: str) -> bool:
    """True if ``root``'s tree holds an element with one of ``tags``: found in C, and at no
    cost when no document lxml has read names them (it looks tags up in its names first)."""
    return next(root.iter(*tags), None) is not None


def ascii_compatible(data: bytes) -> bool:
    """True if the bytes of a part spell its tags in ASCII (not UTF-16 or UTF-32)."""
    return not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\0" not in data[:4]


def managed_paragraphs(root: etree._Element, data: bytes) -> dict[etree._Element, str]:
    """Paragraphs inside a block-level content control of a reference manager (a Mendeley
    Cite bibliography, say), each with the manager's name; empty, without a search of the
    tree, when the part has no content-control tag (``w:tag``; in a part in UTF-16, when its
    bytes do not spell "tag" in ASCII, as it always was)."""
    if not (has(root, _W_TAG) if ascii_compatible(data) else b"tag" in data):
        return {}
    found: dict[etree._Element, str] = {}
    for sdt in _TAGGED_CONTROLS(root):
        pr = sdt.find(_W_SDTPR)
        tag = pr.find(_W_TAG) if pr is not None else None
        name = control_manager(tag.get(_W_VAL) if tag is not None else None)
        if name:
            for p in sdt.iter(W_P):
                found.setdefault(p, name)
    return found


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


def block_quotation(p: etree._Element) -> bool:
    """True if paragraph ``p`` has a block-quotation style (Word's ``Quote`` and ``Intense
    Quote``, pandoc's ``Block Text``, a ``Block Quote`` or ``Block Quotation`` of the author's)."""
    # by position, not find(): w:pPr is a paragraph's first child and w:pStyle the first of
    # w:pPr (schema order), and this runs for every paragraph that cites
    if not len(p) or p[0].tag != _W_PPR or not len(p[0]) or p[0][0].tag != _W_PSTYLE:
        return False
    return (p[0][0].get(_W_VAL) or "").lower().replace(" ", "") in _QUOTE_STYLES
