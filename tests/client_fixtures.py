"""Fixtures for the Perma client and session tests: a fake clock, a sandbox, clients, stub servers.

Used with ``pytest_plugins = ["client_fixtures"]`` in the test modules. Every test that uses
the ``sb`` fixture is also checked, at teardown, for key safety: no request carried
``api_key`` in its query string, public endpoints got no ``Authorization`` header, and the key
is in no log record (logging is captured at DEBUG, so urllib3's request lines are included).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from sandbox_helpers import FakeClock

from permify.perma import PermaClient, PermaSession, RetryPolicy
from permify.sandbox import DEMO_API_KEY, OTHER_API_KEY, Sandbox, SandboxConfig

#: Seconds a new sandbox capture stays pending, then in progress (so completed at 15 s).
QUEUE_SECONDS = 5.0
CAPTURE_SECONDS = 10.0
#: Retries in the test sessions, and the waits they make with ``random() == 0.5``
#: (``backoff * 2**(n-1) * 0.75`` with backoff 1).
MAX_RETRIES = 2
WAITS = [0.75, 1.5]
SECRETS = (DEMO_API_KEY, OTHER_API_KEY)


class Attempted(Exception):
    """Raised by :class:`NoNetwork` when code tries to send a request it must not send."""


class NoNetwork(requests.Session):
    """A requests session that refuses to send anything (proves no request was attempted)."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        raise Attempted(f"a request was attempted: {args[:2]}")

    def get_adapter(self, url: str) -> requests.adapters.BaseAdapter:
        raise Attempted(f"a request was attempted: {url}")


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def make_session(base_url: str, key: str | None, sleeps: list[float], **kw: Any) -> PermaSession:
    """A session with deterministic jitter whose waits are recorded in ``sleeps``, never slept."""
    retry = RetryPolicy(max_retries=MAX_RETRIES, backoff=1.0, max_delay=30.0, random=lambda: 0.5)
    return PermaSession(key, base_url, retry=retry, sleep=sleeps.append, **kw)


def assert_no_secret(text: str) -> None:
    """Fail if any sandbox API key appears in ``text``."""
    for secret in SECRETS:
        assert secret not in text


def check_key_safety(sb: Sandbox, records: list[logging.LogRecord]) -> None:
    """The invariants every sandbox test must leave true (see the module docstring)."""
    for rec in sb.requests:
        assert not rec.had_api_key_query, rec
        assert "api_key" not in rec.query, rec
        assert_no_secret(rec.path + json.dumps(rec.query))
        if rec.path.startswith("/v1/public/"):
            assert not rec.had_auth_header, f"a key was sent to a public endpoint: {rec}"
    for record in records:
        assert_no_secret(record.getMessage())


@pytest.fixture
def clock() -> FakeClock:
    """The sandbox clock."""
    return FakeClock()


@pytest.fixture
def sandbox_config(clock: FakeClock) -> SandboxConfig:
    """The sandbox configuration; override in a module to change faults or quota."""
    return SandboxConfig(capture_seconds=CAPTURE_SECONDS, queue_seconds=QUEUE_SECONDS, clock=clock)


@pytest.fixture
def sb(sandbox_config: SandboxConfig, caplog: pytest.LogCaptureFixture) -> Iterator[Sandbox]:
    """A running sandbox; at teardown, the key-safety invariants are checked."""
    caplog.set_level(logging.DEBUG)
    with Sandbox(sandbox_config) as sandbox:
        yield sandbox
        check_key_safety(sandbox, caplog.records)


@pytest.fixture
def sleeps() -> list[float]:
    """Every wait the session asked for, in order."""
    return []


@pytest.fixture
def session(sb: Sandbox, sleeps: list[float]) -> Iterator[PermaSession]:
    """The demo user's session to the sandbox."""
    with make_session(sb.base_url, sb.api_key, sleeps) as sess:
        yield sess


@pytest.fixture
def client(session: PermaSession) -> PermaClient:
    """The demo user's client."""
    return PermaClient(session=session)


@pytest.fixture
def other(sb: Sandbox, sleeps: list[float]) -> Iterator[PermaClient]:
    """A client for a second, unrelated sandbox user."""
    with PermaClient(session=make_session(sb.base_url, OTHER_API_KEY, sleeps)) as cli:
        yield cli


# ---------------------------------------------------------------------- scripted server


@dataclass
class Scripted:
    """One canned answer: status, headers, body (a str/bytes, or JSON-encoded otherwise).

    ``length`` announces a longer body than is sent, then closes: a transfer broken mid-body.
    """

    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "text/plain"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


class ScriptedServer:
    """A loopback HTTP server answering a fixed sequence of responses.

    For shapes the sandbox never produces, such as an HTTP-date ``Retry-After``. ``seen`` holds
    ``(method, path, headers)`` of every request.
    """

    def __init__(self, answers: list[Scripted]) -> None:
        self.answers = list(answers)
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; without TCP_NODELAY each answer stalls
            # ~40 ms on Nagle plus delayed ACK.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.seen.append((self.command, self.path, dict(self.headers)))
                answer = outer.answers.pop(0) if outer.answers else Scripted(500, "script ended")
                body, ctype = answer.encoded()
                self.send_response(answer.status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(answer.length or len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
                if answer.length:
                    self.close_connection = True

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
