"""BibTeX (.bib) adapter: find the URLs each entry cites and record its Perma links beside them.

bibtexparser 2.x is used only to *locate* blocks (``parse_string(src, parse_stack=[])``:
``Entry.raw`` and its 0-based ``start_line``); its writer reformats the whole file, so the new
text is spliced into the original and every other byte stays as it was.

What is read, per entry (:mod:`.read`, :mod:`.fields`; docs/bibtex.md has the rules):

- URL fields (``url`` and every name ending in ``url``: ``pdfurl``, ``www_pdf_url``,
  ``Bdsk-Url-1``...), their value unwrapped from extra braces, ``\\url{}`` or ``\\href{}{}``;
  several space-separated URLs are several citations;
- ``\\url{...}``, ``\\href{...}{...}`` and bare http(s) URLs in the text fields (``howpublished``,
  ``note``, ``addendum``, ``annote``, ``annotation``);
- the URLs of every other field are listed as skipped, with the reason (``CitedUrl.skip_reason``:
  provenance field, ``doi``, ``eprint``, ``file``, a disabled ``_field``...).

``@string`` macros and ``#`` concatenation are resolved for reading only. LaTeX escapes
(``\\_ \\% \\& \\# \\~{}``...) are undone in the URL that is archived (``CitedUrl.url``); the
file keeps its spelling (``CitedUrl.written``).

What is written (:mod:`.write`): ``perma`` holds the Perma link of the entry's primary URL
(the ``url`` field's, else the first URL field's, else the first URL of a text field); every
other URL of a URL field ``F`` gets ``F-perma`` (``F-perma-2``... for its later URLs) right
after ``F``; a URL inside a text field gets `` [\\url{https://perma.cc/GUID}]`` right after it;
the ``url`` field's link is also printed as ``[\\url{...}]`` at the start of ``note`` or
``addendum`` (``RewriteOptions.bib_print``). A URL whose archive is recorded already is left
alone, so running permify again changes nothing and a half-done entry gets only what it lacks.

Blocks bibtexparser cannot parse, comments, ``@string``, ``@preamble`` and ``@comment`` are left
byte-identical; a failed block is reported in ``warnings`` with its line number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...errors import InvalidGuidError, UsageError
from ...urls import is_perma_link
from ..base import Adapter, CitedUrl, ParsedDocument, ScanOptions

if TYPE_CHECKING:  # loaded when a document is written
    from ..options import RewriteOptions
from ..text import TextErrors, decode_text, encode_text, splice
from . import NAME, SUFFIXES
from .fields import FieldRules
from .layout import Edit, removal_edits
from .locate import Locator, split_blocks
from .read import Reader, block_line, block_raw
from .scan import ScanError, scan_entry
from .slots import EntryRecord, Slot
from .write import EntryLinks, entry_edits

__all__ = ["BibtexAdapter", "BibtexDocument", "strip_perma_fields"]

_PRINT_MODES = ("note", "addendum", "none")
#: what a .bib file that is not UTF-8 text is told (see :class:`~permify.formats.text.TextErrors`)
_NOT_TEXT = TextErrors(
    utf16="is UTF-16 text; save the .bib file as UTF-8 and try again",
    binary="is binary data (NUL bytes), not a BibTeX file; pass a .bib text file",
    invalid="is not valid UTF-8 (byte 0x{byte:02x} on line {line}, offset {offset}); "
            "convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again",
)


class BibtexDocument(ParsedDocument):
    """A parsed .bib file; :meth:`rewrite` splices Perma links into the original text."""

    def __init__(self, text: str, bom: bool) -> None:
        self.text = text
        self.bom = bom
        self.citations: list[CitedUrl] = []
        self.warnings: list[str] = []
        self._entries: list[EntryRecord] = []
        self._slots: list[Slot] = []  # by citation index
        self._slot_entries: list[int] = []  # by citation index: its entry's index in _entries
        #: the first sign that the file is written for biblatex (``entry k is @online``, ``entry
        #: k has a journaltitle field``), or None: biblatex prints ``note`` before the URL, so
        #: the command line suggests ``--bib-print addendum`` (see docs/bibtex.md)
        self.biblatex_hint: str | None = None

    def rewrite(self, perma_links: Mapping[int, str], options: RewriteOptions) -> bytes:
        """The file with each entry's new Perma links recorded (see the module docstring).

        ``perma_links`` maps citation index -> ``https://perma.cc/GUID``. Citations with an
        ``existing_archive`` or a ``skip_reason`` are skipped. An unknown index raises
        ``KeyError``, a value that is not a Perma link :class:`~permify.errors.InvalidGuidError`,
        and a ``bib_print`` other than ``note``/``addendum``/``none`` :class:`~permify.errors.UsageError`.
        """
        if options.bib_print not in _PRINT_MODES:
            raise UsageError(
                f"unknown BibTeX print field {options.bib_print!r}; use one of {', '.join(_PRINT_MODES)}"
            )
        print_field = None if options.bib_print == "none" else options.bib_print
        citations, slot_entries, count = self.citations, self._slot_entries, len(self.citations)
        chosen: dict[int, list[tuple[int, str]]] = {}
        for index, link in perma_links.items():
            if not isinstance(index, int) or not 0 <= index < count:
                raise KeyError(index)
            link = link.strip()
            if not is_perma_link(link):
                raise InvalidGuidError(f"not a Perma link: {link!r}")
            cited = citations[index]
            if cited.existing_archive is None and cited.skip_reason is None:
                chosen.setdefault(slot_entries[index], []).append((index, link))
        edits: list[Edit] = []
        for entry_index, links in chosen.items():
            entry = self._entries[entry_index]
            try:
                plan = self._plan(entry, sorted(links), print_field)
                edits.extend(entry_edits(entry.raw, plan, entry.offset))
            except ScanError:  # the entry's text is not what bibtexparser reported: leave it be
                continue
        return encode_text(splice(self.text, edits), self.bom)

    def _plan(self, entry: EntryRecord, links: list[tuple[int, str]], print_field: str | None) -> EntryLinks:
        primary: str | None = None
        printed_in: str | None = None
        fields: list[tuple[str, str, int, str]] = []
        inline: list[tuple[str, str, int, str, str, int | None]] = []
        slots, entry_primary = self._slots, entry.primary
        for index, link in links:
            slot = slots[index]
            if slot.role == "text":
                inline.append((slot.field, slot.value, slot.position, slot.written, link, slot.end))
            if index == entry_primary:
                primary = link
                if slot.role == "url" and slot.field.lower() == "url":
                    printed_in = print_field
            elif slot.role == "url":
                fields.append((slot.field, slot.value, slot.position, link))
        print_value = entry.prints.get(printed_in) if printed_in else None
        return EntryLinks(primary, printed_in, print_value, fields, inline)


class BibtexAdapter(Adapter):
    """Reads .bib files (BibTeX and biblatex); see the module docstring for what it writes."""

    name = NAME
    suffixes = SUFFIXES

    def parse(self, data: bytes, source: str = "<input>") -> BibtexDocument:
        """Parse ``data``; raise :class:`~permify.errors.InputError` naming ``source`` if it is not text."""
        return self.parse_with(data, source, ScanOptions())

    def parse_with(self, data: bytes, source: str, options: ScanOptions) -> BibtexDocument:
        """:meth:`parse` with ``options.bib_url_fields`` read as URL fields and
        ``options.bib_skip_fields`` never read."""
        text, bom = decode_text(data, source, _NOT_TEXT)
        doc = BibtexDocument(text, bom)
        Reader(doc, source, FieldRules(options.bib_url_fields, options.bib_skip_fields)).read()
        return doc


def strip_perma_fields(text: str) -> str:
    """Remove exactly what :meth:`BibtexDocument.rewrite` inserted (see :func:`.layout.removal_edits`).

    On a file that had no Perma links, stripping the output gives the input back, byte for byte.
    """
    locator = Locator(text)
    edits: list[Edit] = []
    for entry, _block in split_blocks(text, "<text>").entries:
        raw = block_raw(entry)
        offset = locator.find(raw, block_line(entry))
        if offset < 0:
            continue
        try:
            spans = scan_entry(raw)
        except ScanError:
            continue
        edits.extend(Edit(offset + e.start, offset + e.end, e.new) for e in removal_edits(raw, spans))
    return splice(text, edits)
