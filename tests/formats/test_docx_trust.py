"""Word documents as other people write them: Perma links already there in any shape,
reviewer comments, quotations, HYPERLINK fragments, reference-manager fields, and the look of
the new link (issue items 5-10). Minimal packages from raw XML plus the real-corpus files."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import docx_fixtures as fx
import pytest
from lxml import etree

import permify
from permify.archiving.outcomes import Outcome
from permify.cli.main import main
from permify.documents import scan_document
from permify.formats.base import RewriteOptions, ScanOptions
from permify.formats.docx.adapter import DocxAdapter
from permify.report import build_report

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "tests" / "data" / "real"
W = fx.W_NS
NS = {"w": W, "r": fx.R_NS}
PERMA = "https://perma.cc/AAAA-BBBB"
URL = "https://www.gao.gov/products/gao-20-59"
HL = '<w:rStyle w:val="Hyperlink"/>'


def parse(data: bytes, options: ScanOptions | None = None):
    return DocxAdapter().parse_with(data, "t.docx", options or ScanOptions())


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


def link(rid: str, text: str, rpr: str = HL) -> str:
    return f'<w:hyperlink r:id="{rid}">{fx.run(text, rpr)}</w:hyperlink>'


def all_links(doc) -> dict[int, str]:
    return {c.index: f"https://perma.cc/{c.index:04d}-QRST" for c in doc.citations}


def body_with_links(body: str, links: dict[str, str]) -> bytes:
    """A package whose document part declares ``r:`` (for hyperlinks) and these relationships."""
    return fx.build_docx(body, hyperlinks=links)


# --------------------------------------------------------------------------- 5. existing links

EXISTING = {
    "brackets": fx.para(fx.run(f"See {URL} [{PERMA}].")),
    "parentheses": fx.para(fx.run(f"See {URL} ({PERMA}).")),
    "braces": fx.para(fx.run(f"See {URL} {{{PERMA}}}.")),
    "angle": fx.para(fx.run(f"See {URL} &lt;{PERMA}&gt;.")),
    "no scheme": fx.para(fx.run(f"See {URL} perma.cc/AAAA-BBBB.")),
    "http": fx.para(fx.run(f"See {URL} [http://perma.cc/AAAA-BBBB].")),
    "www": fx.para(fx.run(f"See {URL} [www.perma.cc/AAAA-BBBB].")),
    "archived at": fx.para(fx.run(f"See {URL}, archived at {PERMA}.")),
    "available at": fx.para(fx.run(f"See {URL} (available at perma.cc/AAAA-BBBB).")),
    "next run": fx.para(fx.run(f"See {URL} [https://perma."), fx.run("cc/AAAA-BBBB", "<w:i/>"), fx.run("].")),
    "line break": fx.para(fx.run(f"See {URL}"), "<w:r><w:br/></w:r>", fx.run(f"[{PERMA}]")),
    "next paragraph": fx.para(fx.run(f"See {URL}.")) + fx.para(fx.run("[perma.cc/AAAA-BBBB]")),
    "junk target": fx.para(fx.run(f"See {URL} ["), link("rIdJunk", PERMA), fx.run("].")),
    "http target": fx.para(fx.run(f"See {URL} ["), link("rIdHttp", "http://perma.cc/AAAA-BBBB"), fx.run("].")),
    "shown text elsewhere": fx.para(fx.run(f"See {URL} ["), link("rIdReal", "archived"), fx.run("].")),
    "hyperlinked URL": fx.para(link("rIdUrl", "GAO report"), fx.run(" (perma.cc/AAAA-BBBB).")),
}
TARGETS = {"rIdJunk": f"mailto:{PERMA}", "rIdHttp": "http://perma.cc/AAAA-BBBB", "rIdReal": PERMA,
           "rIdUrl": URL}


@pytest.mark.parametrize("name", sorted(EXISTING))
def test_a_perma_link_beside_the_url_is_recognised_in_every_shape(name: str, tmp_path: Path) -> None:
    data = body_with_links(EXISTING[name], TARGETS)
    doc = parse(data)
    cited = [c for c in doc.citations if "gao.gov" in c.url]
    assert len(cited) == 1 and cited[0].existing_archive is not None, doc.citations
    assert cited[0].existing_archive.upper().endswith("AAAA-BBBB")
    assert not [c for c in doc.citations if c.existing_archive is None and "perma.cc" not in c.url]
    # never a second Perma link: a rewrite with links for everything changes nothing
    assert doc.rewrite(all_links(doc), RewriteOptions()) == data
    path = tmp_path / "t.docx"
    path.write_bytes(data)
    assert permify.check_documents([path]) == []  # check agrees: nothing left to archive


@pytest.mark.parametrize("body", [
    fx.para(fx.run(f"See {URL} and the court's own page, perma.cc/AAAA-BBBB.")),
    fx.para(fx.run(f"See {URL}.")) + fx.para(fx.run("Other text, then perma.cc/AAAA-BBBB.")),
    fx.para(fx.run(f"See {URL} [perma.cc/about].")),
])
def test_a_perma_link_elsewhere_does_not_link_the_url(body: str) -> None:
    doc = parse(fx.build_docx(body))
    cited = [c for c in doc.citations if "gao.gov" in c.url]
    assert len(cited) == 1 and cited[0].existing_archive is None


def test_law_review_draft_has_every_existing_link_recognised() -> None:
    scan = scan_document(REAL / "repro-law-review-draft.docx")
    linked = [(c.cited.location, c.cited.existing_archive) for c in scan.citations if c.state == "linked"]
    assert linked == [
        ("footnote 2", "https://perma.cc/J8W9-XN2B"),  # [https://perma.cc/...]
        ("footnote 6", "https://perma.cc/7XBV-LYSX"),  # (https://perma.cc/...)
        ("footnote 7", "https://perma.cc/3QWE-RT5Y"),  # after a line break
        ("footnote 8", "https://perma.cc/K2LM-9NPA"),  # perma.cc/... without a scheme
        ("footnote 9", "https://perma.cc/5TGB-HY67"),  # shown text; the target is mailto:
        ("footnote 9", "https://perma.cc/6YHN-UJ78"),  # http://perma.cc/... target
    ]
    assert not [c for c in scan.citations if "perma.cc" in c.cited.url and c.state == "archive"]


# --------------------------------------------------------------------------- 6. comments

def test_reviewer_comments_are_listed_not_archived_unless_included() -> None:
    data = (REAL / "python-docx-comments-rich-para.docx").read_bytes()
    doc = parse(data)
    (comment,) = doc.citations
    assert (comment.url, comment.skip_reason) == ("https://google.com", "reviewer comment")
    assert doc.rewrite({0: PERMA}, RewriteOptions()) == data  # never edited by default

    included = parse(data, ScanOptions(include_comments=True))
    assert included.citations[0].skip_reason is None
    out = included.rewrite({0: PERMA}, RewriteOptions())
    assert PERMA.encode() in part(out, "word/comments.xml")
    texts = [c.text for c in docx.Document(io.BytesIO(out)).comments]
    assert any(PERMA in t for t in texts)


def test_cli_lists_comment_urls_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(REAL / "repro-law-review-draft.docx")
    assert main(["urls", path, "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    by_url = {r["url"]: r for r in rows}
    assert by_url["https://www.govinfo.gov/app/collection/fr"]["reason"] == "reviewer comment"
    assert main(["urls", path, "--format", "csv", "--include-comments"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert {r["url"]: r["action"] for r in rows}["https://www.govinfo.gov/app/collection/fr"] == "archive"


# --------------------------------------------------------------------------- 7. quotations

QUOTED = {
    "curly, body text": fx.para(fx.run(f"The FTC warned that \u201cvisitors to {URL} will see it.\u201d")),
    "straight, split runs": fx.para(fx.run('As one put it, "see '), fx.run(URL, "<w:b/>"), fx.run(' for proof."')),
    "hyperlink inside": fx.para(fx.run("He wrote \u2018see "), link("rIdUrl", URL), fx.run(" now\u2019 twice.")),
    "nested": fx.para(fx.run(f"\u201cShe said \u2018read {URL}\u2019 to me.\u201d")),
}


@pytest.mark.parametrize("name", sorted(QUOTED))
def test_a_url_inside_a_quotation_is_listed_not_archived(name: str) -> None:
    data = body_with_links(QUOTED[name], TARGETS)
    doc = parse(data)
    (cited,) = doc.citations
    assert cited.skip_reason == "inside a quotation"
    assert doc.rewrite(all_links(doc), RewriteOptions()) == data

    included = parse(data, ScanOptions(include_quoted=True))
    assert included.citations[0].skip_reason is None
    out = included.rewrite(all_links(included), RewriteOptions())
    assert b"https://perma.cc/0000-QRST" in part(out, "word/document.xml")


@pytest.mark.parametrize("body", [
    fx.para(fx.run(f"Doe, \u201cA Title,\u201d {URL}; Roe, \u201cAnother,\u201d (2020).")),
    fx.para(fx.run(f"Doe, \"A Title,\" {URL}; Roe, \"Another,\" (2020).")),
    fx.para(fx.run(f"It\u2019s the GAO\u2019s report, {URL}, the agencies\u2019 view.")),
    fx.para(fx.run(f"\u201cA quotation that runs on, {URL}")),
])
def test_titles_in_quotes_apostrophes_and_unclosed_marks_leave_the_url_cited(body: str) -> None:
    (cited,) = parse(fx.build_docx(body)).citations
    assert cited.skip_reason is None


def test_law_review_draft_quotations() -> None:
    scan = scan_document(REAL / "repro-law-review-draft.docx")
    quoted = {c.cited.url for c in scan.citations if c.classification.reason == "inside a quotation"}
    assert quoted == {"https://www.ftc.gov/reports/bringing-dark-patterns-light",
                      "http://www.example.org/quoted-page"}


# --------------------------------------------------------------------------- 8. fragments

FRAGMENTS = {
    "fldSimple": '<w:fldSimple w:instr=" HYPERLINK &quot;https://books.example.com/b?id=1&quot; '
                 '\\l &quot;v=onepage&quot; ">' + fx.run("Book") + "</w:fldSimple>",
    "field-code": '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
                  ' HYPERLINK "https://books.example.com/b?id=1" \\l "v=onepage" </w:instrText></w:r>'
                  '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + fx.run("Book")
                  + '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    "w:anchor": '<w:hyperlink r:id="rIdBook" w:anchor="v=onepage">' + fx.run("Book") + "</w:hyperlink>",
}


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
def test_a_fragment_is_part_of_the_archived_url(name: str) -> None:
    doc = parse(body_with_links(fx.para(FRAGMENTS[name]), {"rIdBook": "https://books.example.com/b?id=1"}))
    assert [c.url for c in doc.citations] == ["https://books.example.com/b?id=1#v=onepage"]


def test_a_fragment_alone_is_a_link_inside_the_document() -> None:
    body = fx.para('<w:fldSimple w:instr=" HYPERLINK \\l &quot;_Toc1&quot; ">' + fx.run("x") + "</w:fldSimple>")
    assert parse(fx.build_docx(body)).citations == []


# --------------------------------------------------------------------------- 9. reference managers

def test_reference_manager_urls_are_archived_and_the_field_is_not_edited() -> None:
    data = (REAL / "repro-refmanager-fields.docx").read_bytes()
    doc = parse(data)
    managed = [c for c in doc.citations if c.kind == "reference-manager"]
    assert [c.location for c in managed] == ["footnote 1", "footnote 3", "footnote 4"]
    assert all(c.skip_reason is None and c.existing_archive is None for c in managed)
    assert all("add this Perma link to the item in your reference manager" in (c.note or "") for c in managed)
    assert [n for n in ("Zotero", "Mendeley", "EndNote") if any(n in (c.note or "") for c in managed)] == [
        "Zotero", "Mendeley", "EndNote"]
    assert not any("zotero.org/users" in c.url or "mendeley.com" in c.url for c in doc.citations)
    out = doc.rewrite(all_links(doc), RewriteOptions())
    notes = etree.fromstring(part(out, "word/footnotes.xml"))
    old = etree.fromstring(part(data, "word/footnotes.xml"))
    for before, after in zip(old.iter(f"{{{W}}}footnote"), notes.iter(f"{{{W}}}footnote"), strict=True):
        if before.xpath(".//w:instrText[contains(., 'ADDIN')]", namespaces=NS):
            assert etree.tostring(before) == etree.tostring(after)  # the field stays as it was
    assert b"perma.cc/0001-QRST" in part(out, "word/footnotes.xml")  # the Google Books field


def test_report_and_warning_give_the_link_to_add() -> None:
    scan = scan_document(REAL / "repro-refmanager-fields.docx")
    zotero = next(c for c in scan.citations if c.cited.kind == "reference-manager")
    outcome = Outcome(zotero.key, zotero.cited.url, "archived", "ZZZZ-1234", None, ())
    (row,) = [r for r in build_report([scan], {zotero.key: outcome}) if r.url == zotero.cited.url]
    assert row.message is not None
    assert row.message.endswith("add this Perma link to the item in your reference manager: "
                                "https://perma.cc/ZZZZ-1234")
    assert any("Zotero" in w and zotero.cited.url in w for w in scan.parsed.warnings)


def test_archive_prints_the_link_to_add(capsys: pytest.CaptureFixture[str], api_env, tmp_path: Path) -> None:
    src = tmp_path / "refs.docx"
    src.write_bytes((REAL / "repro-refmanager-fields.docx").read_bytes())
    code = main(["archive", str(src), "--folder", "Demo Law Review", "-q"])
    err = capsys.readouterr().err
    assert code == 0
    found = re.findall(r"footnote (\d): shown by a reference-manager field \((\w+)\).*reference manager: "
                       r"https://perma\.cc/\w{4}-\w{4}", err)
    assert found == [("1", "Zotero"), ("3", "Mendeley"), ("4", "EndNote")]


# --------------------------------------------------------------------------- 10. the link's look

def _link_rpr(out: bytes, perma: str) -> list[tuple[str, str | None]]:
    root = etree.fromstring(part(out, "word/document.xml"))
    (run,) = root.xpath(f"//w:hyperlink[w:r/w:t='{perma}']/w:r", namespaces=NS)
    rpr = run.find(f"{{{W}}}rPr")
    return [] if rpr is None else [(c.tag.split("}")[1], c.get(f"{{{W}}}val")) for c in rpr]


LOOKS = fx.para(link("rIdUrl", URL, HL + '<w:sz w:val="20"/>'), fx.run(" and "),
                fx.run("https://a.example.com/plain", '<w:b/>'), fx.run(" end."))


def test_the_link_looks_like_the_cited_url() -> None:
    doc = parse(body_with_links(LOOKS, TARGETS))
    out = doc.rewrite({0: "https://perma.cc/0000-AAAA", 1: "https://perma.cc/0001-AAAA"}, RewriteOptions())
    # a styled hyperlink: the same style and size
    assert _link_rpr(out, "https://perma.cc/0000-AAAA") == [("rStyle", "Hyperlink"), ("sz", "20")]
    # plain bold text: bold, automatic colour, no underline, still a Hyperlink-styled link
    assert _link_rpr(out, "https://perma.cc/0001-AAAA") == [
        ("rStyle", "Hyperlink"), ("b", None), ("color", "auto"), ("u", "none")]
    rels = etree.fromstring(part(out, "word/_rels/document.xml.rels"))
    assert {r.get("Target") for r in rels} >= {"https://perma.cc/0000-AAAA", "https://perma.cc/0001-AAAA"}


def test_link_style_hyperlink_always_uses_the_style() -> None:
    doc = parse(body_with_links(LOOKS, TARGETS))
    out = doc.rewrite({0: "https://perma.cc/0000-AAAA", 1: "https://perma.cc/0001-AAAA"},
                      RewriteOptions(link_style="hyperlink"))
    assert _link_rpr(out, "https://perma.cc/0001-AAAA") == [("rStyle", "Hyperlink"), ("b", None)]
    no_style = fx.build_docx(fx.para(fx.run("See https://a.example.com/x.")), styles=fx.STYLES_NO_LINK)
    plain = parse(no_style).rewrite({0: PERMA}, RewriteOptions())
    assert _link_rpr(plain, PERMA) == []  # no style to lean on: the text's look, still a hyperlink
    forced = parse(no_style).rewrite({0: PERMA}, RewriteOptions(link_style="hyperlink"))
    assert _link_rpr(forced, PERMA) == [("color", "0563C1"), ("u", "single")]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and pdftotext")
def test_libreoffice_keeps_both_looks_clickable(tmp_path: Path) -> None:
    doc = parse(body_with_links(LOOKS, TARGETS))
    out = doc.rewrite({0: "https://perma.cc/0000-AAAA", 1: "https://perma.cc/0001-AAAA"}, RewriteOptions())
    src = tmp_path / "looks.docx"
    src.write_bytes(out)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   capture_output=True, timeout=180, check=False)
    pdf = (tmp_path / "looks.pdf").read_bytes()
    uris = set(re.findall(rb"/URI\s*\((https://perma\.cc/[^)]*)\)", pdf))
    assert uris == {b"https://perma.cc/0000-AAAA", b"https://perma.cc/0001-AAAA"}
    text = subprocess.run(["pdftotext", str(tmp_path / "looks.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "[https://perma.cc/0001-AAAA] end." in " ".join(text.split())


# --------------------------------------------------------------------------- more shapes of the same classes

def test_a_block_quotation_paragraph_is_quoted_material() -> None:
    body = ('<w:p><w:pPr><w:pStyle w:val="BlockText"/></w:pPr>'
            + fx.run(f"The report says visitors to {URL} see the problem.") + "</w:p>"
            + fx.para(fx.run("See https://a.example.com/after.")))
    doc = parse(fx.build_docx(body))
    assert [(c.url, c.skip_reason) for c in doc.citations] == [
        (URL, "inside a quotation"), ("https://a.example.com/after", None)]
    assert parse(fx.build_docx(body), ScanOptions(include_quoted=True)).citations[0].skip_reason is None


def test_a_linked_title_in_quotation_marks_is_a_citation() -> None:
    body = fx.para(fx.run("Smith, \u201c"), link("rIdUrl", "Link Rot in the Courts"), fx.run(",\u201d Blog (2020)."))
    (cited,) = parse(body_with_links(body, TARGETS)).citations
    assert (cited.url, cited.skip_reason) == (URL, None)
    quoted = fx.para(fx.run("He said \u201cread "), link("rIdUrl", "the report"), fx.run(" first.\u201d"))
    (inside,) = parse(body_with_links(quoted, TARGETS)).citations
    assert inside.skip_reason == "inside a quotation"


def test_a_perma_hyperlink_after_a_lead_in_links_the_url() -> None:
    body = fx.para(fx.run(f"See {URL}, archived at "), link("rIdReal", "Perma"), fx.run("."))
    cited = [c for c in parse(body_with_links(body, TARGETS)).citations if "gao.gov" in c.url]
    assert cited[0].existing_archive == PERMA


def test_a_reference_manager_result_with_the_perma_link_reads_as_linked() -> None:
    field = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
             ' ADDIN ZOTERO_ITEM CSL_CITATION {} </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
             + fx.run(f"GAO, Report (2019), {URL} [{PERMA}].")
             + '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    data = fx.build_docx(fx.para(field))
    doc = parse(data)
    (cited,) = doc.citations
    assert (cited.kind, cited.existing_archive) == ("reference-manager", PERMA)
    assert doc.rewrite(all_links(doc), RewriteOptions()) == data


def _control(tag: str, inner: str) -> str:
    return f'<w:sdt><w:sdtPr><w:tag w:val="{tag}"/></w:sdtPr><w:sdtContent>{inner}</w:sdtContent></w:sdt>'


def test_mendeley_cite_content_controls_are_reference_manager_citations() -> None:
    inline = fx.para(fx.run("As shown "), _control("MENDELEY_CITATION_v3_eyJjaXRhdGlvbklEIjoi",
                                                   fx.run(f"(GAO 2019, {URL})")), fx.run("."))
    bibliography = _control("MENDELEY_BIBLIOGRAPHY",
                            fx.para(fx.run("Kahle, B. (2016). Locking the web open. https://a.example.com/kahle")))
    citavi = fx.para(_control("CitaviPlaceholder#550e8400", '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                              '<w:r><w:instrText>ADDIN CitaviPlaceholder{e30=}</w:instrText></w:r>'
                              '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                              + fx.run("(Roe 2020, https://b.example.com/roe)")
                              + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'))
    data = fx.build_docx(inline + bibliography + citavi)
    doc = parse(data)
    assert [(c.url, c.kind) for c in doc.citations] == [
        (URL, "reference-manager"), ("https://a.example.com/kahle", "reference-manager"),
        ("https://b.example.com/roe", "reference-manager")]
    names = [re.search(r"\((\w+)\)", c.note or "")[1] for c in doc.citations]
    assert names == ["Mendeley", "Mendeley", "Citavi"]
    assert doc.rewrite(all_links(doc), RewriteOptions()) == data  # nothing edited


def test_an_ordinary_content_control_is_read_as_text() -> None:
    body = fx.para(_control("MyTitle", fx.run(f"See {URL}.")))
    (cited,) = parse(fx.build_docx(body)).citations
    assert (cited.kind, cited.note) == ("text", None)


def test_a_bibliography_field_over_many_paragraphs_cites_each_url_where_it_is() -> None:
    begin = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
             ' ADDIN ZOTERO_BIBL {"uncited":[]} CSL_BIBLIOGRAPHY </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    body = (fx.para(fx.run("Intro."))
            + fx.para(begin + fx.run("[1]") + "<w:r><w:tab/></w:r>"
                      + fx.run(f"GAO, \u201cInformation Management,\u201d {URL}."))
            + fx.para(fx.run("[2]") + "<w:r><w:tab/></w:r>" + fx.run("Kahle, \u201cLocking the Web Open,\u201d "
                                                                   "https://a.example.com/kahle [perma.cc/AAAA-BBBB]."))
            + fx.para(fx.run("[3]") + "<w:r><w:tab/></w:r>" + fx.run("Roe, https://b.example.com/roe.")
                      + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'))
    data = fx.build_docx(body)
    doc = parse(data)
    assert [(c.url, c.location, c.kind, c.skip_reason, c.existing_archive) for c in doc.citations] == [
        (URL, "body paragraph 2", "reference-manager", None, None),
        ("https://a.example.com/kahle", "body paragraph 3", "reference-manager", None, PERMA),
        ("https://b.example.com/roe", "body paragraph 4", "reference-manager", None, None),
    ]
    assert doc.rewrite(all_links(doc), RewriteOptions()) == data


def test_the_law_review_draft_end_to_end(capsys: pytest.CaptureFixture[str], api_env, tmp_path: Path) -> None:
    src = tmp_path / "draft.docx"
    src.write_bytes((REAL / "repro-law-review-draft.docx").read_bytes())
    out, again = tmp_path / "out.docx", tmp_path / "again.docx"
    assert main(["archive", str(src), "--folder", "Demo Law Review", "-q", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["check", str(out)]) == 0  # every cited URL has its Perma link; check agrees
    assert "have a Perma link" in capsys.readouterr().err
    assert main(["archive", str(out), "--folder", "Demo Law Review", "-q", "-o", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()  # a second run changes nothing
    text = " ".join(p.text for p in docx.Document(str(out)).paragraphs)
    notes = part(out.read_bytes(), "word/footnotes.xml").decode()
    assert text.count("perma.cc") == 0  # the quoted URL in the body is not edited
    # one Perma link per linked or archived URL in the notes, never two after one URL
    to_archive = len(permify.check_documents([src]))  # all in the notes
    assert len(re.findall(r"perma\.cc/", re.sub(r"<[^>]+>", "", notes))) == 6 + to_archive
    assert b"perma.cc" not in part(out.read_bytes(), "word/comments.xml")
