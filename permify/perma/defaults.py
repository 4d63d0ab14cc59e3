"""Defaults and checks of the Perma API transport, in a module that loads no HTTP library
(settings and a warm run read them without loading ``requests``)."""

from __future__ import annotations

from ..errors import UnsafeTransportError
from ..text import safe_text

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_TIMEOUT", "TIMEOUT_OPTION", "check_base_url"]

#: The Perma.cc API base URL used unless ``--api-url``, ``PERMA_API_URL`` or the config file says otherwise.
DEFAULT_BASE_URL = "https://api.perma.cc/v1"
#: Seconds one attempt of a request may take, all included (the ``--timeout`` option).
DEFAULT_TIMEOUT = 120.0
#: The name of the option that sets the timeout, given in timeout messages.
TIMEOUT_OPTION = "--timeout"


def check_base_url(base_url: str) -> str:
    """``base_url`` without a trailing slash; raises :class:`~permify.errors.UnsafeTransportError`
    when it is not an ``http(s)://host/...`` URL."""
    from urllib.parse import urlsplit  # here: `permify --help` reads this module and never needs it

    base = base_url.rstrip("/")
    try:
        parts = urlsplit(base)
        host = parts.hostname
        parts.port  # noqa: B018 - raises for a port that is not a number
    except ValueError:  # a bracketed host that is not an IPv6 address, a port that is not a number
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise UnsafeTransportError(f"not an API base URL: {safe_text(repr(base_url), 120)} (expected https://host/v1)")
    return base
