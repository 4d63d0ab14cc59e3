"""Locating blocks with bibtexparser: one parse, its blocks sorted by kind, their offsets in the file.

bibtexparser 2.x (``parse_string(src, parse_stack=[])``) gives each block's raw text and its
0-based start line, but no offsets; :class:`Locator` finds each raw text in the file, in file
order. Its parse errors go to a logger; they are collected here so the adapter can turn them
into warnings instead of log lines.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

import bibtexparser
from bibtexparser import model

from ...errors import InputError

__all__ = ["Blocks", "Locator", "failure_reasons", "split_blocks", "warning_line"]


class Blocks(NamedTuple):
    """One parse's blocks by kind, each list in file order.

    ``entries`` pairs every entry (duplicates included) with the block it came from: itself,
    or the :class:`~bibtexparser.model.DuplicateBlockKeyBlock` that wraps it. ``others`` holds
    the ``@string`` blocks and the blocks that could not be parsed (duplicate-key wrappers
    excluded), in one list so that their warnings keep the file's order. ``log`` is what
    bibtexparser logged.
    """

    entries: list[tuple[model.Entry, model.Block]]
    others: list[model.String | model.ParsingFailedBlock]
    log: list[str]


class _LogCollector(logging.Filter):
    """Swallows bibtexparser's parse-error log lines (they become warnings instead)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.messages.append(record.getMessage())
        return False


def split_blocks(text: str, source: str) -> Blocks:
    """Parse ``text`` once (raw values, no middleware) and sort its blocks by kind.

    Raises :class:`~permify.errors.InputError` naming ``source`` if bibtexparser gives up.
    """
    logger = logging.getLogger("bibtexparser.splitter")
    collector = _LogCollector()
    logger.addFilter(collector)
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # bibtexparser has no narrow error type for a bad file
        raise InputError(source, f"could not be read as BibTeX ({exc}); check the file") from None
    finally:
        logger.removeFilter(collector)
    entries: list[tuple[model.Entry, model.Block]] = []
    others: list[model.String | model.ParsingFailedBlock] = []
    entry_type = model.Entry
    for block in library.blocks:
        # The exact-type test first: the block classes are ABCs, whose isinstance is slow,
        # and a file is mostly entries.
        if type(block) is entry_type or isinstance(block, entry_type):
            entries.append((block, block))
        elif isinstance(block, model.DuplicateBlockKeyBlock):
            if isinstance(block.ignore_error_block, entry_type):
                entries.append((block.ignore_error_block, block))
        elif isinstance(block, (model.String, model.ParsingFailedBlock)):
            others.append(block)
    return Blocks(entries, others, collector.messages)


class Locator:
    """Finds each block's raw text in the file, in file order, checking its 0-based start line."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 0

    def find(self, raw: str, line: int) -> int:
        """Offset of ``raw`` starting on ``line`` (at or after the previous find), or -1."""
        text = self.text
        # Where the next occurrence of raw's first character is, raw most often starts (after
        # a blank line): found there, it is the first occurrence, at the cost of one compare
        # instead of a search for the whole entry text (whose set-up is paid per entry).
        pos = text.find(raw[:1], self.pos) if raw else -1
        if pos < 0 or not text.startswith(raw, pos):
            pos = text.find(raw, self.pos)
        if pos < 0:
            return -1
        at_line = self.line + text.count("\n", self.pos, pos)
        if at_line != line:
            return -1
        self.pos, self.line = pos + len(raw), at_line + raw.count("\n")
        return pos


_WARNING_LINE_RE = re.compile(r"line (\d+):")
_FAILED_AT_RE = re.compile(r"block \(line (\d+)\)")


def warning_line(warning: str) -> int:
    """The line number a ``line N: ...`` warning starts with (0 for a warning without one)."""
    m = _WARNING_LINE_RE.match(warning)
    return int(m.group(1)) if m else 0


def failure_reasons(log: list[str]) -> dict[int, str]:
    """bibtexparser's reason for each failed block, by 0-based start line."""
    reasons: dict[int, str] = {}
    for message in log:
        m = _FAILED_AT_RE.search(message)
        if m:
            reason = message.strip().splitlines()[-1].strip().rstrip(".")
            reasons[int(m.group(1))] = reason
    return reasons
