"""Find the URLs a Markdown text cites, with exact character offsets.

markdown-it-py decides the *blocks* (it gets list indentation, fences and HTML blocks right,
which a hand-written scanner does not), but it gives no column offsets and it normalises
hrefs, so it cannot say where to splice. So the work is split (docs/markdown.md#traps):

1. markdown-it parses the text; only the line ranges of ``inline`` tokens (paragraphs,
   headings, table rows, footnote bodies) are scanned. Code blocks, HTML blocks, front
   matter and reference definitions are never inside one, so they are masked for free.
2. A small inline scanner walks each range with CommonMark's precedence: backslash escapes,
   code spans, autolinks and raw HTML first, then ``[...]`` links and images, then bare URLs
   found by the shared rules of :mod:`permify.urls`.
3. The links found are cross-checked with markdown-it's own ``link_open`` tokens for the same
   range; on any disagreement the range is left alone, with a warning, rather than edited on
   a guess.
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import unescapeAll
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from ..._lazy import lazy_pattern
from ...urls import find_urls
from .hits import Hit, Ref
from .inline import SCHEME_URL_RE, InlineScanner, mentions_perma

__all__ = ["MAX_BRACKETS", "MAX_BRACKET_DEPTH", "MAX_DELIMITERS", "Hit", "ScanResult", "TooCostlyError", "scan"]

#: the most ``[`` one Markdown text may hold: markdown-it spends 10 to 40 microseconds on
#: each (link labels, footnote marks), and patterns like ``[a](`` grow faster than linearly,
#: so a megabyte of them takes minutes. 50,000 is 25,000 links, parsed in a few seconds.
MAX_BRACKETS = 50_000
#: the most emphasis and strike-through markers (``*``, ``_``, ``~``) one text may hold:
#: markdown-it keeps a token and a delimiter record for each, about 450 bytes, so a megabyte
#: of ``*`` costs 450 MB. 200,000 is several times what a long manuscript holds.
MAX_DELIMITERS = 200_000
#: the deepest ``[`` may nest: each level is parsed again inside the one around it (links
#: cannot hold links), so depth costs time and stack; real text nests two or three deep
MAX_BRACKET_DEPTH = 100
# escapes (skipped), brackets, and blank lines (a paragraph's end closes what it left open)
_BRACKET_RE = re.compile(r"\\.|[\[\]]|(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)", re.DOTALL)


class TooCostlyError(ValueError):
    """Raised by :func:`scan` for a text over :data:`MAX_BRACKETS`; the message says what to do.

    The Markdown adapter turns it into an :class:`~permify.errors.InputError`.
    """

_LINE_END_RE = re.compile(r"\r\n|\r|\n")
_DEF_DEST_RE = lazy_pattern(r"\]:[ \t]*(?:(?:\r\n|\r|\n)[ \t>]*)?(<[^<>\r\n]*>|\S+)")

_MD = (
    MarkdownIt("commonmark")
    .enable(["table", "strikethrough"])
    .use(front_matter_plugin)
    .use(footnote_plugin)
)


class ScanResult(NamedTuple):
    """The hits in document order, warnings for people, and the text's line starts."""

    hits: list[Hit]
    warnings: list[str]
    line_starts: list[int]

    def line_col(self, pos: int) -> tuple[int, int]:
        """1-based line and column of offset ``pos``."""
        line = bisect.bisect_right(self.line_starts, pos) - 1
        return line + 1, pos - self.line_starts[line] + 1


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _LINE_END_RE.finditer(text)]


def _toml_front_matter_end(text: str) -> int:
    """End offset of a ``+++`` TOML front matter block (markdown-it knows only YAML)."""
    m = re.match(r"\+\+\+[ \t]*(?:\r\n|\r|\n)", text)
    if not m:
        return 0
    close = re.compile(r"^\+\+\+[ \t]*(?:\r\n|\r|\n|$)", re.MULTILINE).search(text, m.end())
    return close.end() if close else 0


def _references(text: str, starts: list[int], env: dict) -> dict[str, Ref]:
    refs: dict[str, Ref] = {}
    for key, ref in env.get("references", {}).items():
        lo, hi = ref["map"]
        chunk_start = starts[lo]
        chunk = text[chunk_start : starts[hi] if hi < len(starts) else len(text)]
        m = _DEF_DEST_RE().search(chunk)
        if not m:
            continue
        written = m.group(1)
        if written.startswith("<") and written.endswith(">"):
            written = written[1:-1]
        refs[key] = Ref(written, unescapeAll(written))
    return refs


def _check_cost(text: str) -> None:
    """Raise :class:`TooCostlyError` for a text markdown-it and the scanner cannot parse in
    bounded time and memory (see :data:`MAX_BRACKETS`, :data:`MAX_DELIMITERS`)."""
    brackets = text.count("[")
    if brackets > MAX_BRACKETS:
        raise TooCostlyError(
            f"holds {brackets:,} '[' characters, over the {MAX_BRACKETS:,} permify parses in "
            "bounded time (see docs/limits.md); split it into smaller files"
        )
    delimiters = text.count("*") + text.count("_") + text.count("~")
    if delimiters > MAX_DELIMITERS:
        raise TooCostlyError(
            f"holds {delimiters:,} '*', '_' and '~' characters, over the {MAX_DELIMITERS:,} "
            "permify parses in bounded memory (see docs/limits.md); split it into smaller files"
        )
    if not brackets:
        return
    depth = 0
    for m in _BRACKET_RE.finditer(text):
        token = m.group()
        if token == "[":
            depth += 1
            if depth > MAX_BRACKET_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                raise TooCostlyError(
                    f"line {line}: '[' nested over {MAX_BRACKET_DEPTH} deep (see "
                    "docs/limits.md); this is not Markdown permify can edit safely"
                )
        elif token == "]":
            depth = max(depth - 1, 0)
        elif token[0] != "\\":
            depth = 0


def scan(text: str) -> ScanResult:
    """Every cited URL in a Markdown ``text`` (no BOM), in document order.

    Raises :class:`TooCostlyError` when the text holds more than :data:`MAX_BRACKETS` ``[``
    or :data:`MAX_DELIMITERS` emphasis markers, or nests ``[`` deeper than
    :data:`MAX_BRACKET_DEPTH`.
    """
    _check_cost(text)
    starts = _line_starts(text)
    env: dict = {}
    tokens = _MD.parse(text, env)
    refs = _references(text, starts, env)
    toml_end = _toml_front_matter_end(text)
    result = ScanResult([], [], starts)

    def offset(line: int) -> int:
        return starts[line] if line < len(starts) else len(text)

    # Group inline tokens by line range (a table row has one per cell).
    ranges: dict[tuple[int, int], list[str]] = {}
    for tok in tokens:
        if tok.type == "inline" and tok.map:
            hrefs = ranges.setdefault((tok.map[0], tok.map[1]), [])
            for child in tok.children or []:
                href = child.attrGet("href") if child.type == "link_open" else None
                if isinstance(href, str) and SCHEME_URL_RE.match(href):
                    hrefs.append(href)
        elif tok.type == "html_block" and tok.map and not tok.content.lstrip().startswith("<!--"):
            n = len(find_urls(tok.content))
            if n:
                result.warnings.append(
                    f"line {tok.map[0] + 1}: raw HTML block with {n} URL(s) left alone"
                    " (not archived); add the Perma link by hand"
                )
    perma_in_text = mentions_perma(text)  # once for the whole text, not once per block
    for (lo, hi), oracle in ranges.items():
        start, stop = offset(lo), offset(hi)
        if start < toml_end:
            continue
        scanner = InlineScanner(text, refs, mentions_perma=perma_in_text)
        scanner.run(start, stop)
        for pos in scanner.html_urls:
            line, col = result.line_col(pos)
            result.warnings.append(
                f"line {line}, column {col}: URL inside raw HTML left alone (not archived)"
            )
        # markdown-it keeps an autolink's text as written, and decodes link destinations.
        mine = [_MD.normalizeLink(h.written if h.kind == "autolink" else h.url)
                for h in scanner.hits if h.kind != "bare"]
        mine += [_MD.normalizeLink(p) for p in scanner.existing_linked]
        if sorted(mine) != sorted(oracle):
            result.warnings.append(
                f"line {lo + 1}: could not locate the links of this block exactly; "
                "left it unchanged (please report this with the text of the block)"
            )
            continue
        for hit in scanner.hits:
            hit.block = (start, stop)
        result.hits.extend(scanner.hits)
    result.hits.sort(key=lambda h: h.pos)
    # Every warning starts "line N"; HTML blocks were seen before the paragraphs around them.
    result.warnings.sort(key=lambda w: int(w.split()[1].rstrip(":,")))
    return result
