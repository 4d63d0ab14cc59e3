"""What the Markdown scanner records: a cited URL found (:class:`Hit`) and a link reference
definition (:class:`Ref`)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Hit", "Ref"]


# The scanner's records are plain classes and named tuples, not dataclasses: each dataclass
# costs a measurable part of ``permify urls``'s start-up, and these are never compared or printed.
class Hit:
    """One cited URL found by the scanner (offsets index the scanned text).

    ``pos`` is where the citation starts for people (the URL, or a reference's ``[``);
    ``insert_at`` is where a Perma link goes; ``escape`` asks for ``\\[`` instead of ``[``
    because the next character (or a shortcut reference) would otherwise capture it.
    ``block`` is the character range of the block (paragraph, heading, table row) the hit is
    in; ``start`` where the citation starts as a whole: an inline link's ``[`` (its ``pos``
    is the destination), else ``pos``.
    """

    __slots__ = ("block", "escape", "existing", "insert_at", "kind", "pos", "start", "title", "url", "written")

    def __init__(self, kind: str, pos: int, insert_at: int, written: str, url: str, title: str | None = None,
                 existing: str | None = None, escape: bool = False, block: tuple[int, int] = (0, 0),
                 start: int = 0) -> None:
        self.kind = kind
        self.pos = pos
        self.insert_at = insert_at
        self.written = written
        self.url = url
        self.title = title
        self.existing = existing
        self.escape = escape
        self.block = block
        self.start = start

    @property
    def end(self) -> int:
        """Where the citation ends for people: the end of a bare URL, else the insertion point."""
        return self.pos + len(self.written) if self.kind == "bare" else self.insert_at


class Ref(NamedTuple):
    """A link reference definition: its destination as written, and decoded."""

    written: str
    url: str
