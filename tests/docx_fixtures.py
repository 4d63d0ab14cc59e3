"""Small Word packages built from raw XML for the .docx adapter's tests, and broken inputs."""

from __future__ import annotations

import io
import zipfile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = R_NS
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
MAIN_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_CT = "application/vnd.ms-word.document.macroEnabled.main+xml"
DATE = (2020, 5, 17, 12, 30, 0)

STYLES_WITH_LINK = (
    DECL + f'<w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/>'
    '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style></w:styles>'
)
STYLES_NO_LINK = (
    DECL + f'<w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    "</w:styles>"
)


def run(text: str, rpr: str = "") -> str:
    """A ``w:r`` with one preserved ``w:t``."""
    rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def para(*runs: str) -> str:
    """A ``w:p`` of the given runs."""
    return f"<w:p>{''.join(runs)}</w:p>"


def rels_xml(rels: list[tuple[str, str, str, bool]]) -> str:
    """A ``.rels`` part from (id, type suffix, target, external) tuples."""
    body = "".join(
        f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{target}"'
        + (' TargetMode="External"' if ext else "") + "/>"
        for i, t, target, ext in rels
    )
    return DECL + f'<Relationships xmlns="{PR_NS}">{body}</Relationships>'


def build_docx(
    body: str,
    *,
    hyperlinks: dict[str, str] | None = None,
    styles: str | None = STYLES_WITH_LINK,
    macros: bytes | None = None,
    with_document_rels: bool = True,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A minimal Word package whose body is ``body`` (paragraph XML).

    ``hyperlinks`` maps relationship ids to external targets. ``styles=None`` leaves out the
    styles part; ``macros`` adds a ``vbaProject.bin`` and makes the package a .docm;
    ``with_document_rels=False`` leaves out ``word/_rels/document.xml.rels`` entirely.
    """
    rels: list[tuple[str, str, str, bool]] = []
    overrides = [("/word/document.xml", DOCM_CT if macros is not None else MAIN_CT)]
    members: list[tuple[str, bytes]] = []
    if styles is not None:
        rels.append(("rIdStyles", "styles", "styles.xml", False))
        overrides.append(
            ("/word/styles.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml")
        )
        members.append(("word/styles.xml", styles.encode()))
    if macros is not None:
        rels.append(("rIdVba", "vbaProject", "vbaProject.bin", False))
        members.append(("word/vbaProject.bin", macros))
    for rid, target in (hyperlinks or {}).items():
        rels.append((rid, "hyperlink", target, True))
    ct = (
        DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides)
        + "</Types>"
    )
    document = (
        DECL + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}'
        "<w:sectPr/></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        def add(name: str, data: bytes, kind: int = compression) -> None:
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = kind
            z.writestr(info, data)

        add("[Content_Types].xml", ct.encode())
        add("_rels/.rels", rels_xml([("rId1", "officeDocument", "word/document.xml", False)]).encode())
        add("word/document.xml", document.encode())
        if with_document_rels:
            add("word/_rels/document.xml.rels", rels_xml(rels).encode())
        for name, data in members:
            add(name, data, zipfile.ZIP_STORED if name.endswith(".bin") else compression)
    return out.getvalue()


def with_document(document: bytes, hyperlinks: dict[str, str] | None = None) -> bytes:
    """A package like :func:`build_docx`'s whose ``word/document.xml`` is exactly ``document``
    (for namespace layouts and encodings the builder does not write)."""
    base = build_docx(para(run("x")), hyperlinks=hyperlinks)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            data = document if info.filename == "word/document.xml" else src.read(info.filename)
            z.writestr(info, data)
    return out.getvalue()


def xlsx_renamed() -> bytes:
    """A zip that is an Excel workbook, not a Word document."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        z.writestr("_rels/.rels", rels_xml([("rId1", "officeDocument", "xl/workbook.xml", False)]))
        z.writestr("xl/workbook.xml", DECL + "<workbook/>")
    return out.getvalue()


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ole_encrypted() -> bytes:
    """The start of an OLE compound file holding an encrypted OOXML package."""
    return _OLE + "EncryptedInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")


def ole_doc() -> bytes:
    """The start of an old binary Word (.doc) file."""
    return _OLE + "WordDocument".encode("utf-16-le") + b"\x00" * 64


def zip_bomb() -> bytes:
    """A package with a member that inflates about a thousandfold."""
    base = build_docx(para(run("x")))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info, src.read(info.filename))
        z.writestr("word/media/bomb.bin", b"\0" * (8 * 1024 * 1024), zipfile.ZIP_DEFLATED)
    return out.getvalue()
