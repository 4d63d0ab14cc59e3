"""Perma links already beside a cited URL in a Word paragraph, found as the reader sees them.

A URL followed by a Perma link is *linked* and never gets a second one. The Perma link is read
from the paragraph's text right after the URL (what the reader sees, whatever the hyperlink's
target: ``mailto:https://perma.cc/…`` and ``http://perma.cc/…`` count by their text), after
white space (a line break reads as one), a comma or the like, a bracket of any kind or a
short lead-in (``archived at``), with or without a scheme, in the same run or the next ones.
A Perma hyperlink whose shown text is something else counts by its target. A paragraph that
holds nothing but a Perma link links the URL that ended the paragraph before it.
The rules are written out in docs/word.md ("Perma links already there").
"""

from __future__ import annotations

import re

from ...urls import is_perma_link, perma_url
from .hits import Hit

__all__ = ["PERMA_TEXT_RE", "linked_by_next_paragraph", "mark_existing", "tail_hit"]

# What may stand between a URL and its Perma link: white space (a line break reads as one),
# a comma or the like, a bracket of any kind, a short lead-in ("archived at", "Perma link:").
_LEAD = (
    r"[\s,;:]*[\[({<\u27e8\u3008\uff08\uff3b]?\s*"
    r"(?:(?:archived|archive|archival|available|perma(?:\s+link)?)(?:\s+(?:at|as|copy))?\s*:?\s*)?"
)
# A Perma link as the reader sees it, with or without a scheme; group 1 is the GUID (a
# legacy one, without the hyphen, needs a digit: "perma.cc/contact" is a page of the site).
_EXISTING_RE = re.compile(
    _LEAD + r"(?:https?://)?(?:www\.)?perma\.cc/"
    r"([A-Za-z0-9]{4}-[A-Za-z0-9]{4}|(?=[A-Za-z-]*[0-9])[A-Za-z0-9-]{6,11})(?![A-Za-z0-9-])",
    re.IGNORECASE,
)
_EXISTING_GAP_RE = re.compile(_LEAD, re.IGNORECASE)
_END_RE = re.compile(r"[\s.,;:)\]}>\u27e9\u3009\uff09\uff3d]*")
#: a cheap test before the slower work: a Perma link somewhere in a paragraph's text
PERMA_TEXT_RE = re.compile(r"perma\.cc/", re.IGNORECASE)


def tail_hit(hits: list[Hit], full: str) -> Hit | None:
    """The paragraph's last URL if only white space and punctuation follow it."""
    if not hits:
        return None
    last = hits[-1]
    return last if _END_RE.fullmatch(full, last.end) else None


def linked_by_next_paragraph(tail: Hit, hits: list[Hit], full: str) -> list[Hit]:
    """If paragraph text ``full`` is only a Perma link (in brackets or not), mark ``tail`` (the
    URL that ended the paragraph before) linked to it and drop the link's own hit."""
    if tail.existing or is_perma_link(tail.url) or not PERMA_TEXT_RE.search(full):
        return hits
    m = _EXISTING_RE.match(full)
    if m is None or not _END_RE.fullmatch(full, m.end()):
        return hits
    tail.existing = perma_url(m.group(1))
    return [h for h in hits if not is_perma_link(h.url)]


def mark_existing(hits: list[Hit], full: str) -> list[Hit]:
    """Mark each URL followed by a Perma link (as the reader sees it in ``full``) ``existing``
    and drop the Perma-link hits so consumed."""
    for i, hit in enumerate(hits):
        if hit.consumed or is_perma_link(hit.url):
            continue
        m = _EXISTING_RE.match(full, hit.end)
        nxt = hits[i + 1] if i + 1 < len(hits) else None
        if m is not None:
            hit.existing = perma_url(m.group(1))
            for later in hits[i + 1:]:
                if later.start < m.end() and is_perma_link(later.url):
                    later.consumed = True
        elif nxt is not None and is_perma_link(nxt.url) and nxt.start >= hit.end:
            # a Perma hyperlink right after the URL whose shown text is not the link itself
            gap = _EXISTING_GAP_RE.match(full, hit.end)
            if gap is not None and gap.end() >= nxt.start:
                hit.existing = nxt.url
                nxt.consumed = True
    return [h for h in hits if not h.consumed]
