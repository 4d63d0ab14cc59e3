"""The WARC is read as a stream and only as far as the page: a capture's resources after the
page are never downloaded, redirects are followed as their records arrive, and damage before
or inside the page is reported while damage after it goes unread."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator

import pytest
from review_helpers import URL, archive, page, warc
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import permify.perma.client as client_module
from permify.perma.client import PermaClient
from permify.perma.downloads import body_chunks
from permify.review import download_warc, read_primary, review_archive, review_capture
from permify.review.warc import BODY_CAP
from permify.sandbox import Sandbox, SandboxConfig
from permify.sandbox.warc import stored_warc

RESOURCE = "https://www.example.com/static/photo.jpg"


class CountingStream(io.BytesIO):
    """A WARC download that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def with_resources(first: bytes, megabytes: int = 3) -> bytes:
    """``first`` (a download with the page), then a large incompressible resource record."""
    return first + stored_warc("AB2C-D3EF", RESOURCE, 1_750_000_000, 200, "image/jpeg", os.urandom(megabytes << 20))


def test_the_page_is_read_and_the_resources_after_it_are_not() -> None:
    data = with_resources(warc(page("article.html")))
    stream = CountingStream(data)
    response = read_primary(stream, URL)
    assert response.status == 200 and response.damaged is None
    assert stream.read_bytes < 256 * 1024 < len(data)  # a few blocks, not the 3 MB behind the page
    assert read_primary(data, URL) == response  # the same page from the bytes


def redirect(url: str, status: int, location: str) -> bytes:
    """A gzipped response record: ``url`` answered ``status`` with ``Location: location``."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    http = StatusAndHeaders(f"{status} Moved", [("Location", location), ("Content-Length", "0")], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(b""), length=0,
                                                  http_headers=http))
    return out.getvalue()


def test_a_redirect_is_followed_to_a_record_further_on() -> None:
    target = "https://www.example.com/articles/smith-v-jones-2024"
    data = (warc(b"x", url=RESOURCE) + redirect(URL, 301, "/articles/smith-v-jones-2024")
            + stored_warc("AB2C-D3EF", target, 1_750_000_000, 200, "text/html", page("article.html")))
    stream = CountingStream(with_resources(data))
    response = read_primary(stream, URL)
    assert (response.url, response.status) == (target, 200)
    assert stream.read_bytes < 256 * 1024
    assert read_primary(data, URL) == response


def test_a_redirect_whose_target_never_comes_is_the_page() -> None:
    moved = redirect(URL, 302, "https://login.example.com/")
    response = read_primary(warc(b"x", url=RESOURCE) + moved, URL)
    assert (response.url, response.status) == (URL, 302)


def test_damage_before_or_in_the_page_is_reported_and_after_it_goes_unread() -> None:
    whole = warc(page("article.html"))
    cut = whole[: len(whole) - 200]  # the page's own record ends early
    assert review_capture(archive(), cut).rule == "warc-unreadable"
    after = whole + b"\x1f\x8b" + b"\x00" * 64  # a broken gzip member after the page
    verdict = review_capture(archive(), after)
    assert verdict.ok, verdict.reason
    with pytest.raises(Exception, match="damaged or truncated"):
        read_primary(b"\x1f\x8b" + b"\x00" * 64 + whole, URL)


def test_a_huge_page_is_read_to_the_body_cap_only() -> None:
    body = b"<html><head><title>Big</title></head><body>" + os.urandom(2 * BODY_CAP) + b"</body></html>"
    stream = CountingStream(warc(body))
    response = read_primary(stream, URL)
    assert response.truncated and len(response.body) == BODY_CAP
    assert stream.read_bytes < len(stream.getvalue())  # the rest of the page was not read


def test_the_review_downloads_only_up_to_the_page_over_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # warc-huge: a page larger than the body cap. The review reads the page to the cap and
    # stops, where it used to download the whole WARC (up to the 16 MB download cap).
    received: list[int] = []

    def counted(response: object) -> Iterator[bytes]:
        for chunk in body_chunks(response):
            received.append(len(chunk))
            yield chunk

    monkeypatch.setattr(client_module, "body_chunks", counted)
    with Sandbox(SandboxConfig(capture_seconds=0.0)) as sb, PermaClient(sb.api_key, sb.base_url) as client:
        made = client.create_archive("https://www.example.com/warc-huge/page", folder=sb.org_folder_id)
        whole = download_warc(client, made.guid, cap=1 << 30)
        assert whole is not None
        received.clear()
        verdict = review_archive(client, made.guid)
        assert verdict.ok and verdict.truncated and verdict.size == BODY_CAP
        assert sum(received) < len(whole) * 0.95  # the page to its cap, not the rest of the download
        ordinary = client.create_archive("https://www.example.com/news/a", folder=sb.org_folder_id)
        assert review_archive(client, ordinary.guid).ok
