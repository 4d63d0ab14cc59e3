"""Where the pandoc filter finds cited URLs: link targets, and bare URLs in ``Str`` text.

Pandoc keeps a bare URL as plain text unless its reader was told otherwise (default pandoc
Markdown without ``+autolink_bare_uris``, Word and HTML read by pandoc, and text rendered by
``--citeproc``): a ``Str`` such as ``https://example.com/page.``, trailing punctuation
included. :func:`spots_in` finds those with the same finding and trimming rules as ``permify
urls`` (:func:`permify.urls.find_urls`), so both list the same URLs.

A URL inside a quotation is quoted text, not a citation (:mod:`permify.quotes`): inside a
``Quoted`` element (pandoc's ``smart`` extension makes one of ``"..."``), or between
quotation marks written as characters in the same inline list (curly quotes stay in ``Str``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import panflute as pf

from .._lazy import lazy_pattern
from ..quotes import QuotationIndex
from ..urls import find_urls, is_perma_link

__all__ = ["PERMA_TEXT_RE", "Spot", "find_lists", "followed_by_perma", "spots_in"]  # noqa: F822 - see __getattr__

# A Perma link as text, with or without a scheme (``perma.cc/ABCD-1234``); the module's
# PERMA_TEXT_RE. Compiled on first use, and tried only on text that holds "perma.cc/" (see
# _perma_text): most documents have no Perma link yet, and a warm build starts faster.
_PERMA_TEXT = lazy_pattern(
    r"(?:https?://)?(?:www\.)?perma\.cc/(?:[A-Za-z0-9]{4}-[A-Za-z0-9]{4}|[A-Za-z0-9-]{6,11})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)


def __getattr__(name: str) -> Any:
    """``PERMA_TEXT_RE``, the compiled pattern of a Perma link as text (compiled on first use)."""
    if name == "PERMA_TEXT_RE":
        return _PERMA_TEXT()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _perma_text(text: str, *, whole: bool = False) -> bool:
    """True when ``text`` holds a Perma link as text (is one, with ``whole``)."""
    # Every match holds "perma.cc/" in some case (its letters have no other case-insensitive
    # match): the substring test keeps the pattern off almost every word.
    if "perma.cc/" not in text.lower():
        return False
    return (_PERMA_TEXT().fullmatch(text) if whole else _PERMA_TEXT().search(text)) is not None
# Inlines between a citation and a Perma link that already follows it: "[", "(archived at", ...
_LOOKAHEAD = 4
_SPACES = (pf.Space, pf.SoftBreak, pf.LineBreak)
# Elements whose text is not a citation: a link's own text (its target is), an image's alt
# text, code, math and raw output have no Str children anyway.
_NOT_ENTERED = (pf.Image, pf.Link)
# What may stand between a citation and its Perma link.
_CONNECTOR_MARKS = "()[]\\\u00b7|,;:.-\u2013\u2014"
_CONNECTOR_WORDS = frozenset({"", "archived", "archive", "at", "on", "perma", "link", "copy", "version",
                              "as", "here", "saved"})
_QUOTE_MARKS = frozenset("\"'\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb\u2039\u203a")


class Spot(NamedTuple):
    """A cited URL at ``index`` of an inline list: a ``Link`` (``cut`` None) or a bare URL in
    a ``Str`` ending at offset ``cut`` of its text. ``quoted`` when it is inside a quotation.

    A named tuple, not a dataclass: the filter defines it on every start, and a dataclass
    costs a measurable part of a warm build's time."""

    index: int  # type: ignore[assignment]  # the field hides tuple.index, which nothing here uses
    url: str
    cut: int | None
    quoted: bool


def _may_hold_url(item: pf.Element) -> bool:
    return isinstance(item, pf.Link) or (isinstance(item, pf.Str) and "://" in item.text)


def find_lists(container: pf.ListContainer, found: list[tuple[pf.ListContainer, bool]],
               quoted: bool = False) -> None:
    """Append to ``found`` every inline list under ``container`` that directly holds a link
    or a ``Str`` with a URL, with whether it is inside a ``Quoted`` element.

    Read-only and depth-first in document order. It reads panflute's raw ``.list`` and
    ``_children`` (what ``Element.walk`` itself uses) instead of walking with an action,
    because ``walk`` rebuilds every list of the document even when nothing changes: work a
    warm build would pay for nothing.
    """
    if any(_may_hold_url(item) for item in container.list):
        found.append((container, quoted))
    for item in container.list:
        if not isinstance(item, _NOT_ENTERED):
            _scan_children(item, found, quoted or isinstance(item, pf.Quoted))


def _scan_children(elem: pf.Element, found: list[tuple[pf.ListContainer, bool]], quoted: bool) -> None:
    for name in getattr(elem, "_children", ()):
        child = getattr(elem, name)
        if isinstance(child, pf.ListContainer):
            find_lists(child, found, quoted)
        elif isinstance(child, pf.Element):  # a table's head and foot, a caption
            _scan_children(child, found, quoted)


def followed_by_perma(items: Sequence[pf.Element], index: int) -> bool:
    """True when a Perma link comes right after ``items[index]`` (a document permified by
    hand, or by permify): ``[https://perma.cc/G]``, ``· [archived](https://perma.cc/G)``,
    ``(archived at perma.cc/G)``. Only brackets, separators and the words of
    docs/markdown.md's list (``archived``, ``at``, ``Perma link:``...) may come between."""
    seen = 0
    for item in items[index + 1 : index + 1 + 2 * _LOOKAHEAD]:
        if isinstance(item, _SPACES):
            continue
        if isinstance(item, pf.Link):
            return is_perma_link(item.url) or _perma_text(item.url.rstrip("/"), whole=True)
        if isinstance(item, pf.Str) and _perma_text(item.text):
            return True
        if not (isinstance(item, pf.Str) and item.text.strip(_CONNECTOR_MARKS).lower() in _CONNECTOR_WORDS):
            return False  # another word: the Perma link further on is not this citation's
        seen += 1
        if seen >= _LOOKAHEAD:
            break
    return False


def _flat(items: Sequence[pf.Element]) -> tuple[str, list[int]]:
    """The text a reader sees of an inline list (notes left out, a link as one character),
    and where each item starts."""
    parts: list[str] = []
    starts: list[int] = []
    at = 0
    for item in items:
        starts.append(at)
        if isinstance(item, pf.Str):
            text = item.text
        elif isinstance(item, _SPACES):
            text = " "
        elif isinstance(item, pf.Note):
            text = ""
        elif isinstance(item, pf.Link):
            # One character: quotation marks in a link's text are a cited title's, and
            # building the text of every link would slow down a warm build for nothing.
            text = "x"
        elif isinstance(item, pf.Quoted):
            single = item.quote_type == "SingleQuote"
            inner = pf.stringify(item.content)
            text = ("\u2018" + inner + "\u2019") if single else ("\u201c" + inner + "\u201d")
        else:
            text = pf.stringify(item)
        parts.append(text)
        at += len(text)
    return "".join(parts), starts


def spots_in(items: Sequence[pf.Element], quoted: bool) -> list[Spot]:
    """The cited URLs of one inline list, in order; Perma links already beside them are
    not cited again (those URLs are left out)."""
    # (index, url, cut, start and end in the item's text, is a link)
    found: list[tuple[int, str, int | None, int, int, bool]] = []
    for i, item in enumerate(items):
        if isinstance(item, pf.Link):
            if not followed_by_perma(items, i):
                found.append((i, item.url.strip(), None, 0, 1, True))
        elif isinstance(item, pf.Str) and "://" in item.text:
            matches = find_urls(item.text)
            for n, m in enumerate(matches):
                rest = item.text[m.end : matches[n + 1].start if n + 1 < len(matches) else len(item.text)]
                if _perma_text(rest) or (n + 1 == len(matches) and followed_by_perma(items, i)):
                    continue
                found.append((i, m.url, m.end, m.start, m.end, False))
    if quoted or not found:
        return [Spot(i, url, cut, quoted) for i, url, cut, _, _, _ in found]
    text, starts = _flat(items)
    if _QUOTE_MARKS.isdisjoint(text):  # set-wise, in C: most paragraphs hold no quotation mark
        return [Spot(i, url, cut, False) for i, url, cut, _, _, _ in found]
    # One index for the list (a link counts as one character of its text, see _flat); marks
    # around nothing but a link are its title's: “[Link Rot](url),”.
    ranges = [(starts[i] + a, starts[i] + b) for i, _, _, a, b, _ in found]
    index = QuotationIndex(text, ranges)
    return [Spot(i, url, cut, index.contains(a, b, title=link))
            for (i, url, cut, _, _, link), (a, b) in zip(found, ranges, strict=True)]
