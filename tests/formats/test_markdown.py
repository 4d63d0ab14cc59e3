"""The Markdown adapter: what it finds, what it never touches, and what it writes."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from permify.errors import InputError
from permify.formats.base import RewriteOptions, adapter_for, format_for_path
from permify.formats.markdown.adapter import MarkdownAdapter, MarkdownDocument, strip_perma_links
from permify.formats.markdown.scan import scan
from permify.urls import classify, perma_url

SAMPLE = Path(__file__).resolve().parents[2] / "sample_docs" / "article.md"
OPTIONS = RewriteOptions()


def guid(i: int) -> str:
    """A deterministic, valid Perma GUID for citation ``i`` (alphabet 2-9, A-Z minus I, O)."""
    digits = "".join("23456789"[(i >> s) & 7] for s in (9, 6, 3, 0))
    return f"AB2C-{digits}"


def perma(i: int) -> str:
    return perma_url(guid(i))


def parse(src: str | bytes) -> MarkdownDocument:
    data = src.encode("utf-8") if isinstance(src, str) else src
    return MarkdownAdapter().parse(data, "test.md")


def archive_all(doc: MarkdownDocument) -> bytes:
    return doc.rewrite({c.index: perma(c.index) for c in doc.citations}, OPTIONS)


def found(src: str) -> list[tuple[str, str, str]]:
    return [(c.kind, c.written or "", c.url) for c in parse(src).citations]


# ---------------------------------------------------------------- what is found


@pytest.mark.parametrize(
    ("src", "expected", "output"),
    [
        ("See [the opinion](https://a.gov/x \"T\").",
         [("link", "https://a.gov/x", "https://a.gov/x")],
         f"See [the opinion](https://a.gov/x \"T\") [<{perma(0)}>]."),
        ("[t](<https://a.gov/a b>)",
         [("link", "https://a.gov/a b", "https://a.gov/a b")],
         f"[t](<https://a.gov/a b>) [<{perma(0)}>]"),
        ("[t](https://a.gov/x?a=1&amp;b=\\_2)",
         [("link", "https://a.gov/x?a=1&amp;b=\\_2", "https://a.gov/x?a=1&b=_2")],
         f"[t](https://a.gov/x?a=1&amp;b=\\_2) [<{perma(0)}>]"),
        ("A [full][r] use.\n\n[r]: https://r.gov/1\n",
         [("reference", "https://r.gov/1", "https://r.gov/1")],
         f"A [full][r] [<{perma(0)}>] use.\n\n[r]: https://r.gov/1\n"),
        ("A [R][] use.\n\n[r]: <https://r.gov/2> 'Title'\n",
         [("reference", "https://r.gov/2", "https://r.gov/2")],
         f"A [R][] [<{perma(0)}>] use.\n\n[r]: <https://r.gov/2> 'Title'\n"),
        ("A [r] use.\n\n[r]:\n  https://r.gov/3\n",
         [("reference", "https://r.gov/3", "https://r.gov/3")],
         f"A [r] \\[<{perma(0)}>] use.\n\n[r]:\n  https://r.gov/3\n"),
        ("Auto <https://a.gov/q?x=1&amp;y=2>.",
         [("autolink", "https://a.gov/q?x=1&amp;y=2", "https://a.gov/q?x=1&y=2")],
         f"Auto <https://a.gov/q?x=1&amp;y=2> [<{perma(0)}>]."),
        ("(see https://en.wikipedia.org/wiki/Foo_(bar)).",
         [("bare", "https://en.wikipedia.org/wiki/Foo_(bar)",
           "https://en.wikipedia.org/wiki/Foo_(bar)")],
         f"(see https://en.wikipedia.org/wiki/Foo_(bar) [<{perma(0)}>])."),
        ("Text.[^1]\n\n[^1]: See https://fn.gov/a, and [b](https://fn.gov/b).\n",
         [("bare", "https://fn.gov/a", "https://fn.gov/a"),
          ("link", "https://fn.gov/b", "https://fn.gov/b")],
         f"Text.[^1]\n\n[^1]: See https://fn.gov/a [<{perma(0)}>], and "
         f"[b](https://fn.gov/b) [<{perma(1)}>].\n"),
        ("[![logo](https://img.gov/l.png)](https://target.gov/)",
         [("link", "https://target.gov/", "https://target.gov/")],
         f"[![logo](https://img.gov/l.png)](https://target.gov/) [<{perma(0)}>]"),
        ("IDN https://bücher.example.de/straße?x=ü.",
         [("bare", "https://bücher.example.de/straße?x=ü", "https://bücher.example.de/straße?x=ü")],
         f"IDN https://bücher.example.de/straße?x=ü [<{perma(0)}>]."),
        ("[a](https://a.gov/)(aside) and [b](https://b.gov/)[^n] and [c](https://c.gov/){.x}\n\n"
         "[^n]: n\n",
         [("link", "https://a.gov/", "https://a.gov/"), ("link", "https://b.gov/", "https://b.gov/"),
          ("link", "https://c.gov/", "https://c.gov/")],
         f"[a](https://a.gov/) \\[<{perma(0)}>](aside) and [b](https://b.gov/) \\[<{perma(1)}>][^n]"
         f" and [c](https://c.gov/){{.x}} [<{perma(2)}>]\n\n[^n]: n\n"),
        ("ftp <ftp://files.gov/a>, and perma https://perma.cc/8XKM-5YQB cited on its own.",
         [("autolink", "ftp://files.gov/a", "ftp://files.gov/a"),
          ("bare", "https://perma.cc/8XKM-5YQB", "https://perma.cc/8XKM-5YQB")],
         f"ftp <ftp://files.gov/a> [<{perma(0)}>], and perma https://perma.cc/8XKM-5YQB "
         f"[<{perma(1)}>] cited on its own."),
        ("- item with *https://em.gov/x* and **[bold](https://b.gov/y)**",
         [("bare", "https://em.gov/x", "https://em.gov/x"),
          ("link", "https://b.gov/y", "https://b.gov/y")],
         f"- item with *https://em.gov/x [<{perma(0)}>]* and **[bold](https://b.gov/y) "
         f"[<{perma(1)}>]**"),
        ("> quoted [q](https://q.gov/)\n> more\n",
         [("link", "https://q.gov/", "https://q.gov/")],
         f"> quoted [q](https://q.gov/) [<{perma(0)}>]\n> more\n"),
        ("| a | [t](https://t.gov/) |\n|---|---|\n| https://c.gov/ | x |\n",
         [("link", "https://t.gov/", "https://t.gov/"), ("bare", "https://c.gov/", "https://c.gov/")],
         f"| a | [t](https://t.gov/) [<{perma(0)}>] |\n|---|---|\n| https://c.gov/ [<{perma(1)}>] "
         "| x |\n"),
    ],
    ids=lambda v: v[:30] if isinstance(v, str) else None,
)
def test_citations_found_and_rewritten(src: str, expected: list, output: str) -> None:
    doc = parse(src)
    assert found(src) == expected
    out = archive_all(doc).decode("utf-8")
    assert out == output
    assert strip_perma_links(out) == src
    assert_idempotent(out)


def assert_idempotent(out: str) -> None:
    again = parse(out)
    assert all(c.existing_archive for c in again.citations if not c.url.startswith("https://perma"))
    assert archive_all(again).decode("utf-8") == out


def test_locations_titles_and_written_forms() -> None:
    src = "# Title\n\nSome *text* and [the **Court**'s\nopinion](https://a.gov/o).\n"
    (c,) = parse(src).citations
    assert c.location == "line 4, column 10"
    assert c.title == "the Court's opinion"
    assert c.index == 0 and c.kind == "link" and c.existing_archive is None


NEVER = [
    "![image](https://img.gov/x.png)",
    "![ref image][i]\n\n[i]: https://img.gov/y.png",
    "code `https://code.gov/a` and ``a ` https://code.gov/b``",
    "```\nhttps://code.gov/fence\n```",
    "~~~~ md\n[x](https://code.gov/tilde)\n~~~~",
    "para\n\n    https://code.gov/indented",
    "- item\n\n      https://code.gov/list-indented",
    "---\nsource: https://front.gov/yaml\n---\ntext",
    "+++\nsource = \"https://front.gov/toml\"\n+++\ntext",
    "+++\r\nsource = \"https://front.gov/toml\"\r\n+++\r\ntext",
    "mail <me@example.org> and [m](mailto:me@example.org) and <mailto:me@example.org>",
    "[r]: https://def.gov/only-a-definition",
    "<!-- https://comment.gov/x -->",
    "see [relative](other.md) and [anchor](#top)",
]


@pytest.mark.parametrize("src", NEVER)
def test_never_cited(src: str) -> None:
    doc = parse(src)
    assert doc.citations == []
    assert doc.warnings == []
    assert doc.rewrite({}, OPTIONS) == src.encode("utf-8")


@pytest.mark.parametrize(
    "src",
    [
        '<div>\n<a href="https://html.gov/block">x</a>\n</div>\n',
        'Text with <a href="https://html.gov/inline">inline HTML</a>.\n',
    ],
)
def test_raw_html_is_skipped_with_a_warning(src: str) -> None:
    doc = parse(src)
    assert doc.citations == []
    assert len(doc.warnings) == 1 and "raw HTML" in doc.warnings[0]


def test_existing_archives_are_reported_and_left_alone() -> None:
    src = (
        "[a](https://a.gov/) [<https://perma.cc/2B3C-D4E5>]\n"
        "[b](https://b.gov/) [https://perma.cc/3B3C-D4E5]\n"
        "[c](https://c.gov/) [[https://perma.cc/4B3C-D4E5](https://perma.cc/4B3C-D4E5)]\n"
        "https://d.gov/ \\[<https://perma.cc/5B3C-D4E5>]\n"
        "[e](https://e.gov/)\n[<https://perma.cc/6B3C-D4E5>]\n"
    )
    doc = parse(src)
    assert [(c.url, c.existing_archive) for c in doc.citations] == [
        (f"https://{x}.gov/", f"https://perma.cc/{n}B3C-D4E5") for x, n in zip("abcde", "23456", strict=True)
    ]
    assert archive_all(doc) == src.encode("utf-8")


def test_rewrite_only_touches_chosen_citations() -> None:
    src = "https://a.gov/ https://b.gov/ https://c.gov/\n"
    doc = parse(src)
    assert doc.rewrite({1: perma(1)}, OPTIONS) == (
        f"https://a.gov/ https://b.gov/ [<{perma(1)}>] https://c.gov/\n".encode()
    )
    with pytest.raises(KeyError):
        doc.rewrite({7: perma(7)}, OPTIONS)
    with pytest.raises(ValueError, match="not a link"):
        doc.rewrite({0: "https://perma.cc/X> oops"}, OPTIONS)


# ---------------------------------------------------------------- bytes in, bytes out


def test_crlf_and_bom_are_preserved() -> None:
    src = "\ufeffLine one [a](https://a.gov/)\r\n\r\n```\r\nhttps://code.gov/\r\n```\r\n" \
          "Line two https://b.gov/.\r\n\r\n[r]: https://r.gov/\r\nUse [r].\r\n"
    data = src.encode("utf-8")
    doc = parse(data)
    assert [c.url for c in doc.citations] == ["https://a.gov/", "https://b.gov/", "https://r.gov/"]
    assert [c.location for c in doc.citations] == [
        "line 1, column 14", "line 6, column 10", "line 9, column 5"]
    out = archive_all(doc)
    assert out.startswith(b"\xef\xbb\xbf")
    assert out.count(b"\r\n") == data.count(b"\r\n") and b"\n" not in out.replace(b"\r\n", b"")
    assert strip_perma_links(out.decode("utf-8")) == src
    assert_idempotent(out.decode("utf-8"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"caf\xe9 https://a.gov/\n", "not valid UTF-8 (bad byte 0xe9 on line 1)"),
        (b"PK\x03\x04\x00\x00binary", "NUL byte"),
        ("UTF-16 text".encode("utf-16"), "UTF-16"),
    ],
)
def test_bad_input_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as err:
        MarkdownAdapter().parse(data, "paper.md")
    assert str(err.value).startswith("paper.md: ") and message in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n", b"# Only a heading\n"])
def test_documents_without_urls(data: bytes) -> None:
    doc = MarkdownAdapter().parse(data, "empty.md")
    assert doc.citations == [] and doc.warnings == []
    assert doc.rewrite({}, OPTIONS) == data


def test_registered_for_markdown_suffixes() -> None:
    assert isinstance(adapter_for("markdown"), MarkdownAdapter)
    for suffix in MarkdownAdapter.suffixes:
        assert format_for_path(f"paper{suffix}") == "markdown"


# ---------------------------------------------------------------- the sample article


def sample_citations() -> str:
    doc = parse(SAMPLE.read_bytes())
    lines = [f"{c.index}\t{c.kind}\t{c.location}\t{c.written}\t{c.url}\t"
             f"{classify(c.url).status}\t{classify(c.url).reason or ''}\t"
             f"{c.existing_archive or ''}\t{c.title or ''}" for c in doc.citations]
    return "\n".join(lines + [f"warning: {w}" for w in doc.warnings]) + "\n"


def sample_output(data: bytes | None = None) -> bytes:
    doc = parse(SAMPLE.read_bytes() if data is None else data)
    chosen = {c.index: perma(c.index) for c in doc.citations
              if classify(c.url).archive and not c.existing_archive}
    return doc.rewrite(chosen, OPTIONS)


def test_sample_golden(golden) -> None:  # type: ignore[no-untyped-def]
    golden.check("markdown/article.citations.tsv", sample_citations().encode("utf-8"))
    out = sample_output()
    golden.check("markdown/article.perma.md", out)
    original = SAMPLE.read_text(encoding="utf-8")
    assert strip_perma_links(out.decode("utf-8")) == original
    again = parse(out)
    assert [c.url for c in again.citations] == [c.url for c in parse(original).citations]
    assert sample_output(out) == out  # everything archivable is archived: nothing changes


def test_sample_covers_every_kind() -> None:
    doc = parse(SAMPLE.read_bytes())
    kinds = {c.kind for c in doc.citations}
    assert kinds == {"link", "reference", "autolink", "bare"}
    reasons = " ".join(classify(c.url).reason or "" for c in doc.citations)
    for word in ("archive", "DOI", "local", "private"):
        assert word in reasons
    assert len(doc.citations) >= 30
    assert any(c.existing_archive for c in doc.citations)
    assert len(doc.warnings) == 2  # the raw HTML <a> inline and in a <div> block
    text = SAMPLE.read_text(encoding="utf-8")
    for never in ("example-lawreview.org/submissions", "linkrot-figure1.png", "api.example-lawreview",
                  "example.edu/linkrot", "licensebuttons.net", "ca9.uscourts.gov", "ABCD-2345",
                  "mailto:", "example-lawreview.org/bot"):
        assert never in text
        assert not any(never in (c.written or "") for c in doc.citations), never


# ---------------------------------------------------------------- rendering


def pandoc_html(pandoc: str, fmt: str, text: str) -> str:
    done = subprocess.run([pandoc, "-f", fmt, "-t", "html", "--wrap=none"], input=text.encode(),
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


MD_IT = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(footnote_plugin)
RENDERERS = ["markdown", "markdown+autolink_bare_uris", "markdown+spaced_reference_links", "gfm",
             "commonmark", "markdown-it"]


def render(pandoc: str, fmt: str, text: str) -> str:
    return MD_IT.render(text) if fmt == "markdown-it" else pandoc_html(pandoc, fmt, text)


def perma_anchor_re(link: str) -> re.Pattern[str]:
    """``[<a href=LINK ...>LINK</a>]``: the Perma link clickable inside literal brackets."""
    return re.compile(rf"\[<a [^>]*href=\"{re.escape(link)}\"[^>]*>{re.escape(link)}</a>\]")


RENDER_CASES = [
    ("inline", "Cited [the case](https://case.gov/x) here.", True),
    ("full-ref", "Cited [the case][c] here.\n\n[c]: https://case.gov/x", True),
    ("collapsed-ref", "Cited [c][] here.\n\n[c]: https://case.gov/x", True),
    ("shortcut-ref", "Cited [c] here.\n\n[c]: https://case.gov/x", True),
    ("shortcut-before-paren", "Cited [c](aside) here.\n\n[c]: https://case.gov/x", False),
    ("autolink", "Cited <https://case.gov/x> here.", True),
    ("bare", "Cited https://case.gov/x. Here.", False),
    ("linked-image", "[![seal](https://img.gov/s.png)](https://case.gov/x)", True),
    ("before-paren", "Cited [the case](https://case.gov/x)(see also) here.", True),
    ("before-bracket", "Cited [the case](https://case.gov/x)[c] here.\n\n[c]: https://o.gov/", True),
    ("in-emphasis", "*Cited [the case](https://case.gov/x)* here.", True),
]


@pytest.mark.pandoc
@pytest.mark.parametrize("fmt", RENDERERS)
@pytest.mark.parametrize(("name", "src", "always_linked"), RENDER_CASES, ids=[c[0] for c in
                                                                               RENDER_CASES])
def test_rendered_output_keeps_both_links(pandoc_path: str, fmt: str, name: str, src: str,
                                          always_linked: bool) -> None:
    doc = parse(src)
    cited = [c for c in doc.citations if c.url == "https://case.gov/x"]
    if name == "shortcut-before-paren":
        assert cited == []  # "[c](aside)" is an inline link to "aside", not the reference
        return
    (c,) = cited
    out = doc.rewrite({c.index: perma(0)}, OPTIONS).decode("utf-8")
    page = render(pandoc_path, fmt, out)
    assert perma_anchor_re(perma(0)).search(page), page
    assert "\\" not in lxml_html.fromstring(page).text_content()
    hrefs = [a.get("href") for a in lxml_html.fromstring(page).iter("a")]
    linked = always_linked or fmt in ("gfm", "markdown+autolink_bare_uris")
    original_then_perma = ["https://case.gov/x", perma(0)]
    if linked:
        assert hrefs[hrefs.index("https://case.gov/x"):][:2] == original_then_perma, page
    else:
        assert "https://case.gov/x" in lxml_html.fromstring(page).text_content()


@pytest.mark.pandoc
@pytest.mark.parametrize("fmt", ["markdown", "gfm", "commonmark", "markdown-it"])
def test_rendered_sample_has_every_perma_link(pandoc_path: str, fmt: str) -> None:
    out = sample_output().decode("utf-8")
    inserted = re.findall(r"\[<(https://perma\.cc/[A-Z0-9-]+)>\]", out)
    assert len(inserted) >= 20
    page = render(pandoc_path, fmt, out)
    for link in inserted:
        assert perma_anchor_re(link).search(page), (fmt, link)
    assert "\\[" not in page and "\\]" not in page


# ---------------------------------------------------------------- property-based

_word = st.sampled_from(["the", "court", "held", "id.", "at", "3", "see", "*em*", "—", "(x)"])
_path = st.text(alphabet="abcxyz0123456789-/", max_size=12)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[tuple[int, str]]]:
    """A Markdown text mixing prose citations and code, and the (offset, URL) to find."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    parts: list[str] = []
    expected: list[tuple[int, str]] = []
    size = 0
    counter = iter(range(10_000))

    def url(kind: str) -> str:
        tail = draw(_path) + draw(st.sampled_from(["", "/", "?q=1&r=2", "/Foo_(bar)"]))
        return f"https://{kind}{next(counter)}.example.com/{tail}"

    def emit(text: str, cite: str | None = None, at: int = 0) -> None:
        nonlocal size
        if cite is not None:
            expected.append((size + at, cite))
        parts.append(text)
        size += len(text)

    for _ in range(draw(st.integers(1, 6))):
        block = draw(st.sampled_from(["para", "para", "fence", "indented", "list", "quote"]))
        if block == "para" or block == "quote":
            if block == "quote":
                emit("> ")
            for _ in range(draw(st.integers(1, 6))):
                piece = draw(st.sampled_from(["word", "bare", "link", "auto", "code", "image"]))
                if piece == "word":
                    emit(draw(_word))
                elif piece == "bare":
                    u = url("prose")
                    before, after = draw(st.sampled_from([("", ""), ("(", ")."), ("*", "*"),
                                                          ("", ","), ('"', '"')]))
                    emit(f"{before}{u}{after}", u, len(before))
                elif piece == "link":
                    u = url("prose")
                    emit(f"[{draw(_word)}]({u})", u, len(draw(_word)) * 0 + 0)
                    expected[-1] = (size - len(u) - 1, u)
                elif piece == "auto":
                    u = url("prose")
                    emit(f"<{u}>", u, 1)
                elif piece == "code":
                    emit(f"`{url('code')}`")
                else:
                    emit(f"![{draw(_word)}]({url('code')})")
                emit(" ")
            emit(newline + newline)
        elif block == "fence":
            emit(f"```{newline}{url('code')}{newline}[x]({url('code')}){newline}```"
                 f"{newline}{newline}")
        elif block == "indented":
            emit(f"    {url('code')}{newline}{newline}")
        else:
            # The closing paragraph ends the list, so that an indented block after it is code.
            emit(f"- item{newline}{newline}      {url('code')}{newline}{newline}end{newline}"
                 f"{newline}")
    return "".join(parts), expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_scanner_finds_prose_urls_exactly_and_never_code(doc: tuple[str, list]) -> None:
    text, expected = doc
    result = scan(text)
    assert result.warnings == []
    got = [(h.pos, h.written) for h in result.hits]
    assert got == expected
    assert all(".example.com" in w and "code" not in w for _, w in got)
    parsed = parse(text)
    out = archive_all(parsed).decode("utf-8")
    assert strip_perma_links(out) == text
    assert archive_all(parse(out)).decode("utf-8") == out


_TOKENS = st.sampled_from([
    "https://a.gov/x", "https://b.gov/(y)", "https://perma.cc/4B3C-D4E5", " [https://perma.cc/3B3C-D4E5]",
    "[", "]", "(", ")", "<", ">", "`", "``", "*", "_", "!", "\\", "\\[", " ", "\t", "\n", "\r\n",
    "\n\n", "    ", "- ", "1. ", "> ", "#", "|", ".", ",", ":", '"', "'", "ü", "~~", "&amp;", "{.x}",
    "[r]", "[x][r]", "[r][]", "[r]: https://r.gov/\n", "[^1]", "[^1]: ", "```\n", "---\n", "+++\n",
    "<a href='https://h.gov'>", "<!-- https://c.gov -->", "<me@x.org>", "<https://c.gov/>",
    "[t](https://l.gov/)", "![i](https://img.gov/)", "text",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOKENS, max_size=30).map("".join))
@example("[^1]:  [https://perma.cc/3B3C-D4E5][^1]")  # trim_url kept "][" once
def test_any_markdown_round_trips(src: str) -> None:
    """Whatever the text: inserting then removing gives it back, and a second run is a no-op."""
    doc = parse(src)
    out = archive_all(doc).decode("utf-8")
    assert strip_perma_links(out) == src
    again = parse(out)
    assert [c.url for c in again.citations] == [c.url for c in doc.citations]
    assert archive_all(again).decode("utf-8") == out


def test_whole_text_searched_for_perma_once_not_per_block_or_link(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whether the document mentions perma.cc is asked once per parse: asking it per block or
    per link searches the whole text each time, which made a 5,000-link file quadratic."""
    from permify.formats.markdown import inline, scan

    calls: list[int] = []
    real = inline.mentions_perma

    def counting(text: str) -> bool:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(inline, "mentions_perma", counting)
    monkeypatch.setattr(scan, "mentions_perma", counting)
    blocks = [f"Para {i}: [case](https://example.com/{i}) and https://example.org/{i}." for i in range(200)]
    blocks.append("Done [x](https://example.net/x) [https://perma.cc/ABCD-EFGH].")
    doc = MarkdownAdapter().parse("\n\n".join(blocks).encode(), "many.md")
    assert len(doc.citations) == 401
    assert len(calls) == 1


def test_a_run_of_angle_brackets_is_not_tried_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A "<" that cannot begin an autolink, an e-mail autolink or a tag is skipped by the
    search; the autolink after a run of them, and tags and e-mail autolinks, are still read."""
    from permify.formats.markdown.inline import InlineScanner

    tried: list[int] = []
    original = InlineScanner._angle

    def counting(self: InlineScanner, j: int, end: int) -> int:
        tried.append(j)
        return original(self, j, end)

    monkeypatch.setattr(InlineScanner, "_angle", counting)
    src = "See " + "<" * 10_000 + "https://a.gov/x> and <b>1 << 2</b>, <mail@a.gov>, < https://b.gov/y.\n"
    assert found(src) == [("autolink", "https://a.gov/x", "https://a.gov/x"),
                          ("bare", "https://b.gov/y", "https://b.gov/y")]
    assert len(tried) == 4  # the autolink, <b>, </b> and the e-mail autolink
