"""The look of the runs permify adds: run properties (``w:rPr``) taken from the cited URL's run.

The new runs copy the formatting of the URL's first run (font, size, language) minus link and
note-reference styling (:func:`clean_rpr`), so the link reads as the author's own text.

The link itself looks like the cited URL (``match_look``, the default; :func:`matched_rpr`): a
URL shown as a hyperlink lends the link its run properties (its ``Hyperlink`` style, colour,
underline), a URL in plain text gives a link in the text's own look, clickable but neither blue
nor underlined. With ``match_look=False`` the link always uses the ``Hyperlink`` style
(:func:`link_rpr`).

When the document has no ``Hyperlink`` character style, the Hyperlink look is direct formatting
(blue ``0563C1``, single underline) rather than a new style: that keeps ``styles.xml``
untouched and leaves no dangling style reference.

:func:`look_key` tells which run properties serialise alike, so that new content is rendered
once per look (:mod:`permify.formats.docx.write`).
"""

from __future__ import annotations

import copy

from lxml import etree

from .xml import W_RPR, W_VAL, w

__all__ = ["clean_rpr", "link_rpr", "look_key", "matched_rpr"]

_W_RSTYLE, _W_COLOR, _W_U = w("rStyle"), w("color"), w("u")
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


def look_key(rpr: etree._Element | None) -> object:
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


def clean_rpr(run: etree._Element | None, drop_link_look: bool,
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


def link_rpr(base: etree._Element | None, hyperlink_style: bool) -> etree._Element:
    """The ``Hyperlink`` look over ``base`` (the text's cleaned properties): the style when
    the document has it (``hyperlink_style``), else its blue and underline as direct
    formatting."""
    rpr = copy.deepcopy(base) if base is not None else etree.Element(W_RPR)
    for child in list(rpr):
        if child.tag == _W_RSTYLE or child.tag in _LINK_LOOK:
            rpr.remove(child)
    if hyperlink_style:
        _put(rpr, _W_RSTYLE, {W_VAL: "Hyperlink"})
    else:
        _put(rpr, _W_COLOR, {W_VAL: "0563C1"})
        _put(rpr, _W_U, {W_VAL: "single"})
    return rpr


def matched_rpr(run: etree._Element | None, hyperlink_style: bool) -> etree._Element | None:
    """The cited URL's own look for the link: ``run``'s properties without note-reference,
    superscript and revision marks (a followed-link style becomes the link style).

    A link in a look with no character style still gets the ``Hyperlink`` style when the
    document has one (``hyperlink_style``), its colour and underline then set to the run's
    own (automatic colour, no underline, when the run sets none): the reader sees the same
    text, and every renderer treats it as a link (LibreOffice's PDF export drops the link of
    an unstyled hyperlink)."""
    rpr = clean_rpr(run, drop_link_look=False, keep_link_style=True)
    if not hyperlink_style:
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


def _put(rpr: etree._Element, tag: str, attrib: dict[str, str]) -> None:
    """Insert a property into ``rpr`` at its schema position."""
    new = etree.Element(tag, attrib=attrib)
    rank = _RPR_ORDER.get(tag, len(_RPR_ORDER))
    for i, child in enumerate(rpr):
        if _RPR_ORDER.get(child.tag, len(_RPR_ORDER)) > rank:
            rpr.insert(i, new)
            return
    rpr.append(new)
