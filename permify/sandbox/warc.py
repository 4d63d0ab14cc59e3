"""Gzipped WARCs for sandbox archives, written with warcio's :class:`WARCWriter`.

Perma streams a fresh ``warcinfo`` record followed by the stored WARC, each a gzip member
(docs/perma-api.md#warc-download). The stored part here is the primary page's ``request`` and
``response`` records; its compressed size is the archive's ``warc_size``. Record ids and dates
are derived from the GUID and the capture time, so the bytes are the same from run to run.
"""

from __future__ import annotations

import functools
import io
import uuid
from datetime import datetime, timezone
from http.client import responses

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_NAMESPACE = uuid.UUID("6f0d5c3e-8d1b-4a55-9c8e-0e7d1f5b2a10")


def _warc_date(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _headers(kind: str, guid: str, t: float, **extra: str) -> dict[str, str]:
    return {
        "WARC-Type": kind,
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NAMESPACE, kind + '/' + guid)}>",
        "WARC-Date": _warc_date(t),
        **extra,
    }


@functools.lru_cache(maxsize=512)
def stored_warc(guid: str, url: str, captured_at: float, status: int, content_type: str, body: bytes) -> bytes:
    """The stored WARC of one archive: the primary ``request`` and ``response`` records, gzipped."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    request = StatusAndHeaders(f"GET {url} HTTP/1.1", [("User-Agent", "permify-sandbox"), ("Accept", "*/*")],
                               is_http_request=True)
    writer.write_record(writer.create_warc_record(
        url, "request", payload=io.BytesIO(b""), length=0, http_headers=request,
        warc_headers_dict=_headers("request", guid, captured_at)))
    reason = responses.get(status, "Unknown")
    http = StatusAndHeaders(f"{status} {reason}", [("Content-Type", content_type),
                                                   ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
        warc_headers_dict=_headers("response", guid, captured_at)))
    return out.getvalue()


def warcinfo_member(guid: str, now: float) -> bytes:
    """A freshly generated ``warcinfo`` gzip member, as Perma prepends on every download."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    fields = f"software: permify-sandbox\r\nformat: WARC File Format 1.0\r\nisPartOf: {guid}\r\n".encode()
    writer.write_record(writer.create_warc_record(
        "", "warcinfo", payload=io.BytesIO(fields), length=len(fields),
        warc_content_type="application/warc-fields",
        warc_headers_dict=_headers("warcinfo", guid, now, **{"WARC-Filename": f"{guid}.warc.gz"})))
    return out.getvalue()
