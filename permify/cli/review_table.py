"""``permify review``'s output: a table of the Perma links, what to do about the bad ones, a live count."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TextIO

from ..link_review import ReviewResult, ReviewRow
from ..review.verdict import ADVICE, Verdict

__all__ = ["ReviewCounter", "print_advice", "print_table"]

_HEADERS = ("LOCATION", "CITED URL", "PERMA LINK", "VERDICT", "REASON")
#: On a terminal, long cells are shortened in the middle to these widths (files keep them whole).
_WIDTHS = (34, 48, 26, 8, 72)


def _shorten(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    keep = width - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3:]


def _cells(row: ReviewRow) -> tuple[str, ...]:
    return (f"{row.file}:{row.location}", row.url, row.perma_url, row.status, row.reason)


def print_table(rows: Sequence[ReviewRow], stream: TextIO, *, fit: bool) -> None:
    """One line per link under a header; ``fit`` shortens long cells (for a terminal)."""
    widths = _WIDTHS if fit else (None,) * len(_HEADERS)
    cells = [tuple(_shorten(c, w) for c, w in zip(_cells(r), widths, strict=True)) for r in rows]
    columns = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(_HEADERS)]
    for line in (_HEADERS, *cells):
        stream.write("  ".join(c.ljust(columns[i]) for i, c in enumerate(line[:-1])) + "  " + line[-1] + "\n")
    stream.flush()


def print_advice(result: ReviewResult, stream: TextIO) -> None:
    """For each link that is not ok, where it is and why; then what to do. The common advice
    (look at the capture, upload a file in its place) is said once for all the links it fits."""
    bad = [r for r in result.rows if not r.ok]
    if not bad:
        return
    common = [r for r in bad if r.advice == ADVICE.format(link=r.perma_url)]
    stream.write(f"\n{len(bad)} Perma link{'s' * (len(bad) != 1)} need{'s' * (len(bad) == 1)} attention:\n")
    for row in bad:
        stream.write(f"  {row.file}:{row.location}  {row.perma_url}\n    {row.status}: {row.reason}\n")
        if row.advice and row not in common:
            stream.write(f"    what to do: {row.advice}\n")
    if common:
        which = "each of them" if len(common) == len(bad) else "each link without its own advice above"
        stream.write(f"What to do: open {which} and look at the capture; if it is not the page, upload a PDF or "
                     "screenshot of the page there (\"Upload file\" in the record details), then run "
                     "permify archive again to insert the link or permify review to check it.\n")
    stream.flush()


class ReviewCounter:
    """A live "checked N Perma links" line on a terminal (verdicts arrive from worker threads)."""

    def __init__(self, stream: TextIO, *, live: bool) -> None:
        self.done = 0
        self.stream = stream
        self.live = live
        self._lock = threading.Lock()

    def __call__(self, verdict: Verdict) -> None:
        with self._lock:
            self.done += 1
            if self.live:
                self.stream.write(f"\r\x1b[2Kchecked {self.done} Perma link{'s' * (self.done != 1)}")
                self.stream.flush()

    def close(self) -> None:
        """Clear the live line."""
        if self.live and self.done:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
