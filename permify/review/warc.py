"""Find the primary page in a capture's WARC and read its HTTP status, type and body (capped).

Perma's download is a fresh ``warcinfo`` record followed by the stored WARC, each a gzip
member. The page is the ``response`` record whose target is the archived URL; when that
response is a redirect, the record for its ``Location`` is followed (a few hops at most).
Bodies are read through warcio, which undoes chunked transfer and content encodings, and only
up to ``body_cap`` bytes: a huge page cannot exhaust memory, and 5 MB is plenty to judge it.

The WARC is read as a stream and only as far as the page: the page comes first in a capture,
and the rest (its images, scripts, the screenshot: often megabytes) is never downloaded. So
damage after the page goes unseen; damage before it, or in it, is reported.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO, cast
from urllib.parse import urljoin, urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator

from ..errors import PermifyError
from .errors import ReviewError

#: Bytes of the page body read at most.
BODY_CAP = 5 * 1024 * 1024
_MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_HTML_TYPES = ("text/html", "application/xhtml+xml")


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


class _Responses:
    """The response records of a WARC stream, each read as it comes; ``damage`` names what
    broke the reading (an exception name), once it stopped early."""

    def __init__(self, stream: BinaryIO, body_cap: int) -> None:
        self.damage: str | None = None
        self._stream = stream
        self._body_cap = body_cap

    def __iter__(self) -> Iterator[PrimaryResponse]:
        body_cap = self._body_cap
        try:
            for record in ArchiveIterator(self._stream, ensure_http_headers=False):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                headers = record.http_headers
                raw_type = headers.get_header("Content-Type") or ""
                body = record.content_stream().read(body_cap + 1)
                # warcio hands back a short block when the data ends early; its length reader then
                # still expects bytes. (Not when our own cap stopped the read.)
                short = len(body) <= body_cap and getattr(record.raw_stream, "limit", 0) > 0
                yield PrimaryResponse(
                    url=record.rec_headers.get_header("WARC-Target-URI") or "",
                    status=_status(headers.get_statuscode()),
                    content_type=raw_type.split(";")[0].strip().lower(),
                    raw_content_type=raw_type,
                    body=body[:body_cap],
                    truncated=len(body) > body_cap,
                    location=headers.get_header("Location"),
                    damaged="the record ends early" if short else None,
                )
        except PermifyError:
            raise  # the download's own trouble (too slow, the connection broke): not damage
        # warcio reports damaged input with many exception types (ArchiveLoadFailed, EOFError,
        # zlib and brotli errors, ValueError on bad lengths): any of them means "damaged here".
        except Exception as error:
            self.damage = type(error).__name__


class _Peeked:
    """A stream whose first bytes were read to check its kind, handed on whole (warcio only
    calls ``read``)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if size is None or size < 0:
            data, self._head = self._head + self._rest.read(), b""
        else:
            data, self._head = self._head[:size], self._head[size:]
        return data


def _checked(warc: bytes | BinaryIO, guid: str | None) -> BinaryIO:
    """``warc`` as a stream, once its first bytes say it can be a WARC (gzip or plain)."""
    stream: BinaryIO
    if isinstance(warc, (bytes, bytearray)):
        head, stream = bytes(warc[:5]), io.BytesIO(warc)
    else:
        head = warc.read(5)
        while len(head) < 5 and (more := warc.read(5 - len(head))):
            head += more
        stream = cast(BinaryIO, _Peeked(head, warc))
    if not head:
        raise ReviewError("the WARC is empty", guid=guid)
    if head[:2] != b"\x1f\x8b" and not head.startswith(b"WARC/"):
        raise ReviewError("the WARC is not gzip (damaged or not a WARC)", guid=guid)
    return stream


def read_primary(warc: bytes | BinaryIO, url: str, *, body_cap: int = BODY_CAP,
                 guid: str | None = None) -> PrimaryResponse:
    """The primary page's response in ``warc`` (the bytes of a download, possibly cut short, or
    a stream of them, read only as far as the page and the records its redirects lead to).

    Raises :class:`ReviewError` when the WARC is empty, not gzip (nor a plain WARC), or holds no
    readable response record. A WARC cut short after the page was read is fine: the page is
    returned. Errors the stream itself raises (:class:`~permify.errors.PermifyError`) pass through.
    """
    responses = _Responses(_checked(warc, guid), body_cap)
    by_url: dict[str, PrimaryResponse] = {}
    first: PrimaryResponse | None = None
    first_html: PrimaryResponse | None = None
    page: PrimaryResponse | None = None  # the furthest record of the URL's redirect chain read so far
    target = _key(url) if url else None
    hops = 0
    for response in responses:
        by_url.setdefault(_key(response.url), response)
        first = first or response
        if first_html is None and response.content_type in _HTML_TYPES:
            first_html = response
        # Follow the page and its redirects as far as the records read so far go; once the
        # chain ends on a record that is not a redirect (or runs out of hops), that is the page.
        while target is not None and target in by_url:
            page = by_url[target]
            if hops >= _MAX_REDIRECTS or page.status not in _REDIRECT_STATUSES or not page.location:
                return page
            target = _key(urljoin(page.url, page.location))
            hops += 1
    damage = responses.damage
    if page is not None:
        # The chain ends on a redirect whose target was never captured: that redirect is the page.
        return replace(page, damaged=page.damaged or damage)
    if first is None:
        if damage:
            raise ReviewError(f"the WARC is damaged or truncated ({damage}) before the page", guid=guid)
        raise ReviewError("the WARC holds no response record", guid=guid)
    # The archived URL's own record is missing (renamed by a redirect upstream): take the first
    # HTML response, else the first response.
    chosen = first_html or first
    return replace(chosen, damaged=chosen.damaged or damage)
