"""Transport for the Perma.cc API: authentication, timeouts, retries, and error mapping.

:class:`PermaSession` owns everything about *how* requests travel; :class:`~permify.perma.client.PermaClient`
owns *what* the API means. One retry policy lives here, in :meth:`PermaSession.request`, written
by hand (like the ``wayback`` client) so that its rules are visible:

* Idempotent requests (GET, HEAD, PUT, PATCH, DELETE) are retried on 429, 5xx and connection
  errors, with exponential backoff and full jitter, honouring ``Retry-After``.
* A POST is retried only when it certainly did not reach the application: a 429 (refused
  before any work) or a failure to connect. Anything else after sending (a read timeout, a
  dropped connection, a 5xx) raises :class:`~permify.errors.UnknownOutcomeError`: the archive
  may exist, and only the archiver, by reconciling, may decide to send again.
* The key travels only in ``Authorization: ApiKey <key>``; never in a query string, never to
  a plain-http host other than loopback, never to the public endpoints (a bad key makes them fail).
"""

from __future__ import annotations

import email.utils
import ipaddress
import random
import time
from collections.abc import Callable, Mapping
from datetime import timezone
from typing import Any
from urllib.parse import urlsplit

import requests

from .._version import __version__
from ..errors import (
    AuthenticationError,
    NetworkError,
    NotFoundError,
    PermaError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    UnknownOutcomeError,
    UnsafeTransportError,
    ValidationError,
)
from .models import collect_strings

__all__ = ["DEFAULT_BASE_URL", "PermaSession", "RetryPolicy", "error_from_response", "is_quota_message"]

DEFAULT_BASE_URL = "https://api.perma.cc/v1"
USER_AGENT = f"permify/{__version__} (+https://perma.cc; citation archiving)"

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Substrings of Perma's "can't create this link" messages that are about the account, not the URL.
_QUOTA_MARKERS = ("usage limit", "needs attention", "set this folder to read-only", "Usage Plan")


def is_quota_message(text: str) -> bool:
    """True for Perma's "can't create this link" messages about the account's quota or standing."""
    return any(marker in text for marker in _QUOTA_MARKERS)


class RetryPolicy:
    """How often and how long to retry. Subclass and override to change the rules.

    Parameters: ``max_retries`` (retries after the first attempt), ``backoff`` (seconds before
    the second retry; the first retry waits ``backoff`` too), ``max_delay`` (cap on one wait,
    also applied to ``Retry-After``), ``random`` (jitter source, injectable for tests).
    """

    def __init__(
        self,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_delay: float = 60.0,
        random: Callable[[], float] = random.random,
    ) -> None:
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self.random = random

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        base = min(self.backoff * (2 ** (attempt - 1)), self.max_delay)
        # Full jitter between half and all of the exponential delay: spreads a crowd of
        # clients (a `make -j` of pandoc builds) without ever retrying instantly.
        return base * (0.5 + 0.5 * self.random())


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # Python 3.10+ raises on garbage; fall back to the backoff
        return None
    if parsed.tzinfo is None:  # "-0000" gives a naive datetime; HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=timezone.utc)
    return max(0.0, parsed.timestamp() - time.time())


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _never_connected(error: requests.RequestException) -> bool:
    """True when the request certainly never reached the server (safe to send again)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    text = repr(error)
    return isinstance(error, requests.ConnectionError) and (
        "NewConnectionError" in text or "Connection refused" in text or "NameResolutionError" in text
    )


class PermaSession:
    """An authenticated HTTP session to one Perma.cc API base URL.

    Parameters:
        api_key: the Perma API key, or None for the public endpoints only.
        base_url: e.g. ``https://api.perma.cc/v1`` or a sandbox's ``http://127.0.0.1:PORT/v1``.
        connect_timeout: seconds to establish a connection (short: a dead host fails fast).
        read_timeout: seconds to wait for an answer (long: a batch POST validates every URL
            synchronously, up to about a minute each).
        retry: the :class:`RetryPolicy`.
        sleep: how to wait between retries (injected in tests).
        http: an existing ``requests.Session`` to use.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 300.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UnsafeTransportError(f"not an API base URL: {base_url!r} (expected https://host/v1)")
        self._key = (api_key or "").strip() or None
        self._plain_http_remote = parts.scheme == "http" and not _is_loopback(parts.hostname)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.http = http or requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self.http.headers["Accept"] = "application/json"
        #: how many HTTP requests this session sent (retries included)
        self.request_count = 0

    @property
    def has_key(self) -> bool:
        """True when an API key was given."""
        return self._key is not None

    def __repr__(self) -> str:  # never show the key
        return f"PermaSession({self.base_url!r}, key={'set' if self._key else 'none'})"

    def close(self) -> None:
        """Close the underlying connection pool."""
        self.http.close()

    def __enter__(self) -> PermaSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as ``/archives/ABCD-2345``."""
        return self.base_url + "/" + path.lstrip("/")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        auth: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        """Send one API request with the retry policy; return a 2xx/3xx response or raise.

        ``auth=False`` sends no key (public endpoints). Raises a :class:`~permify.errors.PermaError`
        subclass for every error; no ``requests`` exception escapes.
        """
        method = method.upper()
        headers: dict[str, str] = {}
        if auth:
            if self._key is None:
                raise AuthenticationError(
                    "no Perma API key: set PERMA_API_KEY (or api_key in the config file), "
                    "or use --sandbox to try permify locally",
                    method=method,
                    path=path,
                )
            if self._plain_http_remote:
                raise UnsafeTransportError(
                    f"refusing to send the API key over plain http to {self.base_url}; use https",
                    method=method,
                    path=path,
                )
            headers["Authorization"] = f"ApiKey {self._key}"
        if json is not None:
            # Perma's batch endpoint compares the whole header: no charset suffix allowed.
            headers["Content-Type"] = "application/json"
        url = self.url(path)
        attempt = 0
        while True:
            attempt += 1
            self.request_count += 1
            try:
                response = self.http.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=headers,
                    timeout=(self.connect_timeout, self.read_timeout),
                    stream=stream,
                    allow_redirects=True,
                )
            except requests.RequestException as error:
                safe = method in _IDEMPOTENT or _never_connected(error)
                if not safe:
                    raise UnknownOutcomeError(
                        f"{method} {path}: the connection failed after the request was sent "
                        f"({type(error).__name__}); it may have taken effect",
                        method=method,
                        path=path,
                        cause=error,
                    ) from None
                if attempt > self.retry.max_retries:
                    raise NetworkError(
                        f"cannot reach the Perma API at {self.base_url} ({type(error).__name__}); "
                        "check the network or PERMA_API_URL and try again",
                        method=method,
                        path=path,
                    ) from None
                self.sleep(self.retry.delay(attempt, None))
                continue
            status = response.status_code
            if status < 400:
                return response
            retryable = status in _RETRY_STATUSES and (method in _IDEMPOTENT or status == 429)
            if retryable and attempt <= self.retry.max_retries:
                wait = self.retry.delay(attempt, _retry_after(response))
                response.close()
                self.sleep(wait)
                continue
            if method not in _IDEMPOTENT and status >= 500:
                raise UnknownOutcomeError(
                    f"{method} {path}: the server answered {status} after the request was sent; "
                    "it may have taken effect",
                    status=status,
                    method=method,
                    path=path,
                )
            raise error_from_response(response, method, path)


def error_from_response(response: requests.Response, method: str, path: str) -> PermaError:
    """Map an error response to the matching :class:`~permify.errors.PermaError` subclass."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text.strip()
    messages = collect_strings(body) if not isinstance(body, str) else ([body] if body else [])
    detail = "; ".join(messages) or f"HTTP {status}"
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
            retry_after=_retry_after(response),
            **kw,
        )
    if status >= 500:
        return ServerError(
            f"{method} {path}: Perma answered HTTP {status}; the service may be down, try again later",
            **kw,
        )
    if status == 400:
        fields: dict[str, list[str]] = {}
        if isinstance(body, dict):
            for key, value in body.items():
                fields[str(key)] = collect_strings(value)
        elif isinstance(body, list):
            fields["error"] = collect_strings(body)
        if is_quota_message(detail):
            return QuotaExceededError(detail, fields=fields, **kw)
        return ValidationError(f"{method} {path}: {detail}", fields=fields, **kw)
    return PermaError(f"{method} {path}: HTTP {status} ({detail})", **kw)
