"""Word's XML vocabulary: the namespaces, element and attribute names, relationship types and
content types the docx modules read and write, each defined once.

Names are Clark notation (``{namespace}local``), the form lxml gives as ``el.tag``. A module
that needs a name only for a set of its own (run properties in schema order, run content that
breaks a URL) builds it with :func:`w`.
"""

from __future__ import annotations

__all__ = [
    "CT",
    "CT_DEFAULT",
    "CT_OVERRIDE",
    "MAIN_TYPES",
    "MC",
    "MC_ALT",
    "MC_CHOICE",
    "MC_FALLBACK",
    "NS",
    "PR",
    "PR_RELATIONSHIP",
    "PR_RELATIONSHIPS",
    "RT_HYPERLINK",
    "RT_OFFICE_DOCUMENT",
    "R_ID",
    "STORY_TYPE",
    "W_DEL",
    "W_FLDCHAR",
    "W_FLDSIMPLE",
    "W_HYPERLINK",
    "W_ID",
    "W_INS",
    "W_INSTRTEXT",
    "W_MOVEFROM",
    "W_MOVETO",
    "W_P",
    "W_R",
    "W_RPR",
    "W_T",
    "W_TXBX",
    "W_VAL",
    "XML_SPACE",
    "R",
    "W",
    "w",
]

# ------------------------------------------------------------------ namespaces
#: WordprocessingML: paragraphs, runs, text, fields, notes, styles
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#: relationships as referenced from a part (``r:id``) and the relationship types' base
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: a part's ``.rels`` file
PR = "http://schemas.openxmlformats.org/package/2006/relationships"
#: ``[Content_Types].xml``
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
#: markup compatibility: ``mc:AlternateContent`` (text boxes are written twice)
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_XML = "http://www.w3.org/XML/1998/namespace"

#: namespace prefixes for XPath
NS: dict[str, str] = {"w": W, "r": R, "mc": MC, "pr": PR, "ct": CT}


def w(local: str) -> str:
    """The Clark name of ``w:local``."""
    return f"{{{W}}}{local}"


# ------------------------------------------------------------------ WordprocessingML
W_P, W_R, W_T, W_RPR = w("p"), w("r"), w("t"), w("rPr")
W_HYPERLINK, W_FLDSIMPLE, W_FLDCHAR, W_INSTRTEXT = w("hyperlink"), w("fldSimple"), w("fldChar"), w("instrText")
#: a text box's story (inside a drawing or a VML shape)
W_TXBX = w("txbxContent")
#: revisions: deleted and moved-away text is never read; inserted and moved-here text is live
W_DEL, W_MOVEFROM, W_INS, W_MOVETO = w("del"), w("moveFrom"), w("ins"), w("moveTo")
#: attributes: a revision's or note's id, a property's value
W_ID, W_VAL = w("id"), w("val")
MC_ALT, MC_CHOICE, MC_FALLBACK = f"{{{MC}}}AlternateContent", f"{{{MC}}}Choice", f"{{{MC}}}Fallback"
#: a hyperlink's relationship id
R_ID = f"{{{R}}}id"
XML_SPACE = f"{{{_XML}}}space"

# ------------------------------------------------------------------ package parts
PR_RELATIONSHIP, PR_RELATIONSHIPS = f"{{{PR}}}Relationship", f"{{{PR}}}Relationships"
CT_OVERRIDE, CT_DEFAULT = f"{{{CT}}}Override", f"{{{CT}}}Default"
RT_HYPERLINK = R + "/hyperlink"
RT_OFFICE_DOCUMENT = R + "/officeDocument"
#: content types of a main document part (document, macro-enabled, template, both)
MAIN_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
})
#: a story part's content type is this followed by ``footnotes+xml``, ``header+xml``, ...
STORY_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml."
