"""A WARC download that breaks off mid-stream (the connection drops after Perma began to
answer) costs that archive its check, not the whole review: it is reported as not checked,
and the other archives are judged as usual."""

from __future__ import annotations

import os

import pytest
from hostile_server import HostileServer, Request, archive_json
from review_helpers import page, warc

from permify.errors import DownloadInterruptedError
from permify.perma.client import PermaClient
from permify.review import download_warc, review_archive, review_archives
from permify.sandbox.warc import stored_warc

BROKEN, WHOLE = "AB2C-D3EF", "XY7Z-8W9V"


def perma_with_one_broken_download(request: Request) -> None:
    """Archive records for both GUIDs; the WARC of ``BROKEN`` stops after a few hundred of
    the bytes its Content-Length promised, then the connection closes."""
    guid = request.path.split("/")[3]
    if not request.path.endswith("/download"):
        request.send(200, archive_json(guid, url="https://www.example.com/articles/smith-v-jones"))
        return
    data = warc(page("article.html"), guid=guid)
    if guid != BROKEN:
        request.send(200, data, {"Content-Type": "application/gzip"})
        return
    request.handler.send_response(200)
    request.handler.send_header("Content-Type", "application/gzip")
    request.handler.send_header("Content-Length", str(len(data)))
    request.handler.end_headers()
    request.handler.wfile.write(data[:300])
    request.handler.wfile.flush()
    request.handler.close_connection = True


def test_the_broken_download_is_unchecked_and_the_others_are_judged() -> None:
    with HostileServer(perma_with_one_broken_download) as server, PermaClient("k" * 40, server.base_url) as client:
        with pytest.raises(DownloadInterruptedError, match="broke off"):
            download_warc(client, BROKEN)
        verdicts = review_archives(client, [BROKEN, WHOLE], prefetch=False)
    assert verdicts[WHOLE].ok
    broken = verdicts[BROKEN]
    assert (broken.status, broken.checked) == ("suspect", False)
    assert "broke off" in broken.reason


def test_a_small_rest_after_the_page_is_read_so_the_connection_serves_the_next_download() -> None:
    # Each WARC: the page, then 150 KB of a resource record (under the 256 KB read past the page).
    rest = stored_warc(WHOLE, "https://www.example.com/static/photo.jpg", 1_750_000_000, 200, "image/jpeg",
                       os.urandom(150 * 1024))

    def perma(request: Request) -> None:
        guid = request.path.split("/")[3]
        if request.path.endswith("/download"):
            request.send(200, warc(page("article.html"), guid=guid) + rest, {"Content-Type": "application/gzip"})
        else:
            request.send(200, archive_json(guid, url="https://www.example.com/articles/smith-v-jones"))

    with HostileServer(perma) as server, PermaClient("k" * 40, server.base_url) as client:
        for guid in ("AB2C-D3EF", "XY7Z-8W9V", "QR4S-T5UV"):
            assert review_archive(client, guid).ok
    assert len(server.peers) == 6  # a record GET and a download each
    assert len(set(server.peers)) == 1  # all on one connection: no download was left half read
