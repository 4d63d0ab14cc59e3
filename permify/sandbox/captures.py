"""What a sandbox capture holds, chosen by patterns in the archived URL (docs/sandbox-captures.md).

The first kind whose token occurs in the URL (case-insensitive) decides the page in the WARC,
its HTTP status and content type, the screenshot's status, and how the download behaves.
Every other URL gets an ordinary article page with status 200.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from permify.sandbox import pages
from permify.sandbox.urlcheck import ascii_url
from permify.sandbox.warc import stored_warc, warcinfo_member

#: Size of the incompressible filler in a ``warc-huge`` page (more than the review reads).
HUGE_BYTES = 6 * 1024 * 1024
_HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class CaptureKind:
    """One kind of capture.

    ``download``: ``ok``; ``truncated`` (cut inside the page's record); ``not-gzip`` (an HTML
    error page instead of a WARC); ``empty`` (no bytes); ``missing`` (404 although the capture
    succeeded). ``screenshot``: the screenshot capture's status, or None for no screenshot.
    """

    token: str
    status: int = 200
    content_type: str = _HTML
    template: str = pages.ARTICLE
    screenshot: str | None = "success"
    download: str = "ok"


KINDS: tuple[CaptureKind, ...] = (
    CaptureKind("cloudflare-wall", 403, template=pages.CLOUDFLARE),
    CaptureKind("gains-upload", 403, template=pages.CLOUDFLARE),
    CaptureKind("akamai-wall", 403, template=pages.AKAMAI),
    CaptureKind("perimeterx-wall", 403, template=pages.PERIMETERX),
    CaptureKind("datadome-wall", 403, template=pages.DATADOME),
    CaptureKind("login-wall", template=pages.LOGIN),
    CaptureKind("paywall-page", template=pages.PAYWALL),
    CaptureKind("soft-404", template=pages.NOT_FOUND),
    CaptureKind("hard-404", 404, template=pages.NOT_FOUND),
    CaptureKind("server-error", 503, template=pages.SERVER_ERROR),
    CaptureKind("cookie-wall", template=pages.COOKIE_WALL),
    CaptureKind("near-empty", template=pages.NEAR_EMPTY),
    CaptureKind("pdf-document", content_type="application/pdf", template="", screenshot=None),
    CaptureKind("screenshot-fails", screenshot="failed"),
    CaptureKind("warc-truncated", download="truncated"),
    CaptureKind("warc-not-gzip", download="not-gzip"),
    CaptureKind("warc-empty", download="empty"),
    CaptureKind("warc-missing", download="missing"),
    CaptureKind("warc-huge"),
)
ORDINARY = CaptureKind("")


def kind_of(url: str) -> CaptureKind:
    """The capture kind for an archived URL."""
    lowered = url.lower()
    return next((k for k in KINDS if k.token in lowered), ORDINARY)


def page_body(kind: CaptureKind, url: str, title: str) -> bytes:
    """The HTTP body the origin served for ``url``."""
    if kind.content_type == "application/pdf":
        return pages.PDF
    if kind.token == "warc-huge":
        return pages.huge_article(url, title, HUGE_BYTES)
    return pages.fill(kind.template, url, title)


def page_title(url: str) -> str:
    """The ordinary page's title: its host and last path segment, readable."""
    parts = urlsplit(url)
    last = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1]).replace("-", " ").replace("_", " ").strip()
    host = parts.hostname or "example.com"
    return f"{last.capitalize()} | {host}" if last else host


def stored(guid: str, url: str, captured_at: float) -> bytes:
    """The stored WARC of the archive of ``url`` (its compressed size is ``warc_size``)."""
    kind = kind_of(url)
    # WARC and HTTP header lines are ASCII: the record carries the URL as Perma sends it.
    return stored_warc(guid, ascii_url(url), captured_at, kind.status, kind.content_type,
                       page_body(kind, url, page_title(url)))


def download(guid: str, url: str, captured_at: float, now: float) -> bytes | None:
    """The bytes of a download (``warcinfo`` then the stored WARC), damaged as the kind says;
    None when the download must answer 404."""
    kind = kind_of(url)
    if kind.download == "missing":
        return None
    if kind.download == "empty":
        return b""
    if kind.download == "not-gzip":
        return b"<html><head><title>Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>\n"
    body = warcinfo_member(guid, now) + stored(guid, url, captured_at)
    if kind.download == "truncated":
        # Cut inside the response record: the reader meets the end of the data mid-member.
        return body[: len(body) - len(stored(guid, url, captured_at)) // 3]
    return body
