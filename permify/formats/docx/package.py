"""The .docx package layer: a size-checked zip, its members, content types and main part.

Everything here works on the raw OPC package (a zip of XML parts) so that permify can change
a few parts and copy every other member *byte for byte*: python-docx re-serialises ten parts
and reorders the zip on a no-op save (docs/word.md), which is why it is not used.

One XML part's parsing and serialising is in :mod:`.parts`, a part's relationships in
:mod:`.rels`. Bad input never escapes as a ``zipfile``/``lxml`` exception: :func:`open_package` raises
:class:`~permify.errors.InputError` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from ...errors import InputError
from .parts import parse_xml
from .rels import Rels, rels_name
from .xml import (
    CT_DEFAULT,
    CT_OVERRIDE,
    MAIN_TYPES,
    PR,
    PR_RELATIONSHIPS,
    RT_OFFICE_DOCUMENT,
)

__all__ = [
    "MAX_PARSED_SIZE",
    "MAX_RATIO",
    "MAX_TOTAL_SIZE",
    "Package",
    "open_package",
    "write_package",
]

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

def _part_name(name: str) -> str:
    return "/" + name.lstrip("/")


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
