"""The page's safety rules, in one place (docs/web.md#safety).

- The server binds the loopback address only (:func:`check_bind_host`).
- Each server has a random token (:func:`new_token`). The browser is opened at
  ``/?token=...``; that first request sets a strict, HttpOnly cookie and redirects to ``/``
  so the token leaves the address bar. Every later request must carry the token: as that
  cookie (page loads, downloads) or as the ``X-Permify-Token`` header (the page's script).
- Every state-changing request is a POST that must carry the header itself: a cookie alone
  is not enough, and another web site can neither read the token nor set the header, so no
  cross-site request can change anything.
- The ``Host`` header must name the loopback address and this port, which defeats DNS
  rebinding (another site's name pointed at 127.0.0.1).
"""

from __future__ import annotations

import hmac
import secrets

__all__ = [
    "LOOPBACK",
    "TOKEN_HEADER",
    "check_bind_host",
    "cookie_name",
    "host_allowed",
    "new_token",
    "same_token",
]

#: The only address the page binds.
LOOPBACK = "127.0.0.1"
#: The header the page's script sends the token in.
TOKEN_HEADER = "X-Permify-Token"


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def same_token(given: str | None, token: str) -> bool:
    """True when ``given`` is the token (compared in constant time)."""
    return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


def cookie_name(port: int) -> str:
    """The token cookie's name; cookies are not kept apart by port, so the port is in the name."""
    return f"permify_token_{port}"


def check_bind_host(host: str) -> str:
    """``host`` when it is the loopback address; ValueError otherwise (the page is never served
    on a network interface: it holds an API key and the manuscripts)."""
    if host != LOOPBACK:
        raise ValueError(f"permify serve binds {LOOPBACK} only (got {host!r})")
    return host


def host_allowed(host_header: str | None, port: int) -> bool:
    """True when the request's ``Host`` is ``127.0.0.1:PORT`` or ``localhost:PORT``."""
    if not host_header:
        return False
    return host_header.lower() in (f"{LOOPBACK}:{port}", f"localhost:{port}")
