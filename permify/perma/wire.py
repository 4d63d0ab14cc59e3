"""One HTTP exchange through a ``requests`` transport adapter, without the session's per-request merging.

``requests.Session.request`` rebuilds everything for every request: it merges the session's
headers, params, hooks and cookies with the request's, reads the environment, prepares the
URL by parsing and re-quoting it, and extracts cookies from every answer twice. For an API
client that sends thousands of small requests with the same settings, that bookkeeping costs
more CPU than the exchange itself (with requests 2.34 on Python 3.11, half of it).
:class:`PermaSession <permify.perma.session.PermaSession>` needs none of it: the key travels in
one header, cookies play no part in Perma's API, the environment is read once when the
session is made, and its URLs are built from a base URL prepared once and path segments it
checked. So it prepares requests here and hands them to the session's mounted adapter (the
:class:`~permify.perma.deadline.DeadlineAdapter`), which does the exchange exactly as
``requests`` would: same connection pools, proxies, TLS settings, response objects and
exceptions.

A URL that is not plain (an IDN or IPv6 host, characters to quote, a query already in it: a
redirect's ``Location`` or an odd path from a caller of the public API, say) takes
``requests``' own preparation, which quotes and IDNA-encodes it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

__all__ = ["prepare", "prepared_base_url", "send"]

# A URL as requests would send it unchanged: an ASCII host in lower case, and a path built from
# API routes, folder ids and GUIDs (nothing to quote, no query yet).
_PLAIN_URL = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9/._~-]*)?").fullmatch
_NO_BODY_METHODS = frozenset({"GET", "HEAD"})


def prepared_base_url(base_url: str) -> str:
    """``base_url`` as ``requests`` would send it (host IDNA-encoded, path quoted), no trailing slash."""
    prepared = requests.PreparedRequest()
    prepared.prepare_url(base_url, None)
    assert prepared.url is not None
    return prepared.url.rstrip("/")


def prepare(
    http: requests.Session,
    method: str,
    url: str,
    params: Mapping[str, Any] | None,
    body_json: Any,
    headers: Mapping[str, str],
) -> requests.PreparedRequest:
    """A prepared request to ``url`` with the session's headers and ``headers`` (None values dropped).

    ``params`` become the query string, encoded as ``requests`` does; ``body_json`` is sent as
    UTF-8 JSON, encoded as ``requests`` encodes it (NaN refused).
    """
    prepared = requests.PreparedRequest()
    prepared.method = method
    if _PLAIN_URL(url):
        # requests' own encoder (lists repeat the key, None values are left out).
        query = prepared._encode_params(params) if params else ""  # type: ignore[attr-defined]
        prepared.url = f"{url}?{query}" if query else url
    else:
        prepared.prepare_url(url, params)
    merged: CaseInsensitiveDict[Any] = CaseInsensitiveDict(http.headers)  # values may be bytes
    merged.update(headers)
    for name in [name for name, value in merged.items() if value is None]:
        del merged[name]
    if body_json is not None:
        body = json.dumps(body_json, allow_nan=False).encode("utf-8")
        prepared.body = body
        merged["Content-Length"] = str(len(body))
    elif method not in _NO_BODY_METHODS:
        merged["Content-Length"] = "0"  # as requests sends a bodiless POST or DELETE
    prepared.headers = merged
    return prepared


def send(
    http: requests.Session, prepared: requests.PreparedRequest, timeout: tuple[float, float]
) -> requests.Response:
    """Send ``prepared`` through the adapter ``http`` mounts for its URL; the body is left unread.

    Proxies and TLS verification are the session's own (``trust_env`` is off: the environment
    was read into them once). Raises what the adapter raises (``requests`` exceptions).
    """
    assert prepared.url is not None
    adapter = http.get_adapter(prepared.url)
    return adapter.send(
        prepared,
        stream=True,
        timeout=timeout,
        verify=True if http.verify is None else http.verify,
        cert=http.cert,
        proxies=http.proxies,
    )
