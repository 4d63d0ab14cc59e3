"""Progress on stderr: a live status line on a terminal, a quiet line-oriented log otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

from ..archiving.outcomes import ProgressEvent, ProgressKind
from ..text import safe_text

__all__ = ["Progress"]


class Progress:
    """A ``progress(event)`` callback for :class:`~permify.archiving.archiver.Archiver`.

    On a terminal it keeps one status line up to date (found / reused / created / captured /
    failed) and prints failures above it. Elsewhere (CI logs, files) it prints one line per
    event that matters: every event with ``verbosity >= 2`` (``-v``), failures and the
    summary at 1 (default), nothing at 0 (``-q``). A failure whose reason was shown already
    (the quota is used up) names its URL and points to that reason instead of repeating it.
    Every line is made safe for a terminal (server and document text may hold escapes).
    """

    def __init__(self, stream: TextIO | None = None, *, verbosity: int = 1, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.verbosity = verbosity
        self.live = self.stream.isatty() if live is None else live
        self.counts: dict[ProgressKind, int] = {"reused": 0, "created": 0, "captured": 0, "failed": 0}
        self.found = 0
        self._status_shown = False
        self._reasons: set[str] = set()

    def __call__(self, event: ProgressEvent) -> None:
        kind, line = event.kind, event.message
        if kind == "found" and event.count is not None:
            self.found = event.count
        if kind in self.counts:
            self.counts[kind] += 1
        if self.verbosity <= 0:
            return
        if kind == "failed":
            self._print(f"{kind}: {self._failure(event)}")
        elif self.verbosity >= 2:
            self._print(f"{kind}: {safe_text(line, 600)}")
        elif kind == "found" and not self.live:
            self._print(safe_text(line, 600))
        if self.live:
            self._status(line if kind == "waiting" else "")

    def _failure(self, event: ProgressEvent) -> str:
        line = safe_text(event.message, 600).replace(".;", ";")
        url = safe_text(event.url, 300) if event.url else ""
        if not url or not line.startswith(url):
            return line
        reason = line[len(url):].strip()
        if reason and reason in self._reasons:
            return f"{url} (the same reason as above)"
        self._reasons.add(reason)
        return line

    def _print(self, text: str) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[2K")
            self._status_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _status(self, note: str) -> None:
        c = self.counts
        text = (
            f"{self.found} found | {c['reused']} reused | {c['created']} created | "
            f"{c['captured']} captured | {c['failed']} failed"
        )
        if note:
            text += f" | {safe_text(note, 120)}"
        self.stream.write("\r\x1b[2K" + text[:160])
        self.stream.flush()
        self._status_shown = True

    def close(self) -> None:
        """End the status line so the next output starts on a fresh line."""
        if self._status_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._status_shown = False
