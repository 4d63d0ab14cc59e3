"""One XML part of a .docx: parsed safely, serialised back with its own declaration and encoding.

Serialising keeps the original XML declaration byte for byte (quote style, ``standalone``) and
the part's own encoding, so that an edited part differs from the original only where it was
edited.
"""

from __future__ import annotations

import codecs
from typing import AnyStr

from lxml import etree

from ...errors import InputError

__all__ = ["is_utf8", "parse_xml", "part_encoding", "serialize_xml"]

# Parsing never reads a DTD, resolves an entity or touches the network (XXE, billion laughs).
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
)


def parse_xml(data: bytes, source: str, part: str) -> etree._Element:
    """Parse one XML part safely, or raise :class:`InputError` naming the part."""
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise InputError(
            source, f"part {part} is not well-formed XML ({exc}); open and re-save it in Word"
        ) from None
    if root is None:  # pragma: no cover - lxml returns None only for empty documents
        raise InputError(source, f"part {part} is empty; open and re-save it in Word")
    return root


def _prolog(data: AnyStr) -> AnyStr:
    """The original text before the root element that serialising would lose (the XML
    declaration, exactly as written, and the white space after it)."""
    # latin-1 maps bytes one to one, so offsets in the text are offsets in the bytes
    text = data if isinstance(data, str) else data[:1024].decode("latin-1")
    if not text.startswith("<?xml") or "?>" not in text:
        return data[:0]
    end = text.index("?>") + 2
    while end < len(text) and text[end] in " \t\r\n":
        end += 1
    return data[:end]


def part_encoding(root: etree._Element, original: bytes | None) -> str:
    """The encoding :func:`serialize_xml` writes ``root``'s part in: the part's own, UTF-8 for
    a new part."""
    return (root.getroottree().docinfo.encoding or "UTF-8") if original is not None else "UTF-8"


def is_utf8(encoding: str) -> bool:
    """True for the names of UTF-8 (``UTF-8``, ``utf8``...)."""
    return encoding.upper().replace("-", "") == "UTF8"


def serialize_xml(root: etree._Element, original: bytes | None) -> bytes:
    """Serialise an edited part, keeping the original declaration bytes (quote style,
    ``standalone``) so that only the edited elements differ."""
    if original is None:
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n' + etree.tostring(
            root, encoding="UTF-8", xml_declaration=False
        )
    encoding = part_encoding(root, original)
    body = etree.tostring(root.getroottree(), encoding=encoding, xml_declaration=False)
    if is_utf8(encoding):
        return _prolog(original) + body
    # Another encoding (UTF-16, say): find the declaration in the decoded text and write it in
    # the encoding and byte order lxml chose for the body, its byte-order mark first.
    prolog = _prolog(original.decode(encoding).lstrip("\ufeff"))
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return bom + prolog.encode(codec) + body[len(bom):]
    return prolog.encode(encoding) + body
