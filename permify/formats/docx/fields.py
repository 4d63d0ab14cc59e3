"""Field instructions in WordprocessingML: ``HYPERLINK`` targets and reference-manager fields.

Split out of :mod:`permify.formats.docx.scan`, which walks the paragraphs: this module only
reads the text of a field instruction (``w:instrText`` joined, or ``w:fldSimple/@w:instr``).
"""

from __future__ import annotations

import re

__all__ = [
    "HTTP_RE", "MANAGER_ADVICE", "control_manager", "hyperlink_field_target", "manager",
    "manager_note", "title",
]

_FIELD_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
#: a web URL's scheme (the only link targets permify archives)
HTTP_RE = re.compile(r"https?://", re.IGNORECASE)
_MANAGERS = (
    ("ZOTERO", "Zotero"), ("MENDELEY", "Mendeley"), ("CSL_CITATION", "Mendeley"),
    ("EN.CITE", "EndNote"), ("EN.REFLIST", "EndNote"), ("CITAVI", "Citavi"),
    ("RW.CITE", "RefWorks"), ("RW.BIB", "RefWorks"), ("PAPERS2", "Papers"),
)
# Content-control tags (``w:sdt/w:sdtPr/w:tag/@w:val``) of reference managers that write a
# citation as a content control instead of a field: Mendeley Cite (``MENDELEY_CITATION_v3_…``,
# ``MENDELEY_BIBLIOGRAPHY``), Citavi (``CitaviPlaceholder#…``, around an ADDIN field), Zotero.
_CONTROL_TAGS = (("MENDELEY_", "Mendeley"), ("CITAVIPLACEHOLDER", "Citavi"), ("ZOTERO_", "Zotero"))
#: what the user must do for a URL a reference-manager field shows (the report adds the link)
MANAGER_ADVICE = "add this Perma link to the item in your reference manager"


def manager_note(name: str) -> str:
    """The note of a URL shown by a ``name`` (Zotero, Mendeley, EndNote) citation field: it is
    archived, but the field is not edited, because the reference manager would undo the edit
    on its next refresh."""
    return f"shown by a reference-manager field ({name}), which permify does not edit: {MANAGER_ADVICE}"


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


def manager(instr: str) -> str | None:
    """The reference manager behind an ``ADDIN`` field, or None for other fields."""
    text = instr.strip().upper()
    if not text.startswith("ADDIN"):
        return None
    for key, name in _MANAGERS:
        if key in text:
            return name
    return "ADDIN"


def control_manager(tag: str | None) -> str | None:
    """The reference manager behind a content control with this ``w:tag``, or None."""
    text = (tag or "").upper()
    for prefix, name in _CONTROL_TAGS:
        if text.startswith(prefix):
            return name
    return None


def title(text: str, url: str) -> str | None:
    """The display text of a link as its title, unless it is empty or the URL itself."""
    text = " ".join(text.split())
    return text if text and text != url else None
