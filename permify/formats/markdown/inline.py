"""The inline half of the Markdown scanner: links, autolinks and bare URLs in one block.

:class:`InlineScanner` walks one block's character range with CommonMark's precedence
(backslash escapes, then code spans, autolinks and raw HTML, then ``[...]`` links and images,
then bare URLs by the rules of :mod:`permify.urls`) and records each cited URL as a
:class:`Hit` with exact offsets. Which ranges to walk is decided by
:mod:`permify.formats.markdown.scan` from markdown-it's block tokens.
"""

from __future__ import annotations

import functools
import html
import re
from typing import NamedTuple

from markdown_it.common.utils import normalizeReference, unescapeAll

from ..._lazy import lazy_pattern
from ...urls import find_urls, perma_url, url_at
from .hits import Hit, Ref

__all__ = ["SCHEME_URL_RE", "InlineScanner", "mentions_perma"]

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# Where something can start: an escape, a code span, an autolink or tag, a link or image, or
# a bare URL (not glued to a preceding word, as in urls._CANDIDATE_RE). A "<" counts only
# before a character that can begin an autolink, an e-mail autolink or a tag (each pattern
# below needs one): a run of a million "<" is then one search, not a million failed matches.
_INTEREST_RE = re.compile(r"[\\`\[]|<(?=[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])|!\[|(?<![A-Za-z0-9+.-])https?://",
                          re.IGNORECASE)
# The patterns of what few texts hold are compiled on first use (see permify._lazy).
_AUTOLINK_RE = lazy_pattern(r"<([A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\x00-\x20]*)>")
_EMAIL_RE = lazy_pattern(
    r"<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>"
)
_ATTR = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_HTML_RE = lazy_pattern(
    rf"<[A-Za-z][A-Za-z0-9-]*{_ATTR}*\s*/?>"
    r"|</[A-Za-z][A-Za-z0-9-]*\s*>"
    r"|<!-->|<!--->|<!--[\s\S]*?-->"
    r"|<\?[\s\S]*?\?>|<![A-Za-z][^>]*>|<!\[CDATA\[[\s\S]*?\]\]>"
)
SCHEME_URL_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_WS_RE = re.compile(r"\s")
# A Perma link however an author writes it: with or without a scheme, upper or lower case.
_PERMA = (r"(?:https?://)?(?:www\.)?perma\.cc/(?:[A-Za-z0-9]{4}-[A-Za-z0-9]{4}|[A-Za-z0-9-]{6,11})"
          r"(?![A-Za-z0-9-])/?")
# A Perma link already written right after a citation (docs/markdown.md#how-links-are-inserted):
# after spaces or one line break, an optional separator (`·`, `|`, `,`, `;`, `:`, `.`, a dash), an
# optional opening bracket, an optional word ("archived at", "Perma link:"), then the link as
# an autolink `<P>`, a Markdown link `[text](P)` or bare `P`, and the closing bracket.
_EXISTING_RE = lazy_pattern(
    rf"""[ \t]*(?:\r?\n[ \t]*)?
    (?:[\u00b7|,;:.\u2013\u2014-][ \t]*(?:\r?\n[ \t]*)?)?
    (?P<open>\\?[(\[])?[ \t]*
    (?:(?:archived|archive|perma[ ]link|perma|saved)(?:[ ](?:at|on|copy|version|as|here))?:?[ \t]+)?
    (?:<(?P<auto>{_PERMA})>
      |\[[^\[\]]{{0,200}}\]\((?P<link>{_PERMA})(?:[ \t]+"[^"\r\n]*")?\)
      |(?P<bare>{_PERMA}))
    (?(open)[ \t]*\\?[)\]])""",
    re.IGNORECASE | re.VERBOSE,
)
_ATTRS_RE = lazy_pattern(r"\{[^{}\r\n]*\}")


# The scanner's records: see hits.py (why they are not dataclasses).
class _Link(NamedTuple):
    """A link or image parsed at some ``[``; ``dest`` is None for reference links."""

    end: int
    text_start: int
    text_end: int
    dest: str | None = None
    dest_pos: int = 0
    ref: Ref | None = None
    shortcut: bool = False


_ENTITY_RE = lazy_pattern(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _decode_entities(s: str) -> str:
    """Decode ``&amp;``-style references (only complete ones, with ``;``, as CommonMark does).

    Autolinks keep backslashes literally, but an ``&amp;`` there is meant as ``&`` (pandoc
    reads it so), and that is the page to archive.
    """
    return _ENTITY_RE().sub(lambda m: html.unescape(m.group(0)), s)


def _normalised_perma(written: str) -> str:
    """``https://perma.cc/GUID`` for a Perma link as written (no scheme, ``www.``, upper case)."""
    return perma_url(written.rstrip("/").rsplit("/", 1)[1].upper())


@functools.lru_cache(maxsize=1)  # one text, scanned block by block
def mentions_perma(text: str) -> bool:
    """True when ``text`` holds ``perma.cc`` in any case, as every Perma link does."""
    return re.search(r"perma\.cc", text, re.IGNORECASE) is not None


_CLOSING_RUNS: dict[int, re.Pattern[str]] = {}


def _closing_run(n: int) -> re.Pattern[str]:
    """The regex for a run of exactly ``n`` backticks, which closes an ``n``-backtick span."""
    if n not in _CLOSING_RUNS:
        _CLOSING_RUNS[n] = re.compile(rf"(?<!`)`{{{n}}}(?!`)")
    return _CLOSING_RUNS[n]


def _plain(s: str) -> str | None:
    """Link text as a title: markdown punctuation dropped, white space collapsed."""
    s = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = unescapeAll(s.replace("`", "").replace("**", "").replace("*", ""))
    s = " ".join(s.split())
    return s or None


class InlineScanner:
    """The inline scanner over one line range of ``text`` (see the module docstring)."""

    def __init__(self, text: str, refs: dict[str, Ref], probe: bool = False,
                 mentions_perma: bool | None = None) -> None:
        """A scanner of ``text`` (the whole document). ``mentions_perma``: whether the text
        holds ``perma.cc`` at all, when the caller knows (it scans one block at a time with
        a scanner each, and asks the whole text once); else asked on the first hit."""
        self.text = text
        self.refs = refs
        self.probe = probe
        self.hits: list[Hit] = []
        self.html_urls: list[int] = []  # offsets of raw HTML holding a URL
        self.existing_linked: list[str] = []  # Perma links markdown-it will see as links
        self.found_link = False
        self._brackets: dict[int, int] = {}  # "[" offset -> matching "]" offset, or -1
        self._mentions_perma = mentions_perma

    # ------------------------------------------------------------------ the main loop

    def run(self, i: int, end: int) -> None:
        text = self.text
        while i < end:
            m = _INTEREST_RE.search(text, i, end)
            if not m:
                return
            j = m.start()
            ch = text[j]
            if ch == "\\":
                i = j + 2 if j + 1 < end and text[j + 1] in _ASCII_PUNCT else j + 1
            elif ch == "`":
                i = self._code_span(j, end)
            elif ch == "<":
                i = self._angle(j, end)
            elif ch == "!":
                i = self._bracket(j + 1, end, image=True)
            elif ch == "[":
                i = self._bracket(j, end, image=False)
            else:
                i = self._bare(j, end)

    def _code_span(self, j: int, end: int) -> int:
        text = self.text
        n = j
        while n < end and text[n] == "`":
            n += 1
        close = _closing_run(n - j).search(text, n, end)
        return close.end() if close else n

    def _angle(self, j: int, end: int) -> int:
        text = self.text
        m = _AUTOLINK_RE().match(text, j, end)
        if m:
            url = m.group(1)
            if SCHEME_URL_RE.match(url):
                return self._add("autolink", j + 1, m.end(), url, _decode_entities(url), None, end)
            return m.end()
        m = _EMAIL_RE().match(text, j, end) or _HTML_RE().match(text, j, end)
        if m:
            if not m.group(0).startswith("<!--") and find_urls(m.group(0)):
                self.html_urls.append(j)
            return m.end()
        return j + 1

    def _bare(self, j: int, end: int) -> int:
        # Only the URL starting at j (it stops at white space): finding every URL up to the
        # next space, for each "https://" of a long unspaced line, is quadratic.
        written = url_at(self.text, j, end)
        if not written:
            return j + 1
        stop = j + len(written)
        return self._add("bare", j, stop, written, unescapeAll(written), None, end)

    # ------------------------------------------------------------------ links and images

    def _bracket(self, j: int, end: int, image: bool) -> int:
        link = self._parse_link(j, end, image)
        if link is None:
            return j + 1
        if image:
            return link.end  # an image source is an asset, and its alt text is not linked
        if self._contains_link(link.text_start, link.text_end):
            return j + 1  # CommonMark: the inner link wins, the outer brackets are text
        self.found_link = True
        title = _plain(self.text[link.text_start : link.text_end])
        if link.ref is not None:
            if SCHEME_URL_RE.match(link.ref.url):
                return self._add("reference", j, link.end, link.ref.written, link.ref.url,
                                 title, end, shortcut=link.shortcut)
            return link.end
        dest = link.dest or ""
        url = unescapeAll(dest)
        if SCHEME_URL_RE.match(url):
            return self._add("link", link.dest_pos, link.end, dest, url, title, end, start=j)
        return link.end

    def _contains_link(self, start: int, stop: int) -> bool:
        probe = InlineScanner(self.text, self.refs, probe=True)
        probe.run(start, stop)
        return probe.found_link

    def _close_bracket(self, i: int, end: int) -> int:
        """Offset of the ``]`` matching the ``[`` just before ``i``, or -1.

        Every pair closed on the way is remembered, so a paragraph full of ``[`` costs one
        pass instead of one pass per bracket.
        """
        opener = i - 1
        if opener in self._brackets:
            return self._brackets[opener]
        text = self.text
        stack = [opener]
        while i < end:
            ch = text[i]
            if ch == "\\":
                i += 2 if i + 1 < end and text[i + 1] in _ASCII_PUNCT else 1
            elif ch == "`":
                i = self._code_span(i, end)
            elif ch == "<":
                m = _AUTOLINK_RE().match(text, i, end) or _HTML_RE().match(text, i, end)
                i = m.end() if m else i + 1
            elif ch == "[":
                stack.append(i)
                i += 1
            elif ch == "]":
                self._brackets[stack.pop()] = i
                if not stack:
                    return i
                i += 1
            else:
                i += 1
        for unclosed in stack:
            self._brackets[unclosed] = -1
        return -1

    def _parse_link(self, j: int, end: int, image: bool) -> _Link | None:
        text = self.text
        close = self._close_bracket(j + 1, end)
        if close < 0:
            return None
        k = close + 1
        if k < end and text[k] == "(":
            inline = self._inline_dest(k, end)
            if inline is not None:
                dest, dest_pos, after = inline
                return _Link(after, j + 1, close, dest=dest, dest_pos=dest_pos)
        if k < end and text[k] == "[":
            lclose = self._label_end(k + 1, end)
            if lclose >= 0:
                label = text[k + 1 : lclose] if lclose > k + 1 else text[j + 1 : close]
                ref = self._lookup(label)
                if ref is None:
                    return None
                return _Link(lclose + 1, j + 1, close, ref=ref)
        ref = self._lookup(text[j + 1 : close])
        if ref is None:
            return None
        return _Link(k, j + 1, close, ref=ref, shortcut=True)

    def _label_end(self, i: int, end: int) -> int:
        text = self.text
        start = i
        while i < end and i - start <= 999:
            ch = text[i]
            if ch == "\\":
                i += 2
            elif ch == "[":
                return -1
            elif ch == "]":
                return i
            else:
                i += 1
        return -1

    def _lookup(self, label: str) -> Ref | None:
        if not label.strip() or len(label) > 999:
            return None
        return self.refs.get(normalizeReference(label))

    def _skip_ws(self, i: int, end: int) -> int:
        """Skip spaces and tabs, including at most one line ending."""
        text = self.text
        newline = False
        while i < end:
            ch = text[i]
            if ch in " \t":
                i += 1
            elif ch in "\r\n" and not newline:
                newline = True
                i += 2 if text.startswith("\r\n", i) else 1
            else:
                break
        return i

    def _inline_dest(self, k: int, end: int) -> tuple[str, int, int] | None:
        """Parse ``(dest "title")`` at ``k``: (dest as written, its offset, end of ``)``)."""
        text = self.text
        i = self._skip_ws(k + 1, end)
        if i >= end:
            return None
        dest_pos = i
        if text[i] == "<":
            i += 1
            while i < end and text[i] not in "<>\r\n":
                i += 2 if text[i] == "\\" else 1
            if i >= end or text[i] != ">":
                return None
            dest = text[dest_pos + 1 : i]
            dest_pos += 1
            i += 1
        else:
            depth = 0
            while i < end:
                ch = text[i]
                if ch == "\\" and i + 1 < end and text[i + 1] in _ASCII_PUNCT:
                    i += 2
                    continue
                if ch <= " " or ch == "\x7f":
                    break
                if ch == "(":
                    depth += 1
                    if depth > 32:
                        return None
                elif ch == ")":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
            if depth:
                return None
            dest = text[dest_pos:i]
        j = self._skip_ws(i, end)
        if j < end and j > i and text[j] in "\"'(":
            closer = ")" if text[j] == "(" else text[j]
            t = j + 1
            while t < end and text[t] != closer:
                if text[t] == "(" and closer == ")":
                    return None
                t += 2 if text[t] == "\\" else 1
            if t >= end:
                return None
            j = self._skip_ws(t + 1, end)
        if j < end and text[j] == ")":
            return dest, dest_pos, j + 1
        return None

    # ------------------------------------------------------------------ recording

    def _add(self, kind: str, pos: int, stop: int, written: str, url: str,
             title: str | None, end: int, shortcut: bool = False, start: int | None = None) -> int:
        """Record a hit; return where scanning resumes (after an existing Perma link).

        ``start`` is where an inline link's ``[`` is (``pos`` is its destination)."""
        if self.probe:
            return stop
        text = self.text
        insert_at = stop
        if kind != "bare":
            attrs = _ATTRS_RE().match(text, stop, end)  # pandoc {#id .class} belongs to the link
            if attrs:
                insert_at = attrs.end()
        # Every Perma link holds "perma.cc": a text without one has none to find (most texts).
        # Asked of the whole text once, never once per hit (that would be quadratic).
        if self._mentions_perma is None:
            self._mentions_perma = mentions_perma(text)
        existing = _EXISTING_RE().match(text, insert_at, end) if self._mentions_perma else None
        hit = Hit(kind, pos, insert_at, written, url, title, start=pos if start is None else start)
        if existing:
            target = existing.group("auto") or existing.group("link") or existing.group("bare")
            hit.existing = _normalised_perma(target)
            dest = existing.group("auto") or existing.group("link")
            if dest and SCHEME_URL_RE.match(dest):  # markdown-it sees it as a link too
                self.existing_linked.append(dest)
            self.hits.append(hit)
            return existing.end()  # the Perma link in it is not a citation of its own
        # `[<P>]` directly before `(`, `[` or `{` would become a link, reference or span;
        # after a shortcut `[Y]`, pandoc's spaced_reference_links would pair the two.
        hit.escape = shortcut or (insert_at < len(text) and text[insert_at] in "([{")
        self.hits.append(hit)
        return insert_at
