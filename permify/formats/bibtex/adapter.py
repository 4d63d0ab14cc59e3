"""BibTeX (.bib) adapter: find the URLs each entry cites and add its Perma links as new fields.

bibtexparser 2.x is used only to *locate* blocks (``parse_string(src, parse_stack=[])``:
``Entry.raw`` and its 0-based ``start_line``); its writer reformats the whole file, so the new
text is spliced into the original and every other byte stays as it was.

What is read, per entry:

- ``url`` (the whole value), and ``\\url{...}``, ``\\href{...}{...}`` and bare http(s) URLs in
  ``howpublished``, ``note``, ``addendum`` and ``annote``; never ``doi``, ``eprint``, ``file``
  or ``urldate``; Perma links in text fields are printed copies, not sources. ``@string``
  macros and ``#`` concatenation are resolved for reading only.
  LaTeX escapes (``\\_ \\% \\& \\# \\~{}``...) are undone in the URL that is archived
  (``CitedUrl.url``); the file keeps its spelling (``CitedUrl.written``).
- An entry that already has a ``perma`` field is reported with ``existing_archive`` set and is
  never edited, so running permify again changes nothing.

What is written, per entry that gets at least one link:

- ``perma = {https://perma.cc/GUID}``, after the last field, with the entry's indentation,
  ``=`` alignment, trailing-comma style and line ending. When an entry's URLs were archived
  under several *different* links, each link follows its URL:
  ``perma = {https://u1 https://perma.cc/AAAA-2222; https://u2 https://perma.cc/BBBB-3333}``
  (in the order the URLs appear in the entry; the same link is written once).
- A printed copy (``RewriteOptions.bib_print``): ``note`` (default) or ``addendum`` gets
  ``{\\url{https://perma.cc/GUID}}`` when the entry has no such field, and
  `` [\\url{https://perma.cc/GUID}]`` appended inside its braces or quotes when it has one
  (`` # { [\\url{...}]}`` after a macro or concatenated value); ``none`` writes no copy.
  Several links print as ``\\url{A}, \\url{B}``.

Blocks bibtexparser cannot parse, comments, ``@string``, ``@preamble`` and ``@comment`` are left
byte-identical; a failed block is reported in ``warnings`` with its line number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bibtexparser import model

from ...errors import InvalidGuidError, UsageError
from ...urls import PERMA_URL_RE, dedupe_key, is_perma_link
from ..base import Adapter, CitedUrl, ParsedDocument, RewriteOptions, context_around
from ..text import TextErrors, decode_text, encode_text, splice
from . import NAME, SUFFIXES
from .layout import Edit, insertion_edits, removal_edits
from .locate import Locator, failure_reasons, split_blocks, warning_line
from .scan import HEAD_RE, Piece, ScanError, scan_entry, scan_value
from .values import (
    MONTH_MACROS,
    ExpansionBudget,
    ExpansionLimitError,
    plain_title,
    resolve,
    unescape,
    urls_in_text,
)

__all__ = ["BibtexAdapter", "BibtexDocument", "strip_perma_fields"]

# What a field is read for, by lower-case name; every other field is skipped.
_URL, _TEXT, _PERMA, _TITLE = "url", "text", "perma", "title"
_ROLES = {"url": _URL, "howpublished": _TEXT, "note": _TEXT, "addendum": _TEXT, "annote": _TEXT,
          "perma": _PERMA, "title": _TITLE}
_PRINT_FIELDS = frozenset(("note", "addendum"))
_DELIMITERS = ("{", '"')  # a value's first character, when it is one delimited piece
_PRINT_MODES = ("note", "addendum", "none")
#: what a .bib file that is not UTF-8 text is told (see :class:`~permify.formats.text.TextErrors`)
_NOT_TEXT = TextErrors(
    utf16="is UTF-16 text; save the .bib file as UTF-8 and try again",
    binary="is binary data (NUL bytes), not a BibTeX file; pass a .bib text file",
    invalid="is not valid UTF-8 (byte 0x{byte:02x} on line {line}, offset {offset}); "
            "convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again",
)


# One located entry that cites something: where its raw text starts, the text, and the raw
# value of its first ``note`` and ``addendum`` field (by lower-case name; None when it has
# neither), where a printed copy may go. A plain tuple: there is one per entry.
_Entry = tuple[int, str, "dict[str, str] | None"]


class BibtexDocument(ParsedDocument):
    """A parsed .bib file; :meth:`rewrite` splices ``perma`` fields into the original text."""

    def __init__(self, text: str, bom: bool) -> None:
        self.text = text
        self.bom = bom
        self.citations: list[CitedUrl] = []
        self.warnings: list[str] = []
        self._entries: list[_Entry] = []
        self._entry_of: list[int] = []  # citation index -> index in _entries

    def rewrite(self, perma_links: Mapping[int, str], options: RewriteOptions) -> bytes:
        """The file with ``perma`` (and the printed copy) added to each entry that gets links.

        ``perma_links`` maps citation index -> ``https://perma.cc/GUID``. Citations with an
        ``existing_archive`` are skipped. An unknown index raises ``KeyError``, a value that
        is not a Perma link :class:`~permify.errors.InvalidGuidError`, and a ``bib_print`` other
        than ``note``/``addendum``/``none`` :class:`~permify.errors.UsageError`.
        """
        if options.bib_print not in _PRINT_MODES:
            raise UsageError(
                f"unknown BibTeX print field {options.bib_print!r}; use one of {', '.join(_PRINT_MODES)}"
            )
        print_field = None if options.bib_print == "none" else options.bib_print
        citations, entry_of, count = self.citations, self._entry_of, len(self.citations)
        chosen: dict[int, list[tuple[int, str]]] = {}
        for index, link in perma_links.items():
            if not isinstance(index, int) or not 0 <= index < count:
                raise KeyError(index)
            link = link.strip()
            if not is_perma_link(link):
                raise InvalidGuidError(f"not a Perma link: {link!r}")
            if citations[index].existing_archive is None:
                chosen.setdefault(entry_of[index], []).append((index, link))
        edits: list[Edit] = []
        entries = self._entries
        for entry_index, links in chosen.items():
            offset, raw, prints = entries[entry_index]
            if len(links) == 1:
                index, link = links[0]
                pairs = [(citations[index].url.replace(" ", "%20"), link)]
            else:
                pairs = []
                for index, link in sorted(links):
                    if all(link != seen for _, seen in pairs):
                        pairs.append((citations[index].url.replace(" ", "%20"), link))
            print_value = prints.get(print_field) if prints and print_field is not None else None
            try:
                edits.extend(insertion_edits(raw, pairs, print_field, print_value, offset))
            except ScanError:  # the entry's text is not what bibtexparser reported: leave it be
                continue
        out = splice(self.text, edits)
        return encode_text(out, self.bom)


class BibtexAdapter(Adapter):
    """Reads .bib files (BibTeX and biblatex); see the module docstring for what it writes."""

    name = NAME
    suffixes = SUFFIXES

    def parse(self, data: bytes, source: str = "<input>") -> BibtexDocument:
        """Parse ``data``; raise :class:`~permify.errors.InputError` naming ``source`` if it is not text."""
        text, bom = decode_text(data, source, _NOT_TEXT)
        doc = BibtexDocument(text, bom)
        _Reader(doc, source).read()
        return doc


def _raw(block: model.Block) -> str:
    """A parsed block's source text (typed Optional by bibtexparser; parsing always sets it)."""
    assert block.raw is not None
    return block.raw


def _line(block: model.Block) -> int:
    """A parsed block's 0-based first line (typed Optional by bibtexparser; always set)."""
    assert block.start_line is not None
    return block.start_line


class _Reader:
    """Fills a :class:`BibtexDocument`'s citations and warnings."""

    def __init__(self, doc: BibtexDocument, source: str) -> None:
        self.doc = doc
        self.source = source
        self.macros: dict[str, str] = dict(MONTH_MACROS)
        self.url_macros: list[str] = []  # the macros whose value holds '://' (once all are read)
        self.budget = ExpansionBudget()  # caps what @string and # may spell (doubling macros)

    def warn(self, line: int, message: str) -> None:
        self.doc.warnings.append(f"line {line + 1}: {message}")

    def read(self) -> None:
        text = self.doc.text
        # One parse: @string macros are resolved from its own String blocks, all of them
        # before any entry is read (BibTeX itself needs them defined first; permify is lenient).
        blocks = split_blocks(text, self.source)
        reasons = failure_reasons(blocks.log)
        for block in blocks.others:
            if isinstance(block, model.String):
                self._define(block)
            else:
                self._failed(block, reasons.get(_line(block)))
        self.url_macros = [name for name, value in self.macros.items() if "://" in value]
        self.url_macros.extend(self.budget.oversized)  # an entry using one is reported
        locator = Locator(text)
        for entry, parsed in blocks.entries:
            raw, start_line = _raw(entry), _line(entry)
            if parsed is not entry:  # a duplicate key: bibtexparser wrapped the entry
                previous = parsed.previous_block  # type: ignore[attr-defined]
                first = _line(previous) + 1 if previous else "?"
                self.warn(start_line, f"duplicate entry key {entry.key!r} (first used on line "
                          f"{first}); BibTeX keeps only the first, permify handles both")
            offset = locator.find(raw, start_line)
            head = HEAD_RE.match(raw)
            tail = raw.rstrip()[-1:]
            if offset < 0 or head is None or tail != ("}" if head.group(1) == "{" else ")"):
                self.warn(start_line, f"entry {entry.key!r} left unchanged (its text could "
                          "not be located)")
                continue
            if self._may_cite(raw):
                self._entry(offset, raw, entry.key, entry.fields)
        if not blocks.entries:
            self.doc.warnings.append("no BibTeX entries found")
        # failed blocks are found before entries; report everything in file order
        self.doc.warnings.sort(key=warning_line)

    def _may_cite(self, raw: str) -> bool:
        """False for an entry that cannot cite a URL, found without reading its fields.

        That is one with no '://' and no '#' in its text, no field whose name contains "url",
        and no mention of a macro whose value has a URL (most books and DOI-only articles).
        """
        if "://" in raw or "#" in raw:
            return True
        lowered = raw.lower()
        return "url" in lowered or any(name in lowered for name in self.url_macros)

    def _define(self, block: model.String) -> None:
        try:
            pieces, _ = scan_value(block.value, 0)
        except (ScanError, IndexError):
            self.warn(_line(block), f"@string {block.key!r} could not be read; not resolved")
            return
        try:
            value = resolve(block.value, pieces, self.macros, budget=self.budget)
        except ExpansionLimitError as exc:
            self.budget.oversized.add(block.key.lower())
            if exc.uses is not None:
                return  # built on one reported already: one line for a chain of doublings
            self.warn(_line(block), f"@string {block.key!r}: {exc}; not expanded, and the URLs "
                      "of entries using it are not archived")
            return
        if value is not None:
            self.macros[block.key.lower()] = value

    def _failed(self, block: model.ParsingFailedBlock, reason: str | None) -> None:
        head = re.match(r"\s*@\s*\w+", _raw(block))
        what = f"the {head.group().strip()} block" if head else "a block"
        n_urls = len(urls_in_text(_raw(block)))
        lost = f"; its {n_urls} URL(s) are not archived" if n_urls else ""
        self.warn(_line(block), f"{what} could not be parsed ({reason or 'syntax error'}) "
                  f"and is left unchanged{lost}")

    def _value(self, value: str, missing: str | None = "") -> str | None:
        """A raw field value resolved (macros, ``#``); None if it cannot be read."""
        if "#" not in value:
            first = value[:1]
            if first in _DELIMITERS:
                return value[1:-1]  # what resolve() gives for one delimited piece
            pieces: tuple[Piece, ...] = (Piece("bare", 0, len(value)),)
        else:
            try:
                pieces, _ = scan_value(value, 0)
            except ScanError:
                return None
        return resolve(value, pieces, self.macros, missing, self.budget)

    def _entry(self, offset: int, raw: str, key: str, fields: list[model.Field]) -> None:
        found: list[tuple[str, int, str, str]] = []  # (field name, its line, written, url)
        perma: str | None = None
        title: str | None = None  # the raw value of the last title field
        prints: dict[str, str] | None = None
        for f in fields:
            name = f.key.lower()
            role = _ROLES.get(name)
            if role is None:
                continue
            try:
                if role is _URL:
                    found.extend(self._url_field(f, name, key))
                elif role is _TEXT:
                    value = f.value
                    if name in _PRINT_FIELDS:
                        if prints is None:
                            prints = {name: value}
                        elif name not in prints:
                            prints[name] = value
                    if "#" not in value and value[:1] in _DELIMITERS:
                        if "://" not in value:  # reads as itself: no URL (skips most notes cheaply)
                            continue
                        text = value[1:-1]  # what _value() gives, without the call
                    else:
                        text = self._value(value) or ""
                    line = f.start_line
                    # a Perma link in a note is a printed copy (maybe ours), not a cited source
                    found.extend((name, line, u.written, u.url) for u in urls_in_text(text)
                                 if not is_perma_link(u.url))
                elif role is _PERMA:
                    perma = self._value(f.value) or ""
                else:
                    title = f.value
            except ExpansionLimitError as exc:  # doubling @string macros, say
                self.warn(f.start_line, f"entry {key!r}, field {name}: {exc}; not expanded, its "
                          "URLs are not archived")
                if role is _PERMA:
                    perma = ""  # unreadable: the entry counts as done and is left unchanged
        if not found:
            return
        if title is not None:
            delimited = "#" not in title and title[:1] in _DELIMITERS
            try:
                title = plain_title(title[1:-1] if delimited else self._value(title) or "") or None
            except ExpansionLimitError:
                title = None  # only the title Perma shows; the URLs are archived
        existing = _existing(perma, [item[3] for item in found]) if perma is not None else None
        if perma is not None and not PERMA_URL_RE.search(perma):
            self.warn(fields[0].start_line, f"entry {key!r} has a perma field without a Perma "
                      "link; left unchanged")
        doc = self.doc
        entry_index = len(doc._entries)
        doc._entries.append((offset, raw, prints))
        citations = doc.citations
        for n, (name, line, written, url) in enumerate(found):
            # positional: CitedUrl(index, url, location, existing_archive, title, kind, written)
            citations.append(CitedUrl(len(citations), url, f"entry {key}, field {name} (line {line + 1})",
                                      existing[n] if existing else None, title, "field", written,
                                      _context(raw, written, key, title)))
        doc._entry_of.extend([entry_index] * len(found))

    def _url_field(self, f: model.Field, name: str, key: str) -> list[tuple[str, int, str, str]]:
        raw_value = f.value
        single = "#" not in raw_value and raw_value[:1] in _DELIMITERS
        value = raw_value[1:-1] if single else self._value(raw_value, None)
        if value is None:
            self.warn(f.start_line, f"entry {key!r}: url uses an undefined @string macro; skipped")
            return []
        if "\\url" in value or "\\href" in value:
            line = f.start_line
            return [(name, line, u.written, u.url) for u in urls_in_text(value)]
        url = unescape(value).strip()
        if not url:
            return []
        return [(name, f.start_line, value.strip() if single else raw_value, url)]


def _existing(perma: str, urls: list[str]) -> list[str]:
    """The existing archive of each URL in an entry that has a ``perma`` field.

    ``url link; url link`` pairs are matched by URL; a plain list of links with one per URL
    is matched in order; otherwise every URL gets the first link (the entry counts as done).
    """
    links: list[str] = []
    by_url: dict[str, str] = {}
    previous: str | None = None
    for token in _PERMA_TOKEN_RE.split(perma):
        if not token:
            continue
        if is_perma_link(token):
            links.append(token)
            if previous is not None:
                by_url[dedupe_key(unescape(previous))] = token
            previous = None
        else:
            previous = token
    if not links:
        return [perma.strip() or "perma field"] * len(urls)
    if not by_url and len(links) == len(urls):
        return links
    return [by_url.get(dedupe_key(url), links[0]) for url in urls]


_PERMA_TOKEN_RE = re.compile(r"[\s;{}]+|\\url")


def strip_perma_fields(text: str) -> str:
    """Remove exactly what :meth:`BibtexDocument.rewrite` inserted: ``perma`` and printed copies.

    A ``perma`` field is removed only in the form and place permify writes it (last in the
    entry, or just before the printed copy it added); a hand-written one elsewhere stays.
    """
    locator = Locator(text)
    edits: list[Edit] = []
    for entry, _block in split_blocks(text, "<text>").entries:
        raw = _raw(entry)
        offset = locator.find(raw, _line(entry))
        if offset < 0:
            continue
        try:
            spans = scan_entry(raw)
        except ScanError:
            continue
        edits.extend(Edit(offset + e.start, offset + e.end, e.new) for e in removal_edits(raw, spans))
    return splice(text, edits)


def _context(raw: str, written: str, key: str, title: str | None) -> str:
    """What a reader of the bibliography sees around the URL: the entry's title, else the
    entry's text around it (for reports)."""
    if title:
        return f"{key}: {title}"
    at = raw.find(written)
    return context_around(raw, at, at + len(written)) if at >= 0 else key
