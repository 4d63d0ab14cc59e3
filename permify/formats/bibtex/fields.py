"""Which BibTeX fields cite the work, which never do, and the names permify writes beside them.

A field is read by what its name says (see docs/bibtex.md, "Where URLs are found"):

- a *URL field* links to the cited work: ``url`` and any name ending in ``url`` (any case,
  ``pdfurl``, ``www_pdf_url``, ``bookurl``), with an optional number after it
  (``Bdsk-Url-1``, ``url2``). Its whole value is the URL (or the URLs, space-separated).
- a *text field* is printed prose that may cite URLs: ``howpublished``, ``note``,
  ``addendum``, ``annote``, ``annotation``.
- every other field holding a URL is listed with the reason it is not taken: a provenance
  field (``biburl``, ``bibsource``, ``adsurl``: where the entry was exported from), ``doi``,
  ``eprint``, ``file``, a disabled field (name starting with ``_``), or any other field.

:class:`FieldRules` applies the user's additions (``--bib-url-field``) and removals
(``--bib-skip-field``). The archive of a URL that is not the entry's primary one is written
in a field named after its own: :func:`archive_field_name`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "PERMA_FIELD",
    "PRINT_FIELDS",
    "TEXT_FIELDS",
    "FieldRules",
    "archive_field_name",
    "archive_field_of",
]

#: the field holding the Perma link of the entry's primary URL
PERMA_FIELD = "perma"
#: text fields: prose in which ``\url``, ``\href`` and bare URLs are cited
TEXT_FIELDS = frozenset(("howpublished", "note", "addendum", "annote", "annotation"))
#: the fields a printed copy of the primary URL's Perma link may go in (``--bib-print``)
PRINT_FIELDS = ("note", "addendum")

# A name that ends in "url", with an optional separator and number after it (Bdsk-Url-1, url2).
_URL_NAME_RE = re.compile(r"url(?:[-_]?\d+)?$", re.IGNORECASE)
# Where the entry came from, not what it cites.
_PROVENANCE = frozenset(("biburl", "bibsource", "adsurl"))
_NEVER = {
    "doi": "doi field: persistent already",
    "eprint": "eprint field: an identifier, not a link to archive",
    "file": "file field: a local attachment",
    "urldate": "urldate field",
}
# ``<field>-perma`` or ``<field>-perma-<n>``: the archive of the n-th URL of <field>.
_ARCHIVE_FIELD_RE = re.compile(r"(.+)-perma(?:-([1-9]\d*))?", re.IGNORECASE)


def archive_field_name(field: str, position: int) -> str:
    """The field that holds the archive of URL number ``position`` (1-based) of ``field``.

    ``pdfurl`` -> ``pdfurl-perma``; its second URL -> ``pdfurl-perma-2``. The entry's primary
    URL is the exception: its archive is in ``perma``.
    """
    return f"{field}-perma" if position == 1 else f"{field}-perma-{position}"


def archive_field_of(name: str) -> tuple[str, int] | None:
    """``(field, position)`` for a name :func:`archive_field_name` makes (lower-cased field), else None."""
    m = _ARCHIVE_FIELD_RE.fullmatch(name)
    if m is None:
        return None
    return m.group(1).lower(), int(m.group(2) or 1)


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in values if v.strip())


class FieldRules:
    """What each field is read for, with the user's additions and removals applied.

    ``url_fields`` are extra field names read as URL fields (``--bib-url-field``);
    ``skip_fields`` are names never read (``--bib-skip-field``), whose URLs are listed as
    skipped. Names are compared case-insensitively; a name in both is skipped.
    """

    def __init__(self, url_fields: Iterable[str] = (), skip_fields: Iterable[str] = ()) -> None:
        self.url_fields = _names(url_fields)
        self.skip_fields = _names(skip_fields)
        self._cache: dict[str, str] = {}

    def role(self, name: str) -> str:
        """``url``, ``text``, ``perma`` or ``other`` for a lower-cased field name."""
        role = self._cache.get(name)
        if role is None:
            role = self._cache[name] = self._role(name)
        return role

    def _role(self, name: str) -> str:
        if name in self.skip_fields:
            return "other"
        if name == PERMA_FIELD:
            return "perma"
        if name in self.url_fields:
            return "url"
        if name in TEXT_FIELDS:
            return "text"
        if name.startswith("_") or name in _PROVENANCE or archive_field_of(name) is not None:
            return "other"
        if _URL_NAME_RE.search(name):
            return "url"
        return "other"

    def skip_reason(self, name: str) -> str:
        """Why the URLs in field ``name`` (lower-cased; role ``other``) are not archived."""
        if name in self.skip_fields:
            return f"field {name} skipped (--bib-skip-field or bib_skip_fields)"
        if name.startswith("_"):
            return f"disabled field {name}"
        if name in _PROVENANCE:
            return f"provenance field {name}"
        if name in _NEVER:
            return _NEVER[name]
        if archive_field_of(name) is not None:
            return f"archive field {name}"
        return f"field {name} does not link to the cited work"
