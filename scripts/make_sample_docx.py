"""Generate sample_docs/article.docx: a law-review style article citing URLs in every form Word uses.

Run from the repository root (``python scripts/make_sample_docx.py``). The output is
reproducible: pandoc's timestamps come from ``SOURCE_DATE_EPOCH`` and every zip member gets a
fixed date. The bulk (title, sections, 45 footnotes with links, bare URLs and autolinks, a
table) is written by pandoc from generated Markdown; raw XML edits then add the forms pandoc
cannot write: a ``w:fldSimple``; complex HYPERLINK fields split across runs and across
paragraphs; a URL split across differently formatted runs; URLs in a tracked insertion and a
tracked deletion; a text box (``mc:AlternateContent`` with Choice and Fallback); an endnotes
part; a header and a footer; a comment; a Zotero citation field; and URLs already followed by
a Perma link (as text and as a hyperlink).
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sample_docs" / "article.docx"
FIXED_DATE = (2024, 1, 1, 0, 0, 0)
EPOCH = "1704067200"  # 2024-01-01T00:00:00Z

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n')
NSDECL = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'

SOURCES = [
    ("Harvard Law Review, Developments in the Law", "https://harvardlawreview.org/print/vol-136/developments/"),
    ("Zittrain, Albert & Lessig, Perma: Scoping and Addressing the Problem of Link and Reference Rot", "https://papers.ssrn.com/sol3/papers.cfm?abstract_id=2329161"),
    ("Library of Congress, Web Archiving", "https://www.loc.gov/programs/web-archiving/about-this-program/"),
    ("The Bluebook, Rule 18.2.1", "https://www.legalbluebook.com/bluebook/v21/rules/18-the-internet-electronic-media-and-other-nonprint-resources"),
    ("Pew Research Center, When Online Content Disappears", "https://www.pewresearch.org/data-labs/2024/05/17/when-online-content-disappears/"),
    ("Internet Archive, About the Wayback Machine", "https://archive.org/about/"),
    ("Liebler & Liebert, Something Rotten in the State of Legal Citation", "https://digitalcommons.law.yale.edu/yjolt/vol15/iss2/1/"),
    ("Supreme Court of the United States, Opinions", "https://www.supremecourt.gov/opinions/slipopinion/22"),
    ("U.S. Government Publishing Office, govinfo", "https://www.govinfo.gov/app/collection/uscode"),
    ("Federal Register, Rules", "https://www.federalregister.gov/documents/search?conditions%5Btype%5D%5B%5D=RULE"),
    ("European Court of Human Rights, HUDOC", "https://hudoc.echr.coe.int/eng#{%22documentcollectionid2%22:[%22GRANDCHAMBER%22]}"),
    ("Wikipedia, Link rot", "https://en.wikipedia.org/wiki/Link_rot"),
    ("NIST, Digital Preservation", "https://www.nist.gov/itl/ssd/information-access-division/digital-preservation"),
    ("Cornell LII, 17 U.S. Code § 107", "https://www.law.cornell.edu/uscode/text/17/107"),
    ("Berkman Klein Center, Reference Rot", "https://cyber.harvard.edu/publications/2014/perma_scoping"),
]


def _footnote(i: int) -> str:
    """Footnote ``i``'s Markdown: a mix of links, bare URLs, autolinks and plain signals."""
    title, url = SOURCES[i % len(SOURCES)]
    page = 100 + 7 * i
    form = i % 5
    if form == 0:
        return f"[{title}]({url}) (last visited Jan. 1, 2024)."
    if form == 1:
        return f"See {title}, at {page}, {url} (describing the problem)."
    if form == 2:
        return f"*Id.* at {page}; see also <{url}>."
    if form == 3:
        return f"Cf. {title}, available at [{url}]({url}); *but see* *id.* at {page}."
    return f"*See generally* {title} ({2000 + i % 24})."


PARAGRAPHS = [
    "Legal scholarship increasingly cites sources that live only on the web. A citation that "
    "points nowhere is worse than no citation at all",
    "Studies of law reviews find that a large share of cited URLs no longer lead to the "
    "material the author relied on",
    "Courts face the same problem: opinions cite agency pages, blog posts and social media, "
    "and those pages change or vanish",
    "Archiving services respond by capturing a copy at the moment of citation and giving it a "
    "permanent address",
    "The Bluebook now asks authors to archive cited internet sources and to give the archive's "
    "address beside the original",
    "Editors who check citations by hand spend hours on this work for every issue",
]
SECTIONS = ["Introduction", "The Scale of Link Rot", "Archiving as a Citation Practice",
            "Implementation in the Editorial Workflow", "Conclusion"]


def make_markdown() -> str:
    """The article body as pandoc Markdown (45 footnotes and a table)."""
    out = [
        "---", "title: 'Link Rot and the Law: Preserving the Sources We Cite'",
        "author: Jane Q. Scholar", "date: January 2024", "---", "",
    ]
    note = 0
    for s, section in enumerate(SECTIONS):
        out += [f"# {section}", ""]
        for k in range(2):
            para = PARAGRAPHS[(s * 2 + k) % len(PARAGRAPHS)]
            refs = []
            for _ in range(5 if s < 4 else 3):
                note += 1
                refs.append(f"[^{note}]")
            sentences = para.split(", ")
            text = "".join(f"{part}{refs[j] if j < len(refs) else ''}, "
                           for j, part in enumerate(sentences)).rstrip(", ")
            out += [text + "." + "".join(refs[len(sentences):]), ""]
        if s == 1:
            out += [
                "| Study | Sample | Source |", "|---|---|---|",
                "| Zittrain et al. (2014) | 3 journals | https://papers.ssrn.com/abstract=2329161 |",
                "| Pew (2024) | 1M pages | [report](https://www.pewresearch.org/data-labs/) |",
                "", "Table: Studies of link rot.", "",
            ]
    for i in range(1, note + 1):
        out.append(f"[^{i}]: {_footnote(i)}")
    return "\n".join(out) + "\n"


def _r(text: str, rpr: str = "") -> str:
    rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _fld(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _instr(text: str) -> str:
    return f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>'


def _p(*runs: str, style: str = "BodyText") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{"".join(runs)}</w:p>'


TEXTBOX_URL = "https://www.uscourts.gov/statistics-reports/caseload-statistics-data-tables"
_BOX_P = _p(_r("Sidebar: caseload data at "), _r(TEXTBOX_URL), _r("."), style="Compact")
TEXTBOX = (
    '<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing">'
    '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="45720" distB="45720" distL="114300" '
    'distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" locked="0" '
    'layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="paragraph"><wp:posOffset>228600</wp:posOffset></wp:positionV>'
    '<wp:extent cx="5486400" cy="822960"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
    '<wp:wrapTopAndBottom/><wp:docPr id="101" name="Sidebar"/><wp:cNvGraphicFramePr/>'
    '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
    '<a:xfrm><a:off x="0" y="0"/><a:ext cx="5486400" cy="822960"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/>'
    '<a:ln w="6350"><a:solidFill><a:srgbClr val="000000"/></a:solidFill></a:ln></wps:spPr>'
    f'<wps:txbx><w:txbxContent>{_BOX_P}</w:txbxContent></wps:txbx>'
    '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" '
    'anchor="t"><a:noAutofit/></wps:bodyPr>'
    '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
    '<mc:Fallback><w:pict><v:shape id="Sidebar" type="#_x0000_t202" '
    'style="position:absolute;margin-top:18pt;width:6in;height:0.9in;z-index:1" '
    'strokeweight=".5pt"><v:textbox>'
    f'<w:txbxContent>{_BOX_P}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>'
    '</mc:AlternateContent></w:r>'
)


def body_additions() -> str:
    """Paragraphs in the URL forms pandoc cannot write, appended before the section properties."""
    zotero_json = ('{&quot;citationID&quot;:&quot;x1&quot;,&quot;citationItems&quot;:[{&quot;itemData&quot;:'
                   '{&quot;URL&quot;:&quot;https://zotero-json.example.org/item&quot;}}]}')
    return "".join([
        _p(_r("Appendix: Sources in Other Forms"), style="Heading1"),
        _p(_r("The Copyright Office explains registration in "),
           '<w:fldSimple w:instr=" HYPERLINK &quot;https://www.copyright.gov/circs/circ01.pdf&quot; ">'
           + _r("Circular 1", '<w:rStyle w:val="Hyperlink"/>') + "</w:fldSimple>",
           _r(", a short guide.")),
        _p(_r("The Court's most recent fair-use opinion is "), _fld("begin"),
           _instr(' HYPERLINK "https://www.supremecourt.gov/opin'),
           _instr('ions/22pdf/21-869_87ad.pdf" \\o "Slip opinion" '), _fld("separate"),
           _r("Andy Warhol Foundation v. Goldsmith", '<w:rStyle w:val="Hyperlink"/><w:i/>'),
           _fld("end"), _r(", decided in 2023.")),
        _p(_r("The statute itself, "), _fld("begin"),
           _instr(' HYPERLINK "https://uscode.house.gov/view.xhtml?req=granuleid:'),
           ),
        _p(_instr('USC-prelim-title17-section107" '), _fld("separate"),
           _r("17 U.S.C. § 107", '<w:rStyle w:val="Hyperlink"/>'), _fld("end"),
           _r(", lists four factors.")),
        _p(_r("The GAO report is at "),
           _r("https://www.gao.gov/prod", '<w:rFonts w:ascii="Georgia" w:hAnsi="Georgia"/>'),
           _r("ucts/gao-23-105", '<w:b/>'), _r("611", '<w:i/>'),
           _r(" and discusses federal web records.")),
        _p(_r("An editor added: "),
           '<w:ins w:id="9001" w:author="Articles Editor" w:date="2024-01-01T00:00:00Z">'
           + _r("see also https://www.ftc.gov/reports/protecting-consumers-era-rapid-change and ")
           + _r("the accompanying staff report") + "</w:ins>",
           '<w:del w:id="9002" w:author="Articles Editor" w:date="2024-01-01T00:00:00Z">'
           '<w:r><w:delText xml:space="preserve"> (formerly https://deleted.example.org/old-source)'
           "</w:delText></w:r></w:del>", _r(".")),
        _p(_r("Court statistics appear in the sidebar below."), TEXTBOX),
        _p(_r("Prior work on platform governance"), _fld("begin"),
           _instr(f" ADDIN ZOTERO_ITEM CSL_CITATION {zotero_json} "), _fld("separate"),
           _r(" (Roe, Platform Governance, 12 J. Tech. L. 1 (2023), "
              "https://www.jtl-journal.org/articles/roe-platform-governance)"),
           _fld("end"), _r(" frames the debate.")),
        _p(_r("Federal judiciary caseload figures: https://www.uscourts.gov/data-news/reports "
              "[https://perma.cc/8XYZ-4ABC], archived when cited."),
           _r(" The Census Bureau's portal, "),
           '<w:hyperlink r:id="rIdCensus">' + _r("data.census.gov", '<w:rStyle w:val="Hyperlink"/>')
           + "</w:hyperlink>", _r(" ["),
           '<w:hyperlink r:id="rIdCensusPerma">'
           + _r("https://perma.cc/Q2W3-E4R5", '<w:rStyle w:val="Hyperlink"/>') + "</w:hyperlink>",
           _r("], is archived too.")),
        _p(_r("Endnotes collect material outside the footnote apparatus."),
           '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:endnoteReference w:id="1"/></w:r>',
           '<w:commentRangeStart w:id="0"/>', _r(" This sentence carries a comment."),
           '<w:commentRangeEnd w:id="0"/>',
           '<w:r><w:commentReference w:id="0"/></w:r>'),
    ])


ENDNOTES = (
    HEAD + f"<w:endnotes {NSDECL}>"
    '<w:endnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:endnote>'
    '<w:endnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:endnote>'
    '<w:endnote w:id="1"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
    '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:endnoteRef/></w:r>'
    + _r(" Methodology: https://www.example-lawschool.edu/linkrot/methods; data at ")
    + '<w:hyperlink r:id="rIdEnd1">' + _r("the project repository", '<w:rStyle w:val="Hyperlink"/>')
    + "</w:hyperlink>" + _r(".") + "</w:p></w:endnote></w:endnotes>"
)
ENDNOTES_RELS = (
    HEAD + f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rIdEnd1" Type="{REL}/hyperlink" '
    'Target="https://github.com/harvard-lil/perma" TargetMode="External"/></Relationships>'
)
HEADER = (HEAD + f"<w:hdr {NSDECL}>"
          + _p(_r("Draft — forthcoming, 12 J. Internet L. (2024) — https://www.jil-review.org/drafts/scholar"),
               style="Header") + "</w:hdr>")
FOOTER = (HEAD + f"<w:ftr {NSDECL}>"
          + _p(_r("Cite as: Scholar, Link Rot and the Law, https://ssrn.com/abstract=4000001 — page "),
               _fld("begin"), _instr(" PAGE "), _fld("separate"), _r("1"), _fld("end"),
               style="Footer") + "</w:ftr>")
COMMENTS = (
    HEAD + f"<w:comments {NSDECL}>"
    '<w:comment w:id="0" w:author="Articles Editor" w:date="2024-01-01T00:00:00Z" w:initials="AE">'
    + _p(_r("Please also cite https://www.ncsc.org/topics/court-management for state courts."),
         style="CommentText")
    + "</w:comment></w:comments>"
)


def _edit(members: dict[str, bytes]) -> None:
    doc = members["word/document.xml"].decode()
    sect = doc.rindex("<w:sectPr")
    doc = doc[:sect] + body_additions() + doc[sect:]
    sect = doc.rindex("<w:sectPr")
    sect_end = doc.index(">", sect) + 1
    doc = (doc[:sect_end] + '<w:headerReference w:type="default" r:id="rIdHdr1"/>'
           '<w:footerReference w:type="default" r:id="rIdFtr1"/>' + doc[sect_end:])
    members["word/document.xml"] = doc.encode()
    rels = members["word/_rels/document.xml.rels"].decode()
    extra = "".join([
        f'<Relationship Id="rIdHdr1" Type="{REL}/header" Target="header1.xml"/>',
        f'<Relationship Id="rIdFtr1" Type="{REL}/footer" Target="footer1.xml"/>',
        f'<Relationship Id="rIdEndnotes" Type="{REL}/endnotes" Target="endnotes.xml"/>',
        f'<Relationship Id="rIdCensus" Type="{REL}/hyperlink" '
        'Target="https://data.census.gov/" TargetMode="External"/>',
        f'<Relationship Id="rIdCensusPerma" Type="{REL}/hyperlink" '
        'Target="https://perma.cc/Q2W3-E4R5" TargetMode="External"/>',
    ])
    members["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", extra + "</Relationships>").encode()
    ct = members["[Content_Types].xml"].decode()
    extra = "".join(
        f'<Override PartName="/word/{n}.xml" ContentType="{CT}.{t}+xml"/>'
        for n, t in (("header1", "header"), ("footer1", "footer"), ("endnotes", "endnotes"))
    )
    members["[Content_Types].xml"] = ct.replace("</Types>", extra + "</Types>").encode()
    members["word/comments.xml"] = COMMENTS.encode()
    members["word/endnotes.xml"] = ENDNOTES.encode()
    members["word/_rels/endnotes.xml.rels"] = ENDNOTES_RELS.encode()
    members["word/header1.xml"] = HEADER.encode()
    members["word/footer1.xml"] = FOOTER.encode()


def build() -> bytes:
    """The sample's bytes (deterministic for a given pandoc version)."""
    import pypandoc

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "article.docx"
        pypandoc.convert_text(make_markdown(), "docx", format="markdown", outputfile=str(path))
        with zipfile.ZipFile(path) as z:
            order = [i.filename for i in z.infolist()]
            members = {n: z.read(n) for n in order}
    _edit(members)
    order += [n for n in members if n not in order]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in order:
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, members[name])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write the sample (or the path given as the only argument)."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else OUT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(build())
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
