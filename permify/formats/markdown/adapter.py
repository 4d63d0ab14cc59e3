"""Markdown: find cited URLs and splice Perma links in beside them, changing nothing else.

The text is edited, never re-rendered: pandoc or markdown-it round-trips would reflow
paragraphs, inline reference links and escape brackets (docs/markdown.md#traps). Finding the
URLs is :mod:`permify.formats.markdown.scan`'s job; this module decodes the bytes, turns the
scanner's hits into :class:`~permify.formats.base.CitedUrl`, and writes the result back in
the original encoding (BOM and line endings kept).

What is inserted after a citation is `` [<https://perma.cc/GUID>]``: an autolink inside
literal brackets, a clickable link in CommonMark, GFM and pandoc's ``markdown`` alike, which
no reference definition can capture. Where the next character is ``(``, ``[`` or ``{`` (it
would turn the brackets into a link, a reference or a pandoc span), and after a shortcut
reference ``[Y]`` (pandoc's ``spaced_reference_links`` would pair ``[Y] [...]``), the opening
bracket is escaped: `` \\[<https://perma.cc/GUID>]``. Both render as ``[link]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..._lazy import lazy_pattern
from ...errors import InputError
from ...quotes import QUOTED_REASON, QuotationIndex
from ...urls import PERMA_URL_RE
from ..base import Adapter, CitedUrl, ParsedDocument, ScanOptions, context_around

if TYPE_CHECKING:  # loaded when a document is written
    from ..options import RewriteOptions
from ..text import TextErrors, decode_text, encode_text, splice
from . import NAME, SUFFIXES
from .scan import Hit, TooCostlyError, scan

__all__ = ["MarkdownAdapter", "MarkdownDocument", "perma_insertion", "strip_perma_links"]

# Compiled when first used: listing URLs writes no link.
_SAFE_LINK_RE = lazy_pattern(r"https?://[^\s<>\\]+")
_INSERTED_RE = lazy_pattern(rf" \\?\[<{PERMA_URL_RE.pattern}>\]")


def perma_insertion(perma_link: str, escape: bool = False) -> str:
    """The text permify puts after a citation: `` [<LINK>]`` (`` \\[<LINK>]`` if ``escape``)."""
    if not _SAFE_LINK_RE().fullmatch(perma_link):
        raise ValueError(f"not a link permify can write into Markdown: {perma_link!r}")
    opening = "\\[" if escape else "["
    return f" {opening}<{perma_link}>]"


def strip_perma_links(text: str) -> str:
    """Remove every Perma link in the form permify inserts (`` [<https://perma.cc/G>]``).

    The inverse of :meth:`MarkdownDocument.rewrite` on a document that had none before.
    """
    return _INSERTED_RE().sub("", text)


class MarkdownDocument(ParsedDocument):
    """A parsed Markdown text: its citations, warnings, and the original text to splice into."""

    def __init__(self, text: str, bom: bool, hits: list[Hit], citations: list[CitedUrl],
                 warnings: list[str]) -> None:
        self.citations = citations
        self.warnings = warnings
        self._text = text
        self._bom = bom
        self._hits = hits

    def rewrite(self, perma_links: Mapping[int, str], options: RewriteOptions) -> bytes:
        """The document with `` [<perma link>]`` after each citation in ``perma_links``.

        Citations with an ``existing_archive`` are left alone; every other character,
        line ending and the BOM are preserved. An index that is not a citation raises
        ``KeyError``; a link that cannot be written as an autolink raises ``ValueError``.
        """
        del options  # nothing to choose for Markdown
        edits: list[tuple[int, int, str]] = []
        for index, link in perma_links.items():
            if not 0 <= index < len(self._hits):
                raise KeyError(index)
            hit = self._hits[index]
            if hit.existing is None:
                edits.append((hit.insert_at, hit.insert_at, perma_insertion(link, hit.escape)))
        return encode_text(splice(self._text, edits), self._bom)


def _quoted_hits(text: str, hits: list[Hit]) -> set[int]:
    """The indexes of the hits inside a quotation of their block (docs/markdown.md#quotations).

    A link or reference is judged as a whole, ``[text](url)``; quotation marks around nothing
    but it (and punctuation) are its title's (``“[Link Rot](https://x),”``), not a quotation.
    Each block's quotations are found once (:class:`~permify.quotes.QuotationIndex`).
    """
    by_block: dict[tuple[int, int], list[int]] = {}
    for n, hit in enumerate(hits):
        by_block.setdefault(hit.block, []).append(n)
    quoted: set[int] = set()
    for (lo, hi), members in by_block.items():
        block = text[lo:hi]
        if not _QUOTE_MARK_RE.search(block):
            continue
        index = QuotationIndex(block, [(hits[n].start - lo, hits[n].end - lo) for n in members])
        for n in members:
            hit = hits[n]
            if index.contains(hit.start - lo, hit.end - lo, title=hit.kind in ("link", "reference")):
                quoted.add(n)
    return quoted


_QUOTE_MARK_RE = re.compile("[\"'\u201c\u201d\u201e\u2018\u2019\u00ab\u00bb\u2039\u203a]")


#: what a Markdown file that is not UTF-8 text is told (see :class:`~permify.formats.text.TextErrors`)
_NOT_TEXT = TextErrors(
    utf16="is UTF-16 text; save it as UTF-8 and try again",
    binary="contains a NUL byte at offset {offset}; this is not a Markdown text file (binary data?)",
    invalid="is not valid UTF-8 (bad byte 0x{byte:02x} on line {line}); save it as UTF-8 and try again",
)


class MarkdownAdapter(Adapter):
    """Markdown (CommonMark, GFM and pandoc Markdown): links, references, autolinks, bare URLs.

    Never touched: image sources, code spans and blocks, raw HTML (a warning is given),
    YAML and TOML front matter, e-mail and ``mailto:`` links, reference definition lines.
    """

    name = NAME
    suffixes = SUFFIXES

    def parse(self, data: bytes, source: str = "<input>") -> MarkdownDocument:
        """Parse UTF-8 Markdown bytes; :class:`InputError` for binary or non-UTF-8 input."""
        return self.parse_with(data, source, ScanOptions())

    def parse_with(self, data: bytes, source: str, options: ScanOptions) -> MarkdownDocument:
        """:meth:`parse`; a URL inside a quotation is skipped unless ``options.include_quoted``.

        A quotation is a pair of quotation marks around the citation in the same block
        (:func:`permify.quotes.inside_quotation`); a ``>`` blockquote alone is not one.
        """
        text, bom = decode_text(data, source, _NOT_TEXT)
        try:
            result = scan(text)
        except RecursionError:
            raise InputError(source, "is nested too deeply to parse as Markdown") from None
        except TooCostlyError as exc:
            raise InputError(source, str(exc)) from None
        citations = []
        quoted_hits = set() if options.include_quoted else _quoted_hits(text, result.hits)
        for index, hit in enumerate(result.hits):
            line, col = result.line_col(hit.pos)
            quoted = hit.existing is None and index in quoted_hits
            citations.append(CitedUrl(
                index=index,
                url=hit.url,
                location=f"line {line}, column {col}",
                existing_archive=hit.existing,
                title=hit.title,
                kind=hit.kind,
                written=hit.written,
                context=context_around(text, hit.pos, max(hit.insert_at, hit.pos)),
                skip_reason=QUOTED_REASON if quoted else None,
            ))
        return MarkdownDocument(text, bom, result.hits, citations, result.warnings)
