"""Sandbox captures: the archive JSON and the WARC follow the URL patterns (docs/sandbox-captures.md)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import Api, FakeClock
from warcio.archiveiterator import ArchiveIterator

from permify.sandbox import Sandbox, SandboxConfig
from permify.sandbox.captures import KINDS, kind_of


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(capture_seconds=2.0, clock=clock)) as sandbox:
        yield sandbox


def _captured(api: Api, sb: Sandbox, clock: FakeClock, url: str) -> dict:
    reply = api.post("/archives", {"url": url, "folder": sb.org_folder_id})
    assert reply.status == 201, reply.body
    clock.advance(5)
    return api.get(f"/archives/{reply.json()['guid']}").json()


def _records(data: bytes) -> list[tuple[str, str | None, bytes]]:
    out = []
    for record in ArchiveIterator(io.BytesIO(data)):
        status = record.http_headers.get_statuscode() if record.http_headers else None
        out.append((record.rec_type, status, record.content_stream().read()))
    return out


@pytest.mark.parametrize(("path", "status", "ctype", "screenshot", "marker"), [
    ("cloudflare-wall", "403", "text/html; charset=utf-8", "success", b"_cf_chl_opt"),
    ("hard-404", "404", "text/html; charset=utf-8", "success", b"Page not found"),
    ("login-wall", "200", "text/html; charset=utf-8", "success", b'type="password"'),
    ("pdf-document", "200", "application/pdf", None, b"%PDF-1.4"),
    ("screenshot-fails", "200", "text/html; charset=utf-8", "failed", b"<article>"),
    ("news/ordinary", "200", "text/html; charset=utf-8", "success", b"<article>"),
])
def test_warc_and_captures_follow_the_pattern(sb: Sandbox, clock: FakeClock, path: str, status: str, ctype: str,
                                              screenshot: str | None, marker: bytes) -> None:
    api = Api(sb.base_url)
    archive = _captured(api, sb, clock, f"https://www.example.com/{path}")
    primary = archive["captures"][0]
    assert (primary["role"], primary["status"], primary["content_type"]) == ("primary", "success", ctype)
    shots = [c["status"] for c in archive["captures"] if c["role"] == "screenshot"]
    assert shots == ([screenshot] if screenshot else [])
    download = api.get(f"/archives/{archive['guid']}/download")
    records = _records(download.body)
    assert [r[0] for r in records] == ["warcinfo", "request", "response"]
    _, code, body = records[2]
    assert code == status and marker in body
    assert 0 < archive["warc_size"] < len(download.body)  # the download adds a warcinfo record


def test_damaged_downloads(sb: Sandbox, clock: FakeClock) -> None:
    api = Api(sb.base_url)
    for path, check in (("warc-empty", lambda r: r.status == 200 and r.body == b""),
                        ("warc-not-gzip", lambda r: r.status == 200 and r.body.startswith(b"<html>")),
                        ("warc-missing", lambda r: r.status == 404 and r.json() == {"detail": "Not found."}),
                        ("warc-truncated", lambda r: r.status == 200 and r.body[:2] == b"\x1f\x8b")):
        guid = _captured(api, sb, clock, f"https://www.example.com/{path}")["guid"]
        assert check(api.get(f"/archives/{guid}/download")), path


def test_upload_file_replaces_the_captures_and_persists(tmp_path: Path, clock: FakeClock) -> None:
    state = str(tmp_path / "state.json")
    with Sandbox(SandboxConfig(capture_seconds=2.0, clock=clock, state_path=state)) as sb:
        api = Api(sb.base_url)
        guid = _captured(api, sb, clock, "https://www.example.com/gains-upload/x")["guid"]
        sb.upload_file(guid)
        captures = api.get(f"/archives/{guid}").json()["captures"]
        assert captures == [{"role": "primary", "status": "success", "url": f"file:///{guid}/upload.pdf",
                             "record_type": "resource", "content_type": "application/pdf", "user_upload": True}]
        with pytest.raises(KeyError):
            sb.upload_file("ZZ2Z-2ZZZ")
    with Sandbox(SandboxConfig(clock=clock, state_path=state)) as again:
        assert Api(again.base_url).get(f"/archives/{guid}").json()["captures"][0]["user_upload"] is True


def test_patterns_are_distinct_and_sample_like_urls_are_ordinary() -> None:
    tokens = [k.token for k in KINDS]
    assert len(tokens) == len(set(tokens))
    for url in ("https://www.law.cornell.edu/uscode/text/47/230", "https://www.supremecourt.gov/opinions",
                "https://www.example-lawreview.org/submissions/2024/footnotes-to-nowhere"):
        assert kind_of(url).token == ""
    assert kind_of("https://CLOUDFLARE-WALL.example.com/").token == "cloudflare-wall"
