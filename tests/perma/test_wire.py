"""The session's own request preparation sends what ``requests`` would send, byte for byte.

PermaSession prepares its requests itself and hands them to the mounted adapter (the lean
path in permify.perma.wire). Each case here sends one request both ways to a loopback
server that records the raw request (target, headers, body): the two must be the same.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hostile_server import HostileServer, Request

from permify.errors import AuthenticationError
from permify.perma import PermaClient, PermaSession
from permify.sandbox import DEMO_API_KEY

KEY = "0123456789abcdef0123456789abcdef01234567"


class Recorder:
    """Answers 200 ``{}`` and keeps (method, raw target, headers, body) of every request."""

    def __init__(self) -> None:
        self.raw: list[tuple[str, str, dict[str, str], bytes]] = []

    def __call__(self, request: Request) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.raw.append((request.method, request.handler.path, headers, request.body))
        request.send(200, {})


CASES: list[tuple[str, str, dict[str, Any] | None, Any]] = [
    ("GET", "/user", None, None),
    ("GET", "/folders/25/archives", {"limit": 300, "offset": 600}, None),
    ("GET", "/public/archives", {"url": "https://example.com/a b?x=é&y=1", "q": None, "tag": ["a", "b"]}, None),
    ("POST", "/archives/batches", None, {"urls": ["https://example.com/é", "http://x.org/"], "target_folder": 7}),
    ("POST", "/archives", None, None),
    ("DELETE", "/archives/ABCD-2345", None, None),
    ("PATCH", "/folders/3", None, {"name": "Vol. 12 – drafts"}),
    ("GET", "/archives/é x/download", None, None),  # not a plain path: requests' own quoting
]


@pytest.mark.parametrize(("method", "path", "params", "body"), CASES)
def test_the_same_bytes_as_requests(method: str, path: str, params: dict[str, Any] | None, body: Any) -> None:
    recorder = Recorder()
    with HostileServer(recorder) as server:
        session = PermaSession(KEY, server.base_url)
        session.request(method, path, params=params, json=body).close()
        reference = requests.Session()
        reference.headers.update(session.http.headers)
        headers = {"Authorization": f"ApiKey {KEY}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        reference.request(method, session.url(path), params=params, json=body, headers=headers).close()
    ours, theirs = recorder.raw
    assert ours == theirs


def test_a_redirect_hop_is_prepared_by_requests() -> None:
    def behaviour(request: Request) -> None:
        if request.path.endswith("/download"):
            request.send(302, b"", {"Location": "/files/caf\u00e9 1.warc.gz?sig=a b"})
        else:
            request.send(200, b"WARC")

    with HostileServer(behaviour) as server:
        session = PermaSession(KEY, server.base_url)
        with session.request("GET", "/archives/ABCD-2345/download", stream=True) as response:
            assert response.status_code == 200
        assert server.seen[1][1] == "/files/caf%C3%A9%201.warc.gz"


@pytest.mark.parametrize("key", ["abc\ndef", "cl\u00e9-\u2603", "tab\there"])
def test_a_key_that_cannot_travel_in_a_header_is_refused_before_sending(key: str) -> None:
    recorder = Recorder()
    with HostileServer(recorder) as server:
        client = PermaClient(session=PermaSession(key, server.base_url))
        with pytest.raises(AuthenticationError) as info:
            client.get_user()
        assert recorder.raw == []
    message = str(info.value)
    assert "PERMA_API_KEY" in message and "\n" not in message
    assert key not in message


def test_a_session_given_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca.pem")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    mine = requests.Session()
    session = PermaSession(DEMO_API_KEY, "https://api.perma.cc/v1", http=mine)
    assert session.http is mine and mine.trust_env is False
    assert mine.proxies["https"] == "http://proxy.invalid:3128"
    assert mine.verify == "/etc/ssl/certs/ca.pem"
    explicit = requests.Session()
    explicit.proxies["https"] = "http://mine.invalid:8080"
    explicit.verify = False
    PermaSession(DEMO_API_KEY, "https://api.perma.cc/v1", http=explicit)
    assert explicit.proxies["https"] == "http://mine.invalid:8080" and explicit.verify is False
