"""Helpers for talking to the sandbox over real loopback HTTP (http.client, not permify's client)."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from permify.sandbox import DEMO_API_KEY

_UNSET: Any = object()


class FakeClock:
    """A settable clock for the sandbox: capture progress follows it, not wall time."""

    def __init__(self, start: float = 1_750_000_000.25) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        with self._lock:
            self._now += seconds


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8")


class Api:
    """A tiny HTTP client for the sandbox; paths are relative to ``/v1`` unless they start with it."""

    def __init__(self, base_url: str, key: str | None = DEMO_API_KEY) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.key = key

    def request(self, method: str, path: str, body: Any = None, *, key: Any = _UNSET,
                headers: dict[str, str] | None = None, raw: bytes | None = None,
                content_type: str = "application/json") -> Reply:
        """Send one request on a fresh connection and read the whole answer."""
        if not path.startswith("/v1") and path != "/":
            path = "/v1" + path
        key = self.key if key is _UNSET else key
        sent_headers = dict(headers or {})
        if key is not None:
            sent_headers.setdefault("Authorization", f"ApiKey {key}")
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
        if data is not None:
            sent_headers.setdefault("Content-Type", content_type)
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request(method, path, body=data, headers=sent_headers)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        """GET."""
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """POST a JSON body."""
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """PATCH a JSON body."""
        return self.request("PATCH", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """PUT (a JSON body, if any)."""
        return self.request("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        """DELETE."""
        return self.request("DELETE", path, **kw)
