"""Is a URL quoted material? Quotation marks around it in the same paragraph.

A URL between an opening and a closing quotation mark of one paragraph is part of quoted
text (a sentence the author quotes, with the URL the quoted source printed), not a citation
of the author's own: permify lists it with the reason :data:`QUOTED_REASON` and does not
archive or edit it unless asked (docs/urls.md). Every format uses :func:`inside_quotation`
so the rule is the same in a Word footnote and a Markdown paragraph.

Quotation marks understood: straight ``"`` and ``'``, curly ``“ ”`` and ``‘ ’``, low ``„``
(closed by ``“`` or ``”``), guillemets ``« »`` and ``‹ ›``. Rules:

- a curly or angle mark has its direction; a straight mark opens when nothing or white space
  or an opening bracket or dash is before it and a non-space follows, and closes when a
  non-space is before it and white space, punctuation or the end follows; otherwise (spaces
  on both sides, letters on both sides) it is ignored;
- an apostrophe is not a quotation mark: ``'`` or ``’`` with a letter or digit on both
  sides (``it's``, ``Smith’s``, ``rock’n’roll``) is ignored, and so is a single mark before
  a digit (the elision in ``'90s`` or ``‘20``);
- marks pair like brackets, double with double and single with single, so quotations nest;
  a closing mark with no opening one is ignored (``the authors’ view``), and so is an
  opening mark never closed in the paragraph (a quotation running on into the next
  paragraph is not a quotation by this rule: the URL stays a citation);
- quotation marks inside the URL itself are ignored;
- with ``title=True`` (a link whose shown text is a title, not the URL), a quotation that
  holds nothing but that text and punctuation is the title's quotation marks (Chicago and
  APA put article titles in quotation marks: ``“Link Rot,” Blog``), not quoted material.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from ._lazy import lazy_pattern

__all__ = ["QUOTED_REASON", "QuotationIndex", "inside_quotation", "quotation_spans"]

#: the reason listed for a URL inside a quotation
QUOTED_REASON = "inside a quotation"

# mark -> (family, direction); direction None: decided by the characters around it
_MARKS: dict[str, tuple[str, str | None]] = {
    '"': ("double", None),
    "\u201c": ("double", "open"),   # “
    "\u201d": ("double", "close"),  # ”
    "\u201e": ("low", "open"),      # „ (closed by “ or ”)
    "'": ("single", None),
    "\u2018": ("single", "open"),   # ‘
    "\u2019": ("single", "close"),  # ’ (also the typographic apostrophe)
    "\u00ab": ("guillemet", "open"),   # «
    "\u00bb": ("guillemet", "close"),  # »
    "\u2039": ("angle", "open"),    # ‹
    "\u203a": ("angle", "close"),   # ›
}
_MARK_RE = lazy_pattern("[" + re.escape("".join(_MARKS)) + "]")  # most texts hold no mark
_OPEN_BEFORE = "([{\u2014\u2013-/"  # characters after which a straight mark opens


def _direction(text: str, i: int, mark: str) -> str | None:
    """``open``, ``close`` or None (not a quotation mark here) for the mark at ``text[i]``."""
    before = text[i - 1] if i > 0 else ""
    after = text[i + 1] if i + 1 < len(text) else ""
    family, fixed = _MARKS[mark]
    if family == "single" and ((before.isalnum() and after.isalnum()) or after.isdigit()):
        return None  # an apostrophe: it's, Smith’s, '90s
    if fixed is not None:
        return fixed
    opens = (not before or before.isspace() or before in _OPEN_BEFORE or before in _MARKS) and bool(after) \
        and not after.isspace()
    closes = bool(before) and not before.isspace() and (not after or not after.isalnum())
    if opens and not closes:
        return "open"
    if closes and not opens:
        return "close"
    return None


@lru_cache(maxsize=256)
def quotation_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The quotations of ``text`` (one paragraph): ``(open, close)`` offsets of each pair of
    matching marks, innermost first as they close."""
    stack: list[tuple[str, int]] = []
    opened: dict[str, int] = {}  # family -> how many of its marks are on the stack
    spans: list[tuple[int, int]] = []
    for found in _MARK_RE().finditer(text):  # the marks only: a paragraph is mostly other text
        i, ch = found.start(), found.group()
        direction = _direction(text, i, ch)
        if direction is None:
            continue
        family = _MARKS[ch][0]
        if ch == "\u201c" and stack and stack[-1][0] == "low":
            direction, family = "close", "low"  # „…“
        elif ch == "\u201d" and stack and stack[-1][0] == "low":
            family = "low"  # „…”
        if direction == "open":
            stack.append((family, i))
            opened[family] = opened.get(family, 0) + 1
            continue
        if not opened.get(family):
            continue  # nothing of its family is open: without this, a paragraph of such
            # closing marks would search the whole stack for each one (quadratic)
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == family:
                spans.append((stack[depth][1], i))
                for dropped, _ in stack[depth:]:  # marks opened inside and never closed
                    opened[dropped] -= 1
                del stack[depth:]
                break
    return tuple(spans)


def inside_quotation(text: str, start: int, end: int, *, title: bool = False) -> bool:
    """True if ``text[start:end]`` (a URL, or a link's shown text) lies between an opening and
    a closing quotation mark of ``text``, one paragraph. Marks inside ``text[start:end]`` are
    ignored. With ``title``, quotation marks around nothing but ``text[start:end]`` (and
    punctuation) do not count: they mark a linked title."""
    if start < 0 or end > len(text) or start >= end:
        return False
    masked = text[:start] + "x" * (end - start) + text[end:] if _has_mark(text[start:end]) else text
    for o, c in quotation_spans(masked):
        if o < start and c >= end:
            if title and not (masked[o + 1:start] + masked[end:c]).strip(_PUNCTUATION):
                continue
            return True
    return False


_PUNCTUATION = " \t\n\u00a0.,;:!?"


def _has_mark(s: str) -> bool:
    return any(ch in _MARKS for ch in s)


class QuotationIndex:
    """:func:`inside_quotation` for many citations of one paragraph, in O(log n) each.

    ``masks`` are the citations' own ranges: quotation marks inside any of them are ignored
    (as :func:`inside_quotation` ignores those inside the one it is asked about). The
    quotations are found once; a long paragraph citing thousands of URLs costs one pass,
    not one pass per URL.
    """

    def __init__(self, text: str, masks: list[tuple[int, int]]) -> None:
        if any(_has_mark(text[a:b]) for a, b in masks):
            parts, at = [], 0
            for a, b in sorted(masks):
                a = max(a, at)
                if a < b:
                    parts += [text[at:a], "x" * (b - a)]
                    at = b
            parts.append(text[at:])
            text = "".join(parts)
        self._text = text
        # Quotations nest or are disjoint; by opening offset, with the furthest close so far.
        spans = sorted(quotation_spans(text)) if _MARK_RE().search(text) else []
        self._opens = [o for o, _ in spans]
        self._spans = spans
        self._reach: list[int] = []
        for _, c in spans:
            self._reach.append(max(c, self._reach[-1]) if self._reach else c)

    def contains(self, start: int, end: int, *, title: bool = False) -> bool:
        """True if ``text[start:end]`` lies inside a quotation (``title`` as for
        :func:`inside_quotation`)."""
        before = bisect.bisect_left(self._opens, start)  # the quotations opened before start
        if before == 0 or self._reach[before - 1] < end:
            return False
        # The outermost quotation around it: the first whose close reaches past ``end``.
        o, c = self._spans[bisect.bisect_left(self._reach, end, 0, before)]
        if not title:
            return True
        # A linked title's own marks: nothing but punctuation between them and the link.
        text = self._text
        return _WORD_RE().search(text, o + 1, start) is not None or _WORD_RE().search(text, end, c) is not None


_WORD_RE = lazy_pattern("[^" + re.escape(_PUNCTUATION) + "]")
