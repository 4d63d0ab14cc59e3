"""WARCs written by another tool (warcio's own test files, tests/data/review/warcs): the page
is found the same way from a stream as from the bytes, and damage is reported where it is."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from review_helpers import archive

from permify.review import ReviewError, read_primary, review_capture

WARCS = Path(__file__).resolve().parent.parent / "data" / "review" / "warcs"


@pytest.mark.parametrize(("name", "url", "title"), [
    ("example.warc.gz", "http://example.com/", "Example Domain"),
    ("example-iana.org-chunked.warc", "http://www.iana.org/", "Internet Assigned Numbers Authority"),
])
def test_the_page_of_a_foreign_warc(name: str, url: str, title: str) -> None:
    data = (WARCS / name).read_bytes()
    response = read_primary(io.BytesIO(data), url)
    assert (response.url, response.status, response.content_type, response.damaged) == (url, 200, "text/html", None)
    assert read_primary(data, url) == response
    verdict = review_capture(archive(url=url), data)
    assert verdict.http_status == 200 and verdict.title == title


def test_a_body_that_breaks_off_is_damage() -> None:
    data = (WARCS / "example-wrong-chunks.warc.gz").read_bytes()
    assert read_primary(io.BytesIO(data), "http://example.com/").damaged == "the record ends early"
    assert review_capture(archive(url="http://example.com/"), data).rule == "warc-unreadable"


def test_damage_before_the_page() -> None:
    data = (WARCS / "example-bad-non-chunked.warc.gz").read_bytes()
    with pytest.raises(ReviewError, match=r"damaged or truncated \(\w+\) before the page"):
        read_primary(io.BytesIO(data), "http://example.com/")
