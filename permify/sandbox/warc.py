"""A small, valid, deterministic gzipped WARC for a sandbox archive.

Perma streams a fresh ``warcinfo`` record followed by the stored WARC, each a gzip member
(docs/perma-api.md#warc-download). The "stored" part here is one ``response`` record whose payload is a tiny HTML
page; its compressed size is the archive's ``warc_size``.
"""

from __future__ import annotations

import functools
import gzip
import html
import uuid
from datetime import datetime, timezone

_NAMESPACE = uuid.UUID("6f0d5c3e-8d1b-4a55-9c8e-0e7d1f5b2a10")


def _warc_date(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _record(headers: list[tuple[str, str]], payload: bytes) -> bytes:
    lines = ["WARC/1.0", *(f"{k}: {v}" for k, v in headers), f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + payload + b"\r\n\r\n"


def _member(record: bytes) -> bytes:
    # mtime=0 keeps the bytes identical from run to run.
    return gzip.compress(record, mtime=0)


@functools.lru_cache(maxsize=512)
def response_member(guid: str, url: str, title: str, captured_at: float) -> bytes:
    """The stored WARC of one archive: a gzip member holding its ``response`` record."""
    body = (
        "<!doctype html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title></head>\n"
        f"<body><h1>{html.escape(title)}</h1><p>Archived by the permify sandbox from "
        f"<a href=\"{html.escape(url)}\">{html.escape(url)}</a> as {guid}.</p></body></html>\n"
    ).encode()
    http = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("ascii") + body
    headers = [
        ("WARC-Type", "response"),
        ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(_NAMESPACE, 'response/' + guid)}>"),
        ("WARC-Date", _warc_date(captured_at)),
        ("WARC-Target-URI", url),
        ("Content-Type", "application/http; msgtype=response"),
    ]
    return _member(_record(headers, http))


def warcinfo_member(guid: str, now: float) -> bytes:
    """A freshly generated ``warcinfo`` gzip member, as Perma prepends on every download."""
    fields = (
        "software: permify-sandbox\r\nformat: WARC File Format 1.0\r\n"
        f"isPartOf: {guid}\r\n"
    ).encode()
    headers = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", f"<urn:uuid:{uuid.uuid5(_NAMESPACE, 'info/' + guid)}>"),
        ("WARC-Date", _warc_date(now)),
        ("WARC-Filename", f"{guid}.warc.gz"),
        ("Content-Type", "application/warc-fields"),
    ]
    return _member(_record(headers, fields))


def download_body(guid: str, url: str, title: str, captured_at: float, now: float) -> bytes:
    """The full download: ``warcinfo`` member then the stored ``response`` member."""
    return warcinfo_member(guid, now) + response_member(guid, url, title, captured_at)
