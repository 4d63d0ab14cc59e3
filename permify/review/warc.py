"""Find the primary page in a capture's WARC and read its HTTP status, type and body (capped).

Perma's download is a fresh ``warcinfo`` record followed by the stored WARC, each a gzip
member. The page is the ``response`` record whose target is the archived URL; when that
response is a redirect, the record for its ``Location`` is followed (a few hops at most).
Bodies are read through warcio, which undoes chunked transfer and content encodings, and only
up to ``body_cap`` bytes: a huge page cannot exhaust memory, and 5 MB is plenty to judge it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator

from .errors import ReviewError

#: Bytes of the page body read at most.
BODY_CAP = 5 * 1024 * 1024
_MAX_REDIRECTS = 5


@dataclass(frozen=True)
class PrimaryResponse:
    """The origin's answer as captured: ``status``, MIME ``content_type``, ``body`` (capped)."""

    url: str
    status: int | None
    content_type: str
    raw_content_type: str
    body: bytes
    truncated: bool
    location: str | None = None
    #: the damage met further on in the WARC (an exception name), or None when it read cleanly
    damaged: str | None = None


def _key(url: str) -> str:
    """Compare URLs loosely: scheme and host case, default path ``/``, no fragment."""
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _status(code: str | None) -> int | None:
    try:
        return int((code or "").split()[0])
    except (ValueError, IndexError):
        return None


def _responses(warc: bytes, body_cap: int) -> tuple[list[PrimaryResponse], str | None]:
    """Every response record readable in ``warc``, in order, and the damage met (or None)."""
    found: list[PrimaryResponse] = []
    try:
        for record in ArchiveIterator(io.BytesIO(warc), ensure_http_headers=False):
            if record.rec_type != "response" or record.http_headers is None:
                continue
            headers = record.http_headers
            raw_type = headers.get_header("Content-Type") or ""
            body = record.content_stream().read(body_cap + 1)
            # warcio hands back a short block when the data ends early; its length reader then
            # still expects bytes. (Not when our own cap stopped the read.)
            short = len(body) <= body_cap and getattr(record.raw_stream, "limit", 0) > 0
            found.append(PrimaryResponse(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                status=_status(headers.get_statuscode()),
                content_type=raw_type.split(";")[0].strip().lower(),
                raw_content_type=raw_type,
                body=body[:body_cap],
                truncated=len(body) > body_cap,
                location=headers.get_header("Location"),
                damaged="the record ends early" if short else None,
            ))
    # warcio reports damaged input with many exception types (ArchiveLoadFailed, EOFError,
    # zlib and brotli errors, ValueError on bad lengths): any of them means "damaged here".
    except Exception as error:
        return found, type(error).__name__
    return found, None


def read_primary(warc: bytes, url: str, *, body_cap: int = BODY_CAP, guid: str | None = None) -> PrimaryResponse:
    """The primary page's response in ``warc`` (the bytes of a download, possibly cut short).

    Raises :class:`ReviewError` when the WARC is empty, not gzip (nor a plain WARC), or holds no readable
    response record. A WARC cut short after the page was read is fine: the page is returned.
    """
    if not warc:
        raise ReviewError("the WARC is empty", guid=guid)
    if warc[:2] != b"\x1f\x8b" and not warc.startswith(b"WARC/"):
        raise ReviewError("the WARC is not gzip (damaged or not a WARC)", guid=guid)
    responses, damage = _responses(warc, body_cap)
    if not responses:
        if damage:
            raise ReviewError(f"the WARC is damaged or truncated ({damage}) before the page", guid=guid)
        raise ReviewError("the WARC holds no response record", guid=guid)
    by_url: dict[str, PrimaryResponse] = {}
    for response in responses:
        by_url.setdefault(_key(response.url), response)
    current = by_url.get(_key(url)) if url else None
    if current is None:
        # The archived URL's own record is missing (renamed by a redirect upstream): take the
        # first HTML response, else the first response.
        html = [r for r in responses if r.content_type in ("text/html", "application/xhtml+xml")]
        first = (html or responses)[0]
        return replace(first, damaged=first.damaged or damage)
    for _ in range(_MAX_REDIRECTS):
        if current.status not in (301, 302, 303, 307, 308) or not current.location:
            break
        target = by_url.get(_key(urljoin(current.url, current.location)))
        if target is None:
            break
        current = target
    return replace(current, damaged=current.damaged or damage)
