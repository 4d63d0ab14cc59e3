"""Field instructions in WordprocessingML: the target of a ``HYPERLINK`` field, and a link's title.

Split out of :mod:`permify.formats.docx.scan`, which walks the paragraphs: this module only
reads the text of a field instruction (``w:instrText`` joined, or ``w:fldSimple/@w:instr``).
Reference-manager (``ADDIN``) fields are :mod:`permify.formats.docx.managers`' concern.
"""

from __future__ import annotations

import re

__all__ = ["HTTP_RE", "hyperlink_field_target", "title"]

_FIELD_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
#: a web URL's scheme (the only link targets permify archives)
HTTP_RE = re.compile(r"https?://", re.IGNORECASE)


def hyperlink_field_target(instr: str) -> str | None:
    """The external http(s) URL of a ``HYPERLINK`` field instruction, else None.

    With ``\\l "fragment"`` beside a target the URL is the target with ``#fragment``, the page
    Word opens. ``HYPERLINK \\l "bookmark"`` alone (a link inside the document) and non-web
    targets give None.
    """
    tokens = [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
              for m in _FIELD_TOKEN.finditer(instr)]
    if not tokens or tokens[0][0].upper() != "HYPERLINK":
        return None
    url: str | None = None
    fragment: str | None = None
    i = 1
    while i < len(tokens):
        tok, quoted = tokens[i]
        if not quoted and tok.startswith("\\"):
            switch = tok[1:2].lower()
            if switch == "l" and i + 1 < len(tokens):
                fragment = tokens[i + 1][0]
            i += 2 if switch in ("l", "o", "t") else 1  # these switches take a value
            continue
        if url is None:
            url = tok
        i += 1
    if not url or not HTTP_RE.match(url):
        return None
    if fragment and "#" not in url:
        url = f"{url}#{fragment}"
    return url


def title(text: str, url: str) -> str | None:
    """The display text of a link as its title, unless it is empty or the URL itself."""
    text = " ".join(text.split())
    return text if text and text != url else None
