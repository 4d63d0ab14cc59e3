"""The shared quotation rule (permify/quotes.py): when a URL is quoted material."""

from __future__ import annotations

import pytest

from permify.quotes import inside_quotation, quotation_spans


def _quoted(text: str, url: str = "https://example.com/a") -> bool:
    start = text.index(url)
    return inside_quotation(text, start, start + len(url))


@pytest.mark.parametrize("text", [
    'The FTC wrote: "see https://example.com/a for details."',
    "The FTC wrote: \u201csee https://example.com/a for details.\u201d",
    "He said \u2018see https://example.com/a\u2019 twice.",
    "Er schrieb \u201esiehe https://example.com/a\u201c gestern.",
    "Il a dit \u00ab voir https://example.com/a \u00bb hier.",
    '"https://example.com/a"',
    "\u201cOuter \u2018inner https://example.com/a\u2019 outer.\u201d",
    "\u201cIt\u2019s at https://example.com/a, Smith\u2019s page.\u201d",
    "\u201cThe authors\u2019 page https://example.com/a.\u201d",
    "(\"see https://example.com/a\")",
])
def test_a_url_between_opening_and_closing_marks_is_quoted(text: str) -> None:
    assert _quoted(text)


@pytest.mark.parametrize("text", [
    "See https://example.com/a for details.",
    'Doe, "A Title," https://example.com/a; Roe, "Another," https://example.com/b.',
    "Doe, \u201cA Title,\u201d https://example.com/a; Roe, \u201cAnother,\u201d https://example.com/b.",
    "It's at https://example.com/a, Smith's page, the authors' view.",
    "It\u2019s at https://example.com/a, Smith\u2019s page, the authors\u2019 view.",
    "In the '90s, see https://example.com/a and the students' work.",
    "In the \u201890s, see https://example.com/a and the students\u2019 work.",
    "\u201cA quotation that runs on into the next paragraph, https://example.com/a",
    "A closing mark alone\u201d https://example.com/a",
    '12" wide, see https://example.com/a and 3" long',
    "https://example.com/a",
])
def test_a_url_not_between_a_matching_pair_is_not_quoted(text: str) -> None:
    assert not _quoted(text)


def test_quotation_marks_inside_the_url_are_ignored() -> None:
    text = "See https://example.com/it's'here now, 'quoted' later."
    url = "https://example.com/it's'here"
    assert not _quoted(text, url)
    assert _quoted("'See https://example.com/it's'here now'", url)


def test_spans_pair_by_family_and_drop_unclosed_inner_marks() -> None:
    text = "\u201cone \u2018two \u201d three"
    assert quotation_spans(text) == ((0, len(text) - 7),)


def test_out_of_range_offsets_are_not_quoted() -> None:
    assert not inside_quotation('"x"', 2, 10)
    assert not inside_quotation('"x"', 1, 1)


def test_quotation_marks_around_a_linked_title_alone_are_not_a_quotation() -> None:
    text = "Smith, \u201cLink Rot,\u201d Blog (2020)."
    start = text.index("Link Rot")
    end = start + len("Link Rot")
    assert not inside_quotation(text, start, end, title=True)
    assert inside_quotation(text, start, end)  # as a URL it would be quoted
    nested = "\u201cHe cited \u2018Link Rot\u2019 in his speech.\u201d"
    start = nested.index("Link Rot")
    assert inside_quotation(nested, start, start + len("Link Rot"), title=True)
