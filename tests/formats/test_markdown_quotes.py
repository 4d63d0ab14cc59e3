"""Markdown: a URL inside a quotation is quoted text, and an existing Perma link is
recognised however the author wrote it (docs/markdown.md)."""

from __future__ import annotations

import pytest

from permify.documents import scan_document
from permify.formats.base import RewriteOptions, ScanOptions
from permify.formats.markdown.adapter import MarkdownAdapter
from permify.quotes import QUOTED_REASON


def states(src: str, **options: bool) -> dict[str, tuple[str, str]]:
    """URL -> (state, reason or Perma link) as ``permify urls`` would list it."""
    scan = scan_document("test.md", data=src.encode("utf-8"), options=ScanOptions(**options))
    return {c.cited.url: (c.state, c.cited.existing_archive or c.classification.reason or "")
            for c in scan.citations}


@pytest.mark.parametrize(
    "src",
    [
        'He wrote: "see https://q.gov/a for the rule."',
        "He wrote: “see https://q.gov/a for the rule.”",
        "She said ‘the page at https://q.gov/a’ and left.",
        "Brignull called it “a user interface\ncrafted to trick users, as at https://q.gov/a,” a phrase.",
        '> As the Commission wrote: "Visit https://q.gov/a to report a trap."',
        '"A quoted [link](https://q.gov/a) inside."',
        "“The page [Link Rot](https://q.gov/a) says so,” he wrote.",
        "« voir <https://q.gov/a> »",
    ],
)
def test_a_url_inside_a_quotation_is_not_archived(src: str) -> None:
    assert states(src)["https://q.gov/a"] == ("skip", QUOTED_REASON)
    assert states(src, include_quoted=True)["https://q.gov/a"][0] == "archive"


@pytest.mark.parametrize(
    "src",
    [
        "> An author's note in a blockquote: https://q.gov/a",  # a blockquote alone is not a quotation
        "[“The Title in Quotes”](https://q.gov/a)",  # quotation marks in link text: a cited title
        "Smith, “[Link Rot](https://q.gov/a),” Blog (2020).",  # marks around a linked title
        "Smith, '[Link Rot][r].' Blog.\n\n[r]: https://q.gov/a",
        "“The Title,” https://q.gov/a.",  # the quotation closes before the URL
        '"Opened in one paragraph\n\nand closed in the next https://q.gov/a."',
        "The FTC's report at https://q.gov/a and the authors' view.",  # apostrophes
    ],
)
def test_a_url_outside_a_quotation_is_archived(src: str) -> None:
    assert states(src)["https://q.gov/a"] == ("archive", "")


@pytest.mark.parametrize(
    "src",
    [
        "([original](https://a.gov/x) ·\n[archived](https://perma.cc/7XBV-LYSX))",
        "https://a.gov/x perma.cc/7XBV-LYSX",
        "https://a.gov/x (perma.cc/7XBV-LYSX)",
        "https://a.gov/x (archived at https://perma.cc/7XBV-LYSX).",
        "Blog, 2023, https://a.gov/x. Archived at perma.cc/7XBV-LYSX",  # a reference list's style
        "https://a.gov/x [Perma link: https://perma.cc/7xbv-lysx].",
        "<https://a.gov/x>, https://perma.cc/7XBV-LYSX.",
        "[t](https://a.gov/x) [archived](http://www.perma.cc/7XBV-LYSX \"Perma\")",
        "https://a.gov/x \\[<https://perma.cc/7XBV-LYSX>]",
        "https://a.gov/x\n[[https://perma.cc/7XBV-LYSX](https://perma.cc/7XBV-LYSX)]",
    ],
)
def test_an_existing_perma_link_is_recognised_however_written(src: str) -> None:
    doc = MarkdownAdapter().parse(src.encode("utf-8"))
    assert not doc.warnings
    assert [c.existing_archive for c in doc.citations if "a.gov" in c.url] == ["https://perma.cc/7XBV-LYSX"]
    # Linked citations are never edited again.
    assert doc.rewrite({c.index: "https://perma.cc/NEWW-2345" for c in doc.citations}, _options()) == \
        src.encode("utf-8")


@pytest.mark.parametrize(
    "src",
    [
        "https://a.gov/x and see https://perma.cc/7XBV-LYSX",  # another sentence's link
        "https://a.gov/x, https://b.gov/perma.cc/7XBV-LYSX",
        "https://a.gov/x perma.cc/7XBV",  # not a GUID
    ],
)
def test_a_perma_link_further_away_is_not_taken(src: str) -> None:
    doc = MarkdownAdapter().parse(src.encode("utf-8"))
    assert doc.citations[0].existing_archive is None


def _options() -> RewriteOptions:
    return RewriteOptions()
