"""BibTeX: which fields cite the work, how several URLs in one entry are recorded, the options.

Built from constructs of real bibliographies: dblp exports (``biburl``, ``bibsource``), BibDesk
(``Bdsk-Url-1``...), Zotero / Better BibTeX (``url`` + ``urldate`` + ``note``, several URLs in
one ``url``), JabRef and hand-written files (``pdfurl``, ``{{...}}`` around a URL), anonbib
(``www_pdf_url`` built from an ``@string``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from permify import ScanOptions, scan_documents
from permify.cli.main import main
from permify.config import load_scan_options
from permify.errors import UsageError
from permify.formats.base import RewriteOptions
from permify.formats.bibtex.adapter import BibtexAdapter, BibtexDocument, strip_perma_fields
from permify.urls import classify, dedupe_key

A, B, C, D = (f"https://perma.cc/{g}" for g in ("2B3C-D4E5", "3C4D-E5F6", "4D5E-F6G7", "5E6F-G7H8"))


def parse(text: str, options: ScanOptions | None = None) -> BibtexDocument:
    return BibtexAdapter().parse_with(text.encode(), "refs.bib", options or ScanOptions())


def offer(doc: BibtexDocument, links: list[str]) -> dict[int, str]:
    """One link per unique archivable URL (in citation order), as the pipeline gives them."""
    by_key: dict[str, str] = {}
    out = {}
    for c in doc.citations:
        if c.existing_archive is None and c.skip_reason is None and classify(c.url).archive:
            key = dedupe_key(c.url)
            if key not in by_key:
                by_key[key] = links[len(by_key)]
            out[c.index] = by_key[key]
    return out


def roundtrip(text: str, links: list[str], mode: str = "note", options: ScanOptions | None = None) -> str:
    """Rewrite ``text``; check that stripping gives it back and that a second run changes nothing."""
    doc = parse(text, options)
    given_links = offer(doc, links)
    out = doc.rewrite(given_links, RewriteOptions(bib_print=mode)).decode()
    assert strip_perma_fields(out) == text
    again = parse(out, options)
    for index, link in given_links.items():
        assert again.citations[index].existing_archive == link, again.citations[index]
    assert offer(again, links) == {}
    assert again.rewrite({i: D for i in range(len(again.citations))}, RewriteOptions(bib_print=mode)).decode() == out
    return out


# --------------------------------------------------------------------------- 1. braces and quotes


@pytest.mark.parametrize(
    "value",
    [
        "{{https://example.org/a_b}}",
        '"{https://example.org/a_b}"',
        "{ {https://example.org/a_b} }",
        "{{{https://example.org/a_b}}}",
        "{\\url{https://example.org/a_b}}",
        "{\\href{https://example.org/a_b}{the page}}",
        "{https://example.org/a\\_b}",
    ],
)
def test_url_wrapped_in_braces_quotes_or_commands_is_a_url(value: str) -> None:
    doc = parse(f"@misc{{k,\n  url = {value},\n}}\n")
    assert [c.url for c in doc.citations] == ["https://example.org/a_b"]
    assert classify(doc.citations[0].url).archive
    out = roundtrip(f"@misc{{k,\n  url = {value},\n}}\n", [A])
    assert f"  perma = {{{A}}}," in out


def test_several_urls_in_one_url_field() -> None:
    # Zotero exports with two links in `url`; each is archived and recorded on its own
    text = "@book{k,\n  url = {http://www.jstor.org/stable/689938 http://www.jstor.org/stable/10.2307/689938},\n}\n"
    doc = parse(text)
    assert [c.url for c in doc.citations] == ["http://www.jstor.org/stable/689938",
                                             "http://www.jstor.org/stable/10.2307/689938"]
    out = roundtrip(text, [A, B])
    assert out == text.replace("689938},\n}", f"689938}},\n  url-perma-2 = {{{B}}},\n  perma = {{{A}}},\n"
                                                f"  note = {{[\\url{{{A}}}]}},\n}}")


def test_url_with_a_space_inside_stays_one_url() -> None:
    doc = parse("@misc{k, url = {https://scholar.example.org/q=intitle:Grundtr k+af}}")
    assert len(doc.citations) == 1


# --------------------------------------------------------------------------- 2. which fields


@pytest.mark.parametrize("name", ["url", "URL", "Url", "pdfurl", "PdfUrl", "www_pdf_url", "www-html-url",
                                  "bookurl", "Bdsk-Url-1", "Bdsk-Url-12", "url2", "eprinturl"])
def test_fields_named_like_a_url_are_read(name: str) -> None:
    doc = parse(f"@misc{{k,\n  {name} = {{https://example.org/x}},\n}}\n")
    assert [(c.url, c.skip_reason) for c in doc.citations] == [("https://example.org/x", None)]
    assert doc.citations[0].location == f"entry k, field {name} (line 2)"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("biburl", "provenance field biburl"),
        ("bibsource", "provenance field bibsource"),
        ("adsurl", "provenance field adsurl"),
        ("doi", "doi field: persistent already"),
        ("eprint", "eprint field: an identifier, not a link to archive"),
        ("file", "file field: a local attachment"),
        ("_url", "disabled field _url"),
        ("_note", "disabled field _note"),
        ("abstract", "field abstract does not link to the cited work"),
        ("urldate", "urldate field"),
        ("url-perma", "archive field url-perma"),
    ],
)
def test_fields_that_do_not_cite_are_listed_with_a_reason(name: str, reason: str) -> None:
    value = "{dblp computer science bibliography, https://dblp.org}" if name == "bibsource" else "{https://example.org/y}"
    doc = parse(f"@misc{{k,\n  {name} = {value},\n}}\n")
    assert [c.skip_reason for c in doc.citations] == [reason]
    assert doc.rewrite({0: A}, RewriteOptions()).decode() == f"@misc{{k,\n  {name} = {value},\n}}\n"


def test_dblp_export() -> None:
    text = (
        "@article{DBLP:journals/cacm/Ishii08,\n"
        "  author    = {Hiroshi Ishii},\n"
        "  title     = {Tangible bits: beyond pixels},\n"
        "  url       = {https://dl.acm.org/doi/10.1145/1347390.1347392},\n"
        "  doi       = {10.1145/1347390.1347392},\n"
        "  timestamp = {Tue, 06 Nov 2018 16:59:21 +0100},\n"
        "  biburl    = {https://dblp.org/rec/conf/tei/Ishii08.bib},\n"
        "  bibsource = {dblp computer science bibliography, https://dblp.org}\n"
        "}\n"
    )
    doc = parse(text)
    assert [(c.url, c.skip_reason) for c in doc.citations] == [
        ("https://dl.acm.org/doi/10.1145/1347390.1347392", None),
        ("https://dblp.org/rec/conf/tei/Ishii08.bib", "provenance field biburl"),
        ("https://dblp.org", "provenance field bibsource"),
    ]
    out = roundtrip(text, [A])
    assert out.count("perma.cc") == 2  # perma and the printed copy, nothing for the provenance


def test_url_fields_built_from_a_string_macro() -> None:
    text = ('@string{PDOSWWW = "http://www.pdos.lcs.mit.edu"}\n'
            '@inproceedings{ivy,\n  title = {Ivy},\n  www_pdf_url = PDOSWWW # "/ivy/osdi02.pdf",\n'
            '  www_ps_url = PDOSWWW # "/ivy/osdi02.ps",\n}\n')
    doc = parse(text)
    assert [c.url for c in doc.citations] == ["http://www.pdos.lcs.mit.edu/ivy/osdi02.pdf",
                                             "http://www.pdos.lcs.mit.edu/ivy/osdi02.ps"]
    out = roundtrip(text, [A, B])
    assert f'  www_ps_url = PDOSWWW # "/ivy/osdi02.ps",\n  perma = {{{A}}},\n' not in out
    assert f'  www_pdf_url = PDOSWWW # "/ivy/osdi02.pdf",\n  perma = {{{A}}},\n' not in out
    assert f'www_ps_url = PDOSWWW # "/ivy/osdi02.ps",\n  www_ps_url-perma = {{{B}}},\n  perma = {{{A}}},\n}}' in out


# --------------------------------------------------------------------------- 3. several URLs


def test_every_url_gets_its_own_record() -> None:
    text = (
        "@online{k,\n"
        "  title = {Report},\n"
        "  url = {https://example.org/report},\n"
        "  pdfurl = {https://example.org/report.pdf},\n"
        "  urldate = {2024-05-01},\n"
        "  note = {Summary at \\url{https://example.org/summary}; data at https://data.example.org/set.}\n"
        "}\n"
    )
    out = roundtrip(text, [A, B, C, D])
    assert out == (
        "@online{k,\n"
        "  title = {Report},\n"
        "  url = {https://example.org/report},\n"
        "  pdfurl = {https://example.org/report.pdf},\n"
        f"  pdfurl-perma = {{{B}}},\n"
        "  urldate = {2024-05-01},\n"
        f"  note = {{[\\url{{{A}}}] Summary at \\url{{https://example.org/summary}} [\\url{{{C}}}]; "
        f"data at https://data.example.org/set [\\url{{{D}}}].}},\n"
        f"  perma = {{{A}}}\n"
        "}\n"
    )


def test_bibdesk_entry_primary_is_the_first_url_field() -> None:
    text = (
        "@article{k,\n\tAuthor = {Liebler, Raizel},\n\tTitle = {Something Rotten},\n\tYear = {2013},\n"
        "\tBdsk-Url-1 = {https://openyls.law.yale.edu/handle/20.500.13051/7808},\n"
        "\tBdsk-Url-2 = {https://yjolt.org/something-rotten}}\n"
    )
    out = roundtrip(text, [A, B])
    assert out.endswith(
        f"\tBdsk-Url-2 = {{https://yjolt.org/something-rotten}},\n\tBdsk-Url-2-perma = {{{B}}},\n"
        f"\tperma = {{{A}}}}}\n"
    )  # no printed copy: styles do not print Bdsk-Url-N


def test_bibdesk_copy_of_url_is_recorded_once() -> None:
    text = ("@article{k,\n  Url = {http://dl.acm.org/citation.cfm?id=2486788},\n"
            "  Bdsk-Url-1 = {http://dl.acm.org/citation.cfm?id=2486788}\n}\n")
    out = roundtrip(text, [A])
    assert out.count(A) == 2 and "Bdsk-Url-1-perma" not in out


def test_url_only_in_howpublished_is_primary_and_printed_in_place() -> None:
    text = "@misc{k,\n  title = {T},\n  howpublished = {\\url{https://example.org/t}},\n  year = 2023,\n}\n"
    out = roundtrip(text, [A])
    assert out == (
        f"@misc{{k,\n  title = {{T}},\n  howpublished = {{\\url{{https://example.org/t}} [\\url{{{A}}}]}},\n"
        f"  year = 2023,\n  perma = {{{A}}},\n}}\n"
    )


def test_url_repeated_in_the_print_field_is_not_printed_twice() -> None:
    text = "@misc{k,\n  url = {https://x.org/a},\n  note = {URL: \\url{https://x.org/a}},\n}\n"
    out = roundtrip(text, [A])
    assert out == (f"@misc{{k,\n  url = {{https://x.org/a}},\n"
                   f"  note = {{URL: \\url{{https://x.org/a}} [\\url{{{A}}}]}},\n  perma = {{{A}}},\n}}\n")


def test_half_done_entry_gets_only_what_it_lacks() -> None:
    text = (
        "@misc{k,\n  url = {https://example.org/a},\n  pdfurl = {https://example.org/a.pdf},\n"
        f"  perma = {{{A}}},\n  note = {{See https://example.org/n [\\url{{{C}}}]}}\n}}\n"
    )
    doc = parse(text)
    assert [c.existing_archive for c in doc.citations] == [A, None, C]
    out = doc.rewrite(offer(doc, [B]), RewriteOptions()).decode()
    assert out == text.replace("a.pdf},\n", f"a.pdf}},\n  pdfurl-perma = {{{B}}},\n")


def test_hand_written_perma_not_last_is_kept_and_new_fields_come_after() -> None:
    text = f"@misc{{k,\n  url = {{https://example.org/a}},\n  perma = {{{A}}},\n  slides = {{x}},\n  pdfurl = {{https://example.org/p}}\n}}\n"
    out = roundtrip(text, [B])
    assert out == text.replace("/p}\n}", f"/p}},\n  pdfurl-perma = {{{B}}}\n}}")


def test_output_of_earlier_versions_counts_as_done() -> None:
    text = (
        "@misc{k,\n  url = {https://example.org/a},\n  note = {See https://example.org/b. "
        f"[\\url{{{A}}}, \\url{{{B}}}]}},\n"
        f"  perma = {{https://example.org/a {A}; https://example.org/b {B}}}\n}}\n"
    )
    doc = parse(text)
    assert [c.existing_archive for c in doc.citations] == [A, B]
    assert strip_perma_fields(text) == "@misc{k,\n  url = {https://example.org/a},\n  note = {See https://example.org/b.}\n}\n"


_URL_FORMS = st.sampled_from(["https://{h}.example.org/p", "\\url{{https://{h}.example.org/p}}",
                              "\\href{{https://{h}.example.org/p}}{{site {h}}}", "(https://{h}.example.org/p)"])
_WORDS = st.sampled_from(["See", "also", "and", "data at", "--", "; cf.", "Archived copy:"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_WORDS, _URL_FORMS), min_size=1, max_size=5), st.sampled_from(["note", "howpublished",
                                                                                           "addendum", "annote"]),
       st.booleans())
def test_each_printed_link_follows_its_own_url(parts: list[tuple[str, str]], field: str, with_url: bool) -> None:
    hosts = [f"h{n}" for n in range(len(parts))]
    body = " ".join(f"{word} {form.format(h=h)}" for (word, form), h in zip(parts, hosts, strict=True))
    main_url = "  url = {https://main.example.org/},\n" if with_url else ""
    text = "@misc{k,\n" + main_url + f"  {field} = {{{body}.}}\n}}\n"
    doc = parse(text)
    links = [f"https://perma.cc/{n}BCD-EFGH" for n in range(2, 2 + len(parts) + 1)]
    given_links = offer(doc, links)
    out = doc.rewrite(given_links, RewriteOptions(bib_print="addendum")).decode()
    assert strip_perma_fields(out) == text
    again = parse(out)
    for c in again.citations:
        assert c.existing_archive == given_links[c.index]  # the link right after each URL is its own
    for c in doc.citations:
        if c.location.startswith(f"entry k, field {field}"):
            assert out.count(f"[\\url{{{given_links[c.index]}}}]") >= 1


# --------------------------------------------------------------------------- options


def test_options_add_and_drop_fields() -> None:
    text = ("@misc{k,\n  url = {https://example.org/a},\n  slides = {https://example.org/slides},\n"
            "  pdfurl = {https://example.org/a.pdf},\n}\n")
    assert [c.skip_reason for c in parse(text).citations] == [
        None, "field slides does not link to the cited work", None]
    options = ScanOptions(bib_url_fields=("Slides",), bib_skip_fields=("pdfurl",))
    doc = parse(text, options)
    assert [c.skip_reason for c in doc.citations] == [
        None, None, "field pdfurl skipped (--bib-skip-field or bib_skip_fields)"]
    out = roundtrip(text, [A, B], options=options)
    assert f"  slides-perma = {{{B}}},\n" in out and "pdfurl-perma" not in out


def test_options_reach_the_adapter_through_the_api(tmp_path: Path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text("@misc{k, slides = {https://example.org/slides}}\n", encoding="utf-8")
    assert [c.state for c in scan_documents([path])[0].citations] == ["skip"]
    scan = scan_documents([path], scan_options=ScanOptions(bib_url_fields=("slides",)))[0]
    assert [c.state for c in scan.citations] == ["archive"]


def test_load_scan_options(tmp_path: Path) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[permify]\nbib_url_fields = slides, ProjectURL2x\nbib_skip_fields = pdfurl\n")
    options = load_scan_options(bib_url_fields=["extra,more"], env={}, config_path=config)
    assert options == ScanOptions(bib_url_fields=("slides", "projecturl2x", "extra", "more"),
                                  bib_skip_fields=("pdfurl",))
    env = {"PERMIFY_BIB_SKIP_FIELDS": "wwwurl"}
    assert load_scan_options(env=env, config_path=config).bib_skip_fields == ("wwwurl",)
    with pytest.raises(UsageError, match="--bib-url-field: 'a b' is not a BibTeX field name"):
        load_scan_options(bib_url_fields=["a b"], env={}, config_path=config)
    config.write_text("[permify]\nbib_skip_fields = a=b\n")
    with pytest.raises(UsageError, match="bib_skip_fields"):
        load_scan_options(env={}, config_path=config)


def test_cli_lists_what_it_skips_and_takes_the_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.ini"
    config.write_text("[permify]\nbib_url_fields = slides\n")
    monkeypatch.setenv("PERMIFY_CONFIG", str(config))
    for name in ("PERMIFY_BIB_URL_FIELDS", "PERMIFY_BIB_SKIP_FIELDS"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "refs.bib"
    path.write_text("@misc{k,\n  url = {{https://example.org/a}},\n  slides = {https://example.org/s},\n"
                    "  biburl = {https://dblp.org/rec/k.bib},\n  pdfurl = {https://example.org/a.pdf},\n}\n")
    assert main(["urls", str(path), "--bib-skip-field", "pdfurl"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:] for line in out] == [
        ["archive", "https://example.org/a"],
        ["archive", "https://example.org/s"],
        ["skip", "https://dblp.org/rec/k.bib", "skip: provenance field biburl"],
        ["skip", "https://example.org/a.pdf", "skip: field pdfurl skipped (--bib-skip-field or bib_skip_fields)"],
    ]
    assert main(["check", str(path), "--bib-url-field", "x y"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'x y' is not a BibTeX field name" in err and "Traceback" not in err


def test_archive_end_to_end_and_the_biblatex_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from permify.archiving import outcomes

    monkeypatch.setattr(outcomes.ArchiveOptions, "poll_initial", 0.02)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "none.ini"))
    path = tmp_path / "refs.bib"
    text = ("@online{k,\n  url = {https://example.org/a},\n  pdfurl = {https://example.org/a.pdf},\n"
            "  biburl = {https://dblp.org/rec/k.bib},\n  note = {See \\url{https://example.org/n}},\n}\n")
    path.write_text(text)
    out = tmp_path / "out.bib"
    assert main(["archive", str(path), "--sandbox", "-q", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "looks written for biblatex (entry k is @online)" in err and "--bib-print addendum" in err
    written = out.read_text()
    assert strip_perma_fields(written) == text
    assert "pdfurl-perma = {https://perma.cc/" in written and "dblp" not in written.split("biburl")[1].split("\n")[1]
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    assert main(["archive", str(path), "--sandbox", "-q", "-o", str(out), "--bib-print", "addendum"]) == 0
    assert "biblatex" not in capsys.readouterr().err
    assert "addendum = {[\\url{https://perma.cc/" in out.read_text()
