"""Progress on stderr: a live status line on a terminal, a quiet line-oriented log otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

from ..archiving.outcomes import ProgressEvent, ProgressKind
from ..review.verdict import ADVICE
from ..text import safe_text

__all__ = ["Progress"]

#: The closing advice for captures the review flagged (the same steps as a verdict's advice).
_WHAT_TO_DO = ADVICE.format(link="each Perma link").replace("open", "Open", 1) + (
    ": the link is inserted once the archive holds a good capture."
)


class Progress:
    """A ``progress(event)`` callback for :class:`~permify.archiving.archiver.Archiver`.

    On a terminal it keeps one status line up to date (found / reused / created / captured /
    suspect / failed) and prints failures and suspect captures above it as they come.
    Elsewhere (CI logs, files) it prints one line per event that matters: every event with
    ``verbosity >= 2`` (``-v``), failures, suspect captures and the summary at 1 (default),
    nothing at 0 (``-q``). :meth:`close` lists the captures the review flagged, with their
    reasons and what to do. A failure whose reason was shown already
    (the quota is used up) names its URL and points to that reason instead of repeating it.
    Every line is made safe for a terminal (server and document text may hold escapes).
    """

    def __init__(self, stream: TextIO | None = None, *, verbosity: int = 1, live: bool | None = None,
                 insert_suspect: bool = False) -> None:
        self.stream = stream or sys.stderr
        #: whether the run inserts suspect captures anyway (the closing list says so)
        self.insert_suspect = insert_suspect
        self.verbosity = verbosity
        self.live = self.stream.isatty() if live is None else live
        self.counts: dict[ProgressKind, int] = {"reused": 0, "created": 0, "captured": 0, "suspect": 0, "failed": 0}
        self.found = 0
        #: the events whose capture the review flagged (suspect or failed), for the closing list
        self.flagged: list[ProgressEvent] = []
        self._status_shown = False
        self._reasons: set[str] = set()

    def __call__(self, event: ProgressEvent) -> None:
        kind, line = event.kind, event.message
        if kind == "found" and event.count is not None:
            self.found = event.count
        if kind in self.counts:
            self.counts[kind] += 1
        if event.verdict is not None and not event.verdict.ok:
            self.flagged.append(event)
        if self.verbosity <= 0:
            return
        if kind in ("failed", "suspect"):
            self._print(f"{kind}: {self._failure(event)}")
        elif self.verbosity >= 2:
            if event.verdict is not None and event.verdict.ok:
                line += f" (review: {event.verdict.reason})"
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
            f"{c['captured']} captured | " + (f"{c['suspect']} suspect | " if c["suspect"] else "")
            + f"{c['failed']} failed"
        )
        if note:
            text += f" | {safe_text(note, 120)}"
        self.stream.write("\r\x1b[2K" + text[:160])
        self.stream.flush()
        self._status_shown = True

    def close(self) -> None:
        """End the status line, then list the flagged captures with their reasons and what to do."""
        if self._status_shown:
            self.stream.write("\n")
            self.stream.flush()
            self._status_shown = False
        if self.flagged and self.verbosity > 0:
            count = len(self.flagged)
            left_out = ("failed ones were left out of the document, suspect ones inserted anyway (--insert-suspect)"
                        if self.insert_suspect else
                        f"{'their links were' if count != 1 else 'its link was'} left out of the document")
            lines = [f"\n{count} capture{'s' * (count != 1)} need{'s' * (count == 1)} a look; {left_out}:"]
            for event in self.flagged:
                assert event.verdict is not None
                url = safe_text(event.url, 300) if event.url else ""
                lines.append(f"  {url}  {event.verdict.perma_url or ''}\n"
                             f"    {event.verdict.status}: {safe_text(event.verdict.reason, 300)}")
            lines.append(_WHAT_TO_DO + "\n")
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
            self.flagged.clear()
