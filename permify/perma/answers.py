"""Error answers from the Perma API, turned into one-line :class:`~permify.errors.PermaError` s.

A server may answer an error with Perma's JSON (``{"detail": ...}``, field lists), a plain
text line, a whole HTML page from a proxy, or something hostile: a page that echoes the
request's ``Authorization`` header, escape sequences, megabytes of text. :func:`summarize_body`
reduces any of these to at most a few short, printable messages: the JSON strings, the HTML
``<title>`` (or the page's first sentence), or the first sentence of the text. The API key is
redacted from every message, and nothing is echoed whole.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import (
    AuthenticationError,
    NotFoundError,
    PermaError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from ..text import redact, safe_text

__all__ = ["MESSAGE_LIMIT", "error_for_status", "is_quota_message", "summarize_body"]

#: Characters kept of one server message.
MESSAGE_LIMIT = 300
_MAX_MESSAGES = 10
# Substrings of Perma's "can't create this link" messages that are about the account, not the URL.
_QUOTA_MARKERS = ("usage limit", "needs attention", "set this folder to read-only", "Usage Plan")
_TITLE = re.compile(r"<title[^>]{0,200}>(.{0,2000}?)</title", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^<>]{0,2000}>")
_HTML_WINDOW = 20_000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def is_quota_message(text: str) -> bool:
    """True for Perma's "can't create this link" messages about the account's quota or standing."""
    return any(marker in text for marker in _QUOTA_MARKERS)


def _drop_hidden(text: str) -> str:
    """``text`` without <script>, <style> and <head> elements (linear: plain searches)."""
    lower = text.lower()
    for tag in ("script", "style", "head"):
        pieces: list[str] = []
        pos = 0
        while (start := lower.find("<" + tag, pos)) >= 0:
            end = lower.find("</" + tag, start)
            pieces.append(text[pos:start])
            pos = len(text) if end < 0 else end + len(tag) + 2
        pieces.append(text[pos:])
        text = " ".join(pieces)
        lower = text.lower()
    return text


def _first_sentence(text: str) -> str:
    text = text.strip()
    line = text.splitlines()[0] if text else ""
    match = _SENTENCE_END.search(line)
    return line[: match.start()] if match else line


def _clean(text: str, secrets: tuple[str | None, ...]) -> str:
    # Redact before and after cleaning: a key split by an escape sequence is joined by the cleaning.
    return redact(safe_text(redact(text, secrets), MESSAGE_LIMIT), secrets)


def summarize_body(
    body: bytes, content_type: str | None, secrets: tuple[str | None, ...] = ()
) -> tuple[Any, list[str]]:
    """``(decoded JSON or None, messages)`` for an error body: short, printable, key redacted."""
    # Loaded with the first error body: the archiving loop imports this module for
    # is_quota_message, and a warm run never reads an answer at all.
    import html

    from .json_values import collect_strings

    text = body.decode("utf-8", "replace")
    data: Any = None
    ctype = (content_type or "").lower()
    if "json" in ctype or text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
    if data is not None and not isinstance(data, str):
        raw = collect_strings(data)[:_MAX_MESSAGES]
    elif isinstance(data, str):
        raw = [data]
    elif "html" in ctype or text.lstrip()[:15].lower().startswith("<!doctype html"):
        title = _TITLE.search(text[:_HTML_WINDOW])
        if title and title.group(1).strip():
            raw = [html.unescape(title.group(1))]
        else:
            stripped = html.unescape(_TAG.sub(" ", _drop_hidden(text[:_HTML_WINDOW])))
            raw = [_first_sentence(" ".join(stripped.split()))]
    else:
        raw = [_first_sentence(text[:20_000])]
    messages = [_clean(m, secrets) for m in raw]
    return data, [m for m in messages if m]


def error_for_status(
    status: int,
    body: bytes,
    content_type: str | None,
    method: str,
    path: str,
    *,
    retry_after: float | None = None,
    secrets: tuple[str | None, ...] = (),
) -> PermaError:
    """Map an error answer to the matching :class:`~permify.errors.PermaError` subclass,
    with a one-line message built from :func:`summarize_body`."""
    data, messages = summarize_body(body, content_type, secrets)
    detail = "; ".join(messages) or f"HTTP {status}"
    if len(detail) > MESSAGE_LIMIT:
        detail = safe_text(detail, MESSAGE_LIMIT)
    kw: dict[str, Any] = {"status": status, "method": method, "path": path, "messages": messages}
    if status == 401:
        return AuthenticationError(
            f"Perma rejected the API key ({detail}); set PERMA_API_KEY to the key on your "
            "Perma.cc settings page",
            **kw,
        )
    if status == 403:
        return PermissionDeniedError(
            f"{method} {path}: permission denied ({detail}); check that the folder or archive "
            "belongs to this account",
            **kw,
        )
    if status == 404:
        return NotFoundError(f"{method} {path}: not found ({detail})", **kw)
    if status == 429:
        return RateLimitedError(
            f"{method} {path}: Perma is rate limiting requests; wait a while and run again",
            retry_after=retry_after,
            **kw,
        )
    if status >= 500:
        return ServerError(
            f"{method} {path}: Perma answered HTTP {status}; the service may be down, try again later",
            **kw,
        )
    if status == 400:
        fields: dict[str, list[str]] = {}
        if isinstance(data, dict):
            from .json_values import collect_strings

            for key, value in list(data.items())[:_MAX_MESSAGES]:
                fields[safe_text(str(key), 60)] = [
                    _clean(m, secrets) for m in collect_strings(value)[:_MAX_MESSAGES]
                ]
        elif isinstance(data, list):
            fields["error"] = list(messages)
        if is_quota_message(detail):
            return QuotaExceededError(detail, fields=fields, **kw)
        return ValidationError(f"{method} {path}: {detail}", fields=fields, **kw)
    return PermaError(f"{method} {path}: HTTP {status} ({detail})", **kw)
