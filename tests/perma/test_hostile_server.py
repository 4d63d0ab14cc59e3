"""The Perma client against a server that misbehaves on purpose (tests/hostile_server.py).

Every case ends in bounded time with the right error type and a one-line message that holds
no key, and nothing invalid comes back as a model. Sessions here use short deadlines
(``TIMEOUT`` per attempt, ``BUDGET`` for a request with its retries) and record their
retry waits instead of sleeping, so each bound is measured on the wall clock and asserted
with a margin for a busy machine.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hostile_server import (
    HostileServer,
    answering,
    archive_json,
    batch_with_jobs,
    echoing_error,
    endless_pages,
    huge_body,
    job_json,
    redirecting,
    silent,
    trickling,
)

from permify.errors import (
    PermaError,
    PermissionDeniedError,
    ProtocolError,
    RequestTimeoutError,
    UnknownOutcomeError,
    ValidationError,
)
from permify.perma import (
    GUID_ALPHABET,
    MAX_URL_LENGTH,
    PROTOCOL_ERROR,
    PermaClient,
    PermaSession,
    RetryPolicy,
    check_url_for_perma,
    is_perma_guid,
)
from permify.perma.session import MAX_REDIRECTS, TIMEOUT_OPTION
from permify.text import safe_text

KEY = "hostile-test-key-0123456789abcdef"
TIMEOUT = 1.0  # one attempt
BUDGET = 2.5  # one request with its retries
MARGIN = 2.0  # scheduling slack on a shared machine

BAD_GUIDS = [
    "../../etc",
    "ABCD 2345",
    "ABCD-2345\n",
    "<script>alert(1)</script>",
    'AB"D-2345',
    "\x1b[31mABCD-2345\x1b[0m",
    "abcd-2345",
    "A" * 200_000,
    "",
    12345,
    ["ABCD-2345"],
]


@pytest.fixture(autouse=True)
def no_key_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every record logged during a test (urllib3's included, at DEBUG) is free of the key."""
    caplog.set_level(logging.DEBUG)
    yield
    assert KEY not in caplog.text


def session_for(server: HostileServer, **kw: Any) -> PermaSession:
    """A session with short deadlines; retry waits are recorded, not slept."""
    retry = RetryPolicy(max_retries=2, backoff=1.0, total=BUDGET, random=lambda: 0.5)
    options: dict[str, Any] = {"timeout": TIMEOUT, "post_timeout": TIMEOUT, "retry": retry, "sleep": lambda s: None}
    options.update(kw)
    return PermaSession(KEY, server.base_url, **options)


def client_for(server: HostileServer, **kw: Any) -> PermaClient:
    """A client over :func:`session_for`."""
    return PermaClient(session=session_for(server), **kw)


@contextmanager
def ends_within(seconds: float) -> Iterator[None]:
    """Assert that the block ends within ``seconds`` (plus the margin) of wall-clock time."""
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < seconds + MARGIN, f"took {elapsed:.2f} s, bound {seconds} s"


def assert_clean(error: BaseException) -> None:
    """One printable line, no key, no escape sequence."""
    text = str(error)
    assert KEY not in text and KEY not in repr(error)
    assert "\n" not in text and "\x1b" not in text and "\r" not in text
    assert len(text) < 1000
    for message in getattr(error, "messages", ()):
        assert KEY not in message and "\n" not in message and "\x1b" not in message


# ---------------------------------------------------------------------- GUIDs and strings


def test_the_guid_alphabet_and_today_s_shape_pass() -> None:
    assert is_perma_guid("ABCD-2345") and is_perma_guid(f"{GUID_ALPHABET[:4]}-{GUID_ALPHABET[-4:]}")
    assert is_perma_guid("N1N0-33DB") and is_perma_guid("0J6PYFG6DM") and is_perma_guid("1-2345")
    for bad in [*BAD_GUIDS, "-ABCDE", "ABCDE-", "AB--CDEF", "ABC-DE-FG", "ABCDEFGHIJKL"]:
        assert not is_perma_guid(bad), bad


@pytest.mark.parametrize("guid", BAD_GUIDS, ids=range(len(BAD_GUIDS)))
def test_an_invalid_guid_is_a_protocol_error_never_an_archive(guid: Any) -> None:
    with HostileServer(answering(201, archive_json(guid))) as server, ends_within(TIMEOUT):
        client = client_for(server)
        for call in (lambda: client.get_archive("ABCD-2345"), lambda: client.create_archive("https://example.com/")):
            with pytest.raises(ProtocolError) as info:
                call()
            assert info.value.field == "guid" and info.value.path is not None
            assert_clean(info.value)
    assert len(server.seen) == 2  # no retry of a protocol error


@pytest.mark.parametrize("guid", BAD_GUIDS, ids=range(len(BAD_GUIDS)))
def test_one_bad_job_does_not_spoil_its_batch(guid: Any) -> None:
    jobs = [
        job_json("ABCD-2345", "https://a.example/"),
        job_json(guid, "https://b.example/"),
        job_json(None, "https://c.example/", status="invalid", message='{"url": ["Not a URL."]}'),
    ]
    with HostileServer(batch_with_jobs(jobs)) as server:
        batch = client_for(server).create_batch(["https://a.example/", "https://b.example/", "x"], 25)
    good, bad, invalid = batch.capture_jobs
    assert (good.guid, good.status, good.protocol_error) == ("ABCD-2345", "completed", None)
    assert bad.guid is None and bad.status == PROTOCOL_ERROR and not bad.transitional
    assert bad.submitted_url == "https://b.example/" and bad.protocol_error == bad.error_text
    assert "invalid GUID" in bad.error_text and "\n" not in bad.error_text and len(bad.error_text) < 200
    assert (invalid.status, invalid.error_text) == ("invalid", "Not a URL.")
    assert batch.settled


def test_a_hostile_status_is_a_protocol_failure() -> None:
    jobs = [job_json("ABCD-2345", "https://a.example/", status="completed\x1b[0m")]
    with HostileServer(batch_with_jobs(jobs)) as server:
        (job,) = client_for(server).create_batch(["https://a.example/"], 25).capture_jobs
    assert job.status == PROTOCOL_ERROR and job.guid is None


def test_a_listing_skips_and_notes_an_item_with_a_bad_guid() -> None:
    objects = [archive_json("ABCD-2345"), archive_json("../x"), archive_json("EFGH-2345")]
    page = {"meta": {"limit": 300}, "objects": objects}
    with HostileServer(answering(200, page)) as server:
        client = client_for(server)
        archives = list(client.list_archives(folder=25))
    assert [a.guid for a in archives] == ["ABCD-2345", "EFGH-2345"]
    (problem,) = client.protocol_problems
    assert problem.field == "guid" and problem.path == "/folders/25/archives"
    assert_clean(problem)


def test_server_strings_are_made_safe_and_capped() -> None:
    title = "\x1b[2J\x1b]0;pwned\x07Title\r\nwith\tbreaks\u202e" + "x" * 200_000
    archive = archive_json("ABCD-2345", title=title, description="d\x00e", url="https://e.example/\x1b[31m")
    jobs = [job_json("ABCD-2345", "https://a.example/", status="failed", message='"boom\\u001b[31m\\nred"')]
    with HostileServer(answering(200, archive)) as server:
        model = client_for(server).get_archive("ABCD-2345")
    assert model.title.startswith("Title with breaks") and len(model.title) <= MAX_URL_LENGTH
    assert model.description == "de" and model.url == "https://e.example/"
    with HostileServer(batch_with_jobs(jobs)) as server:
        (job,) = client_for(server).create_batch(["https://a.example/"], 25).capture_jobs
    assert job.error_text == "boom red"


def test_safe_text() -> None:
    assert safe_text("a\x1b[1;31mb\x1b[0m\x9b2Jc\x07d\u200be\u202ef\nnext") == "abcdef next"
    assert safe_text("x" * 10_000, 10) == "x" * 9 + "…"
    assert safe_text(None) == "None" and safe_text("  ") == ""
    start = time.monotonic()
    safe_text("\x1b[" * 1_000_000)
    assert time.monotonic() - start < 1.0  # bounded by the limit, not the input


def test_safe_text_printable_fast_path_collapses_exactly_as_the_pattern_does() -> None:
    """The printable path skips the collapse when the text has no double space: exact, since
    the only white space a printable string can hold is " " (checked over every code point)."""
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isprintable() and c.isspace()] == [" "]
    for text in ("a b", " a  b ", "a   b\u00a0c", "  ", "x y  z", "no-space", " lead", "trail ", "a\tb  c"):
        assert safe_text(text) == re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------- error bodies


@pytest.mark.parametrize(("status", "form"), [(401, "json"), (403, "text"), (403, "html"), (400, "html")])
def test_error_bodies_are_one_line_without_the_key(status: int, form: str) -> None:
    with HostileServer(echoing_error(status, form)) as server, ends_within(TIMEOUT):
        with pytest.raises(PermaError) as info:
            session_for(server).request("GET", "/user")
    assert info.value.status == status
    assert_clean(info.value)
    if form == "html":
        assert info.value.messages == ("403 Forbidden",)  # the page's <title>, not its 61 lines
    if form == "json":
        assert "[redacted]" in str(info.value) and "No credentials" in str(info.value)


def test_a_huge_error_page_is_summarised() -> None:
    with HostileServer(huge_body(20_000_000, status=502, content_type="text/html")) as server:
        with ends_within(BUDGET), pytest.raises(PermaError) as info:
            session_for(server).request("POST", "/archives/batches", json={"urls": []})
    assert isinstance(info.value, UnknownOutcomeError) and len(str(info.value)) < 300


def test_a_validation_answer_to_a_batch_is_shown_and_not_retried() -> None:
    message = f"Ensure this field has no more than {MAX_URL_LENGTH} characters."
    with HostileServer(answering(400, {"url": [message]})) as server:
        with pytest.raises(ValidationError) as info:
            client_for(server).create_batch(["https://example.com/" + "a" * 3000], 25)
    assert message in str(info.value) and info.value.fields == {"url": [message]}
    assert len(server.seen) == 1


# ---------------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_loop_ends(status: int) -> None:
    with HostileServer(redirecting(status)) as server, ends_within(TIMEOUT):
        with pytest.raises(ProtocolError, match="redirects") as info:
            session_for(server).request("GET", "/user")
    assert len(server.seen) == MAX_REDIRECTS + 1
    assert_clean(info.value)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_post_is_never_sent_again_on_a_redirect(status: int) -> None:
    with HostileServer(redirecting(status, "/v1/archives/batches")) as server:
        with pytest.raises(UnknownOutcomeError) as info:
            client_for(server).create_batch(["https://example.com/"], 25)
    assert [method for method, _, _ in server.seen] == ["POST"]
    assert info.value.status == status
    assert_clean(info.value)


def test_a_redirect_to_another_origin_drops_the_key() -> None:
    with HostileServer(answering(200, {"id": 1})) as other:
        with HostileServer(redirecting(302, other.base_url + "/user")) as server:
            assert session_for(server).request("GET", "/user").json() == {"id": 1}
    assert server.seen[0][2]["Authorization"] == f"ApiKey {KEY}"
    assert "Authorization" not in other.seen[0][2]


# ---------------------------------------------------------------------- endless pages


def test_pages_that_never_end_stop_at_max_pages() -> None:
    with HostileServer(endless_pages()) as server, ends_within(BUDGET):
        client = client_for(server, max_pages=20)
        with pytest.raises(ProtocolError, match="still full after 20 pages") as info:
            list(client.list_top_folders())
    assert len(server.seen) == 20
    assert_clean(info.value)


def test_a_repeated_page_stops_the_listing() -> None:
    with HostileServer(endless_pages(repeat=True)) as server:
        with pytest.raises(ProtocolError, match="repeats"):
            list(client_for(server, page_size=5).list_top_folders())
    assert len(server.seen) == 2


def test_more_items_than_the_count_stops_the_listing() -> None:
    with HostileServer(endless_pages(count_field=12)) as server:
        folders = []
        with pytest.raises(ProtocolError, match="more items than the 12"):
            folders.extend(client_for(server, page_size=5).list_top_folders())
    assert len(folders) == 10 and len(server.seen) == 3


# ---------------------------------------------------------------------- slow, silent, huge


def timed_out(
    server: HostileServer, method: str, bound: float
) -> tuple[PermaError, float]:
    session = session_for(server)
    body = {"urls": ["https://example.com/"], "target_folder": 25} if method == "POST" else None
    start = time.monotonic()
    with pytest.raises(PermaError) as info:
        session.request(method, "/archives/batches", json=body)
    elapsed = time.monotonic() - start
    assert elapsed < bound + MARGIN, f"took {elapsed:.2f} s"
    assert_clean(info.value)
    return info.value, elapsed


BEHAVIOURS: dict[str, Callable[[], Any]] = {
    "silent": lambda: silent,
    "trickled body": lambda: trickling(0.05),
    "trickled headers": lambda: trickling(0.05, headers_too=True),
}


@pytest.mark.parametrize("name", list(BEHAVIOURS))
def test_a_get_ends_at_the_budget_naming_the_option(name: str) -> None:
    with HostileServer(BEHAVIOURS[name]()) as server:
        error, elapsed = timed_out(server, "GET", BUDGET)
    assert isinstance(error, RequestTimeoutError) and error.timeout == TIMEOUT
    assert TIMEOUT_OPTION in str(error)
    assert elapsed >= TIMEOUT * 0.9  # it did wait for the answer, once at least
    assert 2 <= len(server.seen) <= 3  # retried within the budget, no more


@pytest.mark.parametrize("name", list(BEHAVIOURS))
def test_a_post_ends_at_its_deadline_and_is_never_resent(name: str) -> None:
    with HostileServer(BEHAVIOURS[name]()) as server:
        error, _ = timed_out(server, "POST", TIMEOUT)
    assert isinstance(error, UnknownOutcomeError) and TIMEOUT_OPTION in str(error)
    assert len(server.seen) == 1


def test_a_huge_body_is_refused() -> None:
    with HostileServer(huge_body(40_000_000)) as server, ends_within(BUDGET):
        with pytest.raises(ProtocolError, match="larger than 32 MB") as info:
            session_for(server, timeout=BUDGET).request("GET", "/user")
    assert len(server.seen) == 1
    assert_clean(info.value)


def test_the_default_bounds_end_a_silent_run_within_minutes() -> None:
    session = PermaSession(KEY)
    # A GET: its first attempt is bounded by the timeout, the retries by the budget.
    assert session.timeout <= session.retry.total <= 300
    # A POST is never retried after sending: one attempt, bounded by its own deadline.
    assert session.post_timeout <= 300
    assert session.connect_timeout <= session.timeout


# ---------------------------------------------------------------------- before sending


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.com/" + "a" * (MAX_URL_LENGTH - 20), None),
        ("https://example.com/" + "a" * (MAX_URL_LENGTH - 19), "2,101 characters long; Perma accepts at most 2,100"),
        ("", "empty"),
        ("https://example.com/\x00", "control"),
        ("https://example.com/\u202e", "control"),
        ("ftp://example.com/", "http(s)"),
        ("example.com", "http(s)"),
        ("HTTPS://EXAMPLE.COM/", None),
    ],
)
def test_check_url_for_perma(url: str, reason: str | None) -> None:
    got = check_url_for_perma(url)
    assert (got is None) if reason is None else (got is not None and reason in got)


def test_permission_errors_keep_their_type() -> None:
    with HostileServer(answering(403, {"detail": "You do not have permission to perform this action."})) as server:
        with pytest.raises(PermissionDeniedError):
            client_for(server).get_folder(25)
