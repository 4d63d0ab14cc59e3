"""The BibTeX adapter: what it finds, what it writes, and that it writes nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permify.errors import InputError, InvalidGuidError, UsageError
from permify.formats.base import RewriteOptions, adapter_for, format_for_path
from permify.formats.bibtex.adapter import BibtexAdapter, BibtexDocument, strip_perma_fields
from permify.formats.bibtex.values import plain_title, unescape, urls_in_text
from permify.sandbox.state import GUID_ALPHABET
from permify.urls import classify, dedupe_key, is_perma_link, perma_url

SAMPLE = Path(__file__).resolve().parents[2] / "sample_docs" / "references.bib"
ALPHABET = GUID_ALPHABET  # the sandbox's, which is Perma's
MODES = ("note", "addendum", "none")


def fake_guid(n: int) -> str:
    """A deterministic GUID in Perma's alphabet; it starts with a digit, never four letters."""
    digits = []
    for _ in range(7):
        n, r = divmod(n, 32)
        digits.append(ALPHABET[r])
    return f"{ALPHABET[len(digits) % 8]}{''.join(digits[:3])}-{''.join(digits[3:])}"


def parse(text: str | bytes) -> BibtexDocument:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return BibtexAdapter().parse(data, "refs.bib")


def links_for(doc: BibtexDocument) -> dict[int, str]:
    """What the pipeline would pass: one link per unique archivable URL, for unarchived citations."""
    by_key: dict[str, str] = {}
    links = {}
    for c in doc.citations:
        if c.existing_archive is None and c.skip_reason is None and classify(c.url).archive:
            key = dedupe_key(c.url)
            by_key.setdefault(key, perma_url(fake_guid(len(by_key) * 97 + 5)))
            links[c.index] = by_key[key]
    return links


def rewrite(text: str | bytes, mode: str = "note") -> bytes:
    doc = parse(text)
    return doc.rewrite(links_for(doc), RewriteOptions(bib_print=mode))


def by_key(text: str) -> dict[str, dict[str, str]]:
    """Entries parsed by bibtexparser with its default stack: key -> {field: value}."""
    lib = bibtexparser.parse_string(text)
    return {e.key: {f.key: f.value for f in e.fields} for e in lib.entries}


def test_fake_guids_are_valid() -> None:
    guids = {fake_guid(n) for n in range(2000)}
    assert len(guids) == 2000
    for g in guids:
        assert is_perma_link(perma_url(g))
        assert not re.match(r"[A-Z]{4}", g) and set(g) <= set(ALPHABET + "-")


def test_registered_for_bib_files() -> None:
    assert format_for_path("refs.bib") == "bibtex"
    assert isinstance(adapter_for("bibtex"), BibtexAdapter)


# --------------------------------------------------------------------------- reading the sample


def test_sample_citations() -> None:
    doc = parse(SAMPLE.read_bytes())
    cites = {c.location.split(" (")[0]: c for c in doc.citations}
    # @string macro + concatenation resolved for reading, written keeps the expression
    dsa = cites["entry dsa2022, field url"]
    assert dsa.url == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022R2065"
    assert dsa.written == 'eurlex # "CELEX:32022R2065"'
    # LaTeX escapes undone for archiving only
    keller = cites["entry keller2018, field url"]
    assert keller.url.endswith("/keller_webreadypdf_final.pdf")
    assert keller.written.endswith("/keller\\_webreadypdf\\_final.pdf")
    assert "%20Dark%20Patterns" in cites["entry ftc2022dark, field url"].url
    assert cites["entry ecj2014google, field url"].url.endswith("?text=&docid=152065&doclang=EN")
    lessig = [c for c in doc.citations if c.location.startswith("entry lessig1999")]
    assert [c.url for c in lessig] == [
        "https://cyber.harvard.edu/works/lessig/finalhls.pdf",
        "http://www.law.harvard.edu/faculty/~lessig/LNC.Q.D.PDF",
    ]
    # \url, \href and bare URLs in text fields, in field order
    assert cites["entry gonzalez2023, field note"].url.endswith("/21-1333_6j7a.pdf")
    eff = [c.url for c in doc.citations if c.location.startswith("entry eff2020")]
    assert eff == ["https://www.eff.org/issues/cda230",
                   "https://www.eff.org/issues/cda230/legislative-history"]
    crs = [c.url for c in doc.citations if c.location.startswith("entry crs2024section230")]
    assert crs[1] == "https://www.everycrsreport.com/reports/R46751.html"  # trailing '.' trimmed
    # doi, eprint, file and urldate are never cited; the broken block's URL is not either
    assert not any(c.location.startswith("entry citron2017internet") for c in doc.citations)
    assert not any("Zotero" in c.url or c.url.startswith("2406") for c in doc.citations)
    # existing perma field: reported, with the link
    assert cites["entry guardian2024ofcom, field url"].existing_archive == "https://perma.cc/7QRS-3TUV"
    # location, title and kind
    bverfg = cites["entry bverfg2020, field url"]
    assert bverfg.location == "entry bverfg2020, field url (line 86)"
    assert bverfg.title == "Beschluss des Ersten Senats vom 6. November 2019 – 1 BvR 16/13 (Recht auf Vergessen I)"
    assert all(c.kind == "field" for c in doc.citations)
    assert [c.index for c in doc.citations] == list(range(len(doc.citations)))
    assert doc.warnings == [
        "line 224: the @misc block could not be parsed (Unexpected block start: `@online`. Was "
        "still looking for field-value closing `}`) and is left unchanged; its 1 URL(s) are not "
        "archived"
    ]


def test_unescape_and_text_urls() -> None:
    assert unescape(r"a\_b\%c\&d\#e\~{}f{\textasciitilde}g\textasciitilde{}h\textasciitilde i") == (
        "a_b%c&d#e~f~g~h~i"
    )
    found = urls_in_text(r"see \href{https://a.gov/x\_y}{https://a.gov/x\_y}, and https://b.org/p\%20q.")
    assert [(u.written, u.url) for u in found] == [
        (r"https://a.gov/x\_y", "https://a.gov/x_y"),
        (r"https://b.org/p\%20q", "https://b.org/p%20q"),
    ]
    assert plain_title(r"{The {EU} Act: \"Uber {\"o} M\"{u}ller \emph{Recht} \& {\ss}}") == (
        "The EU Act: Über ö Müller Recht & ß"
    )


def test_undefined_macro_in_url_is_a_warning() -> None:
    doc = parse("@misc{a,\n  url = nowhere # {/x},\n}\n")
    assert doc.citations == []
    assert doc.warnings == ["line 2: entry 'a': url uses an undefined @string macro; skipped"]


def test_duplicate_keys_are_reported_and_both_handled() -> None:
    text = "@misc{a,\n  url = {https://one.example.org/}\n}\n@misc{a,\n  url = {https://two.example.org/}\n}\n"
    doc = parse(text)
    assert [c.location for c in doc.citations] == ["entry a, field url (line 2)",
                                                   "entry a, field url (line 5)"]
    assert doc.warnings == ["line 4: duplicate entry key 'a' (first used on line 1); "
                            "BibTeX keeps only the first, permify handles both"]
    out = doc.rewrite(links_for(doc), RewriteOptions()).decode()
    assert out.count("perma = {") == 2
    assert strip_perma_fields(out) == text


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"@misc{a,\x00\x01\x02 url={x}}", "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"@misc{a, title = {M\xfcller}}", "not valid UTF-8 (byte 0xfc on line 1, offset 19)"),
        ("@misc{a}".encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_input_is_one_clear_input_error(data: bytes, problem: str) -> None:
    with pytest.raises(InputError) as info:
        BibtexAdapter().parse(data, "refs.bib")
    message = str(info.value)
    assert message.startswith("refs.bib: ") and problem in message and "\n" not in message


@pytest.mark.parametrize("text", ["", "just some notes, no entries\n", "% only a comment\n"])
def test_text_without_entries_is_not_an_error(text: str) -> None:
    doc = parse(text)
    assert doc.citations == [] and doc.warnings == ["no BibTeX entries found"]
    assert doc.rewrite({}, RewriteOptions()) == text.encode()


def test_rewrite_rejects_bad_arguments() -> None:
    doc = parse("@misc{a, url = {https://example.com/}}")
    with pytest.raises(KeyError):
        doc.rewrite({1: "https://perma.cc/2B3C-D4E5"}, RewriteOptions())
    with pytest.raises(KeyError):
        doc.rewrite({-1: "https://perma.cc/2B3C-D4E5"}, RewriteOptions())
    with pytest.raises(InvalidGuidError):
        doc.rewrite({0: "https://example.com/}"}, RewriteOptions())
    with pytest.raises(UsageError):
        doc.rewrite({0: "https://perma.cc/2B3C-D4E5"}, RewriteOptions(bib_print="footnote"))


# --------------------------------------------------------------------------- writing the sample


@pytest.mark.parametrize("mode", MODES)
def test_sample_golden(mode: str, golden) -> None:
    golden.check(f"bibtex/references.{mode}.bib", rewrite(SAMPLE.read_bytes(), mode))


@pytest.mark.parametrize("mode", MODES)
def test_sample_remove_insertions_gives_input_back(mode: str) -> None:
    original = SAMPLE.read_text(encoding="utf-8")
    out = rewrite(original, mode).decode("utf-8")
    assert out != original
    assert strip_perma_fields(out) == original


@pytest.mark.parametrize("mode", MODES)
def test_sample_idempotent(mode: str) -> None:
    out = rewrite(SAMPLE.read_bytes(), mode)
    again = parse(out)
    archived = [c for c in again.citations if c.skip_reason is None and classify(c.url).archive]
    assert archived and all(c.existing_archive for c in archived)
    first = parse(SAMPLE.read_bytes())
    links = links_for(first)
    for index, link in links.items():
        assert again.citations[index].existing_archive == link
    # every archivable citation offered a (new) link again: nothing changes
    offer = {c.index: "https://perma.cc/9ZZZ-2222" for c in archived}
    assert again.rewrite(offer, RewriteOptions(bib_print=mode)) == out


def test_sample_output_parses_with_bibtexparser() -> None:
    original = SAMPLE.read_text(encoding="utf-8")
    doc = parse(original)
    links = links_for(doc)
    out = doc.rewrite(links, RewriteOptions()).decode()
    before, after = by_key(original), by_key(out)
    assert before.keys() == after.keys()
    link_of = {c.location.split(",")[0][6:]: links[c.index] for c in doc.citations if c.index in links}
    assert after["ftc2023policy"]["perma"] == link_of["ftc2023policy"]
    assert after["ftc2023policy"]["note"] == f"[\\url{{{link_of['ftc2023policy']}}}]"
    assert after["sec2023cyber"]["note"] == f"[\\url{{{link_of['sec2023cyber']}}}] Release No. 33-11216"
    assert after["guardian2024ofcom"] == before["guardian2024ofcom"]
    assert "perma" not in after["kosseff2022"] and "perma" not in after["localdraft"]
    # two different archives in one entry's note: perma holds the first (the primary URL's),
    # and each printed link follows its own URL
    eff = [c.index for c in doc.citations if c.location.startswith("entry eff2020")]
    assert after["eff2020"]["perma"] == links[eff[0]]
    assert after["eff2020"]["note"] == (
        f"See https://www.eff.org/issues/cda230 [\\url{{{links[eff[0]]}}}] (last visited Mar. 3, 2024); "
        f"see also \\url{{https://www.eff.org/issues/cda230/legislative-history}} [\\url{{{links[eff[1]]}}}]."
    )
    for key in after:
        changed = {k for k in after[key] if after[key][k] != before[key].get(k)}
        added = {k for k in changed if k.endswith("-perma")}
        assert changed - added <= {"perma", "note", "howpublished", "annote", "addendum"}, key
    lib = bibtexparser.parse_string(out, parse_stack=[])
    assert len(lib.failed_blocks) == 1 and len(lib.blocks) == len(
        bibtexparser.parse_string(original, parse_stack=[]).blocks
    )


def test_untouched_blocks_stay_byte_identical() -> None:
    original = SAMPLE.read_text(encoding="utf-8")
    out = rewrite(original).decode()
    lib = bibtexparser.parse_string(original, parse_stack=[])
    for block in lib.blocks:
        if not isinstance(block, bibtexparser.model.Entry) or "guardian" in block.key:
            assert block.raw in out
    broken = lib.failed_blocks[0].raw
    assert broken.startswith("@misc{broken2022") and out.count(broken) == 1
    assert "@string{eurlex = {https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=}}" in out


def test_macro_print_field_gets_a_concatenated_prefix() -> None:
    out = rewrite(SAMPLE.read_bytes()).decode()
    m = re.search(r"  note = \{\[\\url\{(https://perma\.cc/[^}]+)\}\] \} # apwire,\n", out)
    assert m
    again = parse(out)
    assert any(c.existing_archive == m.group(1) for c in again.citations)


def test_crlf_and_bom_preserved() -> None:
    original = SAMPLE.read_bytes()
    crlf = b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n")
    out = rewrite(crlf)
    assert out.startswith(b"\xef\xbb\xbf")
    assert re.search(rb"(?<!\r)\n", out) is None
    assert out[3:].replace(b"\r\n", b"\n") == rewrite(original)
    assert strip_perma_fields(out[3:].decode()).encode() == crlf[3:]


# --------------------------------------------------------------------------- layouts


LAYOUT_CASES = {
    "eq-aligned, urldate sticks out": (
        "@online{a,\n  title   = {T},\n  url     = {https://example.com/a},\n  urldate = {2024},\n}\n",
        "@online{a,\n  title   = {T},\n  url     = {https://example.com/a},\n  urldate = {2024},\n"
        "  perma   = {https://perma.cc/2B3C-D4E5},\n  note    = {[\\url{https://perma.cc/2B3C-D4E5}]},\n}\n",
    ),
    "value-aligned, tabs, no trailing comma": (
        "@misc{a,\n\ttitle=  {T},\n\turl=    {https://example.com/a}\n}\n",
        "@misc{a,\n\ttitle=  {T},\n\turl=    {https://example.com/a},\n"
        "\tperma=  {https://perma.cc/2B3C-D4E5},\n\tnote=   {[\\url{https://perma.cc/2B3C-D4E5}]}\n}\n",
    ),
    "one line, parentheses": (
        '@misc(a, title="T", url="https://example.com/a")',
        '@misc(a, title="T", url="https://example.com/a", perma={https://perma.cc/2B3C-D4E5}, '
        "note={[\\url{https://perma.cc/2B3C-D4E5}]})",
    ),
    "closing brace on the last line, existing quoted note": (
        '@misc{a,\n    url = {https://example.com/a},\n    note = "Visited 2024"}',
        '@misc{a,\n    url = {https://example.com/a},\n    note = "[\\url{https://perma.cc/2B3C-D4E5}] '
        'Visited 2024",\n    perma = {https://perma.cc/2B3C-D4E5}}',
    ),
}


@pytest.mark.parametrize("case", sorted(LAYOUT_CASES))
def test_layout_is_copied(case: str) -> None:
    text, expected = LAYOUT_CASES[case]
    doc = parse(text)
    out = doc.rewrite({0: "https://perma.cc/2B3C-D4E5"}, RewriteOptions()).decode()
    assert out == expected
    assert strip_perma_fields(out) == text


def test_existing_addendum_and_several_links() -> None:
    text = (
        "@online{a,\n  url = {https://example.com/a},\n  addendum = {Seen 2024},\n"
        "  note = {Mirror: \\url{https://mirror.example.org/a}; again https://example.com/a}\n}\n"
    )
    doc = parse(text)
    assert len(doc.citations) == 3
    links = {0: "https://perma.cc/2B3C-D4E5", 1: "https://perma.cc/3C4D-E5F6",
             2: "https://perma.cc/2B3C-D4E5"}
    out = doc.rewrite(links, RewriteOptions(bib_print="addendum")).decode()
    assert out == (
        "@online{a,\n  url = {https://example.com/a},\n"
        "  addendum = {[\\url{https://perma.cc/2B3C-D4E5}] Seen 2024},\n"
        "  note = {Mirror: \\url{https://mirror.example.org/a} [\\url{https://perma.cc/3C4D-E5F6}]; "
        "again https://example.com/a [\\url{https://perma.cc/2B3C-D4E5}]},\n"
        "  perma = {https://perma.cc/2B3C-D4E5}\n}\n"
    )
    again = parse(out)
    assert [c.existing_archive for c in again.citations] == [links[0], links[1], links[2]]
    assert strip_perma_fields(out) == text


def test_only_mapped_citations_get_fields() -> None:
    text = "@misc{a, url = {https://example.com/a}}\n@misc{b, url = {https://example.com/b}}\n"
    out = parse(text).rewrite({1: "https://perma.cc/2B3C-D4E5"}, RewriteOptions(bib_print="none"))
    assert out.decode() == (
        "@misc{a, url = {https://example.com/a}}\n"
        "@misc{b, url = {https://example.com/b}, perma = {https://perma.cc/2B3C-D4E5}}\n"
    )


def test_strip_keeps_hand_written_perma() -> None:
    text = "@misc{a,\n  url = {https://example.com/a},\n  perma = {https://perma.cc/2B3C-D4E5},\n  year = {2020},\n}\n"
    assert strip_perma_fields(text) == text
    assert parse(text).citations[0].existing_archive == "https://perma.cc/2B3C-D4E5"


# --------------------------------------------------------------------------- random layouts

_NAMES = ["author", "title", "year", "journal", "howpublished", "urldate", "keywords"]


@st.composite
def entries(draw: st.DrawFn) -> tuple[str, str, bool]:
    names = draw(st.lists(st.sampled_from(_NAMES), unique=True, max_size=4))
    names.insert(draw(st.integers(0, len(names))), "url")
    if draw(st.booleans()):
        names.insert(draw(st.integers(0, len(names))), "note")
    one_line = draw(st.booleans())
    indent = draw(st.sampled_from(["", " ", "  ", "    ", "\t", "\t\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    align = draw(st.sampled_from(["none", "eq", "value"]))
    gap = draw(st.sampled_from(["", " ", "  "]))
    trailing = draw(st.booleans())
    width = max(map(len, names))
    parts = []
    for name in names:
        value = {"url": "https://example.com/p?q=1", "year": "2020", "note": "Seen"}.get(name, "Some Text")
        style = draw(st.sampled_from(["{}", '""', "bare"] if name == "year" else ["{}", '""']))
        value = {"{}": f"{{{value}}}", '""': f'"{value}"', "bare": value}[style]
        pad = " " * (width - len(name))
        if align == "eq":
            parts.append(f"{name}{pad}{gap}={gap}{value}")
        elif align == "value":
            parts.append(f"{name}{gap}={pad}{gap}{value}")
        else:
            parts.append(f"{name}{gap}={gap}{value}")
    if one_line:
        text = "@misc{key," + " " + ", ".join(parts) + ("," if trailing else "") + "}"
    else:
        lines = [indent + p for p in parts]
        text = "@misc{key," + newline + ("," + newline).join(lines) + ("," if trailing else "") + newline + "}"
    mode = draw(st.sampled_from(MODES))
    return "% lead\n" + text + newline + newline, mode, one_line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entries())
def test_random_layouts_get_a_placed_parseable_perma(case: tuple[str, str, bool]) -> None:
    text, mode, one_line = case
    link = "https://perma.cc/2B3C-D4E5"
    doc = parse(text)
    assert [c.url for c in doc.citations] == ["https://example.com/p?q=1"]
    out = doc.rewrite({0: link}, RewriteOptions(bib_print=mode)).decode()
    fields = by_key(out)["key"]
    assert fields["perma"] == link
    if mode != "none":
        printed = fields[mode]
        assert printed == f"[\\url{{{link}}}]" or printed == f"[\\url{{{link}}}] Seen"
    assert strip_perma_fields(out) == text
    assert parse(out).citations[0].existing_archive == link
    # the new line copies the layout of its neighbours
    lines = out.split("\r\n" if "\r\n" in text else "\n")
    if one_line:
        assert out.count("\n") == text.count("\n")
    else:
        perma_line = next(line for line in lines if re.match(r"\s*perma\s*=", line))
        url_line = next(line for line in lines if line.lstrip().startswith("url"))
        indent = url_line[: len(url_line) - len(url_line.lstrip())]
        assert perma_line.startswith(indent + "perma")
        others = [line for line in lines if re.match(r"\s*\w+\s*=", line) and line is not perma_line
                  and not line.lstrip().startswith(("note", "addendum"))]
        eq_cols = {line.index("=") for line in others}
        if len(eq_cols) == 1 and len(others) >= 2 and len({len(o.split("=")[0].strip()) for o in others}) > 1:
            col = eq_cols.pop()
            if col > len(indent) + len("perma"):
                assert perma_line.index("=") == col
