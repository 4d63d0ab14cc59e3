"""Reading a .bib file: which URLs each entry cites, and what is recorded for them already.

:class:`Reader` fills a :class:`~permify.formats.bibtex.adapter.BibtexDocument`: one
:class:`~permify.formats.base.CitedUrl` per URL of every field (the fields that do not cite
the work with a ``skip_reason``, see :mod:`.fields`), the archive each one has already (the
``perma`` field for the entry's primary URL, ``F-perma`` for another URL field's, a Perma
link right after a URL in a text field), and, per entry, where each new link will go
(:class:`~.slots.EntryRecord`, :class:`~.slots.Slot`; the rules for what an entry records
already are in :mod:`.slots`). The rules are in docs/bibtex.md.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bibtexparser import model

from ...urls import PERMA_URL_RE, is_perma_link
from ..base import CitedUrl, context_around
from .fields import PRINT_FIELDS, FieldRules, archive_field_of
from .locate import Locator, failure_reasons, split_blocks, warning_line
from .scan import HEAD_RE, Piece, ScanError, match_brace, scan_value
from .slots import EntryRecord, Slot, primary_index, recorded_archives, repeated_urls
from .values import (
    MONTH_MACROS,
    ExpansionBudget,
    ExpansionLimitError,
    TextUrl,
    plain_title,
    resolve,
    unescape,
    urls_in_text,
)

if TYPE_CHECKING:
    from .adapter import BibtexDocument

__all__ = ["Reader", "block_line", "block_raw"]

_DELIMITERS = ("{", '"')  # a value's first character, when it is one delimited piece
# A Perma link printed right after a URL in a text field: " [\url{LINK}]", " (LINK)"...
_PERMA_AFTER_RE = re.compile(r"\s*[\[(]?\s*(?:\\(?:url|href)\s*\{\s*)?(" + PERMA_URL_RE.pattern + ")")
_SCHEME_RE = re.compile(r"https?://", re.IGNORECASE)
# fields only biblatex reads (BibTeX styles ignore them)
_BIBLATEX_FIELDS = frozenset(("journaltitle", "date", "addendum", "eprinttype"))


def block_raw(block: model.Block) -> str:
    """A parsed block's source text (typed Optional by bibtexparser; parsing always sets it)."""
    assert block.raw is not None
    return block.raw


def block_line(block: model.Block) -> int:
    """A parsed block's 0-based first line (typed Optional by bibtexparser; always set)."""
    assert block.start_line is not None
    return block.start_line


class Reader:
    """Fills a :class:`BibtexDocument`'s citations and warnings."""

    def __init__(self, doc: BibtexDocument, source: str, rules: FieldRules) -> None:
        self.doc = doc
        self.source = source
        self.rules = rules
        self.macros: dict[str, str] = dict(MONTH_MACROS)
        self.url_macros: list[str] = []  # the macros whose value holds '://' (once all are read)
        self.budget = ExpansionBudget()  # caps what @string and # may spell (doubling macros)
        self._names: dict[str, tuple[str, str]] = {}  # field name as written -> (lower-cased, role)

    def warn(self, line: int, message: str) -> None:
        """Add ``message`` to the document's warnings, for 0-based ``line``."""
        self.doc.warnings.append(f"line {line + 1}: {message}")

    def read(self) -> None:
        """Read every block: define the ``@string`` macros, report the failed blocks, read the entries."""
        text = self.doc.text
        # One parse: @string macros are resolved from its own String blocks, all of them
        # before any entry is read (BibTeX itself needs them defined first; permify is lenient).
        blocks = split_blocks(text, self.source)
        reasons = failure_reasons(blocks.log)
        for block in blocks.others:
            if isinstance(block, model.String):
                self._define(block)
            else:
                self._failed(block, reasons.get(block_line(block)))
        self.url_macros = [name for name, value in self.macros.items() if "://" in value]
        self.url_macros.extend(self.budget.oversized)  # an entry using one is reported
        locator = Locator(text)
        doc = self.doc
        for entry, parsed in blocks.entries:
            raw, start_line = block_raw(entry), block_line(entry)
            if parsed is not entry:  # a duplicate key: bibtexparser wrapped the entry
                previous = parsed.previous_block  # type: ignore[attr-defined]
                first = block_line(previous) + 1 if previous else "?"
                self.warn(start_line, f"duplicate entry key {entry.key!r} (first used on line "
                          f"{first}); BibTeX keeps only the first, permify handles both")
            offset = locator.find(raw, start_line)
            head = HEAD_RE.match(raw)
            tail = raw.rstrip()[-1:]
            if offset < 0 or head is None or tail != ("}" if head.group(1) == "{" else ")"):
                self.warn(start_line, f"entry {entry.key!r} left unchanged (its text could "
                          "not be located)")
                continue
            if doc.biblatex_hint is None:
                self._biblatex_hint(entry)
            if "://" in raw or "#" in raw or self._may_cite(raw):  # the first tests: most entries
                self._entry(offset, raw, entry.key, entry.fields)
        if not blocks.entries:
            self.doc.warnings.append("no BibTeX entries found")
        # failed blocks are found before entries; report everything in file order
        self.doc.warnings.sort(key=warning_line)

    def _biblatex_hint(self, entry: model.Entry) -> None:
        if entry.entry_type.lower() == "online":
            self.doc.biblatex_hint = f"entry {entry.key} is @online"
            return
        for f in entry.fields:
            if f.key.lower() in _BIBLATEX_FIELDS:
                self.doc.biblatex_hint = f"entry {entry.key} has a {f.key} field"
                return

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
            self.warn(block_line(block), f"@string {block.key!r} could not be read; not resolved")
            return
        try:
            value = resolve(block.value, pieces, self.macros, budget=self.budget)
        except ExpansionLimitError as exc:
            self.budget.oversized.add(block.key.lower())
            if exc.uses is not None:
                return  # built on one reported already: one line for a chain of doublings
            self.warn(block_line(block), f"@string {block.key!r}: {exc}; not expanded, and the URLs "
                      "of entries using it are not archived")
            return
        if value is not None:
            self.macros[block.key.lower()] = value

    def _failed(self, block: model.ParsingFailedBlock, reason: str | None) -> None:
        head = re.match(r"\s*@\s*\w+", block_raw(block))
        what = f"the {head.group().strip()} block" if head else "a block"
        n_urls = len(urls_in_text(block_raw(block)))
        lost = f"; its {n_urls} URL(s) are not archived" if n_urls else ""
        self.warn(block_line(block), f"{what} could not be parsed ({reason or 'syntax error'}) "
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
        found: list[Slot] = []
        perma: str | None = None
        title: str | None = None  # the raw value of the last title field
        prints: dict[str, str] = {}
        archives: dict[tuple[str, int], str] = {}  # (field, position) -> its archive field's link
        names = self._names
        for f in fields:
            # (lower-cased name, role) by the name as written: files repeat a few dozen names
            known = names.get(f.key)
            if known is None:
                known = names[f.key] = (f.key.lower(), self.rules.role(f.key.lower()))
            name, role = known
            value = f.value
            if name == "title":
                title = value
            try:
                if role == "url":
                    found.extend(self._url_field(f, key))
                elif role == "text":
                    if name in PRINT_FIELDS and name not in prints:
                        prints[name] = value
                    found.extend(self._text_field(f))
                elif role == "perma":
                    perma = self._value(value) or ""
                elif "://" in value:
                    of = archive_field_of(name)
                    link = PERMA_URL_RE.search(value) if of is not None else None
                    if of is not None and link is not None:
                        archives[of] = link.group(0)
                        continue
                    reason = self.rules.skip_reason(name)
                    found.extend(Slot(f.key, value, "skip", n, f.start_line, u.written, u.url, skip=reason)
                                 for n, u in enumerate(self._urls_of(value), 1) if not is_perma_link(u.url))
            except ExpansionLimitError as exc:  # doubling @string macros, say
                self.warn(f.start_line, f"entry {key!r}, field {f.key}: {exc}; not expanded, its "
                          "URLs are not archived")
                if role == "perma":
                    perma = ""  # unreadable: the entry counts as done and is left unchanged
        if not found:
            return
        if title is not None:
            delimited = "#" not in title and title[:1] in _DELIMITERS
            try:
                title = plain_title(title[1:-1] if delimited else self._value(title) or "") or None
            except ExpansionLimitError:
                title = None  # only the title Perma shows; the URLs are archived
        if len(found) == 1 and perma is None:
            # most entries cite one URL and have no perma field: what the general path gives
            # (_primary, no repeats, _existing), without its calls
            only = found[0]
            primary: int | None = 0 if only.role in ("url", "text") else None
            existing = [only.existing]
        else:
            primary = primary_index(found)
            same = repeated_urls(found, primary)
            existing, warning = recorded_archives(found, primary, perma, archives, key)
            if warning:
                self.warn(fields[0].start_line, warning)
            for n, first in same.items():  # a URL field repeating another's URL shares its record
                existing[n] = existing[first]
                found[n] = found[n]._replace(role="same")
        doc = self.doc
        entry_index = len(doc._entries)
        citations = doc.citations
        first = len(citations)
        for n, item in enumerate(found):
            # positional: CitedUrl(index, url, location, existing_archive, title, kind, written,
            # context, skip_reason)
            where = f"entry {key}, field {item.field} (line {item.line + 1})"
            context = f"{key}: {title}" if title else _context(raw, item.written, key)
            citations.append(CitedUrl(len(citations), item.url, where, existing[n], title, "field",
                                      item.written, context, item.skip))
        doc._slots.extend(found)
        doc._slot_entries.extend([entry_index] * len(found))
        doc._entries.append(EntryRecord(offset, raw, prints, None if primary is None else first + primary))

    def _urls_of(self, raw_value: str) -> list[TextUrl]:
        single = "#" not in raw_value and raw_value[:1] in _DELIMITERS
        return urls_in_text(raw_value[1:-1] if single else self._value(raw_value) or "")

    def _text_field(self, f: model.Field) -> list[Slot]:
        value = f.value
        single = "#" not in value and value[:1] in _DELIMITERS
        if single:
            if "://" not in value:  # reads as itself: no URL (skips most notes cheaply)
                return []
            text = value[1:-1]  # what _value() gives, without the call
        else:
            text = self._value(value) or ""
        out: list[Slot] = []
        position = 0
        for u in urls_in_text(text):
            # a Perma link in a note is a printed copy (maybe ours), not a cited source
            if "perma.cc/" in u.url and is_perma_link(u.url):
                continue
            position += 1
            after = _PERMA_AFTER_RE.match(text, u.end)
            # text is the raw value without its delimiter: the end in the value is one more
            out.append(Slot(f.key, value, "text", position, f.start_line, u.written, u.url,
                              after.group(1) if after else None, None, 1 + u.end if single else None))
        return out

    def _url_field(self, f: model.Field, key: str) -> list[Slot]:
        raw_value = f.value
        single = "#" not in raw_value and raw_value[:1] in _DELIMITERS
        value = raw_value[1:-1] if single else self._value(raw_value, None)
        line = f.start_line
        if value is None:
            self.warn(line, f"entry {key!r}: {f.key} uses an undefined @string macro; skipped")
            return []
        value = _unwrap(value)
        pairs: list[tuple[str, str]]
        if "\\url" in value or "\\href" in value:
            pairs = [(u.written, u.url) for u in urls_in_text(value)]
        else:
            tokens = value.split()
            if len(tokens) > 1 and all(_SCHEME_RE.match(t) for t in tokens):
                pairs = [(t, unescape(t)) for t in tokens]  # several URLs, space-separated
            elif not tokens:
                pairs = []
            elif not _SCHEME_RE.match(value) and "://" in value:  # prose around the URL
                pairs = [(u.written, u.url) for u in urls_in_text(value)]
            else:
                pairs = [(value if single else raw_value, unescape(value))]
        return [Slot(f.key, raw_value, "url", n, line, written, url)
                for n, (written, url) in enumerate(pairs, 1)]


def _context(raw: str, written: str, key: str) -> str:
    """What a reader of the bibliography sees around the URL in an entry without a title
    (with one, it is ``key: title``): the entry's text around it (for reports)."""
    at = raw.find(written)
    return context_around(raw, at, at + len(written)) if at >= 0 else key


def _unwrap(value: str) -> str:
    """A URL field's value without the extra braces around it: ``{{https://x}}`` -> ``https://x``."""
    value = value.strip()
    while value[:1] == "{" and value[-1:] == "}":
        try:
            if match_brace(value, 0) != len(value):
                break
        except ScanError:
            break
        value = value[1:-1].strip()
    return value
