"""The shared URL rules: finding, trimming, classifying and keying cited URLs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from permify.urls import (
    PERMA_URL_RE,
    Classification,
    UrlMatch,
    classify,
    dedupe_key,
    find_urls,
    is_perma_link,
    perma_guid,
    perma_url,
    trim_url,
)

WIKI = "https://en.wikipedia.org/wiki/Foo_(bar)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://example.com/page.", ["https://example.com/page"]),
        ("(see https://example.com/a)", ["https://example.com/a"]),
        (f"(see {WIKI}).", [WIKI]),
        (f"(see {WIKI})),", [WIKI]),
        (f"{WIKI}.", [WIKI]),
        ("https://example.com/x#frag, next", ["https://example.com/x#frag"]),
        ("wow https://example.com/x... and https://example.com/wow!", [
            "https://example.com/x", "https://example.com/wow"]),
        ("is it https://example.com/q? yes; https://example.com/r: no", [
            "https://example.com/q", "https://example.com/r"]),
        ("“https://example.com/curly” and ‘https://example.com/single’", [
            "https://example.com/curly", "https://example.com/single"]),
        ("'https://example.com/s' \"https://example.com/d\"", [
            "https://example.com/s", "https://example.com/d"]),
        ("<https://example.com/x?y=1>.", ["https://example.com/x?y=1"]),
        ("https://example.com/y—next https://example.com/z–next", [
            "https://example.com/y", "https://example.com/z"]),
        ("see https://example.com/ellipsis…", ["https://example.com/ellipsis"]),
        ("[https://example.com/sq]", ["https://example.com/sq"]),
        ("https://example.com/list[0]", ["https://example.com/list[0]"]),
        ("note https://example.com/x[^1] and https://example.com/y([", [
            "https://example.com/x", "https://example.com/y"]),
        ("https://bücher.example/straße?x=ü", ["https://bücher.example/straße?x=ü"]),
        ("http://192.168.1.5/z and http://[::1]/w", [
            "http://192.168.1.5/z", "http://[::1]/w"]),
        ("HTTPS://EXAMPLE.COM/UP", ["HTTPS://EXAMPLE.COM/UP"]),
        ("a?x=1&amp; b https://example.com/?a=1&amp;", ["https://example.com/?a=1"]),
        ("*https://example.com/em* _https://example.com/u_", [
            "https://example.com/em", "https://example.com/u"]),
    ],
)
def test_find_urls_trims_like_a_reader(text: str, expected: list[str]) -> None:
    found = find_urls(text)
    assert [m.url for m in found] == expected
    for m in found:
        assert text[m.start : m.end] == m.url


@pytest.mark.parametrize(
    "text",
    [
        "www.example.com/path and example.org",  # a scheme is required
        "ftp://example.com/file mailto:me@example.com",
        "xhttps://example.com glued to a word",
        "https:// alone",
        "",
    ],
)
def test_find_urls_ignores_non_urls(text: str) -> None:
    assert find_urls(text) == []


def test_find_urls_offsets_count_characters_not_bytes() -> None:
    text = "Bücher: https://example.com/ü."
    assert find_urls(text) == [UrlMatch(8, 29, "https://example.com/ü")]


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("https://example.com/a).", "https://example.com/a"),
        ("https://example.com/(a)", "https://example.com/(a)"),
        ("https://example.com/a]]", "https://example.com/a"),
        ("https://example.com/a&amp;", "https://example.com/a"),
        # a reference or footnote right after the URL: "[https://x][^1]" (found by hypothesis)
        ("https://perma.cc/3B3C-D4E5][", "https://perma.cc/3B3C-D4E5"),
        ("https://example.com/a[", "https://example.com/a"),
        ("https://example.com/a(b)(", "https://example.com/a(b)"),
        ("https://", ""),
        ("https://.", ""),
    ],
)
def test_trim_url(candidate: str, expected: str) -> None:
    assert trim_url(candidate) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/",
        "http://www.supremecourt.gov/opinions/",
        "https://bücher.de/katalog",
        "https://93.184.216.34/x",
        "https://perma.cc.example.com/not-perma",  # only perma.cc and its subdomains
        "https://sub.example.com:8443/path?q=1#f",
        "https://archive.org/about/",  # archive.org's own pages are citations; web.archive.org is not
    ],
)
def test_classify_archives_public_urls(url: str) -> None:
    assert classify(url) == Classification(True)
    assert classify(url).status == "archive"


@pytest.mark.parametrize(
    ("url", "reason_word"),
    [
        ("https://perma.cc/ABCD-2345", "archive"),
        ("https://api.perma.cc/v1/x", "archive"),
        ("https://web.archive.org/web/2020/https://example.com", "archive"),
        ("https://archive.today/abc", "archive"),
        ("https://archive.ph/abc", "archive"),
        ("https://archive.is/abc", "archive"),
        ("ftp://example.com/file", "not http"),
        ("mailto:me@example.com", "not http"),
        ("file:///etc/passwd", "not http"),
        ("http://localhost:8080/x", "local"),
        ("http://printer.local/", "local"),
        ("http://app.localhost/", "local"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.1/", "private"),
        ("http://172.16.5.5/", "private"),
        ("http://127.0.0.1:8000/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://169.254.1.1/", "private or reserved"),  # link-local
        ("http://240.0.0.1/", "private or reserved"),  # reserved
        ("http://intranet/wiki", "single-label"),
        ("https://doi.org/10.2139/ssrn.2329161", "DOI"),
        ("https://dx.doi.org/10.1000/182", "DOI"),
        ("http://example.com:99999/", "malformed"),
        ("https:///nohost", "no host"),
    ],
)
def test_classify_skips_with_a_reason(url: str, reason_word: str) -> None:
    c = classify(url)
    assert not c.archive
    assert c.status == "skip"
    assert c.reason and reason_word in c.reason


def test_doi_links_are_archived_on_request() -> None:
    assert classify("https://doi.org/10.2139/ssrn.2329161", archive_doi=True).archive


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTPS://Example.COM/Path", "https://example.com/Path"),
        ("https://example.com:443/x", "https://example.com/x"),
        ("http://example.com:80/x", "http://example.com/x"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/x?", "https://example.com/x"),
        # pandoc writes a link target's "|" as "%7C": the filter and `permify urls` agree
        ("https://example.com/a|b?q=x|y", "https://example.com/a%7Cb?q=x%7Cy"),
        ("https://example.com/a%7cb", "https://example.com/a%7Cb"),
        ("https://example.com/%7Euser/a%2db", "https://example.com/~user/a-b"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/straße", "https://example.com/stra%c3%9fe"),
        ("https://example.com/x#sec[2]", "https://example.com/x#sec%5B2%5D"),
    ],
)
def test_dedupe_key_equates_spellings(a: str, b: str) -> None:
    assert dedupe_key(a) == dedupe_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.com/Path", "https://example.com/path"),  # paths are case-sensitive
        ("https://example.com:8443/x", "https://example.com/x"),
        ("http://example.com/x", "https://example.com/x"),
        ("https://example.com/x?a=1", "https://example.com/x?a=2"),
        # an encoded "/", "?", "&" or "=" means something else than the raw one
        ("https://example.com/a%2Fb", "https://example.com/a/b"),
        ("https://example.com/x?a=1%26b=2", "https://example.com/x?a=1&b=2"),
    ],
)
def test_dedupe_key_keeps_what_matters(a: str, b: str) -> None:
    assert dedupe_key(a) != dedupe_key(b)


def test_perma_links() -> None:
    assert is_perma_link("https://perma.cc/ABCD-2345")
    assert is_perma_link("https://perma.cc/abcd-2345/")
    assert not is_perma_link("https://perma.cc/ABCD-2345/extra")
    assert not is_perma_link("https://example.com/ABCD-2345")
    assert perma_guid("https://perma.cc/abcd-2345") == "ABCD-2345"
    assert perma_guid("https://example.com/") is None


def test_perma_url_is_recognised_as_a_perma_link() -> None:
    assert perma_url("ABCD-2345") == "https://perma.cc/ABCD-2345"
    assert PERMA_URL_RE.fullmatch(perma_url("ABCD-2345"))
    assert perma_guid(perma_url("abcd-2345")) == "ABCD-2345"


# ---------------------------------------------------------------- property-based

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_label = st.text(alphabet=_LETTERS + "0123456789äöüéß", min_size=1, max_size=10).filter(
    lambda s: s[0].isalnum() and s[-1].isalnum()
)
_segment = st.text(alphabet=_LETTERS + "ABCXYZ0123456789-._~%=&+äöü", min_size=1, max_size=12).filter(
    lambda s: s[-1].isalnum()  # a cited URL does not end in punctuation a sentence could own
)


@st.composite
def cited_urls(draw: st.DrawFn) -> str:
    """A URL as it would be cited: it ends in a letter, digit, ``/`` or balanced ``)``."""
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = ".".join(draw(st.lists(_label, min_size=1, max_size=3))) + "." + draw(
        st.sampled_from(["com", "org", "gov", "de", "ch"]))
    path = "".join("/" + s for s in draw(st.lists(_segment, max_size=4)))
    if draw(st.booleans()):
        path += "/Foo_(" + draw(_label) + ")"
    else:
        path += draw(st.sampled_from(["", "/", "/x1", "?q=a1", "#s2"]))
    return f"{scheme}://{host}{path}"


_words = st.lists(st.sampled_from(["the", "court", "held", "see", "id.", "at", "3", "—", "(",
                                   "cf.", "“quoted”", "it's"]), max_size=6).map(" ".join)
_before = st.sampled_from(["", "(", "[", '"', "'", "“", "‘", "<", "(see ", "*", "_", "—", "–"])
_after = st.sampled_from(["", ".", ",", ";", ":", "!", "?", ")", "]", '"', "'", "”", "’", ">",
                          "…", ").", "),", ")).", "—next", "–x", "...", "*", "_", "?!", "'."])


@settings(max_examples=150, deadline=None)
@given(url=cited_urls(), pre=_words, before=_before, after=_after, post=_words)
def test_a_url_in_prose_is_found_exactly(url: str, pre: str, before: str, after: str,
                                         post: str) -> None:
    text = f"{pre} {before}{url}{after} {post}"
    start = len(pre) + 1 + len(before)
    assert find_urls(text) == [UrlMatch(start, start + len(url), url)]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_found_urls_are_trimmed_slices(text: str) -> None:
    for m in find_urls(text):
        assert text[m.start : m.end] == m.url
        assert trim_url(m.url) == m.url
        assert m.url.lower().startswith(("http://", "https://"))


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_dedupe_key_is_idempotent_on_paths(path: str) -> None:
    key = dedupe_key("https://example.com/" + path)
    assert dedupe_key(key) == key
