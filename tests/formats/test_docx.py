"""Tests of the Word (.docx) adapter on the generated sample and on small raw-XML packages."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import docx_fixtures as fx
import pytest
from lxml import etree

from permify.errors import InputError
from permify.formats.base import RewriteOptions, adapter_for
from permify.formats.docx.adapter import DocxAdapter
from permify.urls import perma_url

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_docs" / "article.docx"
W = fx.W_NS
NS = {"w": W, "r": fx.R_NS, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"}
DATE = "2024-02-02T00:00:00Z"


def parse(data: bytes, source: str = "test.docx"):
    return DocxAdapter().parse(data, source)


def links_for(doc) -> dict[int, str]:
    """A distinct fake Perma link for every citation that has no archive yet and is not
    skipped (a reviewer comment's URL); a reference-manager field's URL gets one too, and the
    rewrite must leave the field alone."""
    return {c.index: perma_url(f"{c.index:04d}-QRST") for c in doc.citations
            if not c.existing_archive and not c.skip_reason}


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(name)


@pytest.fixture(scope="module")
def sample() -> bytes:
    return SAMPLE.read_bytes()


@pytest.fixture(scope="module")
def rewritten(sample: bytes) -> bytes:
    doc = parse(sample)
    return doc.rewrite(links_for(doc), RewriteOptions(date=DATE))


@pytest.fixture(scope="module")
def tracked(sample: bytes) -> bytes:
    doc = parse(sample)
    return doc.rewrite(links_for(doc), RewriteOptions(track_changes=True, date=DATE))


# --------------------------------------------------------------------------- reading


def test_registry_gives_the_docx_adapter() -> None:
    adapter = adapter_for("docx")
    assert isinstance(adapter, DocxAdapter)
    assert adapter.suffixes == (".docx", ".docm") and adapter.textual is False


def test_sample_finds_every_form_and_story(sample: bytes) -> None:
    doc = parse(sample)
    by_url = {c.url: c for c in doc.citations}
    assert [c.index for c in doc.citations] == list(range(len(doc.citations)))
    assert {c.kind for c in doc.citations} == {
        "hyperlink", "fldSimple", "field-code", "text", "reference-manager"}
    assert by_url["https://www.copyright.gov/circs/circ01.pdf"].kind == "fldSimple"
    assert by_url["https://www.copyright.gov/circs/circ01.pdf"].title == "Circular 1"
    warhol = by_url["https://www.supremecourt.gov/opinions/22pdf/21-869_87ad.pdf"]
    assert (warhol.kind, warhol.title) == ("field-code", "Andy Warhol Foundation v. Goldsmith")
    across = "https://uscode.house.gov/view.xhtml?req=granuleid:USC-prelim-title17-section107"
    assert by_url[across].kind == "field-code"
    assert by_url["https://www.gao.gov/products/gao-23-105611"].kind == "text"  # split over 3 runs
    assert "https://www.ftc.gov/reports/protecting-consumers-era-rapid-change" in by_url  # w:ins
    assert by_url["https://github.com/harvard-lil/perma"].location == "endnote 1"
    comment = by_url["https://www.ncsc.org/topics/court-management"]
    assert (comment.location, comment.skip_reason) == ("comment 1", "reviewer comment")
    assert by_url["https://www.jil-review.org/drafts/scholar"].location == "header"
    assert by_url["https://ssrn.com/abstract=4000001"].location == "footer"
    box = [c for c in doc.citations if c.location.startswith("text box in body paragraph")]
    assert len(box) == 1  # Choice and Fallback copies count once
    notes = {int(c.location.split()[1]) for c in doc.citations if c.location.startswith("footnote")}
    assert max(notes) >= 40
    assert by_url["https://data.census.gov/"].title == "data.census.gov"


def test_sample_skips_deleted_and_reference_manager_urls(sample: bytes) -> None:
    doc = parse(sample)
    urls = {c.url for c in doc.citations}
    assert not any("deleted.example.org" in u for u in urls)
    assert not any("zotero-json" in u for u in urls)  # the field's instruction is not shown
    shown = next(c for c in doc.citations if "jtl-journal.org" in c.url)
    assert shown.kind == "reference-manager" and shown.skip_reason is None
    assert shown.note and "add this Perma link to the item in your reference manager" in shown.note
    assert any("Zotero" in w and "jtl-journal.org" in w and "reference manager" in w
               for w in doc.warnings)
    assert any("text box" in w and "overflow" in w for w in doc.warnings)


def test_existing_perma_links_are_reported_not_cited(sample: bytes) -> None:
    doc = parse(sample)
    by_url = {c.url: c for c in doc.citations}
    assert by_url["https://www.uscourts.gov/data-news/reports"].existing_archive == (
        "https://perma.cc/8XYZ-4ABC"
    )
    assert by_url["https://data.census.gov/"].existing_archive == "https://perma.cc/Q2W3-E4R5"
    assert not any("perma.cc" in c.url for c in doc.citations)


def test_footnote_numbers_follow_reference_order() -> None:
    # Footnote ids 7 and 3 referenced in that order read as footnotes 1 and 2.
    from permify.formats.docx.adapter import _numbers

    root = etree.fromstring(
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:footnoteReference w:id="7"/></w:r>'
        '<w:r><w:footnoteReference w:id="3"/></w:r></w:p></w:body></w:document>'
    )
    assert _numbers(root)["footnote"] == {"7": 1, "3": 2}


def test_field_split_across_runs_and_internal_links() -> None:
    body = fx.para(
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
        '<w:r><w:instrText> HYPERLINK "https://comp</w:instrText></w:r>',
        '<w:r><w:instrText>lex.example.com/b?x=1" </w:instrText></w:r>',
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', fx.run("result"),
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>',
        '<w:hyperlink w:anchor="_Toc1">' + fx.run("internal") + "</w:hyperlink>",
        '<w:fldSimple w:instr=" HYPERLINK \\l &quot;bm&quot; ">' + fx.run("local") + "</w:fldSimple>",
    )
    doc = parse(fx.build_docx(body))
    assert [(c.url, c.kind) for c in doc.citations] == [
        ("https://complex.example.com/b?x=1", "field-code")
    ]


# --------------------------------------------------------------------------- writing


def test_rewrite_opens_in_python_docx(rewritten: bytes, tracked: bytes) -> None:
    document = docx.Document(io.BytesIO(rewritten))
    assert [c.text for c in document.comments] == [
        "Please also cite https://www.ncsc.org/topics/court-management for state courts."
    ]
    assert len(document.sections[0].header.paragraphs) == 1
    # python-docx leaves text inside w:ins out of .text, so the tracked file is only reopened
    assert len(list(docx.Document(io.BytesIO(tracked)).comments)) == 1


def test_untouched_members_are_byte_identical(sample: bytes, rewritten: bytes) -> None:
    edited = {"word/document.xml", "word/footnotes.xml", "word/endnotes.xml", "word/comments.xml",
              "word/header1.xml", "word/footer1.xml"}
    edited |= {re.sub(r"word/(.*)", r"word/_rels/\1.rels", n) for n in edited}
    with zipfile.ZipFile(io.BytesIO(sample)) as a, zipfile.ZipFile(io.BytesIO(rewritten)) as b:
        old, new = a.infolist(), b.infolist()
        assert [i.filename for i in new[: len(old)]] == [i.filename for i in old]
        added = [i.filename for i in new[len(old):]]
        assert set(added) <= edited and all(n.endswith(".rels") for n in added)
        for i, j in zip(old, new, strict=False):
            assert (i.date_time, i.compress_type, i.external_attr) == (
                j.date_time, j.compress_type, j.external_attr)
            if i.filename not in edited:
                assert a.read(i.filename) == b.read(j.filename)
                assert (i.CRC, i.compress_size) == (j.CRC, j.compress_size)
        changed = {i.filename for i in old if a.read(i.filename) != b.read(i.filename)}
        assert changed <= edited and "word/footnotes.xml" in changed


def test_edited_parts_keep_declaration_and_prefixes(sample: bytes, rewritten: bytes) -> None:
    for name in ("word/document.xml", "word/footnotes.xml", "word/header1.xml"):
        old, new = part(sample, name), part(rewritten, name)
        assert new[: old.index(b"?>") + 2] == old[: old.index(b"?>") + 2]
        assert etree.fromstring(new).nsmap == etree.fromstring(old).nsmap
        assert b"ns0:" not in new and b"ns1:" not in new


def test_word_rules_hold_in_output(rewritten: bytes, tracked: bytes) -> None:
    for data in (rewritten, tracked):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml"):
                root = etree.fromstring(z.read(name))
                assert not root.xpath("//w:ins//w:hyperlink | //w:moveTo//w:hyperlink",
                                      namespaces=NS)
                for rpr in root.iter(f"{{{W}}}rPr"):
                    styles = rpr.findall(f"{{{W}}}rStyle")
                    assert not styles or rpr.index(styles[0]) == 0
                for t in root.xpath("//w:t[starts-with(., ' ')]", namespaces=NS):
                    assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
                ids = root.xpath("//w:ins/@w:id | //w:del/@w:id", namespaces=NS)
                assert len(ids) == len(set(ids))
                rels = etree.fromstring(z.read(name.replace("word/", "word/_rels/") + ".rels"))
                rel_ids = [r.get("Id") for r in rels]
                assert len(rel_ids) == len(set(rel_ids))
                assert set(root.xpath("//w:hyperlink/@r:id", namespaces=NS)) <= set(rel_ids)


def test_new_runs_take_the_url_formatting(rewritten: bytes) -> None:
    root = etree.fromstring(part(rewritten, "word/document.xml"))
    link = root.xpath("//w:hyperlink[w:r/w:t='https://perma.cc/0005-QRST']", namespaces=NS)[0]
    rpr = link.find(f"{{{W}}}r/{{{W}}}rPr")
    # a URL in plain text: the link has the text's look (Georgia, automatic colour, no
    # underline) over the Hyperlink style, so that every renderer keeps it a link
    assert [(c.tag.split("}")[1], c.get(f"{{{W}}}val")) for c in rpr] == [
        ("rStyle", "Hyperlink"), ("rFonts", None), ("color", "auto"), ("u", "none")]
    assert rpr[1].get(f"{{{W}}}ascii") == "Georgia"
    notes = etree.fromstring(part(rewritten, "word/endnotes.xml"))
    for t in notes.xpath("//w:t[.=' [']", namespaces=NS):
        assert not t.getparent().xpath("w:rPr/w:vertAlign | w:rPr/w:rStyle", namespaces=NS)


def test_text_box_edited_in_both_copies(rewritten: bytes) -> None:
    root = etree.fromstring(part(rewritten, "word/document.xml"))
    for branch in ("mc:Choice", "mc:Fallback"):
        found = root.xpath(f"//{branch}//w:txbxContent//w:hyperlink/w:r/w:t/text()", namespaces=NS)
        assert len(found) == 1 and found[0].startswith("https://perma.cc/")


def test_url_in_tracked_insertion_splits_the_insertion(rewritten: bytes) -> None:
    root = etree.fromstring(part(rewritten, "word/document.xml"))
    p = root.xpath("//w:p[.//w:t[contains(., 'ftc.gov')]]", namespaces=NS)[0]
    kids = [c.tag.split("}")[1] for c in p]
    i = kids.index("hyperlink")
    assert kids[i - 2 : i + 3] == ["ins", "r", "hyperlink", "r", "ins"]
    assert p[i - 2].get(f"{{{W}}}id") != p[i + 2].get(f"{{{W}}}id")


def test_idempotent(sample: bytes, rewritten: bytes) -> None:
    again = parse(rewritten)
    before = parse(sample)
    assert [c.url for c in again.citations] == [c.url for c in before.citations]
    expected = links_for(before)
    for c in again.citations:
        if c.kind != "reference-manager":
            assert c.existing_archive == expected.get(c.index, c.existing_archive)
        # never edited: a reviewer comment's URL, a reference-manager field's URL
        assert bool(c.existing_archive) != bool(c.skip_reason or c.kind == "reference-manager")
    assert again.rewrite(links_for(before), RewriteOptions()) == rewritten


def test_rewrite_twice_from_one_parse_is_the_same(sample: bytes) -> None:
    doc = parse(sample)
    first = doc.rewrite(links_for(doc), RewriteOptions(date=DATE))
    assert doc.rewrite(links_for(doc), RewriteOptions(date=DATE)) == first
    with pytest.raises(KeyError):
        doc.rewrite({10_000: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())


def test_tracked_changes_are_attributed(tracked: bytes) -> None:
    root = etree.fromstring(part(tracked, "word/footnotes.xml"))
    ins = root.xpath("//w:ins[@w:author='permify']", namespaces=NS)
    assert ins and all(i.get(f"{{{W}}}date") == DATE for i in ins)


@pytest.mark.pandoc
def test_tracked_changes_show_in_pandoc(tracked: bytes, tmp_path: Path, pandoc_path: str) -> None:
    path = tmp_path / "tracked.docx"
    path.write_bytes(tracked)
    md = subprocess.run([pandoc_path, "--track-changes=all", "-t", "markdown", str(path)],
                        capture_output=True, text=True, check=True).stdout
    md = " ".join(md.split())
    shown = re.findall(r'perma\.cc/(\d{4})-QRST>\\\]\]\{\.insertion author="permify"', md)
    assert len(shown) >= 40


def test_missing_rels_is_created_and_direct_formatting_without_style() -> None:
    data = fx.build_docx(fx.para(fx.run("See https://a.example.com/x.")), styles=fx.STYLES_NO_LINK,
                         with_document_rels=False)
    doc = parse(data)
    out = doc.rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions(link_style="hyperlink"))
    rels = etree.fromstring(part(out, "word/_rels/document.xml.rels"))
    assert [r.get("Target") for r in rels] == ["https://perma.cc/AAAA-BBBB"]
    root = etree.fromstring(part(out, "word/document.xml"))
    link_rpr = root.xpath("//w:hyperlink/w:r/w:rPr", namespaces=NS)[0]
    assert [c.tag.split("}")[1] for c in link_rpr] == ["color", "u"]
    assert not root.xpath("//w:rStyle", namespaces=NS)
    assert part(out, "word/styles.xml") == part(data, "word/styles.xml")
    assert "".join(root.itertext()) == "See https://a.example.com/x [https://perma.cc/AAAA-BBBB]."


def test_docm_macros_are_kept() -> None:
    macros = bytes(range(256)) * 40
    data = fx.build_docx(fx.para(fx.run("https://a.example.com")), macros=macros)
    out = parse(data, "m.docm").rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())
    with zipfile.ZipFile(io.BytesIO(data)) as a, zipfile.ZipFile(io.BytesIO(out)) as b:
        assert b.read("word/vbaProject.bin") == macros
        ia, ib = a.getinfo("word/vbaProject.bin"), b.getinfo("word/vbaProject.bin")
        assert (ia.compress_type, ia.date_time, ia.CRC) == (ib.compress_type, ib.date_time, ib.CRC)


def test_run_split_keeps_following_text_and_formatting() -> None:
    body = fx.para(fx.run("x https://a.example.com/p, then more", "<w:b/>"))
    out = parse(fx.build_docx(body)).rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())
    root = etree.fromstring(part(out, "word/document.xml"))
    texts = root.xpath("//w:t/text()", namespaces=NS)
    assert texts == ["x https://a.example.com/p", " [", "https://perma.cc/AAAA-BBBB", "]",
                     ", then more"]
    assert len(root.xpath("//w:r[w:rPr/w:b]", namespaces=NS)) == 5


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"hello, not a zip", "not a Word document"),
        (fx.build_docx(fx.para(fx.run("x")))[:300], "damaged or truncated"),
        (fx.xlsx_renamed(), "not a Word document"),
        (fx.ole_encrypted(), "password-protected"),
        (fx.ole_doc(), "save it as .docx"),
        (fx.zip_bomb(), "zip bomb"),
        (fx.build_docx("<w:p><w:r></w:p>"), "not well-formed"),
    ],
    ids=["not-zip", "truncated", "xlsx", "encrypted", "doc", "bomb", "bad-xml"],
)
def test_bad_input_is_one_clear_line(data: bytes, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse(data, "bad.docx")
    message = str(info.value)
    assert words in message and message.startswith("bad.docx: ") and "\n" not in message


def test_entities_are_not_expanded() -> None:
    evil = fx.build_docx(fx.para(fx.run("see &xxe; and &big;")), styles=None)
    with zipfile.ZipFile(io.BytesIO(evil)) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    decl = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
    members["word/document.xml"] = members["word/document.xml"].replace(
        decl, decl + b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        b'<!ENTITY big "https://entity.example.com/expanded">]>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    doc = parse(out.getvalue())
    assert doc.citations == []  # neither entity was expanded into text


# --------------------------------------------------------------------------- fast paths


RELS_INPUTS = {
    "default-ns": fx.rels_xml([("rId1", "styles", "styles.xml", False)]),
    "prefixed": fx.DECL + f'<pr:Relationships xmlns:pr="{fx.PR_NS}"><pr:Relationship Id="rId1" '
                f'Type="{fx.REL}/styles" Target="styles.xml"/></pr:Relationships>',
    "trailing-comment": fx.rels_xml([("rId1", "styles", "styles.xml", False)]) + "<!-- end -->",
    "empty-root": fx.DECL + f'<Relationships xmlns="{fx.PR_NS}"/>',
    "latin-1": "<?xml version='1.0' encoding='ISO-8859-1'?>"
               f'<Relationships xmlns="{fx.PR_NS}"><Relationship Id="rId1" Type="t" Target="x"/>'
               "</Relationships>",
    "new": None,
}


@pytest.mark.parametrize("name", list(RELS_INPUTS))
def test_new_relationships_serialise_as_lxml_elements_would(name: str) -> None:
    # New relationships are spliced in as text where that gives the same bytes as adding
    # elements; the oracle adds elements to a second copy and serialises it.
    from permify.formats.docx.parts import parse_xml, serialize_xml
    from permify.formats.docx.rels import Rels
    from permify.formats.docx.xml import PR, RT_HYPERLINK

    text = RELS_INPUTS[name]
    original = text.encode("latin-1" if name == "latin-1" else "utf-8") if text else None

    def fresh() -> Rels:
        if original is None:
            return Rels("word/document.xml", etree.Element(f"{{{PR}}}Relationships", nsmap={None: PR}), None)
        return Rels("word/document.xml", parse_xml(original, "t.docx", "rels"), original)

    urls = ["https://perma.cc/AAAA-BBBB", "https://perma.cc/x?a=1&b=<\u00e9>\"", "https://perma.cc/CCCC-DDDD",
            "https://perma.cc/ta\tb", "https://perma.cc/EEEE-FFFF"]
    rels, oracle = fresh(), fresh()
    ids = [rels.add_hyperlink(url) for url in urls]
    for rid, url in zip(ids, urls, strict=True):
        etree.SubElement(oracle.root, f"{{{PR}}}Relationship",
                         {"Id": rid, "Type": RT_HYPERLINK, "Target": url, "TargetMode": "External"})
    assert rels.serialize() == serialize_xml(oracle.root, oracle.original)
    assert ids == [f"rIdPerma{i}" for i in range(1, 6)]


_SEE = '<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">see https://a.example/x now</w:t></w:r>'
NAMESPACE_LAYOUTS = {
    # r: declared only on the existing link, so the new links must declare it themselves
    "r-not-on-root": f'<w:document xmlns:w="{W}"><w:body><w:p>{_SEE}<w:hyperlink xmlns:r="{fx.R_NS}" '
                     'r:id="rIdH"><w:r><w:t>link</w:t></w:r></w:hyperlink></w:p></w:body></w:document>',
    "default-namespace": f'<document xmlns="{W}" xmlns:r="{fx.R_NS}"><body><p><r><rPr><b/></rPr>'
                         '<t xml:space="preserve">see https://a.example/x now</t></r></p></body></document>',
    "nested-declarations": f'<w:document xmlns:w="{W}" xmlns:r="{fx.R_NS}"><w:body><w:p xmlns:x="urn:x">'
                           f'{_SEE}</w:p><w:p><w:r><w:t>https://c.example/z</w:t></w:r></w:p></w:body></w:document>',
    # the same look in two scopes: the text made for one must not be reused in the other
    "nested-default": f'<w:document xmlns:w="{W}" xmlns:r="{fx.R_NS}"><w:body><p xmlns="{W}"><r>'
                      '<t xml:space="preserve">see https://a.example/x now</t></r></p><w:p><w:r><w:t>'
                      'https://c.example/z</w:t></w:r></w:p></w:body></w:document>',
    "other-prefix": f'<w:document xmlns:w="{W}" xmlns:r="{fx.R_NS}"><w:body><w:p><q:r xmlns:q="{W}">'
                    '<q:t xml:space="preserve">see https://a.example/x now</q:t></q:r></w:p></w:body></w:document>',
    "pi-like-ours": f'<w:document xmlns:w="{W}" xmlns:r="{fx.R_NS}"><w:body><w:p><?permify-0 0?>{_SEE}'
                    '</w:p></w:body></w:document>',
}


@pytest.mark.parametrize("track", [False, True], ids=["plain", "tracked"])
@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
@pytest.mark.parametrize("layout", list(NAMESPACE_LAYOUTS))
def test_new_links_are_right_in_any_namespace_layout(layout: str, encoding: str, track: bool) -> None:
    # New content is written as text rendered in the insertion point's namespace scope:
    # whatever the prefixes, it must parse as the same Word elements in the right places.
    xml = f'<?xml version="1.0" encoding="{encoding}" standalone="yes"?>\r\n' + NAMESPACE_LAYOUTS[layout]
    data = fx.with_document(xml.encode(encoding.lower()), {"rIdH": "https://b.example/y"})
    doc = parse(data)
    links = {c.index: perma_url(f"{c.index:04d}-QRST") for c in doc.citations}
    out = doc.rewrite(links, RewriteOptions(track_changes=track, date=DATE))
    document = part(out, "word/document.xml")
    assert document.startswith(xml.split("?>")[0].encode(encoding.lower()))
    root = etree.fromstring(document)
    rels = etree.fromstring(part(out, "word/_rels/document.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target") for rel in rels}
    new = [h for h in root.iter(f"{{{W}}}hyperlink") if h.get(f"{{{fx.R_NS}}}id", "").startswith("rIdPerma")]
    assert sorted(targets[h.get(f"{{{fx.R_NS}}}id")] for h in new) == sorted(links.values())
    for link in new:
        text = "".join(t.text for t in link.iter(f"{{{W}}}t"))
        assert text == targets[link.get(f"{{{fx.R_NS}}}id")]
        assert [r.tag for r in link.iter(f"{{{W}}}r")] == [f"{{{W}}}r"]
        assert (link.getparent().tag == f"{{{W}}}p") and (len(list(link.iter(f"{{{W}}}ins"))) == track)
    text = "".join(root.itertext())
    assert "see https://a.example/x [https://perma.cc/0000-QRST] now" in text
    if layout == "pi-like-ours":
        assert b"<?permify-0 0?>".decode().encode(encoding.lower())[2:] in document
    docx.Document(io.BytesIO(out))


def test_new_runs_copy_the_url_run_properties_white_space_included() -> None:
    # Properties equal but for white space give two looks: each copy is its source's bytes.
    spaced, tight = "<w:rPr><w:b/>\n  <w:i/></w:rPr>", "<w:rPr><w:b/><w:i/></w:rPr>"
    body = "".join(
        f'<w:p><w:r>{rpr}<w:t xml:space="preserve">see https://{host}.example/x now</w:t></w:r></w:p>'
        for rpr, host in ((spaced, "a"), (tight, "b"), (spaced, "c"))
    )
    doc = parse(fx.build_docx(body))
    out = doc.rewrite({c.index: perma_url(f"{c.index:04d}-QRST") for c in doc.citations}, RewriteOptions())
    document = part(out, "word/document.xml").decode()
    opening = re.findall(r'<w:r>(<w:rPr>(?:(?!<w:r>).)*?</w:rPr>)<w:t xml:space="preserve"> \[</w:t>', document, re.S)
    assert opening == [spaced, tight, spaced]


def test_url_split_into_single_character_runs_is_found() -> None:
    url = "https://split.example.com/a"
    body = fx.para(fx.run("No colon in this paragraph")) + fx.para(*(fx.run(ch) for ch in url))
    doc = parse(fx.build_docx(body))
    assert [(c.url, c.location) for c in doc.citations] == [(url, "body paragraph 2")]
    out = doc.rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())
    root = etree.fromstring(part(out, "word/document.xml"))
    assert "".join(root.itertext()).endswith(url + " [https://perma.cc/AAAA-BBBB]")


def test_field_result_running_through_a_plain_paragraph_keeps_its_title() -> None:
    # The middle paragraph has no link, field mark or colon, but the open field reads it.
    body = (
        fx.para('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r><w:instrText> HYPERLINK "https://multi.example.com/" </w:instrText></w:r>',
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', fx.run("Multi"))
        + fx.para(fx.run(" page"))
        + fx.para(fx.run(" title"), '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
    )
    doc = parse(fx.build_docx(body))
    assert [(c.url, c.kind, c.title) for c in doc.citations] == [
        ("https://multi.example.com/", "field-code", "Multi page title")
    ]


def test_tracked_ids_follow_the_largest_existing_id() -> None:
    body = fx.para('<w:bookmarkStart w:id="41" w:name="a"/>', fx.run("https://a.example.com/x"),
                   '<w:bookmarkEnd w:id="41"/><w:bookmarkStart w:id="--5" w:name="odd"/>')
    data = fx.build_docx(body)
    plain = parse(data).rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())
    assert b"w:ins" not in part(plain, "word/document.xml")
    tracked = parse(data).rewrite({0: "https://perma.cc/AAAA-BBBB"},
                                  RewriteOptions(track_changes=True, date=DATE))
    root = etree.fromstring(part(tracked, "word/document.xml"))
    ids = [i.get(f"{{{W}}}id") for i in root.iter(f"{{{W}}}ins")]
    assert sorted(ids) == ["42", "43", "44"]


def test_link_format_comes_from_its_first_run_even_when_nested() -> None:
    link = ('<w:hyperlink r:id="rIdL"><w:smartTag w:uri="u" w:element="e">'
            + fx.run("Bold title", "<w:b/>") + "</w:smartTag>" + fx.run(" rest") + "</w:hyperlink>")
    doc = parse(fx.build_docx(fx.para(link), hyperlinks={"rIdL": "https://a.example.com/"}))
    assert [(c.kind, c.title) for c in doc.citations] == [("hyperlink", "Bold title rest")]
    out = doc.rewrite({0: "https://perma.cc/AAAA-BBBB"}, RewriteOptions())
    root = etree.fromstring(part(out, "word/document.xml"))
    opening = root.xpath("//w:r[w:t=' [']", namespaces=NS)[0]
    assert opening.find("w:rPr/w:b", NS) is not None


# --------------------------------------------------------------------------- sample + LibreOffice


@pytest.mark.pandoc
def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_sample_docx.py"
    for name in ("a.docx", "b.docx"):
        subprocess.run([sys.executable, str(script), str(tmp_path / name)], check=True,
                       capture_output=True)
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    assert (tmp_path / "a.docx").stat().st_size < 1_000_000


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    src = tmp_path / "out.docx"
    src.write_bytes(data)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo_profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
        capture_output=True, timeout=180, check=False,
    )
    pdf = tmp_path / "out.pdf"
    assert pdf.exists(), "LibreOffice could not convert the rewritten document"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return re.sub(r"[\s\-]+", "", text)  # pdftotext wraps and hyphenates long URLs


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and pdftotext")
@pytest.mark.parametrize("mode", ["plain", "tracked"])
def test_libreoffice_shows_every_inserted_link(
    sample: bytes, rewritten: bytes, tracked: bytes, mode: str, tmp_path: Path
) -> None:
    text = _pdf_text(rewritten if mode == "plain" else tracked, tmp_path)
    doc = parse(sample)
    for c in doc.citations:
        if c.existing_archive or c.skip_reason or c.kind == "reference-manager":
            continue  # not edited: comments, quotations, reference-manager fields
        assert f"[https://perma.cc/{c.index:04d}QRST]" in text, (c.location, c.url)
