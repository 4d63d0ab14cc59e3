"""PermaClient against the sandbox over loopback: every operation, every error class, paging.

Capture progress follows a fake clock (pending 0-5 s, in progress 5-15 s, then completed), so
nothing sleeps. The ``sb`` fixture checks key safety after every test (see client_fixtures).
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import logging
import math
from datetime import datetime, timezone
from pathlib import Path

import pytest

from permify.errors import (
    AuthenticationError,
    InvalidGuidError,
    NetworkError,
    NotFoundError,
    PermaError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    UnknownOutcomeError,
    ValidationError,
)
from permify.perma import PermaClient, PermaSession, normalize_guid
from permify.sandbox import DEMO_API_KEY, INACTIVE_API_KEY, Sandbox
from permify.sandbox.seed import SAMPLE_ARCHIVES

pytest.register_assert_rewrite("client_fixtures")
from client_fixtures import (  # noqa: E402 - after the rewrite registration
    MAX_RETRIES,
    FakeClock,
    assert_no_secret,
    closed_port,
    make_session,
)

pytest_plugins = ["client_fixtures"]

DUPLICATE = "A folder with that name already exists at that location."
NOT_EMPTY = "Folders can only be deleted if they are empty."
ONLY_UPDATES = (
    "Only updates on these fields are allowed: submitted_title, submitted_description, "
    "notes, is_private, private_reason, default_to_screenshot_view"
)
QUOTA = (
    "Perma can't create this link. You've reached your usage limit. Visit your Usage Plan "
    "page for information and plan options."
)
DONE = 15.0  # seconds after creation when a sandbox capture has completed


def warc_text(data: bytes) -> str:
    text = gzip.decompress(data).decode("utf-8")
    assert text.startswith("WARC/1.0\r\nWARC-Type: warcinfo")
    return text


def fill(
    client: PermaClient, folder: int, count: int, stem: str = "https://example.com/page"
) -> list[str]:
    """Create ``count`` archives with one batch; their GUIDs in submission order."""
    batch = client.create_batch([f"{stem}/{i}" for i in range(count)], folder)
    assert all(job.guid for job in batch.capture_jobs)
    return [job.guid for job in batch.capture_jobs if job.guid]


# ---------------------------------------------------------------------- public archives


def test_public_archives(sb: Sandbox, client: PermaClient, tmp_path: Path) -> None:
    public = list(client.list_public_archives())
    assert [a.url for a in public] == [
        "https://example.com/",
        "https://en.wikipedia.org/wiki/Bluebook",
        "https://www.metafilter.com/",
        # then the (older) archives of the links the sample documents' authors wrote
        *[url for _, url, _ in reversed(SAMPLE_ARCHIVES)],
    ]  # newest first, private excluded
    first = public[0]
    assert first.notes is None and first.is_private is None  # the public form has no private fields
    assert client.get_public_archive(first.guid.lower()) == first
    dest = tmp_path / "a.warc.gz"
    written = client.download_public_archive(first.guid, dest)
    assert written == dest.stat().st_size and list(tmp_path.iterdir()) == [dest]
    assert "WARC-Target-URI: https://example.com/" in warc_text(dest.read_bytes())
    buf = io.BytesIO()
    assert client.download_public_archive(first.guid, buf) == written
    warc_text(buf.getvalue())
    # No key at all is fine for the public endpoints.
    assert len(list(PermaClient(None, sb.base_url).list_public_archives())) == 3 + len(SAMPLE_ARCHIVES)


# ---------------------------------------------------------------------- user and organizations


def test_user_and_organizations(sb: Sandbox, client: PermaClient) -> None:
    user = client.get_user()
    assert (user.full_name, user.short_name) == ("Demo User", "Demo")
    assert [f.id for f in user.top_level_folders] == [sb.personal_folder_id, sb.org_folder_id]
    (org,) = client.list_organizations()
    assert (org.name, org.registrar) == ("Demo Law Review", "Demo Library")
    assert org.shared_folder is not None and org.shared_folder.id == sb.org_folder_id
    assert client.get_organization(org.id) == org
    with pytest.raises(PermissionDeniedError):
        client.get_organization(org.id + 1)  # "Other Journal"
    with pytest.raises(NotFoundError):
        client.get_organization(999)


# ---------------------------------------------------------------------- archives


def test_archive_lifecycle(sb: Sandbox, client: PermaClient) -> None:
    created = client.create_archive(
        "https://example.com/a",
        folder=sb.personal_folder_id,
        title="A page",
        description="about a",
        notes="note 1",
        is_private=True,
    )
    assert (created.url, created.title, created.description, created.notes) == (
        "https://example.com/a",
        "A page",
        "about a",
        "note 1",
    )
    assert (
        created.is_private
        and created.private_reason == "user"
        and created.primary_status == "pending"
    )
    assert sb.links(folder_id=sb.personal_folder_id)[0].guid == created.guid
    assert client.get_archive(created.guid.lower()) == created

    updated = client.update_archive(
        created.guid,
        title="Better",
        notes="note 2",
        is_private=False,
        default_to_screenshot_view=True,
    )
    assert (updated.title, updated.notes, updated.is_private) == ("Better", "note 2", False)
    before = sb.count()
    with pytest.raises(ValueError, match="cannot update folder, url"):
        client.update_archive(created.guid, url="https://x.example/", folder=sb.org_folder_id)
    assert sb.count() == before  # refused before any request

    moved = client.move_archive(created.guid, sb.org_folder_id)
    assert moved.organization is not None and moved.organization.name == "Demo Law Review"
    assert [lk.guid for lk in sb.links(folder_id=sb.org_folder_id)] == [created.guid]

    client.delete_archive(created.guid)  # still pending: deletable
    assert created.guid not in {lk.guid for lk in sb.links()}
    job = client.get_capture_job(created.guid)  # the job outlives its link (docs/perma-api.md#capture-jobs)
    assert (job.status, job.user_deleted) == ("deleted", True)
    with pytest.raises(NotFoundError):
        client.get_archive(created.guid)


def test_delete_rules_follow_the_clock(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    first = client.create_archive("https://example.com/1", folder=sb.org_folder_id)
    clock.advance(6)  # capture in progress
    with pytest.raises(ValidationError) as info:
        client.delete_archive(first.guid)
    assert info.value.fields == {
        "error": ["Capture in progress: please wait until complete before deleting."]
    }
    clock.advance(DONE)
    client.delete_archive(first.guid)
    second = client.create_archive("https://example.com/2", folder=sb.org_folder_id)
    clock.advance(24 * 3600 + 1)  # now permanent
    with pytest.raises(PermissionDeniedError) as denied:
        client.delete_archive(second.guid)
    assert denied.value.status == 403
    assert [lk.guid for lk in sb.links()].count(second.guid) == 1


def test_download_archive_after_capture(
    sb: Sandbox, client: PermaClient, clock: FakeClock, tmp_path: Path
) -> None:
    archive = client.create_archive(
        "https://example.com/doc", folder=sb.org_folder_id, is_private=True
    )
    for step in (0, 6):  # pending, then in progress
        clock.advance(step)
        with pytest.raises(NotFoundError) as info:
            client.download_archive(archive.guid, io.BytesIO())
        assert info.value.messages == ("Not found.",)
    assert not (tmp_path / "x.warc.gz").exists()
    clock.advance(DONE)
    done = client.get_archive(archive.guid)
    assert done.primary_status == "success" and done.warc_size and done.warc_download_url
    written = client.download_archive(archive.guid, tmp_path / "x.warc.gz")
    text = warc_text((tmp_path / "x.warc.gz").read_bytes())
    assert "WARC-Type: response" in text and archive.guid in text
    assert written > done.warc_size  # the download adds a fresh warcinfo record
    buf = io.BytesIO()
    assert client.download_archive(archive.guid, buf) == written


def test_list_archives_and_filters(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    made = []
    for i, (url, folder) in enumerate(
        [
            ("https://www.example.com/a/", sb.personal_folder_id),
            ("https://example.org/b", sb.org_folder_id),
            ("https://example.org/c", sb.personal_folder_id),
        ]
    ):
        made.append(client.create_archive(url, folder=folder, notes=f"note-{i}").guid)
        clock.advance(60)
    mine = [a.guid for a in client.list_archives()]
    assert mine == made[::-1]  # newest first; the other user's public archives are not listed
    assert [a.guid for a in client.list_archives(folder=sb.personal_folder_id)] == [
        made[2],
        made[0],
    ]
    # url= is SURT equality: scheme, www and the trailing slash are ignored; not a substring match.
    assert [a.guid for a in client.list_archives(url="http://example.com/a")] == [made[0]]
    assert list(client.list_archives(url="https://example.com/")) == []
    assert [a.guid for a in client.list_folder_archives(sb.org_folder_id, url="example.org/b")] == [
        made[1]
    ]
    assert list(client.list_folder_archives(sb.org_folder_id, url="example.org/c")) == []
    assert [a.guid for a in client.list_archives(q="NOTE-2")] == [made[2]]  # notes are searched


def test_export_archives(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    assert client.export_archives(folder=sb.org_folder_id) == ""  # empty body when no links
    guid = client.create_archive("https://example.com/e", folder=sb.org_folder_id, title="E").guid
    client.create_archive("https://example.com/p", folder=sb.personal_folder_id)
    clock.advance(DONE)
    rows = list(csv.DictReader(io.StringIO(client.export_archives(folder=sb.org_folder_id))))
    assert [(r["url"], r["status"], r["title"], r["perma_link"]) for r in rows] == [
        ("https://example.com/e", "success", "E", f"https://perma.cc/{guid}")
    ]
    assert len(list(csv.DictReader(io.StringIO(client.export_archives())))) == 2


# ---------------------------------------------------------------------- batches and quota


def test_batches_and_links_remaining(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    assert client.links_remaining(sb.personal_folder_id) == 10.0
    batch = client.create_batch(
        ["https://example.com/ok", "https://nope.invalid/", "ftp://example.com/"],
        sb.personal_folder_id,
    )
    assert batch.links_remaining == 9.0 and batch.links_remaining_period == "once"
    assert batch.target_folder_id == sb.personal_folder_id and batch.created_by == sb.demo_user_id
    by_url = {job.submitted_url: job for job in batch.capture_jobs}
    assert by_url["https://nope.invalid/"].errors == ("Couldn't resolve domain.",)
    assert (
        by_url["ftp://example.com/"].status == "invalid"
        and by_url["ftp://example.com/"].guid is None
    )
    ok = by_url["https://example.com/ok"]
    assert ok.guid and ok.transitional and not batch.settled
    clock.advance(DONE)
    again = client.get_batch(batch.id)
    assert again.settled and again.links_remaining is None
    assert {j.status for j in again.capture_jobs} == {"completed", "invalid"}
    second = client.create_batch([], sb.org_folder_id)
    # Newest first; the oldest is the empty batch links_remaining() sent.
    assert [b.id for b in client.list_batches(page_size=1)] == [second.id, batch.id, batch.id - 1]
    links_before = sb.links()
    assert client.links_remaining(sb.personal_folder_id) == 9.0  # an empty batch spends nothing
    assert sb.links() == links_before
    sb.set_link_limit(DEMO_API_KEY, None)
    assert client.links_remaining(sb.personal_folder_id) == math.inf


def test_quota_exceeded(sb: Sandbox, client: PermaClient) -> None:
    sb.set_link_limit(DEMO_API_KEY, 1)
    client.create_archive("https://example.com/1", folder=sb.personal_folder_id)
    with pytest.raises(QuotaExceededError) as info:
        client.create_archive("https://example.com/2", folder=sb.personal_folder_id)
    assert info.value.messages == (QUOTA,) and info.value.fields == {"error": [QUOTA]}
    assert isinstance(info.value, ValidationError)
    client.create_archive(
        "https://example.com/2", folder=sb.org_folder_id
    )  # org folders have no quota


# ---------------------------------------------------------------------- folders


def test_folders(sb: Sandbox, client: PermaClient) -> None:
    assert [f.name for f in client.list_top_folders()] == ["Personal Links", "Demo Law Review"]
    personal = client.get_folder(sb.personal_folder_id)
    assert personal.parent is None and personal.is_personal and personal.has_children
    assert [f.name for f in client.list_child_folders(personal.id)] == ["Drafts", "Research"]

    new = client.create_folder(personal.id, "  Vol 13  ")
    assert (new.name, new.parent, new.path) == ("Vol 13", personal.id, f"{personal.id}-{new.id}")
    with pytest.raises(ValidationError) as info:
        client.create_folder(personal.id, "Vol 13")
    assert info.value.messages == (DUPLICATE,) and info.value.fields == {"name": [DUPLICATE]}
    assert type(info.value) is ValidationError and info.value.status == 400

    assert client.rename_folder(new.id, "Volume 13").name == "Volume 13"
    moved = client.move_folder(new.id, sb.org_folder_id)
    assert moved.parent == sb.org_folder_id and moved.organization is not None
    assert "Volume 13" in [f.name for f in client.list_child_folders(sb.org_folder_id)]

    client.create_archive("https://example.com/in-folder", folder=new.id)
    with pytest.raises(ValidationError) as full:
        client.delete_folder(new.id)
    assert full.value.fields == {"error": [NOT_EMPTY]}
    empty = client.create_folder(new.id, "Empty")
    client.delete_folder(empty.id)
    with pytest.raises(NotFoundError):
        client.get_folder(empty.id)


# ---------------------------------------------------------------------- capture jobs and GUIDs


def test_capture_jobs(sb: Sandbox, client: PermaClient, clock: FakeClock) -> None:
    ok = client.create_archive("https://example.com/job", folder=sb.org_folder_id)
    bad = client.create_archive("https://capture-fails.example/", folder=sb.org_folder_id)
    pending = {job.guid: job for job in client.list_capture_jobs()}
    assert set(pending) == {ok.guid, bad.guid}
    assert pending[ok.guid].status == "pending" and pending[ok.guid].queue_position >= 1
    job_id = sb.state.links[ok.guid].job_id  # the API never shows numeric job ids
    assert client.get_capture_job(job_id) == client.get_capture_job(ok.guid.lower())
    clock.advance(DONE)
    assert list(client.list_capture_jobs()) == []
    done = client.get_capture_job(ok.guid)
    assert done.status == "completed" and done.capture_end_time is not None and not done.errors
    failed = client.get_capture_job(bad.guid)
    assert failed.status == "failed" and failed.errors == ("Failed during capture.",)
    with pytest.raises(NotFoundError):
        client.get_capture_job(987654)


@pytest.mark.parametrize(
    ("text", "guid"),
    [
        ("abcd-2345", "ABCD-2345"),
        (" ABCD-2345 ", "ABCD-2345"),
        ("https://perma.cc/abcd-2345", "ABCD-2345"),
        ("https://perma.cc/ABCD-2345/", "ABCD-2345"),
        ("0HM3OMR2WP", "0HM3OMR2WP"),
    ],
)
def test_normalize_guid(text: str, guid: str) -> None:
    assert normalize_guid(text) == guid


@pytest.mark.parametrize(
    "text", ["", "abc", "ABCD_2345", "ABCD-2345-XYZW-Q", "https://perma.cc/", "ab cd-1234"]
)
def test_normalize_guid_rejects(text: str) -> None:
    with pytest.raises(InvalidGuidError):
        normalize_guid(text)


def test_bad_guid_sends_nothing(sb: Sandbox, client: PermaClient) -> None:
    with pytest.raises(InvalidGuidError):
        client.get_archive("../folders/25")
    assert sb.count() == 0


# ---------------------------------------------------------------------- pagination


def test_small_pages_yield_every_object_once(sb: Sandbox, session: PermaSession) -> None:
    client = PermaClient(session=session, page_size=2)
    made = fill(client, sb.org_folder_id, 7)
    sb.reset_log()
    listed = [a.guid for a in client.list_archives(folder=sb.org_folder_id)]
    assert sorted(listed) == sorted(made) and len(set(listed)) == 7
    pages = [r for r in sb.requests if r.path.endswith("/archives")]
    assert [r.query["offset"] for r in pages] == ["0", "2", "4", "6"]  # stopped on the short page
    last = session.request(
        "GET", f"/folders/{sb.org_folder_id}/archives", params={"limit": 2, "offset": 6}
    )
    assert last.json()["meta"]["next"] is not None  # which is why the client cannot trust it
    sb.reset_log()
    assert len(list(itertools.islice(client.list_archives(folder=sb.org_folder_id), 3))) == 3
    assert sb.count("GET") == 2


def test_exact_pages_stop_on_the_empty_page(sb: Sandbox, session: PermaSession) -> None:
    client = PermaClient(session=session, page_size=3)
    fill(client, sb.org_folder_id, 6)
    sb.reset_log()
    assert len(list(client.list_archives())) == 6
    assert [r.query["offset"] for r in sb.requests] == ["0", "3", "6"]


def test_page_size_above_the_server_cap(sb: Sandbox, session: PermaSession) -> None:
    client = PermaClient(session=session, page_size=1000)
    fill(client, sb.org_folder_id, 301)
    sb.reset_log()
    assert len({a.guid for a in client.list_archives(folder=sb.org_folder_id)}) == 301
    assert [r.query["offset"] for r in sb.requests] == ["0", "300"]


def test_other_lists_page_too(sb: Sandbox, session: PermaSession) -> None:
    client = PermaClient(session=session, page_size=1)
    for name in ("c", "a", "b"):
        client.create_folder(sb.personal_folder_id, name)
    assert [f.name for f in client.list_child_folders(sb.personal_folder_id)] == [
        "Drafts",
        "Research",
        "a",
        "b",
        "c",
    ]
    assert [f.id for f in client.list_top_folders()] == [sb.personal_folder_id, sb.org_folder_id]
    assert len(list(client.list_public_archives())) == 3 + len(SAMPLE_ARCHIVES)


# ---------------------------------------------------------------------- error classes


def test_authentication_errors(sb: Sandbox) -> None:
    with pytest.raises(AuthenticationError):
        PermaClient(None, sb.base_url).list_top_folders().__next__()
    assert sb.requests == []
    for key, detail in (
        ("f" * 40, "Invalid token."),
        (INACTIVE_API_KEY, "User inactive or deleted."),
    ):
        with pytest.raises(AuthenticationError) as info:
            PermaClient(key, sb.base_url).get_user()
        assert info.value.messages == (detail,)


def test_permission_denied_on_the_other_users_objects(
    sb: Sandbox, client: PermaClient, other: PermaClient
) -> None:
    their_folder = other.get_user().top_level_folders[0].id
    their_archive = other.create_archive("https://example.com/theirs", folder=their_folder)
    for call in (
        lambda: client.get_folder(their_folder),
        lambda: client.list_folder_archives(their_folder).__next__(),
        lambda: client.create_folder(their_folder, "mine now"),
        lambda: client.get_archive(their_archive.guid),
        lambda: client.get_capture_job(their_archive.guid),
        lambda: client.move_archive(their_archive.guid, sb.personal_folder_id),
        lambda: client.delete_archive(their_archive.guid),
    ):
        with pytest.raises(PermissionDeniedError) as info:
            call()
        assert info.value.messages == ("You do not have permission to perform this action.",)
    assert their_archive.guid in [lk.guid for lk in sb.links(folder_id=their_folder)]


def test_not_found_and_validation(sb: Sandbox, client: PermaClient, session: PermaSession) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get_archive("ZZZZ-2345")
    assert info.value.messages == ("Not found.",)
    with pytest.raises(NotFoundError) as plain:
        session.request("GET", "/organization/1")  # the singular route the docs show does not exist
    assert plain.value.messages == ("Page Not Found",)
    guid = client.create_archive("https://example.com/v", folder=sb.org_folder_id).guid
    with pytest.raises(ValidationError) as top_list:
        session.request("PATCH", f"/archives/{guid}", json={"url": "x"})
    assert top_list.value.messages == (ONLY_UPDATES,) and top_list.value.fields == {
        "error": [ONLY_UPDATES]
    }
    with pytest.raises(ValidationError) as url:
        client.create_archive("https://nope.invalid/", folder=sb.org_folder_id)
    assert url.value.fields == {"url": ["Couldn't resolve domain."]}
    with pytest.raises(ValidationError, match="This field may not be blank"):
        client.update_archive(guid, title=" ")


def test_transport_errors_through_the_client(
    sb: Sandbox, client: PermaClient, sleeps: list[float]
) -> None:
    sb.inject_fault("429", method="GET", times=MAX_RETRIES + 1)
    with pytest.raises(RateLimitedError):
        client.get_user()
    sb.inject_fault("503", method="GET", times=MAX_RETRIES + 1)
    with pytest.raises(ServerError):
        list(client.list_top_folders())
    sb.inject_fault("drop", method="POST")
    with pytest.raises(UnknownOutcomeError):
        client.create_archive("https://example.com/dropped", folder=sb.org_folder_id)
    assert sb.count("POST") == 1 and len(sb.links(url="https://example.com/dropped")) == 1
    offline = PermaClient(
        session=make_session(f"http://127.0.0.1:{closed_port()}/v1", DEMO_API_KEY, [])
    )
    with pytest.raises(NetworkError):
        offline.get_public_archive("ABCD-2345")
    assert len(sleeps) == 2 * MAX_RETRIES


def test_the_key_never_leaks(
    sb: Sandbox, client: PermaClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[PermaError] = []

    def expect_error(call: object) -> None:
        with pytest.raises(PermaError) as info:
            call()  # type: ignore[operator]
        errors.append(info.value)

    guid = client.create_archive("https://example.com/k", folder=sb.org_folder_id).guid
    list(client.list_public_archives())
    client.get_public_archive(guid)
    expect_error(lambda: client.download_public_archive(guid, io.BytesIO()))
    clock.advance(DONE)
    client.download_archive(guid, io.BytesIO())
    for call in (
        lambda: client.get_archive("ZZZZ-2345"),
        lambda: client.create_folder(sb.personal_folder_id, "Drafts"),
        lambda: client.session.request("GET", "/nothing"),
        lambda: PermaClient(INACTIVE_API_KEY, sb.base_url).get_user(),
        lambda: PermaClient(DEMO_API_KEY[::-1], sb.base_url).get_user(),
    ):
        expect_error(call)
    sb.inject_fault("503", method="POST")
    expect_error(lambda: client.create_archive("https://example.com/k2", folder=sb.org_folder_id))
    for error in errors:
        assert_no_secret(f"{error} {error!r} {error.messages} {getattr(error, 'cause', '')!r}")
    assert_no_secret(repr(client.session) + repr(client))
    assert any(
        r.name.startswith("urllib3") for r in caplog.records
    )  # the check below means something
    assert_no_secret(caplog.text)
    public = [r for r in sb.requests if r.path.startswith("/v1/public/")]
    assert public and not any(r.had_auth_header for r in public)
    assert not any(r.had_api_key_query for r in sb.requests)
    assert all(r.had_auth_header for r in sb.requests if not r.path.startswith("/v1/public/"))


# ------------------------------------------------------ scenarios of Perma's own API tests
# The repository's own API tests, replayed against the sandbox through the client where it has a
# method, and through ``session.request`` for the raw shapes.


def test_s11_current_user_and_isolation(
    sb: Sandbox, client: PermaClient, session: PermaSession, other: PermaClient
) -> None:
    assert set(session.request("GET", "/user").json()) == {
        "id",
        "first_name",
        "last_name",
        "short_name",
        "full_name",
        "top_level_folders",
    }
    with pytest.raises(AuthenticationError) as anonymous:
        session.request("GET", "/user", auth=False)
    assert anonymous.value.messages == ("Authentication credentials were not provided.",)
    mine = client.create_archive("https://example.com/mine", folder=sb.org_folder_id)
    theirs = other.create_archive("https://example.com/theirs")
    assert {f.id for f in client.list_top_folders()}.isdisjoint(
        f.id for f in other.list_top_folders()
    )
    assert {o.id for o in client.list_organizations()}.isdisjoint(
        o.id for o in other.list_organizations()
    )
    assert [a.guid for a in client.list_archives()] == [mine.guid]
    assert [j.guid for j in other.list_capture_jobs()] == [theirs.guid]
    with pytest.raises(PermissionDeniedError):
        other.get_capture_job(mine.guid)


def test_s11_folder_rules(
    sb: Sandbox, client: PermaClient, session: PermaSession, other: PermaClient
) -> None:
    listing = session.request("GET", "/folders", params={"limit": 9999}).json()
    assert set(listing) == {"meta", "objects"} and listing["meta"]["limit"] == 1000
    kids = session.request("GET", f"/folders/{sb.personal_folder_id}/folders").json()
    assert kids["meta"]["limit"] == 300
    parent = client.create_folder(sb.personal_folder_id, "Parent")
    child = client.create_folder(parent.id, "Child")
    cases = [
        (
            lambda: session.request("POST", "/folders", json={"name": "x"}),
            {"parent": ["This field is required."]},
        ),
        (
            lambda: client.rename_folder(sb.personal_folder_id, "Mine"),
            {"name": ["Top-level folders cannot be renamed."]},
        ),
        (
            lambda: client.rename_folder(sb.org_folder_id, "Ours"),
            {"name": ["Top-level folders cannot be renamed."]},
        ),
        (
            lambda: client.move_folder(parent.id, parent.id),
            {"parent": ["A node may not be made a child of itself."]},
        ),
        (
            lambda: client.move_folder(parent.id, child.id),
            {"parent": ["A node may not be made a child of any of its descendants."]},
        ),
        (
            lambda: client.move_folder(sb.org_folder_id, parent.id),
            {"parent": ["You can't move an organization's shared folder."]},
        ),
        (
            lambda: client.move_folder(sb.personal_folder_id, sb.org_folder_id),
            {"parent": ["You can't move your Personal Links folder."]},
        ),
        (
            lambda: session.request("PATCH", f"/folders/{child.id}", json={"parent": None}),
            {"parent": ["This field may not be null."]},
        ),
        (
            lambda: session.request("PATCH", f"/folders/{child.id}", json={"read_only": True}),
            {"error": ["Only updates on these fields are allowed: name, parent"]},
        ),
        (
            lambda: client.delete_folder(sb.personal_folder_id),
            {"error": ["Top-level folders cannot be deleted."]},
        ),
        (lambda: client.delete_folder(parent.id), {"error": [NOT_EMPTY]}),
    ]
    for call, fields in cases:
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.fields == fields
    for call in (
        lambda: other.rename_folder(child.id, "x"),
        lambda: other.delete_folder(child.id),
        lambda: other.move_folder(child.id, other.get_user().top_level_folders[0].id),
    ):
        with pytest.raises(PermissionDeniedError):
            call()
    assert client.get_folder(child.id).parent == parent.id


def test_s11_link_resource(
    sb: Sandbox, client: PermaClient, session: PermaSession, other: PermaClient, clock: FakeClock
) -> None:
    public = client.list_public_archives().__next__()
    assert len(session.request("GET", f"/public/archives/{public.guid}", auth=False).json()) == 10
    bare = client.create_archive("example.com", folder=sb.org_folder_id)
    assert (bare.url, bare.title, bare.description) == ("https://example.com", "example.com", None)
    titled = client.create_archive("https://example.com/t", folder=sb.org_folder_id, title="Kept")
    private = client.create_archive(
        "https://example.com/p", folder=sb.org_folder_id, is_private=True
    )
    with pytest.raises(NotFoundError):  # HEAD too is 404 until the capture completed
        session.request("HEAD", f"/archives/{bare.guid}/download")
    clock.advance(DONE)
    assert client.get_archive(titled.guid).title == "Kept"  # a custom title survives the capture
    for call in (
        lambda: client.get_public_archive(private.guid),
        lambda: client.download_public_archive(private.guid, io.BytesIO()),
    ):
        with pytest.raises(NotFoundError):
            call()
    path = f"/archives/{bare.guid}/download"
    with pytest.raises(AuthenticationError):
        session.request("GET", path, auth=False)
    with pytest.raises(PermissionDeniedError):
        other.download_archive(bare.guid, io.BytesIO())
    head = session.request("HEAD", path)
    assert head.headers["Content-Type"] == "application/gzip" and head.content == b""
    assert head.headers["Content-Disposition"] == f'attachment; filename="{bare.guid}.warc.gz"'
    assert "Content-Length" not in head.headers
    patched = client.update_archive(bare.guid, description="d", default_to_screenshot_view=True)
    assert patched.description == "d"
    with pytest.raises(PermissionDeniedError):
        other.update_archive(bare.guid, notes="mine now")
    day = datetime.fromtimestamp(clock(), timezone.utc).date().isoformat()
    assert len(list(client.list_archives(date=day))) == 3
    assert list(client.list_archives(date="2001-01-01")) == []
    with pytest.raises(ValidationError) as bad_date:
        list(client.list_archives(date="someday"))
    assert bad_date.value.fields == {"date": ["Enter a valid date/time."]}


def test_s11_link_authorization(
    sb: Sandbox, client: PermaClient, session: PermaSession, other: PermaClient
) -> None:
    their_folder = other.get_user().top_level_folders[0].id
    mine = client.create_archive("https://example.com/m", folder=sb.org_folder_id)
    with pytest.raises(PermissionDeniedError):
        client.move_archive(mine.guid, their_folder)
    with pytest.raises(ValidationError) as folder:
        client.create_archive("https://example.com/x", folder=their_folder)
    assert folder.value.fields == {"folder": ["Folder not found."]}
    with pytest.raises(AuthenticationError):
        session.request("POST", "/archives", json={"url": "https://example.com/"}, auth=False)
    their_sub = next(other.list_child_folders(their_folder))
    with pytest.raises(ValidationError) as batch:
        client.create_batch(["https://example.com/b"], their_sub.id)
    assert set(batch.value.fields) == {"target_folder"}
    assert their_sub.name not in str(batch.value)  # the folder's name is not leaked
    assert list(client.list_batches()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("httpexamplecom", "Couldn't resolve domain."),
        ("[http://example.com", "Not a valid URL."),
        ("]http://example.com", "Not a valid URL."),
        ("http://exa\x00mple.com", "Unicode error while processing URL."),
        ("\u2603" * 40, "Couldn't resolve domain."),
        ("https://fakedomain.invalid/", "Couldn't resolve domain."),
        ("http://198.51.100.1/", "Not a valid IP."),
        ("http://127.0.0.0", "Not a valid IP."),
        ("ftp://example.com/", "Not a valid URL."),
        ("file:///etc/passwd", "Not a valid URL."),
        ("javascript:alert(1)", "Not a valid URL."),
        ("", "URL cannot be empty."),
    ],
)
def test_s11_link_validation(sb: Sandbox, client: PermaClient, url: str, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        client.create_archive(url, folder=sb.org_folder_id)
    assert info.value.messages == (message,) and sb.links(folder_id=sb.org_folder_id) == []


def test_s11_folder_must_be_an_integer(sb: Sandbox, session: PermaSession) -> None:
    with pytest.raises(ValidationError) as info:
        session.request(
            "POST", "/archives", json={"url": "https://example.com/", "folder": "not-an-integer"}
        )
    assert info.value.fields == {"folder": ["Folder not found."]}


def test_a_2xx_body_of_the_wrong_shape_is_a_perma_error() -> None:
    """A server that is not Perma (a wrong PERMA_API_URL) gives a PermaError, not a KeyError."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from permify.errors import PermaError as _PermaError

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"meta": {"limit": 300}, "objects": [{"no": "guid"}]}' if "archives?" in self.path else b"{}"
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = PermaClient("k" * 40, f"http://127.0.0.1:{server.server_address[1]}/v1")
        with pytest.raises(_PermaError, match="unexpected"):
            client.get_archive("2B3C-D4E5")
        with pytest.raises(_PermaError, match="unexpected"):
            list(client.list_archives())
    finally:
        server.shutdown()
        server.server_close()
