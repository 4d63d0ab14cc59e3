"""The one small interface every document format implements, and the registry of formats.

An adapter turns a document's bytes into a :class:`ParsedDocument`: the list of
:class:`CitedUrl` it cites, in document order, plus a ``rewrite`` that splices Perma links in
beside chosen citations and returns the new bytes, changing nothing else. A new format is one
new subpackage of ``permify/formats/`` (its ``__init__`` declaring ``NAME``, ``SUFFIXES`` and
``ADAPTER``) and its name in :data:`_FORMAT_PACKAGES`.
"""

from __future__ import annotations

import functools
import importlib
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from .._lazy import lazy_exports
from ..errors import UnsupportedFormatError

if TYPE_CHECKING:
    from .options import RewriteOptions

__all__ = [
    "Adapter",
    "CitedUrl",
    "ParsedDocument",
    "RewriteOptions",
    "ScanOptions",
    "adapter_for",
    "context_around",
    "format_for_path",
    "supported_suffixes",
]


# A named tuple, not a dataclass: made for every citation, and defined by every command that
# reads a document (a frozen dataclass of ten fields costs most of a millisecond to define).
class CitedUrl(NamedTuple):
    """One place where a document cites a URL.

    Attributes:
        index: position in the document's citation list; ``rewrite`` is keyed by it.
        url: the URL to archive, decoded from the format's escapes (``&amp;`` -> ``&``,
            ``\\_`` -> ``_``); the document keeps its own spelling.
        location: where it is, for people: ``line 12, column 5``, ``entry smith2020, field url``,
            ``footnote 12``.
        existing_archive: the Perma link already beside this citation, if any; such a
            citation is never rewritten again.
        title: a title for the archive when the document offers one (link text, BibTeX title).
        kind: how it is cited (``link``, ``reference``, ``autolink``, ``bare``, ``field``,
            ``hyperlink``, ``fldSimple``, ``field-code``, ``text``); informational.
        written: the URL exactly as written in the document (before decoding escapes).
        context: the text around the citation as the reader sees it (about 60 characters
            each side, one line; see :func:`context_around`), for cite-checkers' reports.
        skip_reason: why the format itself says this URL is not to be archived (a reviewer
            comment, a quotation, a BibTeX provenance field); None to let
            :func:`~permify.urls.classify` decide. Such a citation is listed, never archived.
        note: what the user must do by hand once it is archived (a reference-manager field
            that permify does not edit); the report adds the Perma link after it.
    """

    index: int  # type: ignore[assignment]  # the field hides tuple.index, which nothing uses
    url: str
    location: str
    existing_archive: str | None = None
    title: str | None = None
    kind: str = "bare"
    written: str | None = None
    context: str = ""
    skip_reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ScanOptions:
    """Which URLs a document is read for. Adapters ignore the options that do not apply to them.

    Attributes:
        include_comments: .docx: archive and edit URLs in reviewer comments too
            (``--include-comments``); by default they are listed as skipped.
        include_quoted: archive and edit URLs inside a quotation too (``--include-quoted``);
            by default they are listed as skipped (see :mod:`permify.quotes`).
        bib_url_fields: BibTeX only: more field names to read as URL fields
            (``--bib-url-field``; see docs/bibtex.md).
        bib_skip_fields: BibTeX only: field names never read (``--bib-skip-field``); their
            URLs are listed as skipped.
        skip_hosts: host patterns never archived (``--skip-host``; see docs/urls.md).
        include_hosts: host patterns archived although a built-in rule (a subscription
            database, a library proxy) would skip them (``--include-host``).
    """

    include_comments: bool = False
    include_quoted: bool = False
    bib_url_fields: tuple[str, ...] = ()
    bib_skip_fields: tuple[str, ...] = ()
    skip_hosts: tuple[str, ...] = ()
    include_hosts: tuple[str, ...] = ()


#: Characters of context kept on each side of a cited URL.
CONTEXT_CHARS = 60
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\r?\n")


def context_around(text: str, start: int, end: int, width: int = CONTEXT_CHARS) -> str:
    """The text around ``text[start:end]`` as one line: ``width`` characters each side
    (cut at a word where possible, with ``…``), white space collapsed. Cheap: it looks
    only at the window around the URL."""
    # A blank line ends the paragraph: the reader does not see the next one as context.
    before = " ".join(_PARAGRAPH_BREAK.split(text[max(0, start - width * 2) : start])[-1].split())
    after = " ".join(_PARAGRAPH_BREAK.split(text[end : end + width * 2], maxsplit=1)[0].split())
    url = " ".join(text[start:end].split())
    if len(before) > width:
        cut = before[-width:]
        before = "…" + (cut.split(" ", 1)[1] if " " in cut[:20] else cut)
    if len(after) > width:
        cut = after[:width]
        after = (cut.rsplit(" ", 1)[0] if " " in cut[-20:] else cut) + "…"
    gap_before = " " if start > 0 and text[start - 1 : start].isspace() and before else ""
    gap_after = " " if text[end : end + 1].isspace() and after else ""
    return f"{before}{gap_before}{url}{gap_after}{after}".strip()


class ParsedDocument(ABC):
    """A parsed document: what it cites, and how to write it back with Perma links."""

    #: every cited URL, in document order; ``citations[i].index == i``
    citations: list[CitedUrl]
    #: things the user should know (raw HTML skipped, a block that failed to parse, ...)
    warnings: list[str]

    @abstractmethod
    def rewrite(self, perma_links: Mapping[int, str], options: RewriteOptions) -> bytes:
        """Return the document with ``perma_links[i]`` inserted beside citation ``i``.

        Citations not in the mapping, and citations with an ``existing_archive``, are left
        alone. Every other byte of the input is preserved. Raises nothing for a valid
        mapping; an unknown index is a programming error (``KeyError``).
        """


class Adapter(ABC):
    """A document format: parses bytes into a :class:`ParsedDocument`."""

    #: short name used by ``--from`` (``markdown``, ``bibtex``, ``docx``)
    name: ClassVar[str]
    #: file suffixes handled, lower-case with the dot
    suffixes: ClassVar[tuple[str, ...]]
    #: True for formats read as text (stdin is allowed)
    textual: ClassVar[bool] = True

    @abstractmethod
    def parse(self, data: bytes, source: str = "<input>") -> ParsedDocument:
        """Parse ``data``; raise :class:`~permify.errors.InputError` naming ``source`` if it is invalid."""

    def parse_with(self, data: bytes, source: str, options: ScanOptions) -> ParsedDocument:
        """:meth:`parse` with scan options; a format with no options of its own ignores them."""
        return self.parse(data, source)


#: The format subpackages of :mod:`permify.formats`. Each ``__init__`` declares ``NAME``,
#: ``SUFFIXES`` and ``ADAPTER`` as plain data, so the table below is built without importing
#: any adapter, and one format's parsing library never loads (or breaks) another.
_FORMAT_PACKAGES = ("markdown", "bibtex", "docx")


class _Format(NamedTuple):
    """One format as its subpackage declares it."""

    package: str
    adapter: str
    suffixes: tuple[str, ...]


@functools.cache
def _formats() -> dict[str, _Format]:
    """Format name -> its declaration, in :data:`_FORMAT_PACKAGES` order."""
    table: dict[str, _Format] = {}
    for package in _FORMAT_PACKAGES:
        module = importlib.import_module(f"{__package__}.{package}")
        table[module.NAME] = _Format(module.__name__, module.ADAPTER, module.SUFFIXES)
    return table


@functools.cache
def _suffixes() -> dict[str, str]:
    """Suffix -> format name."""
    return {suffix: name for name, fmt in _formats().items() for suffix in fmt.suffixes}


def supported_suffixes() -> list[str]:
    """The file suffixes permify reads, for error messages and ``--help``."""
    return sorted(_suffixes())


def format_for_path(path: str | Path, explicit: str | None = None) -> str:
    """The format name for ``path`` (``--from`` wins), or :class:`UnsupportedFormatError`."""
    if explicit:
        if explicit not in _formats():
            raise UnsupportedFormatError(
                str(path), f"unknown format {explicit!r}; use one of {', '.join(sorted(_formats()))}"
            )
        return explicit
    suffix = Path(str(path)).suffix.lower()
    if suffix in _suffixes():
        return _suffixes()[suffix]
    if suffix in (".doc", ".rtf", ".odt", ".pages"):
        problem = f"{suffix} files are not supported; save the document as .docx in Word and try again"
    elif str(path) == "-":
        problem = "reading stdin needs --from markdown|bibtex"
    else:
        problem = (
            f"unknown file type {suffix or '(no suffix)'!r}; supported: "
            f"{', '.join(supported_suffixes())} (or pass --from {'|'.join(sorted(_formats()))})"
        )
    raise UnsupportedFormatError(str(path), problem)


@functools.cache
def adapter_for(name: str) -> Adapter:
    """The adapter instance for a format name (as :func:`format_for_path` gives it), made once;
    its module, and the library it parses with, is imported here on first use."""
    fmt = _formats()[name]
    cls: type[Adapter] = getattr(importlib.import_module(f"{fmt.package}.adapter"), fmt.adapter)
    return cls()


# How links are written is loaded when first used: listing the URLs of a document writes none.
__getattr__, __dir__ = lazy_exports(__name__, {"RewriteOptions": "permify.formats.options"}, __all__)
