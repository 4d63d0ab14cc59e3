"""Field instructions in WordprocessingML: ``HYPERLINK`` targets and reference-manager fields.

Split out of :mod:`permify.formats.docx.scan`, which walks the paragraphs: this module only
reads the text of a field instruction (``w:instrText`` joined, or ``w:fldSimple/@w:instr``).
"""

from __future__ import annotations

import re

__all__ = ["HTTP_RE", "MANAGER_ADVICE", "hyperlink_field_target", "manager", "title"]

_FIELD_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
#: a web URL's scheme (the only link targets permify archives)
HTTP_RE = re.compile(r"https?://", re.IGNORECASE)
_MANAGERS = (
    ("ZOTERO", "Zotero"), ("MENDELEY", "Mendeley"), ("CSL_CITATION", "Mendeley"),
    ("EN.CITE", "EndNote"), ("EN.REFLIST", "EndNote"),
)
#: why a URL shown by a reference-manager field is reported rather than archived
MANAGER_ADVICE = (
    "it is not archived, because the reference manager would undo the edit on its next "
    "refresh (add the Perma link to the item in the reference manager instead)"
)


def hyperlink_field_target(instr: str) -> str | None:
    """The external http(s) URL of a ``HYPERLINK`` field instruction, else None.

    ``HYPERLINK \\l "bookmark"`` (a link inside the document) and non-web targets give None.
    """
    tokens = [(m.group(1), True) if m.group(1) is not None else (m.group(2), False)
              for m in _FIELD_TOKEN.finditer(instr)]
    if not tokens or tokens[0][0].upper() != "HYPERLINK":
        return None
    url: str | None = None
    i = 1
    while i < len(tokens):
        tok, quoted = tokens[i]
        if not quoted and tok.startswith("\\"):
            i += 2 if tok[1:2].lower() in ("l", "o", "t") else 1  # these switches take a value
            continue
        if url is None:
            url = tok
        i += 1
    if url and HTTP_RE.match(url):
        return url
    return None


def manager(instr: str) -> str | None:
    """The reference manager behind an ``ADDIN`` field, or None for other fields."""
    text = instr.strip().upper()
    if not text.startswith("ADDIN"):
        return None
    for key, name in _MANAGERS:
        if key in text:
            return name
    return "reference-manager"


def title(text: str, url: str) -> str | None:
    """The display text of a link as its title, unless it is empty or the URL itself."""
    text = " ".join(text.split())
    return text if text and text != url else None
