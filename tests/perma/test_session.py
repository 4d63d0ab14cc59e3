"""PermaSession over real loopback sockets: retries, error mapping, safe transport, key hygiene.

Waits are recorded by an injected ``sleep`` and jitter is fixed (``random() == 0.5``), so
retries are proven by counting requests and reading the recorded waits: nothing sleeps.
"""

from __future__ import annotations

import email.utils
import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from permify.errors import (
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
from permify.perma import PermaClient, PermaSession, RetryPolicy
from permify.sandbox import (
    DEMO_API_KEY,
    INACTIVE_API_KEY,
    FaultConfig,
    Sandbox,
    SandboxConfig,
)

pytest.register_assert_rewrite("client_fixtures")
from client_fixtures import (  # noqa: E402 - after the rewrite registration
    MAX_RETRIES,
    WAITS,
    Attempted,
    NoNetwork,
    Scripted,
    ScriptedServer,
    assert_no_secret,
    closed_port,
    make_session,
)

pytest_plugins = ["client_fixtures"]

MARK = "https://example.com/retry-test"


def create_body(sb: Sandbox) -> dict[str, object]:
    return {"url": MARK, "folder": sb.org_folder_id}


# ---------------------------------------------------------------------- retry policy


def test_retry_policy_delays() -> None:
    policy = RetryPolicy(max_retries=5, backoff=2.0, max_delay=10.0, random=lambda: 0.0)
    assert [policy.delay(n, None) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    full = RetryPolicy(backoff=2.0, max_delay=10.0, random=lambda: 1.0)
    assert [full.delay(n, None) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 10.0]
    assert full.delay(1, 3.5) == 3.5 and full.delay(1, 99.0) == 10.0 and full.delay(1, -4.0) == 0.0


# ---------------------------------------------------------------------- retries against the sandbox


def test_get_retried_on_503_then_succeeds(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("503", method="GET", path_contains="/v1/user", times=2)
    assert session.request("GET", "/user").json()["full_name"] == "Demo User"
    assert [r.status for r in sb.requests] == [503, 503, 200]
    assert sleeps == WAITS and session.request_count == 3


def test_429_retry_after_is_honoured_and_clamped(clock: Callable[[], float]) -> None:
    for retry_after, max_delay, expected in ((7, 30.0, 7.0), (120, 30.0, 30.0)):
        config = SandboxConfig(clock=clock, faults=FaultConfig(retry_after=retry_after))
        with Sandbox(config) as sb:
            sleeps: list[float] = []
            retry = RetryPolicy(max_retries=2, backoff=1.0, max_delay=max_delay, random=lambda: 0.5)
            session = PermaSession(sb.api_key, sb.base_url, retry=retry, sleep=sleeps.append)
            sb.inject_fault("429", method="GET", path_contains="/v1/folders")
            assert session.request("GET", "/folders").status_code == 200
            assert sleeps == [expected]
            assert [r.status for r in sb.requests] == [429, 200]
            session.close()


def test_post_retried_on_429_because_nothing_was_done(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("429", method="POST", path_contains="/v1/archives")
    assert session.request("POST", "/archives", json=create_body(sb)).status_code == 201
    assert sb.count("POST", "archives") == 2 and sleeps == [1.0]
    assert len(sb.links(url=MARK)) == 1


def test_post_503_is_unknown_outcome_and_not_retried(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("503", method="POST", path_contains="/v1/archives", times=3)
    with pytest.raises(UnknownOutcomeError) as info:
        session.request("POST", "/archives", json=create_body(sb))
    assert info.value.status == 503 and info.value.method == "POST"
    assert sb.count("POST") == 1 and sleeps == []


def test_post_drop_is_unknown_outcome_and_the_archive_exists(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("drop", method="POST", path_contains="/v1/archives")
    with pytest.raises(UnknownOutcomeError) as info:
        session.request("POST", "/archives", json=create_body(sb))
    assert isinstance(info.value.cause, requests.ConnectionError)
    assert info.value.status is None
    assert sb.count("POST") == 1 and sleeps == []
    assert [link.url for link in sb.links(url=MARK)] == [MARK]


def test_get_drop_is_retried(sb: Sandbox, session: PermaSession, sleeps: list[float]) -> None:
    sb.inject_fault("drop", method="GET", path_contains="/v1/folders")
    assert session.request("GET", "/folders").json()["objects"]
    assert [(r.status, r.fault) for r in sb.requests] == [(0, "drop"), (200, None)]
    assert sleeps == WAITS[:1]


def test_rate_limited_after_retries(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("429", method="GET", times=MAX_RETRIES + 1)
    with pytest.raises(RateLimitedError) as info:
        session.request("GET", "/user")
    assert info.value.status == 429 and info.value.retry_after == 1.0
    assert sb.count("GET", "user") == MAX_RETRIES + 1 and sleeps == [1.0] * MAX_RETRIES


def test_server_error_after_retries(
    sb: Sandbox, session: PermaSession, sleeps: list[float]
) -> None:
    sb.inject_fault("503", method="GET", times=MAX_RETRIES + 1)
    with pytest.raises(ServerError) as info:
        session.request("GET", "/folders")
    assert info.value.status == 503 and info.value.messages == ("Service Unavailable",)
    assert sb.count("GET") == MAX_RETRIES + 1 and sleeps == WAITS


@pytest.mark.parametrize("kind", ["500", "502"])
def test_other_5xx_retried_on_get(sb: Sandbox, session: PermaSession, kind: str) -> None:
    sb.inject_fault(kind, method="GET")
    assert session.request("GET", "/user").status_code == 200
    assert [r.status for r in sb.requests] == [int(kind), 200]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_closed_port_is_network_error_after_retries(method: str) -> None:
    # Nothing listens, so even a POST certainly never arrived: retrying it is safe.
    sleeps: list[float] = []
    session = make_session(f"http://127.0.0.1:{closed_port()}/v1", DEMO_API_KEY, sleeps)
    with pytest.raises(NetworkError) as info:
        session.request(method, "/archives", json={"url": MARK} if method == "POST" else None)
    assert sleeps == WAITS and session.request_count == MAX_RETRIES + 1
    assert_no_secret(str(info.value) + repr(info.value))


def test_read_timeout(clock: Callable[[], float]) -> None:
    config = SandboxConfig(clock=clock, faults=FaultConfig(slow_seconds=0.4))
    with Sandbox(config) as sb:
        sleeps: list[float] = []
        session = make_session(sb.base_url, sb.api_key, sleeps, read_timeout=0.05)
        sb.inject_fault("slow", method="GET")
        assert session.request("GET", "/user").status_code == 200  # retried after the timeout
        sb.inject_fault("slow", method="POST")
        with pytest.raises(UnknownOutcomeError) as info:
            session.request("POST", "/archives", json=create_body(sb))
        assert isinstance(info.value.cause, requests.Timeout)
        assert sleeps == WAITS[:1]
        deadline = time.monotonic() + 5
        while not sb.links(url=MARK) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(sb.links(url=MARK)) == 1  # the slow POST did its work after the client gave up
        session.close()


# ---------------------------------------------------------------------- authentication


@pytest.mark.parametrize("key", [None, "", "   "])
def test_no_key_fails_before_any_request(sb: Sandbox, key: str | None) -> None:
    session = make_session(sb.base_url, key, [])
    assert not session.has_key
    with pytest.raises(AuthenticationError, match="PERMA_API_KEY"):
        session.request("GET", "/user")
    assert session.request_count == 0 and sb.requests == []
    assert session.request("GET", "/public/archives", auth=False).status_code == 200


@pytest.mark.parametrize(
    ("key", "detail"),
    [("0" * 40, "Invalid token."), (INACTIVE_API_KEY, "User inactive or deleted.")],
)
def test_rejected_keys(sb: Sandbox, key: str, detail: str) -> None:
    session = make_session(sb.base_url, key, [])
    with pytest.raises(AuthenticationError) as info:
        session.request("GET", "/folders")
    assert info.value.status == 401 and info.value.messages == (detail,)
    assert key not in str(info.value) + repr(info.value)
    assert sb.count() == 1  # a 401 is not retried


def test_public_requests_carry_no_key(sb: Sandbox, session: PermaSession) -> None:
    session.request("GET", "/public/archives", auth=False)
    session.request("GET", "/user")
    assert [(r.path, r.had_auth_header) for r in sb.requests] == [
        ("/v1/public/archives", False),
        ("/v1/user", True),
    ]


# ---------------------------------------------------------------------- transport safety


@pytest.mark.parametrize(
    "base", ["http://api.perma.cc/v1", "http://10.0.0.7:8000/v1", "HTTP://example.org/v1"]
)
def test_plain_http_to_a_remote_host_never_sends_the_key(base: str) -> None:
    session = PermaSession(DEMO_API_KEY, base, http=NoNetwork())
    client = PermaClient(session=session)
    with pytest.raises(UnsafeTransportError) as info:
        client.get_user()
    with pytest.raises(UnsafeTransportError):
        client.create_archive("https://example.com/")
    assert session.request_count == 0
    assert_no_secret(str(info.value) + repr(info.value))
    with pytest.raises(Attempted):  # without a key, public endpoints are fine over http
        client.get_public_archive("ABCD-2345")


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:9/v1",
        "http://localhost:9/v1",
        "http://[::1]:9/v1",
        "https://api.perma.cc/v1",
    ],
)
def test_https_and_loopback_are_allowed(base: str) -> None:
    session = PermaSession(DEMO_API_KEY, base, http=NoNetwork())
    with pytest.raises(Attempted):
        session.request("GET", "/user")


@pytest.mark.parametrize("base", ["ftp://api.perma.cc/v1", "api.perma.cc/v1", "https:///v1", "",
                                  "https://[::1/v1", "https://exa mple.com/v1", "https://ex%zzample.com/v1",
                                  "https://.../v1", "https://api.perma.cc:port/v1"])
def test_bad_base_url(base: str) -> None:
    with pytest.raises(UnsafeTransportError):
        PermaSession(DEMO_API_KEY, base, http=NoNetwork())


def test_session_repr_and_headers_hide_the_key(sb: Sandbox, session: PermaSession) -> None:
    client = PermaClient(session=session)
    for text in (repr(session), str(session), repr(client), str(client), repr(vars(session.http))):
        assert_no_secret(text)
    assert repr(session) == f"PermaSession({sb.base_url!r}, key=set)"
    assert session.http.headers["User-Agent"].startswith("permify/")
    assert "Authorization" not in session.http.headers


# ------------------------------------------------------ shapes the sandbox never sends


def scripted(
    answers: list[Scripted], **kw: object
) -> tuple[ScriptedServer, PermaSession, list[float]]:
    server = ScriptedServer(answers)
    sleeps: list[float] = []
    return server, make_session(server.base_url, DEMO_API_KEY, sleeps, **kw), sleeps  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: retry at once
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),
        ("soon", 0.75),  # unparseable: fall back to the backoff
        ("2.5", 2.5),
    ],
)
def test_retry_after_forms(header: str, expected: float) -> None:
    server, session, sleeps = scripted(
        [Scripted(503, "busy", {"Retry-After": header}), Scripted(200, {})]
    )
    with server:
        assert session.request("GET", "/user").status_code == 200
    assert sleeps == [expected]


def test_retry_after_http_date_in_the_future() -> None:
    when = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server, session, sleeps = scripted(
        [Scripted(429, {"detail": "x"}, {"Retry-After": when}), Scripted(200, {})]
    )
    with server:
        session.request("GET", "/user")
    assert sleeps == [30.0]  # about an hour, clamped to max_delay


@pytest.mark.parametrize(
    ("answer", "error", "messages", "fields"),
    [
        (
            Scripted(400, {"url": "Unicode error while processing URL."}),
            ValidationError,
            ("Unicode error while processing URL.",),
            {"url": ["Unicode error while processing URL."]},
        ),
        (
            Scripted(400, ["Only updates on these fields are allowed: name, parent"]),
            ValidationError,
            ("Only updates on these fields are allowed: name, parent",),
            {"error": ["Only updates on these fields are allowed: name, parent"]},
        ),
        (
            Scripted(
                400,
                {
                    "error": [
                        "Perma can't create this link. Your account needs attention — see your "
                        "Usage Plan page for details."
                    ]
                },
            ),
            QuotaExceededError,
            None,
            None,
        ),
        (
            Scripted(
                400,
                {
                    "error": [
                        "Perma can't create this link. Demo Library set this folder to "
                        "read-only. See your Usage Plan page for details."
                    ]
                },
            ),
            QuotaExceededError,
            None,
            None,
        ),
        (Scripted(400, ""), ValidationError, (), {}),
        (
            Scripted(403, {"detail": "You do not have permission to perform this action."}),
            PermissionDeniedError,
            ("You do not have permission to perform this action.",),
            None,
        ),
        (Scripted(404, "Page Not Found"), NotFoundError, ("Page Not Found",), None),
        (
            Scripted(405, {"detail": 'Method "PUT" not allowed.'}),
            PermaError,
            ('Method "PUT" not allowed.',),
            None,
        ),
        (Scripted(415, b"<html>nope</html>"), PermaError, ("<html>nope</html>",), None),
    ],
)
def test_error_mapping(
    answer: Scripted,
    error: type[PermaError],
    messages: tuple[str, ...] | None,
    fields: dict[str, list[str]] | None,
) -> None:
    server, session, sleeps = scripted([answer])
    with server, pytest.raises(error) as info:
        session.request("PUT", "/folders/25")
    assert type(info.value) is error and info.value.status == answer.status and sleeps == []
    if messages is not None:
        assert info.value.messages == messages
    if fields is not None:
        assert info.value.fields == fields  # type: ignore[attr-defined]
    assert info.value.method == "PUT" and info.value.path == "/folders/25"


@pytest.mark.parametrize("status", [500, 502, 504])
def test_any_5xx_after_a_post_is_unknown_outcome(status: int) -> None:
    server, session, sleeps = scripted([Scripted(status, "oops")])
    with server, pytest.raises(UnknownOutcomeError):
        session.request("POST", "/archives", json={"url": MARK})
    assert len(server.seen) == 1 and sleeps == []


def test_a_2xx_that_is_not_json_is_a_perma_error() -> None:
    server, session, _ = scripted([Scripted(200, "<html>maintenance</html>")])
    with server, pytest.raises(PermaError, match="not JSON"):
        PermaClient(session=session).get_user()


def test_headers_sent() -> None:
    server, session, _ = scripted([Scripted(201, {}), Scripted(200, {})])
    with server:
        session.request("POST", "/archives/batches", json={"urls": []})
        session.request("GET", "/public/archives", auth=False)
    (_, path, post), (_, _, public) = server.seen
    assert path == "/v1/archives/batches"
    assert post["Content-Type"] == "application/json"  # exactly: Perma compares the whole header
    assert post["Authorization"] == f"ApiKey {DEMO_API_KEY}"
    assert "Authorization" not in public and public["Accept"] == "application/json"


def test_a_download_broken_mid_body_is_a_network_error(tmp_path: Path) -> None:
    broken = Scripted(200, b"\x1f\x8b partial", {"Content-Type": "application/gzip"}, length=10_000)
    server, session, _ = scripted([broken, broken])
    client = PermaClient(session=session)
    with server:
        with pytest.raises(NetworkError):
            client.download_archive("ABCD-2345", tmp_path / "a.warc.gz")
        with pytest.raises(NetworkError):
            client.download_public_archive("ABCD-2345", io.BytesIO())
    assert list(tmp_path.iterdir()) == []  # no partial file is left behind
