"""The review against the sandbox over loopback: every capture pattern, bad input, uploads, concurrency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sandbox_helpers import FakeClock

from permify.documents import scan_document, url_requests
from permify.errors import AuthenticationError
from permify.perma import PermaClient, PermaSession, RetryPolicy
from permify.review import ReviewError, Verdict, download_warc, review_archive, review_archives
from permify.sandbox import OTHER_API_KEY, Sandbox, SandboxConfig

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(SandboxConfig(capture_seconds=5.0, clock=clock)) as sandbox:
        yield sandbox


def _client(sb: Sandbox, key: str | None = None) -> PermaClient:
    retry = RetryPolicy(max_retries=1, backoff=0.0, random=lambda: 0.0)
    session = PermaSession(sb.api_key if key is None else key, sb.base_url, retry=retry, sleep=lambda s: None,
                           connect_timeout=2.0, read_timeout=10.0)
    return PermaClient(session=session)


@pytest.fixture
def client(sb: Sandbox) -> Iterator[PermaClient]:
    with _client(sb) as cli:
        yield cli


def _archive(client: PermaClient, sb: Sandbox, clock: FakeClock, *urls: str) -> list[str]:
    guids = [client.create_archive(url, folder=sb.org_folder_id).guid for url in urls]
    clock.advance(10)
    return guids


@pytest.mark.parametrize(("path", "status", "rule", "reason"), [
    ("cloudflare-wall", "suspect", "cloudflare-title", "origin answered 403: bot wall (Cloudflare)"),
    ("akamai-wall", "suspect", "akamai-denied", "origin answered 403: bot wall (Akamai)"),
    ("perimeterx-wall", "suspect", "perimeterx", "origin answered 403: bot wall (PerimeterX)"),
    ("datadome-wall", "suspect", "datadome", "origin answered 403: bot wall (DataDome)"),
    ("login-wall", "suspect", "login-page", "login page"),
    ("paywall-page", "suspect", "paywall-text", "paywall"),
    ("soft-404", "suspect", "soft-404-title", "page not found (soft 404)"),
    ("hard-404", "failed", "hard-404", "origin answered 404: page not found"),
    ("server-error", "failed", "server-error", "origin answered 503: server error"),
    ("cookie-wall", "suspect", "cookie-wall-title", "cookie-consent wall"),
    ("near-empty", "suspect", "near-empty", "almost no text (1 word)"),
    ("screenshot-fails", "suspect", "screenshot-failed", "screenshot failed"),
    ("capture-fails", "failed", "capture-failed", "Perma could not capture the page"),
    ("warc-missing", "suspect", "warc-missing", "the capture's WARC is not available for download"),
    ("warc-empty", "suspect", "warc-unreadable", "the WARC is empty"),
    ("warc-not-gzip", "suspect", "warc-unreadable", "the WARC is not gzip (damaged or not a WARC)"),
])
def test_each_sandbox_pattern_is_caught(client: PermaClient, sb: Sandbox, clock: FakeClock, path: str,
                                        status: str, rule: str, reason: str) -> None:
    [guid] = _archive(client, sb, clock, f"https://www.example.com/{path}/page")
    verdict = review_archive(client, guid)
    assert (verdict.status, verdict.rule, verdict.reason, verdict.guid) == (status, rule, reason, guid)
    assert verdict.checked


def test_truncated_warc_is_a_clear_verdict(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    [guid] = _archive(client, sb, clock, "https://www.example.com/warc-truncated/page")
    verdict = review_archive(client, guid)
    assert (verdict.status, verdict.rule) == ("suspect", "warc-unreadable")
    assert verdict.reason.startswith("the WARC is damaged or truncated (")


def test_pdf_and_ordinary_pages_are_ok(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    pdf, page = _archive(client, sb, clock, "https://www.example.gov/pdf-document/report.pdf",
                         "https://www.example.com/news/court-rules")
    verdict = review_archive(client, pdf)
    assert (verdict.status, verdict.content_type, verdict.http_status) == ("ok", "application/pdf", 200)
    ordinary = review_archive(client, page)
    assert ordinary.ok and ordinary.title == "Court rules | www.example.com" and (ordinary.words or 0) > 150


def test_huge_warc_is_read_only_up_to_the_caps(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    [guid] = _archive(client, sb, clock, "https://www.example.com/warc-huge/page")
    verdict = review_archive(client, guid)
    assert verdict.ok and verdict.truncated and verdict.size == 5 * 1024 * 1024
    # A download cap below the page's size: the page is judged on what was read.
    small = review_archive(client, guid, download_cap=64 * 1024, body_cap=32 * 1024)
    assert small.ok and small.truncated and small.size == 32 * 1024
    data = download_warc(client, guid, cap=10_000)
    assert data is not None and len(data) == 10_000


def test_download_budget_stops_a_slow_download(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    [guid] = _archive(client, sb, clock, "https://www.example.com/news/slow")
    ticks = iter(range(0, 10_000, 100))
    with pytest.raises(ReviewError, match="took longer than 50 seconds"):
        download_warc(client, guid, budget=50, clock=lambda: float(next(ticks)))


def test_upload_turns_a_suspect_capture_ok_without_a_download(client: PermaClient, sb: Sandbox,
                                                              clock: FakeClock) -> None:
    [guid] = _archive(client, sb, clock, "https://www.example.com/gains-upload/statute")
    first = review_archive(client, guid)
    assert (first.status, first.rule) == ("suspect", "cloudflare-title")
    now = datetime.fromtimestamp(clock(), timezone.utc)
    assert first.url == "https://www.example.com/gains-upload/statute" and first.replaceable(now) is True
    assert "Upload file" in first.advice_at(now) and f"https://perma.cc/{guid}" in first.advice_at(now)
    sb.upload_file(guid)
    sb.reset_log()
    again = review_archive(client, guid)
    assert (again.status, again.user_upload, again.reason) == ("ok", True, "the user uploaded application/pdf")
    assert sb.count("GET", f"archives/{guid}") == 1 and sb.count("GET", f"archives/{guid}/download") == 0


def test_missing_deleted_private_and_malformed(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    deleted, private = _archive(client, sb, clock, "https://www.example.com/a", "https://www.example.com/b")
    client.delete_archive(deleted)
    gone = review_archive(client, deleted)
    assert (gone.status, gone.rule) == ("failed", "not-found")
    assert gone.reason == "no such archive (deleted, or the GUID does not exist)"
    assert gone.advice.endswith("make a new Perma link for the page and cite that instead")
    assert review_archive(client, "ZZ2Z-2ZZZ").rule == "not-found"
    bad = review_archive(client, "not a guid!")
    assert (bad.status, bad.rule, bad.reason) == ("failed", "not-a-guid", "not a Perma GUID")
    client.update_archive(private, is_private=True)
    own = review_archive(client, private)
    assert own.ok and own.is_private is True
    with _client(sb, OTHER_API_KEY) as other:
        # Another account's private archive: 403 on the record, 404 on the public one.
        theirs = review_archive(other, private)
        assert (theirs.status, theirs.rule) == ("failed", "not-public")
        client.update_archive(private, is_private=False)
        public = review_archive(other, private)
        assert public.ok and public.is_private is None


def test_public_only_client(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    [guid] = _archive(client, sb, clock, "https://www.example.com/login-wall/x")
    with _client(sb, key="") as anonymous:
        verdict = review_archive(anonymous, guid)
    assert verdict.rule == "login-page"
    assert sb.count("GET", f"public/archives/{guid}/download") == 1


def test_capture_not_finished(client: PermaClient, sb: Sandbox) -> None:
    guid = client.create_archive("https://www.example.com/later", folder=sb.org_folder_id).guid
    verdict = review_archive(client, guid)
    assert (verdict.status, verdict.rule) == ("suspect", "capture-pending")


def test_review_archives_in_order_with_unchecked_and_fatal(client: PermaClient, sb: Sandbox,
                                                           clock: FakeClock) -> None:
    guids = _archive(client, sb, clock, *(f"https://www.example.com/n/{i}" for i in range(6)),
                     "https://www.example.com/cloudflare-wall/x")
    seen: list[Verdict] = []
    sb.inject_fault("503", path_contains=f"{guids[2]}/download", times=5)
    results = review_archives(client, [*guids, guids[0]], concurrency=3, on_verdict=seen.append,
                              expected_titles={guids[1]: "N 1"})
    assert list(results) == guids and len(seen) == len(guids)
    assert results[guids[2]].checked is False and results[guids[2]].status == "suspect"
    assert results[guids[2]].reason.startswith("could not be checked (") and "503" in results[guids[2]].reason
    assert results[guids[2]].advice == "rerun to check this archive again"
    assert [results[g].status for g in guids if g != guids[2]] == ["ok"] * 5 + ["suspect"]
    with _client(sb, key="0" * 40) as wrong, pytest.raises(AuthenticationError):
        review_archives(wrong, guids, concurrency=2)


def test_sample_documents_raise_no_false_alarms(client: PermaClient, sb: Sandbox, clock: FakeClock) -> None:
    scans = [scan_document(SAMPLES / name) for name in ("article.md", "references.bib", "article.docx")]
    requests = url_requests(scans)
    assert len(requests) > 40
    guids = {client.create_archive(r.url, folder=sb.org_folder_id).guid: r for r in requests}
    clock.advance(10)
    titles = {g: r.title for g, r in guids.items() if r.title}
    verdicts = review_archives(client, list(guids), expected_titles=titles)
    alarms = {guids[g].url: v.reason for g, v in verdicts.items() if not v.ok}
    assert alarms == {}


def test_verdict_round_trips_as_json() -> None:
    verdict = Verdict("suspect", "login page", guid="AB2C-D3EF", rule="login-page", http_status=200, words=40)
    assert Verdict.from_json({**verdict.to_json(), "future_key": 1}) == verdict
