"""The .docx package layer: a size-checked zip, safe XML, parts, relationships and content types.

Everything here works on the raw OPC package (a zip of XML parts) so that permify can change
a few parts and copy every other member *byte for byte*: python-docx re-serialises ten parts
and reorders the zip on a no-op save (docs/word.md), which is why it is not used.

Bad input never escapes as a ``zipfile``/``lxml`` exception: :func:`open_package` raises
:class:`~permify.errors.InputError` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import AnyStr

from lxml import etree

from ...errors import InputError
from .xml import (
    CT_DEFAULT,
    CT_OVERRIDE,
    MAIN_TYPES,
    PR,
    PR_RELATIONSHIP,
    PR_RELATIONSHIPS,
    RT_HYPERLINK,
    RT_OFFICE_DOCUMENT,
)

__all__ = [
    "MAX_PARSED_SIZE",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "Package",
    "Rels",
    "is_utf8",
    "open_package",
    "parse_xml",
    "part_encoding",
    "serialize_xml",
    "write_package",
]

_RELS_END = b"</Relationships>"
_PLAIN_VALUE = re.compile(r"[!#-%'-;=?-~]*")  # printable ASCII but for space & " < >

#: refuse packages that would inflate beyond this many bytes in total (zip bombs)
MAX_TOTAL_SIZE = 512 * 1024 * 1024
#: refuse members larger than 1 MiB that inflate more than this many times (zip bombs)
MAX_RATIO = 400
#: refuse packages whose XML parts permify reads (document, notes, headers, relationships...)
#: inflate past this many bytes in total, whatever their headers declare: parsing costs
#: several times the XML's size in memory
MAX_PARSED_SIZE = 12 * 1024 * 1024
_CHUNK = 1024 * 1024  # members are inflated this much at a time, counting as they go

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARKER = "EncryptedPackage".encode("utf-16-le")

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


def _part_name(name: str) -> str:
    return "/" + name.lstrip("/")


def rels_name(part: str) -> str:
    """The relationship part of ``part``: ``word/document.xml`` -> ``word/_rels/document.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


@dataclass
class Rels:
    """The relationships of one part (its own ``.rels``), editable in place."""

    part: str
    root: etree._Element
    original: bytes | None
    changed: bool = False
    _used: set[str] | None = field(default=None, repr=False)
    _next: int = 1
    _pending: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _splice: bool | None = field(default=None, repr=False)

    def targets(self) -> dict[str, tuple[str, str, bool]]:
        """Id -> (type, target, is_external)."""
        self._flush()  # relationships kept as text (see _can_splice) are listed too
        out: dict[str, tuple[str, str, bool]] = {}
        for rel in self.root.iterfind(PR_RELATIONSHIP):
            out[rel.get("Id", "")] = (
                rel.get("Type", ""),
                rel.get("Target", ""),
                rel.get("TargetMode", "") == "External",
            )
        return out

    def resolve(self, target: str) -> str:
        """A relative internal target as a zip member name (``footnotes.xml`` -> ``word/footnotes.xml``)."""
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.part), target))

    def add_hyperlink(self, url: str) -> str:
        """Add an external hyperlink relationship with a fresh id and return that id."""
        used = self._used
        if used is None:
            used = self._used = {rel.get("Id", "") for rel in self.root}
        number = self._next
        rid = f"rIdPerma{number}"
        while rid in used:
            number += 1
            rid = f"rIdPerma{number}"
        self._next = number
        used.add(rid)
        if (self._splice or self._can_splice()) and _PLAIN_VALUE.fullmatch(url):
            self._pending.append((rid, url))
        else:
            self._flush()
            self._append(rid, url)
        self.changed = True
        return rid

    def serialize(self) -> bytes:
        """The part's bytes as :func:`serialize_xml` gives them, new relationships included."""
        data = serialize_xml(self.root, self.original)
        if self._pending:
            if not data.endswith(_RELS_END):  # pragma: no cover - ruled out by _can_splice
                self._flush()
                return serialize_xml(self.root, self.original)
            # each new relationship exactly as lxml serialises it (values needing no escaping)
            new = "".join([f'<Relationship Id="{rid}" Type="{RT_HYPERLINK}" Target="{url}" TargetMode="External"/>'
                           for rid, url in self._pending])
            data = data[: -len(_RELS_END)] + new.encode("ascii") + _RELS_END
        return data

    # Adding a Relationship element costs microseconds each, thousands of times for a long
    # document; its serialised form is fixed, so new relationships whose values need no
    # escaping are kept as text and spliced before the closing tag. Only where the result is
    # the same bytes: a default-namespace root that is not empty, last in a UTF-8 part.
    def _can_splice(self) -> bool:
        if self._splice is None:
            root = self.root
            if (root.tag != PR_RELATIONSHIPS or root.prefix is not None or root.getnext() is not None
                    or not is_utf8(part_encoding(root, self.original))):
                self._splice = False
            elif len(root):
                self._splice = True
            # else: an empty root serialises as <Relationships/>: ask again once it has children
        return bool(self._splice)

    def _append(self, rid: str, url: str) -> None:
        # one call, attributes in this order (Id, Type, Target, TargetMode)
        etree.SubElement(self.root, PR_RELATIONSHIP, {"Id": rid, "Type": RT_HYPERLINK, "Target": url,
                                                    "TargetMode": "External"})

    def _flush(self) -> None:
        """Turn the spliced relationships into elements, in order."""
        for rid, url in self._pending:
            self._append(rid, url)
        self._pending.clear()


@dataclass
class Package:
    """An opened .docx: the zip's members (in order), content types and the main part."""

    source: str
    data: bytes
    infos: list[zipfile.ZipInfo]
    content_types: dict[str, str]
    main_part: str
    _zip: zipfile.ZipFile = field(repr=False)

    def has(self, name: str) -> bool:
        """True if the zip holds member ``name``."""
        return name in self._names

    def __post_init__(self) -> None:
        self._names = {i.filename for i in self.infos}
        self._read_so_far = 0  # bytes inflated by read(), checked against MAX_PARSED_SIZE

    def read(self, name: str) -> bytes:
        """The uncompressed bytes of member ``name`` (InputError if it is damaged).

        Inflated a chunk at a time with a running count, so a member whose header understates
        its size costs no more than :data:`MAX_PARSED_SIZE` (all parts read so far included)
        before it is refused.
        """
        budget = MAX_PARSED_SIZE - self._read_so_far
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(name) as member:
                while chunk := member.read(min(_CHUNK, budget - size + 1)):
                    size += len(chunk)
                    if size > budget:
                        raise InputError(self.source, _too_large(name))
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError) as exc:
            raise InputError(
                self.source, f"member {name} is damaged ({exc}); open and re-save it in Word"
            ) from None
        self._read_so_far += size
        return b"".join(chunks)

    def content_type(self, name: str) -> str:
        """The content type of member ``name`` from ``[Content_Types].xml``."""
        return self.content_types.get(_part_name(name).lower()) or self.content_types.get(
            "." + name.rsplit(".", 1)[-1].lower(), ""
        )

    def rels(self, part: str) -> Rels:
        """The relationships of ``part`` (an empty, new set if it has no ``.rels`` yet)."""
        name = rels_name(part)
        if self.has(name):
            data = self.read(name)
            return Rels(part, parse_xml(data, self.source, name), data)
        return Rels(part, etree.Element(PR_RELATIONSHIPS, nsmap={None: PR}), None)


def _too_large(name: str) -> str:
    return (f"the XML parts permify reads inflate past {MAX_PARSED_SIZE // (1024 * 1024)} MiB "
            f"(at member {name}); refused as too large to edit safely (see docs/limits.md)")


def _ole_problem(data: bytes) -> str:
    if _ENCRYPTED_MARKER in data or b"EncryptedPackage" in data:
        return (
            "the document is password-protected (encrypted); remove the password in Word "
            "(File > Info > Protect Document) and try again"
        )
    return (
        "this is an old binary Word (.doc) file or another OLE document, not .docx; "
        "open it in Word and save it as .docx"
    )


def open_package(data: bytes, source: str) -> Package:
    """Open ``data`` as a Word package, checking it is a safe, complete .docx/.docm.

    Raises :class:`InputError` for: not a zip (including an old .doc or an encrypted
    document, which are OLE files), a truncated or damaged zip, a zip bomb (total size over
    :data:`MAX_TOTAL_SIZE` or a member inflating over :data:`MAX_RATIO` times), and a zip that
    is not a Word document (an .xlsx renamed, say), two members with one name. Parts read
    later are capped by :meth:`Package.read`.
    """
    if data.startswith(_OLE_MAGIC):
        raise InputError(source, _ole_problem(data))
    if not data.startswith(b"PK"):
        raise InputError(source, "not a Word document (.docx is a zip file); save it as .docx in Word")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(
            source, f"the file is damaged or truncated ({exc}); re-save or re-download it"
        ) from None
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(
                source, f"member {info.filename} inflates over {MAX_RATIO}x (a zip bomb?); refused"
            )
    if total > MAX_TOTAL_SIZE:
        raise InputError(
            source, f"the package inflates to {total} bytes, over the {MAX_TOTAL_SIZE}-byte limit"
        )
    names: set[str] = set()
    for info in infos:
        if info.filename in names:  # one copy would be edited and the other left stale
            raise InputError(source, f"has two members named {info.filename}: the file is "
                             "damaged; open and re-save it in Word")
        names.add(info.filename)
    if "[Content_Types].xml" not in names:
        raise InputError(source, "not a Word document (no [Content_Types].xml); save it as .docx in Word")
    pkg = Package(source, data, infos, {}, "", zf)
    ct_root = parse_xml(pkg.read("[Content_Types].xml"), source, "[Content_Types].xml")
    for el in ct_root:
        if el.tag == CT_OVERRIDE:
            pkg.content_types[el.get("PartName", "").lower()] = el.get("ContentType", "")
        elif el.tag == CT_DEFAULT:
            pkg.content_types["." + el.get("Extension", "").lower()] = el.get("ContentType", "")
    root_rels = pkg.rels("")
    for _id, (rtype, target, external) in root_rels.targets().items():
        if rtype == RT_OFFICE_DOCUMENT and not external:
            name = target.lstrip("/")
            if pkg.has(name) and pkg.content_type(name) in MAIN_TYPES:
                pkg.main_part = name
    if not pkg.main_part:
        raise InputError(
            source,
            "the zip is not a Word document (no WordprocessingML main part: an Excel or "
            "PowerPoint file renamed?); open it in Word and save as .docx",
        )
    return pkg


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _copy_raw(zf: zipfile.ZipFile, src: bytes, info: zipfile.ZipInfo) -> None:
    """Append ``info``'s local header and compressed data to ``zf`` unchanged (no recompression),
    so that an untouched member keeps its exact bytes."""
    start = info.header_offset
    fields = _LOCAL_HEADER.unpack_from(src, start)
    name_len, extra_len = fields[-2], fields[-1]
    end = start + _LOCAL_HEADER.size + name_len + extra_len + info.compress_size
    if info.flag_bits & 0x08:  # a data descriptor follows (optional signature + crc + sizes)
        end += 16 if src[end : end + 4] == b"PK\x07\x08" else 12
    new = _copy_info(info)
    new.header_offset = zf.fp.tell()  # type: ignore[union-attr]
    zf.fp.write(src[start:end])  # type: ignore[union-attr]
    zf.filelist.append(new)
    zf.NameToInfo[new.filename] = new
    zf.start_dir = zf.fp.tell()  # type: ignore[union-attr]
    zf._didModify = True  # type: ignore[attr-defined]


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    new = zipfile.ZipInfo(info.filename, info.date_time)
    for attr in (
        "compress_type", "comment", "extra", "create_system", "create_version", "extract_version",
        "reserved", "flag_bits", "volume", "internal_attr", "external_attr", "CRC",
        "compress_size", "file_size",
    ):
        setattr(new, attr, getattr(info, attr))
    return new


def write_package(pkg: Package, changed: Mapping[str, bytes]) -> bytes:
    """The package with ``changed`` members replaced (or added at the end, for new ``.rels``).

    Every other member is copied raw: same bytes, same order, same ZipInfo (compression,
    dates, attributes). A replaced member keeps its ZipInfo except sizes and CRC.
    """
    pending = dict(changed)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in pkg.infos:
            if info.filename in pending:
                new = _copy_info(info)
                new.flag_bits &= ~0x08
                zf.writestr(new, pending.pop(info.filename), compress_type=info.compress_type)
            elif info.file_size >= 0xFFFFFFFF or info.header_offset >= 0xFFFFFFFF:
                zf.writestr(_copy_info(info), pkg.read(info.filename))  # pragma: no cover - zip64
            else:
                _copy_raw(zf, pkg.data, info)
        for name, data in pending.items():
            new = zipfile.ZipInfo(name, date_time=pkg.infos[0].date_time if pkg.infos else
                                  (1980, 1, 1, 0, 0, 0))
            zf.writestr(new, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
