"""What a scan of a Word story builds: the URLs found (:class:`Hit`), the places to edit them
(:class:`Anchor`), and the state of the walk through one paragraph (:class:`Para`) and its
open complex fields (:class:`Frame`).

Kept apart from :mod:`permify.formats.docx.scan`, which walks the paragraphs, so that the
modules it delegates to (reference managers, Perma links already there) and the writer can
use these types without importing the walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

__all__ = ["Anchor", "Frame", "Hit", "Para"]


@dataclass(slots=True)
class Anchor:
    """One place to insert a Perma link: after ``after``, or inside ``t`` at ``offset``."""

    para: etree._Element
    pos: int
    after: etree._Element | None = None
    t: etree._Element | None = None
    offset: int = 0
    fmt: etree._Element | None = None
    from_link: bool = False


@dataclass(slots=True)
class Hit:
    """A URL found in a story, with every place (one, or two for a text box) to edit.

    ``text`` is its paragraph's text as the reader sees it (``start``/``end`` are offsets in
    it): the citation's context is cut from it only when the citations are listed.
    """

    url: str
    kind: str
    location: str
    start: int
    end: int
    anchors: list[Anchor]
    title: str | None = None
    existing: str | None = None
    in_textbox: bool = False
    consumed: bool = False
    skip_reason: str | None = None
    note: str | None = None
    text: str = ""


@dataclass(slots=True)
class Frame:
    """An open complex field."""

    instr: list[str] = field(default_factory=list)
    separated: bool = False
    para: etree._Element | None = None
    result_start: int = 0
    result: list[str] = field(default_factory=list)
    fmt: etree._Element | None = None
    begin_run: etree._Element | None = None
    links: list[str] = field(default_factory=list)  # URLs of hyperlinks in a manager's result
    flushed: int = 0  # result pieces already cited (a manager's result spans paragraphs)


class Para:
    """The text of one paragraph as it is built: full text, detection text, pieces, hits.

    ``full`` is what the reader sees; ``det`` the same with the text a URL may not be found
    in (link display text, field results) blanked; ``pieces`` maps offsets of ``det`` to the
    ``w:t`` and run that hold them.
    """

    __slots__ = ("det", "full", "hits", "p", "pieces", "pos")

    def __init__(self, p: etree._Element) -> None:
        self.p = p
        self.full: list[str] = []
        self.det: list[str] = []
        self.pos = 0
        self.pieces: list[tuple[int, int, etree._Element, etree._Element]] = []
        self.hits: list[Hit] = []

    def piece_at(self, offset: int) -> tuple[int, int, etree._Element, etree._Element] | None:
        """The piece of the text (start, end, ``w:t``, run) that holds character ``offset``."""
        for piece in self.pieces:
            if piece[0] <= offset < piece[1]:
                return piece
        return None
