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

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import bibtexparser
from bibtexparser import model

from ..errors import InputError, InvalidGuidError, UsageError
from ..urls import PERMA_LINK_RE, dedupe_key, is_perma_link
from .base import Adapter, CitedUrl, ParsedDocument, RewriteOptions
from .bibtex_layout import Edit, insertion_edits, removal_edits
from .bibtex_values import (
    HEAD_RE,
    MONTH_MACROS,
    Piece,
    ScanError,
    plain_title,
    resolve,
    scan_entry,
    scan_value,
    unescape,
    urls_in_text,
)

__all__ = ["BibtexAdapter", "BibtexDocument", "strip_perma_fields"]

_TEXT_FIELDS = frozenset(("howpublished", "note", "addendum", "annote"))
_PRINT_MODES = ("note", "addendum", "none")
_BOM = b"\xef\xbb\xbf"


@dataclass
class _Entry:
    """One located entry: where its raw text starts, the text, its (name, raw value) fields."""

    offset: int
    raw: str
    known: list[tuple[str, str]]


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
        chosen: dict[int, list[tuple[int, str]]] = {}
        for index, link in perma_links.items():
            if not isinstance(index, int) or not 0 <= index < len(self.citations):
                raise KeyError(index)
            link = link.strip()
            if not is_perma_link(link):
                raise InvalidGuidError(f"not a Perma link: {link!r}")
            if self.citations[index].existing_archive is None:
                chosen.setdefault(self._entry_of[index], []).append((index, link))
        edits: list[Edit] = []
        for entry_index, links in chosen.items():
            entry = self._entries[entry_index]
            pairs: list[tuple[str, str]] = []
            for index, link in sorted(links):
                if all(link != seen for _, seen in pairs):
                    pairs.append((self.citations[index].url.replace(" ", "%20"), link))
            try:
                new = insertion_edits(entry.raw, entry.known, pairs, print_field)
            except ScanError:  # checked at parse time; never seen, but never corrupt the file
                continue
            edits.extend(Edit(entry.offset + e.start, entry.offset + e.end, e.new) for e in new)
        out = _apply(self.text, edits)
        return (_BOM if self.bom else b"") + out.encode("utf-8")


def _apply(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping edits applied (in one pass, in offset order)."""
    if not edits:
        return text
    parts: list[str] = []
    last = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        parts.append(text[last : e.start])
        parts.append(e.new)
        last = e.end
    parts.append(text[last:])
    return "".join(parts)


class BibtexAdapter(Adapter):
    """Reads .bib files (BibTeX and biblatex); see the module docstring for what it writes."""

    name = "bibtex"
    suffixes = (".bib",)

    def parse(self, data: bytes, source: str = "<input>") -> BibtexDocument:
        """Parse ``data``; raise :class:`~permify.errors.InputError` naming ``source`` if it is not text."""
        text, bom = _decode(data, source)
        doc = BibtexDocument(text, bom)
        _Reader(doc, source).read()
        return doc


def _decode(data: bytes, source: str) -> tuple[str, bool]:
    """UTF-8 text (without its BOM) and whether it had one, or InputError with what to do."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, "is UTF-16 text; save the .bib file as UTF-8 and try again")
    if b"\x00" in data:
        raise InputError(source, "is binary data (NUL bytes), not a BibTeX file; pass a .bib text file")
    bom = data.startswith(_BOM)
    try:
        text = data[len(_BOM) if bom else 0 :].decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + (len(_BOM) if bom else 0)
        line = data.count(b"\n", 0, at) + 1
        raise InputError(
            source,
            f"is not valid UTF-8 (byte 0x{data[at]:02x} on line {line}, "
            f"offset {at}); "
            "convert it to UTF-8 (e.g. iconv -f latin1 -t utf-8) and try again",
        ) from None
    return text, bom


class _LogCollector(logging.Filter):
    """Swallows bibtexparser's parse-error log lines (they become warnings instead)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.messages.append(record.getMessage())
        return False


def _split(text: str, source: str) -> tuple[list[model.Block], list[str]]:
    """bibtexparser's blocks with raw values (no middleware), and its log messages."""
    logger = logging.getLogger("bibtexparser.splitter")
    collector = _LogCollector()
    logger.addFilter(collector)
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser has no narrow error type for a bad file
        raise InputError(source, f"could not be read as BibTeX ({exc}); check the file") from None
    finally:
        logger.removeFilter(collector)
    return library.blocks, collector.messages


def _entries(blocks: list[model.Block]) -> Iterator[tuple[model.Entry, model.Block]]:
    """Every entry, duplicates included, with the block it came from."""
    for block in blocks:
        if isinstance(block, model.Entry):
            yield block, block
        elif isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, model.Entry
        ):
            yield block.ignore_error_block, block


class _Locator:
    """Finds each block's raw text in the file, in file order, checking its 0-based start line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 0

    def find(self, raw: str, line: int) -> int:
        """Offset of ``raw`` starting on ``line`` (at or after the previous find), or -1."""
        pos = self.text.find(raw, self.pos)
        if pos < 0:
            return -1
        at_line = self.line + self.text.count("\n", self.pos, pos)
        if at_line != line:
            return -1
        self.pos, self.line = pos + len(raw), at_line + raw.count("\n")
        return pos


class _Reader:
    """Fills a :class:`BibtexDocument`'s citations and warnings."""

    def __init__(self, doc: BibtexDocument, source: str) -> None:
        self.doc = doc
        self.source = source
        self.macros: dict[str, str] = dict(MONTH_MACROS)

    def warn(self, line: int, message: str) -> None:
        self.doc.warnings.append(f"line {line + 1}: {message}")

    def read(self) -> None:
        text = self.doc.text
        blocks, log = _split(text, self.source)
        reasons = _failure_reasons(log)
        for block in blocks:
            if isinstance(block, model.String):
                self._define(block)
            elif isinstance(block, model.ParsingFailedBlock) and not isinstance(
                block, model.DuplicateBlockKeyBlock
            ):
                self._failed(block, reasons.get(block.start_line))
        locator = _Locator(text)
        seen = 0
        for entry, block in _entries(blocks):
            seen += 1
            if isinstance(block, model.DuplicateBlockKeyBlock):
                first = block.previous_block.start_line + 1 if block.previous_block else "?"
                self.warn(entry.start_line, f"duplicate entry key {entry.key!r} (first used on line "
                          f"{first}); BibTeX keeps only the first, permify handles both")
            offset = locator.find(entry.raw, entry.start_line)
            head = HEAD_RE.match(entry.raw)
            tail = entry.raw.rstrip()[-1:]
            if offset < 0 or head is None or tail != ("}" if head.group(1) == "{" else ")"):
                self.warn(entry.start_line, f"entry {entry.key!r} left unchanged (its text could "
                          "not be located)")
                continue
            known = [(f.key, f.value) for f in entry.fields]
            self._entry(_Entry(offset, entry.raw, known), entry.key, entry.fields)
        if not seen:
            self.doc.warnings.append("no BibTeX entries found")
        # failed blocks are found before entries; report everything in file order
        self.doc.warnings.sort(key=_warning_line)

    def _define(self, block: model.String) -> None:
        try:
            pieces, _ = scan_value(block.value, 0)
        except (ScanError, IndexError):
            self.warn(block.start_line, f"@string {block.key!r} could not be read; not resolved")
            return
        value = resolve(block.value, pieces, self.macros)
        if value is not None:
            self.macros[block.key.lower()] = value

    def _failed(self, block: model.ParsingFailedBlock, reason: str | None) -> None:
        head = re.match(r"\s*@\s*\w+", block.raw)
        what = f"the {head.group().strip()} block" if head else "a block"
        n_urls = len(urls_in_text(block.raw))
        lost = f"; its {n_urls} URL(s) are not archived" if n_urls else ""
        self.warn(block.start_line, f"{what} could not be parsed ({reason or 'syntax error'}) "
                  f"and is left unchanged{lost}")

    def _value(self, value: str, missing: str | None = "") -> str | None:
        """A raw field value resolved (macros, ``#``); None if it cannot be read."""
        if "#" not in value:
            first = value[:1]
            kind = "{" if first == "{" else '"' if first == '"' else "bare"
            pieces: tuple[Piece, ...] = (Piece(kind, 0, len(value)),)
        else:
            try:
                pieces, _ = scan_value(value, 0)
            except ScanError:
                return None
        return resolve(value, pieces, self.macros, missing)

    def _entry(self, entry: _Entry, key: str, fields: list[model.Field]) -> None:
        found: list[tuple[model.Field, str, str]] = []  # (field, written, url)
        perma: str | None = None
        title: str | None = None
        for f in fields:
            name = f.key.lower()
            if name == "url":
                found.extend(self._url_field(f, key))
            elif name in _TEXT_FIELDS:
                # a Perma link in a note is a printed copy (maybe ours), not a cited source
                found.extend((f, u.written, u.url) for u in urls_in_text(self._value(f.value) or "")
                             if not is_perma_link(u.url))
            elif name == "perma":
                perma = self._value(f.value) or ""
            elif name == "title":
                title = plain_title(self._value(f.value) or "") or None
        if not found:
            return
        existing = _existing(perma, [url for _, _, url in found]) if perma is not None else None
        if perma is not None and not PERMA_LINK_RE.search(perma):
            self.warn(fields[0].start_line, f"entry {key!r} has a perma field without a Perma "
                      "link; left unchanged")
        entry_index = len(self.doc._entries)
        self.doc._entries.append(entry)
        for n, (f, written, url) in enumerate(found):
            self.doc.citations.append(CitedUrl(
                index=len(self.doc.citations), url=url,
                location=f"entry {key}, field {f.key.lower()} (line {f.start_line + 1})",
                existing_archive=existing[n] if existing else None,
                title=title, kind="field", written=written,
            ))
            self.doc._entry_of.append(entry_index)

    def _url_field(self, f: model.Field, key: str) -> list[tuple[model.Field, str, str]]:
        value = self._value(f.value, None)
        if value is None:
            self.warn(f.start_line, f"entry {key!r}: url uses an undefined @string macro; skipped")
            return []
        if "\\url" in value or "\\href" in value:
            return [(f, u.written, u.url) for u in urls_in_text(value)]
        url = unescape(value).strip()
        if not url:
            return []
        single = "#" not in f.value and f.value[:1] in ("{", '"')
        return [(f, value.strip() if single else f.value, url)]


def _warning_line(warning: str) -> int:
    m = re.match(r"line (\d+):", warning)
    return int(m.group(1)) if m else 0


def _failure_reasons(log: list[str]) -> dict[int, str]:
    """bibtexparser's reason for each failed block, by 0-based start line."""
    reasons: dict[int, str] = {}
    for message in log:
        m = re.search(r"block \(line (\d+)\)", message)
        if m:
            reason = message.strip().splitlines()[-1].strip().rstrip(".")
            reasons[int(m.group(1))] = reason
    return reasons


def _existing(perma: str, urls: list[str]) -> list[str]:
    """The existing archive of each URL in an entry that has a ``perma`` field.

    ``url link; url link`` pairs are matched by URL; a plain list of links with one per URL
    is matched in order; otherwise every URL gets the first link (the entry counts as done).
    """
    links: list[str] = []
    by_url: dict[str, str] = {}
    previous: str | None = None
    for token in re.split(r"[\s;{}]+|\\url", perma):
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


def strip_perma_fields(text: str) -> str:
    """Remove exactly what :meth:`BibtexDocument.rewrite` inserted: ``perma`` and printed copies.

    A ``perma`` field is removed only in the form and place permify writes it (last in the
    entry, or just before the printed copy it added); a hand-written one elsewhere stays.
    """
    blocks, _ = _split(text, "<text>")
    locator = _Locator(text)
    edits: list[Edit] = []
    for entry, _block in _entries(blocks):
        offset = locator.find(entry.raw, entry.start_line)
        if offset < 0:
            continue
        try:
            spans = scan_entry(entry.raw)
        except ScanError:
            continue
        for e in removal_edits(entry.raw, spans):
            edits.append(Edit(offset + e.start, offset + e.end, e.new))
    return _apply(text, edits)
