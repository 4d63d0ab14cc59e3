"""Building archives and WARCs for the review tests (with warcio, through the sandbox's writer)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from permify.perma.models import Archive
from permify.sandbox.warc import stored_warc, warcinfo_member

DATA = Path(__file__).resolve().parent.parent / "data" / "review"
URL = "https://www.example.com/articles/smith-v-jones"


def page(name: str) -> bytes:
    """A saved real page from tests/data/review."""
    return (DATA / name).read_bytes()


def warc(body: bytes, *, status: int = 200, content_type: str = "text/html; charset=utf-8",
         url: str = URL, guid: str = "AB2C-D3EF") -> bytes:
    """A Perma-style download: a warcinfo member, then the request and response records."""
    return warcinfo_member(guid, 1_750_000_000) + stored_warc(guid, url, 1_750_000_000, status, content_type, body)


def archive(*, url: str = URL, primary: str = "success", content_type: str = "text/html",
            screenshot: str | None = "success", upload: bool = False, guid: str = "AB2C-D3EF",
            **extra: Any) -> Archive:
    """An archive record with the given captures."""
    captures: list[dict[str, Any]] = [{
        "role": "primary", "status": primary, "url": url, "record_type": "response",
        "content_type": content_type, "user_upload": False}]
    if screenshot is not None:
        captures.append({"role": "screenshot", "status": screenshot, "url": "file:///cap.png",
                         "record_type": "resource", "content_type": "image/png", "user_upload": False})
    if upload:
        captures = [{"role": "primary", "status": "success", "url": f"file:///{guid}/upload.pdf",
                     "record_type": "resource", "content_type": "application/pdf", "user_upload": True}]
    return Archive.from_json({"guid": guid, "url": url, "title": "www.example.com", "captures": captures,
                              "is_private": False, **extra})
