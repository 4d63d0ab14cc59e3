"""What a person would see of an HTML page: its title and its visible text.

Standard-library :mod:`html.parser`, which never raises on broken markup. Script, style and
template contents are skipped; ``noscript`` text is kept because challenge pages put their
only human-readable sentence there ("Enable JavaScript and cookies to continue").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_HIDDEN = frozenset({"script", "style", "template", "svg"})
_WORD = re.compile(r"\w+", re.UNICODE)
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._-]+)""", re.IGNORECASE)
#: Visible text kept for the rules (pages longer than this are not walls).
MAX_TEXT_CHARS = 200_000


@dataclass(frozen=True)
class Page:
    """An HTML page reduced to what the rules read: ``title``, visible ``text``, ``words``, raw ``markup``."""

    title: str
    text: str
    words: int
    markup: str


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: list[str] = []
        self.text: list[str] = []
        self.size = 0
        self._hidden = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title" and not self._hidden and not self.title:
            # The first title outside <svg> (icons carry <title> elements of their own).
            self._in_title = True
        elif tag in _HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in _HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._hidden and self.size < MAX_TEXT_CHARS:
            self.text.append(data)
            self.size += len(data)


def decode(body: bytes, content_type: str = "") -> str:
    """The body as text: the charset from the Content-Type, else a ``<meta charset>``, else UTF-8."""
    charset = None
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", content_type, re.IGNORECASE)
    if match:
        charset = match.group(1)
    else:
        meta = _CHARSET.search(body[:4096])
        if meta:
            charset = meta.group(1).decode("ascii", "replace")
    try:
        return body.decode(charset or "utf-8", "replace")
    except LookupError:  # an unknown charset name
        return body.decode("utf-8", "replace")


def read_page(body: bytes, content_type: str = "") -> Page:
    """Parse an HTML body into a :class:`Page`."""
    markup = decode(body, content_type)
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    # str.split() breaks at exactly the characters ``\s`` matches (both ask str.isspace), so
    # this is the pattern's collapse-and-strip at a fifth of its cost.
    title = " ".join("".join(parser.title).split())
    text = " ".join(" ".join(parser.text).split())
    return Page(title=title, text=text, words=len(_WORD.findall(text)), markup=markup)
