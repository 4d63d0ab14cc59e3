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
  a plain-http host other than loopback, never to the public endpoints (a bad key makes them fail),
  never across a redirect to another origin.

Time is bounded: every attempt has a hard deadline (``timeout``; a POST, which Perma answers
only after validating every URL, gets ``post_timeout``) covering the connection, every read
and the whole body (:mod:`permify.perma.deadline`), and the retries of one request share the
total budget of :attr:`RetryPolicy.total`. Redirects are followed for GET and HEAD only, at
most :data:`MAX_REDIRECTS` hops; a redirect answering a POST is never followed (the body would
be sent again) and is an :class:`~permify.errors.UnknownOutcomeError`. Bodies are capped
(:data:`MAX_BODY_BYTES`), and error bodies are summarised to one line with the key redacted
(:mod:`permify.perma.answers`).
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from .._version import __version__
from ..errors import (
    AuthenticationError,
    NetworkError,
    PermaError,
    ProtocolError,
    RequestTimeoutError,
    UnknownOutcomeError,
    UnsafeTransportError,
)
from ..text import safe_text
from . import wire
from .answers import error_for_status, is_quota_message
from .deadline import Deadline, DeadlineAdapter
from .defaults import DEFAULT_BASE_URL, DEFAULT_TIMEOUT, TIMEOUT_OPTION, check_base_url
from .retry import RetryPolicy, retry_after_seconds

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_BODY_BYTES",
    "MAX_REDIRECTS",
    "TIMEOUT_OPTION",
    "PermaSession",
    "RetryPolicy",
    "error_from_response",
    "is_quota_message",
]

USER_AGENT = f"permify/{__version__} (+https://perma.cc; citation archiving)"

#: A POST may take this many times ``timeout`` (300 s by default): Perma validates each URL of a
#: batch before it answers, up to about a minute each.
POST_TIMEOUT_FACTOR = 2.5
#: Redirect hops followed for one GET or HEAD.
MAX_REDIRECTS = 5
#: The largest answer body read (a full page of 300 archives is well under 1 MB).
MAX_BODY_BYTES = 32 * 1024 * 1024
#: How much of an error body is read to summarise it.
ERROR_BODY_BYTES = 64 * 1024

_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"})
_FOLLOWED = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _TooLarge(Exception):
    """The body went past the byte cap."""


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _key_problem(key: str | None) -> str | None:
    """Why ``key`` cannot travel in an HTTP header, or None when it can.

    Perma's keys are 40 hexadecimal digits; a key pasted with a control character or a letter
    outside Latin-1 would otherwise fail deep in the HTTP library (a traceback, or retries
    that end in "cannot reach the Perma API")."""
    if key is None or (key.isascii() and key.isprintable()):
        return None
    return ("the Perma API key contains characters no API key has (a control character or a "
            "non-ASCII letter); copy it again from your Perma.cc settings page into PERMA_API_KEY")


def _never_connected(error: Exception) -> bool:
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
        read_timeout: seconds to wait for any one read (never more than the deadline left).
        timeout: the deadline of one attempt, all included: connecting, waiting, every read and
            the whole body (the ``--timeout`` option). :data:`DEFAULT_TIMEOUT` when None.
        post_timeout: the deadline of one POST attempt; ``timeout`` times
            :data:`POST_TIMEOUT_FACTOR` when None (a batch POST validates every URL before answering).
        retry: the :class:`RetryPolicy` (its ``total`` bounds one request, retries included).
        sleep: how to wait between retries (injected in tests).
        http: an existing ``requests.Session`` to use: its headers, proxies, TLS settings and
            connection pools carry the requests (its cookies, hooks and auth play no part, and
            the environment's proxy and CA settings are read into it once, here).
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 300.0,
        timeout: float | None = None,
        post_timeout: float | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        parts = urlsplit(self.base_url)
        assert parts.hostname is not None  # checked above
        self._key = (api_key or "").strip() or None
        self._plain_http_remote = parts.scheme == "http" and not _is_loopback(parts.hostname)
        self._origin = _origin(self.base_url)
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.timeout = DEFAULT_TIMEOUT if timeout is None else float(timeout)
        self.post_timeout = self.timeout * POST_TIMEOUT_FACTOR if post_timeout is None else float(post_timeout)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.http = http or requests.Session()
        if self.http.trust_env:
            # The environment's proxy and CA settings, read once: requests would read them
            # (and ~/.netrc) again for every request, which costs more CPU than the request.
            for scheme, proxy in requests.utils.get_environ_proxies(self.base_url).items():  # honours NO_PROXY
                self.http.proxies.setdefault(scheme, proxy)
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle and self.http.verify is True:
                self.http.verify = bundle
            self.http.trust_env = False
        try:
            self._wire_base = wire.prepared_base_url(self.base_url)
        except (requests.RequestException, ValueError) as error:  # a host no URL can carry
            raise UnsafeTransportError(
                f"not an API base URL: {safe_text(repr(base_url), 120)} ({safe_text(str(error), 120)}); "
                "expected https://host/v1"
            ) from None
        self._key_problem = _key_problem(self._key)
        adapter = DeadlineAdapter()
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self.http.headers["User-Agent"] = USER_AGENT
        self.http.headers["Accept"] = "application/json"
        #: how many HTTP requests this session sent (retries and redirect hops included)
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

    def attempt_timeout(self, method: str) -> float:
        """The deadline in seconds of one attempt of ``method``."""
        return self.post_timeout if method.upper() == "POST" else self.timeout

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
        """Send one API request with the retry policy; return a 2xx response or raise.

        ``auth=False`` sends no key (public endpoints). Raises a :class:`~permify.errors.PermaError`
        subclass for every error; no ``requests`` exception escapes. With ``stream=True`` the
        body is left unread (downloads) and only the per-read timeout guards it; otherwise it
        is read within the deadline, at most :data:`MAX_BODY_BYTES`.
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
            if self._key_problem:
                raise AuthenticationError(self._key_problem, method=method, path=path)
            headers["Authorization"] = f"ApiKey {self._key}"
        if json is not None:
            # Perma's batch endpoint compares the whole header: no charset suffix allowed.
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            limit = self.attempt_timeout(method)
            if attempt > 1:  # retries share what is left of the total budget
                limit = min(limit, self.retry.total - (time.monotonic() - started))
            deadline = Deadline(limit)
            try:
                with deadline:
                    response = self._exchange(method, path, params, json, headers, deadline, stream)
                if deadline.expired:
                    # The timer cut the exchange: whatever came back (headers cut short can
                    # still parse as a response) is incomplete and must not be used.
                    response.close()
                    raise requests.ReadTimeout(f"no complete answer within {deadline.seconds:g} s")
            except (requests.RequestException, urllib3.exceptions.HTTPError) as error:
                timed_out = deadline.expired or isinstance(error, requests.Timeout)
                if not (method in _IDEMPOTENT or _never_connected(error)):
                    happened = (
                        f"no complete answer within {deadline.seconds:g} s ({TIMEOUT_OPTION})"
                        if timed_out
                        else f"the connection failed ({type(error).__name__})"
                    )
                    raise UnknownOutcomeError(
                        f"{method} {path}: {happened} after the request was sent; it may have taken effect",
                        method=method,
                        path=path,
                        cause=error,
                    ) from None
                wait = self.retry.delay(attempt, None)
                if not self._may_retry(attempt, started, wait):
                    raise self._gave_up(method, path, attempt, started, timed_out, error) from None
                self.sleep(wait)
                continue
            status = response.status_code
            if status < 300:
                return response
            retryable = status in _RETRY_STATUSES and (method in _IDEMPOTENT or status == 429)
            if retryable:
                wait = self.retry.delay(attempt, retry_after_seconds(response))
                if self._may_retry(attempt, started, wait):
                    response.close()
                    self.sleep(wait)
                    continue
            if method not in _IDEMPOTENT and status >= 500:
                response.close()
                raise UnknownOutcomeError(
                    f"{method} {path}: the server answered {status} after the request was sent; "
                    "it may have taken effect",
                    status=status,
                    method=method,
                    path=path,
                )
            raise error_from_response(response, method, path, secrets=(self._key,))

    def _may_retry(self, attempt: int, started: float, wait: float) -> bool:
        """True when another attempt fits in the retry count and the total budget."""
        spent = time.monotonic() - started + wait
        return attempt <= self.retry.max_retries and spent < self.retry.total

    def _gave_up(
        self, method: str, path: str, attempt: int, started: float, timed_out: bool, error: Exception
    ) -> PermaError:
        tries = f"{attempt} attempt{'s' if attempt > 1 else ''} in {time.monotonic() - started:.0f} s"
        if timed_out:
            return RequestTimeoutError(
                f"{method} {path}: no complete answer from {self.base_url} ({tries}; each may take "
                f"{self.attempt_timeout(method):g} s, set with {TIMEOUT_OPTION}); the service may be "
                "down or slow, try again later",
                timeout=self.attempt_timeout(method),
                method=method,
                path=path,
            )
        return NetworkError(
            f"cannot reach the Perma API at {self.base_url} ({type(error).__name__}, {tries}); "
            "check the network or PERMA_API_URL and try again",
            method=method,
            path=path,
        )

    def _exchange(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        headers: dict[str, str],
        deadline: Deadline,
        stream: bool,
    ) -> requests.Response:
        """One attempt: the request, GET redirects within the same deadline, and the body."""
        url = f"{self._wire_base}/{path.lstrip('/')}"
        for hop in range(MAX_REDIRECTS + 1):
            self.request_count += 1
            prepared = wire.prepare(self.http, method, url, params if hop == 0 else None, json, headers)
            timeout = (min(self.connect_timeout, deadline.remaining()), min(self.read_timeout, deadline.remaining()))
            response = wire.send(self.http, prepared, timeout)
            location = response.headers.get("Location")
            if response.status_code not in _REDIRECTS or not location:
                break
            response.close()
            if method not in _FOLLOWED:
                # Following would send the request (and its body) again: a POST may already
                # have created archives. Only reconciling may decide to send again.
                raise UnknownOutcomeError(
                    f"{method} {path}: the server answered {response.status_code} (a redirect), which "
                    "permify does not follow for a request that changes something; it may have taken effect",
                    status=response.status_code,
                    method=method,
                    path=path,
                )
            url = urljoin(response.url, location[:4096])
            if urlsplit(url).scheme not in ("http", "https"):
                raise ProtocolError(
                    f"{method} {path}: the server redirected to a URL that is not http(s)",
                    status=response.status_code,
                    method=method,
                    path=path,
                    field="Location",
                )
            if _origin(url) != self._origin:
                headers = {k: v for k, v in headers.items() if k != "Authorization"}  # the key stays home
        else:
            raise ProtocolError(
                f"{method} {path}: more than {MAX_REDIRECTS} redirects; is PERMA_API_URL a Perma API?",
                status=response.status_code,
                method=method,
                path=path,
                field="Location",
            )
        if stream and response.status_code < 300:
            return response
        cap = MAX_BODY_BYTES if response.status_code < 300 else ERROR_BODY_BYTES
        try:
            # Preloading the body this way keeps .json() and .text working on the response.
            response._content = _read_capped(response, cap)
        except _TooLarge:
            response.close()
            raise ProtocolError(
                f"{method} {path}: the answer is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB; "
                "is PERMA_API_URL a Perma API?",
                status=response.status_code,
                method=method,
                path=path,
                field="body",
            ) from None
        return response


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or ""), parts.port or default


def _read_capped(response: requests.Response, cap: int) -> bytes:
    """The whole body, at most ``cap`` bytes (an error body is cut there; a 2xx one raises)."""
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(65536):
        total += len(chunk)
        if total > cap:
            if response.status_code >= 300:
                chunks.append(chunk[: cap - (total - len(chunk))])
                response.close()
                return b"".join(chunks)
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def error_from_response(
    response: requests.Response, method: str, path: str, *, secrets: tuple[str | None, ...] = ()
) -> PermaError:
    """Map an error response to the matching :class:`~permify.errors.PermaError` subclass, with a
    one-line message (key in ``secrets`` redacted; see :mod:`permify.perma.answers`)."""
    try:
        body = response.content or b""
    except (requests.RequestException, urllib3.exceptions.HTTPError):
        body = b""
    return error_for_status(
        response.status_code,
        body[:ERROR_BODY_BYTES],
        response.headers.get("Content-Type"),
        method,
        path,
        retry_after=retry_after_seconds(response),
        secrets=secrets,
    )
