"""The BibTeX adapter's fast paths give what the general code gives.

Each shortcut (the one-regex field scan, the value-end search, the escape fast path, the skip
of entries that cannot cite anything) is checked against text whose answer is known.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from permify.formats.base import RewriteOptions
from permify.formats.bibtex.adapter import BibtexAdapter
from permify.formats.bibtex.layout import value_end
from permify.formats.bibtex.scan import ScanError, scan_entry
from permify.formats.bibtex.values import unescape, urls_in_text

LINK = "https://perma.cc/2B3C-D4E5"

# Values of every shape the scanner meets: one piece (flat, nested one and two deep, quoted,
# bare) or a concatenation.
VALUES = st.sampled_from([
    "{plain}", "{}", "{a {b} c}", "{a {b {c}} d}", "{x, y = {z}}", '"quoted"', '"q {b} q"',
    '"esc \\" q"', "2021", "jan", 'jan # "/x"', "{a} # mac # {b}", "{\\url{https://a.org/x}}",
])
NAMES = st.sampled_from(["url", "URL", "note", "title", "a-b", "x:y"])
SPACE = st.sampled_from(["", " ", "  ", "\n  ", "\t", "\r\n\t"])


@settings(max_examples=300, deadline=None)
@given(
    fields=st.lists(st.tuples(NAMES, VALUES, SPACE, SPACE, SPACE), min_size=1, max_size=5),
    paren=st.booleans(),
    trailing=st.booleans(),
)
def test_scan_entry_spans_point_at_the_text(
    fields: list[tuple[str, str, str, str, str]], paren: bool, trailing: bool
) -> None:
    opening, closing = ("(", ")") if paren else ("{", "}")
    parts = [f"{lead}{name}{before}={after}{value}" for name, value, lead, before, after in fields]
    raw = f"@misc{opening}key," + ",".join(parts) + ("," if trailing else "") + "\n" + closing
    spans = scan_entry(raw)
    assert spans.key == "key" and raw[spans.close] == closing
    assert len(spans.fields) == len(fields)
    for span, (name, value, _lead, _before, _after) in zip(spans.fields, fields, strict=True):
        assert span.name == name == raw[span.start : span.name_end]
        assert raw[span.eq] == "=" and not raw[span.name_end : span.eq].strip()
        assert raw[span.value_start : span.value_end] == value
        assert span.pieces[0].start == span.value_start and span.pieces[-1].end == span.value_end
        assert len(span.pieces) == value.count(" # ") + 1
    last = spans.fields[-1]
    assert (last.comma >= 0) == trailing


def test_scan_entry_rejects_what_bibtex_does_not_allow() -> None:
    for raw in ("@misc{k, title = {a} b}", "@misc{k, title = {a}", "@misc{k, = {a}}", "@misc{k, t {a}}"):
        try:
            scan_entry(raw)
        except ScanError:
            continue
        raise AssertionError(f"scanned {raw!r}")


def test_value_end_finds_the_field_not_a_lookalike() -> None:
    raw = "@misc{k,\n  title = {x},\n  footnote = {x},\n  NOTE  =  {x},\n  url = {https://a.org/}\n}"
    end = value_end(raw, "note", "{x}")
    assert raw[:end].endswith("NOTE  =  {x}")
    raw = "@misc(k, note={x}, addendum = {y})"
    assert raw[: value_end(raw, "note", "{x}")].endswith("note={x}")
    assert raw[: value_end(raw, "addendum", "{y}")].endswith("addendum = {y}")


def test_unescape_fast_and_full_paths() -> None:
    assert unescape(r"https://a.org/x\_y\%20z\&q") == "https://a.org/x_y%20z&q"
    assert unescape(r"\\_") == r"\_"  # an escaped backslash, then a plain "_"
    assert unescape(r"https://a.org/\~{}u/a\_b") == "https://a.org/~u/a_b"
    assert unescape(r"a\slash b\textasciitilde{}c\_d") == "a/b~c_d"
    assert unescape(r"no \emph{escapes}") == r"no \emph{escapes}"


def test_urls_in_text_written_spans_with_escapes() -> None:
    text = r"See \_ here https://a.org/p\_q\%20r and \url{https://b.org/x\_y}; then https://c.org/."
    found = urls_in_text(text)
    assert [(u.written, u.url) for u in found] == [
        (r"https://a.org/p\_q\%20r", "https://a.org/p_q%20r"),
        (r"https://b.org/x\_y", "https://b.org/x_y"),
        ("https://c.org/", "https://c.org/"),
    ]
    assert all(u.written in text for u in found)


def test_entries_that_may_cite_are_read_in_full() -> None:
    text = (
        '@string{site = "https://macro.example.org/page"}\n'
        "@book{plain, title = {No links}, doi = {10.1/x}}\n"
        "@misc{bymacro, note = site}\n"
        '@misc{split, url = "https:/" # "/split.example.org/x"}\n'
        "@misc{upper, URL = {https://upper.example.org/}}\n"
    )
    doc = BibtexAdapter().parse(text.encode(), "refs.bib")
    assert [(c.location.split(",")[0], c.url) for c in doc.citations] == [
        ("entry bymacro", "https://macro.example.org/page"),
        ("entry split", "https://split.example.org/x"),
        ("entry upper", "https://upper.example.org/"),
    ]


def test_empty_print_field_leaves_only_that_entry_unchanged() -> None:
    text = (
        "@misc{a,\n  url = {https://a.example.org/},\n  note = ,\n}\n"
        "@misc{b,\n  url = {https://b.example.org/},\n}\n"
    )
    doc = BibtexAdapter().parse(text.encode(), "refs.bib")
    out = doc.rewrite({0: LINK, 1: LINK}, RewriteOptions(bib_print="note")).decode()
    a, b = out.split("@misc{b,")
    assert a == text.split("@misc{b,")[0]
    assert f"perma = {{{LINK}}}" in b and f"note = {{[\\url{{{LINK}}}]}}" in b


def test_warnings_in_file_order_from_one_parse() -> None:
    text = (
        "@misc{ok, url = {https://a.example.org/}}\n"
        "@misc{ok, url = {https://b.example.org/}}\n"
        "@string{bad = {open\n"
        "@misc{broken, title = {x}\n"
        "@misc{last, url = {https://c.example.org/}}\n"
    )
    doc = BibtexAdapter().parse(text.encode(), "refs.bib")
    assert [w.split(":")[0] for w in doc.warnings] == ["line 2", "line 3", "line 4"]
    assert "duplicate entry key 'ok' (first used on line 1)" in doc.warnings[0]
    assert doc.warnings[1].startswith("line 3: the @string block could not be parsed")
    assert [c.url for c in doc.citations] == [
        "https://a.example.org/", "https://b.example.org/", "https://c.example.org/"
    ]
