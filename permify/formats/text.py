"""The bytes of a text format (Markdown, BibTeX): UTF-8 with an optional byte-order mark.

Decoding refuses, with one line saying what to do, what is not UTF-8 text (UTF-16, binary
data, bytes that are not UTF-8); encoding gives back the BOM the input had, so a document
round-trips byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import NamedTuple

from ..errors import InputError

__all__ = ["TextErrors", "decode_text", "encode_text", "splice"]

_BOM = b"\xef\xbb\xbf"
_EDIT_ORDER = itemgetter(0, 1)  # (start, end); the sort is stable, so ties keep their order


class TextErrors(NamedTuple):
    """A format's words for input that is not UTF-8 text; each follows the file's name.

    Attributes:
        utf16: for UTF-16 text (a UTF-16 byte-order mark).
        binary: for a NUL byte; a :meth:`str.format` template with ``{offset}``.
        invalid: for bytes that are not UTF-8; a template with ``{byte}`` (an int),
            ``{line}`` (1-based) and ``{offset}`` (in the input, BOM included).
    """

    utf16: str
    binary: str
    invalid: str


def decode_text(data: bytes, source: str, errors: TextErrors) -> tuple[str, bool]:
    """The text of ``data`` (without its BOM) and whether it had a UTF-8 BOM.

    Raises :class:`~permify.errors.InputError` naming ``source``, in ``errors``' words, for
    UTF-16 text, a NUL byte, or bytes that are not UTF-8.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source, errors.utf16)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(source, errors.binary.format(offset=nul))
    skip = len(_BOM) if data.startswith(_BOM) else 0
    try:
        return data[skip:].decode("utf-8"), skip > 0
    except UnicodeDecodeError as exc:
        at = skip + exc.start
        line = data.count(b"\n", 0, at) + 1
        raise InputError(source, errors.invalid.format(byte=data[at], line=line, offset=at)) from None


def encode_text(text: str, bom: bool) -> bytes:
    """``text`` as UTF-8, after a BOM when the input had one."""
    return (_BOM if bom else b"") + text.encode("utf-8")


def splice(text: str, edits: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, new)`` edit's span replaced by ``new``, in one pass.

    Edits must not overlap; they are applied in offset order, and edits at the same place in
    the order given (so two insertions at one offset keep their order).
    """
    parts: list[str] = []
    last = 0
    for start, end, new in sorted(edits, key=_EDIT_ORDER):
        parts.append(text[last:start])
        parts.append(new)
        last = end
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
