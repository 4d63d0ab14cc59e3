"""What a Perma GUID and a submittable URL look like: checks for both directions of the API.

Answers from the server are checked with :func:`is_perma_guid` / :func:`check_guid` before
any GUID becomes data (the models use them); input from a user is normalised with
:func:`normalize_guid`; a URL is checked with :func:`check_url_for_perma` before it is sent.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ..errors import InvalidGuidError, ProtocolError
from ..text import safe_text

__all__ = [
    "GUID_ALPHABET",
    "MAX_URL_LENGTH",
    "check_guid",
    "check_url_for_perma",
    "is_perma_guid",
    "normalize_guid",
]

#: The 32 symbols of Perma's GUIDs: digits and capitals without 0, 1, I and O.
GUID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
#: Perma refuses a submitted URL longer than this (the ``url`` field's limit).
MAX_URL_LENGTH = 2100

# Today's GUIDs are XXXX-XXXX drawn from GUID_ALPHABET, but the API also serves ids the
# generator could never draw (Perma's own fixtures use ABCD-0001), so the shape is checked
# with the practical pattern clients use. 2013-2014 GUIDs ran from 6 to 11 characters
# (#-#### to ###########): capitals and digits with at most one inner hyphen. Either way a
# GUID is safe to put in a path, a link and a document.
# (\Z, not $: "$" would accept a trailing newline.)
_GUID_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}\Z")
_LEGACY_GUID_RE = re.compile(r"^(?=[0-9A-Z-]{6,11}\Z)[0-9A-Z]+(?:-[0-9A-Z]+)?\Z")


def is_perma_guid(value: Any) -> bool:
    """True when ``value`` is a Perma GUID as the API sends it: ``XXXX-XXXX`` in capitals and
    digits (new ones use :data:`GUID_ALPHABET`), or a legacy 6-11 character id of capitals,
    digits and at most one inner hyphen. Nothing else: no lower case, space, slash or markup."""
    return isinstance(value, str) and bool(_GUID_RE.match(value) or _LEGACY_GUID_RE.match(value))


def check_guid(value: Any, what: str = "archive") -> str:
    """``value`` if it is a Perma GUID; otherwise raise :class:`~permify.errors.ProtocolError`
    (``field="guid"``, ``value`` made safe to show)."""
    if is_perma_guid(value):
        return str(value)
    shown = safe_text(repr(value) if isinstance(value, str) else type(value).__name__, 60)
    raise ProtocolError(
        f"Perma answered with an invalid GUID for an {what} ({shown}); it was not used. "
        "Is PERMA_API_URL a Perma API?",
        field="guid",
        value=shown,
    )


# User input is forgiving: a full Perma link or lower case is accepted and normalised.
_INPUT_GUID_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
# 2013-2014 GUIDs ran from 6 to 11 characters; the server routes accept these.
_INPUT_LEGACY_GUID_RE = re.compile(r"^[A-Z0-9-]{6,11}$")


def normalize_guid(guid: str) -> str:
    """Upper-case and validate a GUID (``XXXX-XXXX``, or a legacy 6-11 character id).

    Accepts a full Perma link too (``https://perma.cc/abcd-2345``). API lookups are
    case-sensitive, so a lower-case GUID would 404 without this.
    """
    text = str(guid).strip().rstrip("/")
    if "/" in text:
        text = text.rsplit("/", 1)[1]
    text = text.upper()
    if _INPUT_GUID_RE.match(text) or _INPUT_LEGACY_GUID_RE.match(text):
        return text
    raise InvalidGuidError(f"not a Perma GUID: {safe_text(repr(guid), 80)} (expected XXXX-XXXX)")


def check_url_for_perma(url: str) -> str | None:
    """Why Perma would refuse to archive ``url``, or None when it may be sent.

    Checked before sending, so the reason is known without spending a request (and a batch is
    not refused as a whole): empty, longer than Perma's 2,100 characters, holding control
    characters (Perma answers "Unicode error"), or not an absolute http(s) URL.
    """
    if not isinstance(url, str) or not url.strip():
        return "the URL is empty"
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is {len(url):,} characters long; Perma accepts at most {MAX_URL_LENGTH:,}"
    # Printable ASCII holds no control or invisible character: skip the per-character look.
    if not (url.isascii() and url.isprintable()) and any(unicodedata.category(ch).startswith("C") for ch in url):
        return "the URL contains control or invisible characters, which Perma refuses"
    if not re.match(r"^https?://[^/?#\s]", url, re.IGNORECASE):
        return "not an absolute http(s) URL; Perma archives only web pages"
    return None
