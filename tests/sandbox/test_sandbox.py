"""The sandbox behaves like Perma.cc's API (docs/perma-api.md), over real loopback HTTP."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import zlib
from collections.abc import Iterator

import pytest
from sandbox_helpers import Api, FakeClock

from permify.errors import UsageError
from permify.sandbox import (
    DEMO_API_KEY,
    INACTIVE_API_KEY,
    OTHER_API_KEY,
    FaultConfig,
    Sandbox,
    SandboxConfig,
    serve,
)
from permify.sandbox.seed import SAMPLE_ARCHIVES

QUOTA = ("Perma can't create this link. You've reached your usage limit. Visit your Usage Plan "
         "page for information and plan options.")
STRICT_GUID = re.compile(r"^(?![A-Z]{4})[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")
PUBLIC_KEYS = {"guid", "creation_timestamp", "url", "title", "description", "warc_size",
               "warc_download_url", "captures", "queue_time", "capture_time"}
AUTH_KEYS = PUBLIC_KEYS | {"notes", "created_by", "is_private", "private_reason", "user_deleted",
                           "archive_timestamp", "organization", "default_to_screenshot_view"}


def _config(clock: FakeClock, **kw: object) -> SandboxConfig:
    opts: dict[str, object] = {"capture_seconds": 10.0, "queue_seconds": 5.0, "clock": clock}
    opts.update(kw)
    return SandboxConfig(**opts)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sb(clock: FakeClock) -> Iterator[Sandbox]:
    with Sandbox(_config(clock)) as sandbox:
        yield sandbox


@pytest.fixture
def api(sb: Sandbox) -> Api:
    return Api(sb.base_url)


def _create(api: Api, url: str, folder: int, **extra: object) -> dict:
    reply = api.post("/archives", {"url": url, "folder": folder, **extra})
    assert reply.status == 201, reply.body
    return reply.json()


# ---------------------------------------------------------------------- transport and auth


def test_auth_messages_match_drf(api: Api, sb: Sandbox) -> None:
    cases = [
        (None, "Authentication credentials were not provided."),
        ("Bearer x", "Authentication credentials were not provided."),
        ("ApiKey", "Invalid token header. No credentials provided."),
        ("ApiKey a b", "Invalid token header. Token string should not contain spaces."),
        ("ApiKey " + "0" * 40, "Invalid token."),
        ("ApiKey " + INACTIVE_API_KEY, "User inactive or deleted."),
    ]
    for header, detail in cases:
        headers = {"Authorization": header} if header else {}
        reply = api.get("/folders", key=None, headers=headers)
        assert (reply.status, reply.json()) == (401, {"detail": detail}), header
        assert reply.headers["www-authenticate"] == "ApiKey"
    assert api.get("/folders", key=None, headers={"Authorization": f"apikey {DEMO_API_KEY}"}).status == 200
    # A bad key breaks even public endpoints; no key at all is fine there.
    assert api.get("/public/archives", key="f" * 40).json() == {"detail": "Invalid token."}
    assert api.get("/public/archives", key=None).status == 200


def test_api_key_query_parameter_is_accepted_and_logged(api: Api, sb: Sandbox) -> None:
    sb.reset_log()
    assert api.get(f"/user?api_key={DEMO_API_KEY}", key=None).status == 200
    assert api.get("/user").status == 200
    first, second = sb.requests
    assert (first.had_api_key_query, first.had_auth_header) == (True, False)
    assert (second.had_api_key_query, second.had_auth_header) == (False, True)
    assert first.query == {"api_key": DEMO_API_KEY} and second.status == 200
    assert sb.count("GET", "user") == 2 and sb.count("POST") == 0


def test_unknown_paths_are_plain_text_404(api: Api) -> None:
    for path in ("/v1/nope", "/v1/organization/1", "/v1", "/v1/folders/25/folders/x/y"):
        reply = api.get(path)
        assert (reply.status, reply.text) == (404, "Page Not Found"), path
        assert reply.headers["content-type"].startswith("text/plain")
    assert api.get("/organizations/1").status == 200
    assert api.get("/v1/").status == 200


def test_trailing_slash_legacy_prefix_and_route_precedence(api: Api, sb: Sandbox) -> None:
    for path in ("/folders", "/folders/", "/user/folders", "/user/folders/", "/archives/",
                 "/user/archives", "/capture_jobs/", "/organizations/"):
        assert api.get(path).status == 200, path
    assert api.get("/archives/batches").json()["objects"] == []
    export = api.get("/archives/export/")
    assert export.status == 200 and export.headers["content-type"] == "text/csv"
    assert api.get(f"/user/folders/{sb.personal_folder_id}/folders").status == 404


def test_method_not_allowed(api: Api) -> None:
    reply = api.delete("/folders")
    assert (reply.status, reply.json()) == (405, {"detail": 'Method "DELETE" not allowed.'})


def test_user_and_organizations(api: Api, sb: Sandbox) -> None:
    user = api.get("/user").json()
    assert set(user) == {"id", "first_name", "last_name", "full_name", "short_name",
                         "top_level_folders"}
    assert [f["id"] for f in user["top_level_folders"]] == [sb.personal_folder_id, sb.org_folder_id]
    org = api.get("/organizations").json()["objects"][0]
    assert set(org) == {"id", "name", "registrar", "default_to_private", "shared_folder"}
    assert (org["name"], org["registrar"]) == ("Demo Law Review", "Demo Library")
    assert org["shared_folder"]["id"] == sb.org_folder_id
    other_org = Api(sb.base_url, OTHER_API_KEY).get("/organizations").json()["objects"][0]
    assert api.get(f"/organizations/{other_org['id']}").json() == {
        "detail": "You do not have permission to perform this action."}
    assert api.get("/organizations/999").status == 404


def test_objects_of_other_users_are_forbidden(api: Api, sb: Sandbox) -> None:
    other = Api(sb.base_url, OTHER_API_KEY)
    other_root = other.get("/user").json()["top_level_folders"][0]["id"]
    assert api.get(f"/folders/{other_root}").status == 403
    assert api.get(f"/folders/{other_root}/archives").status == 403
    guid = other.get(f"/folders/{other_root}/archives").json()["objects"][0]["guid"]
    assert api.get(f"/archives/{guid}").status == 403
    assert api.get(f"/capture_jobs/{guid}").status == 403
    assert api.delete(f"/archives/{guid}").status == 403
    assert api.post(f"/folders/{other_root}/folders", {"name": "x"}).status == 403
    assert api.get("/capture_jobs/1").status == 403  # a seeded job of the other user
    assert api.get("/capture_jobs/9999").status == 404


# ---------------------------------------------------------------------- public archives


def test_public_archives(api: Api) -> None:
    listing = api.get("/public/archives", key=None).json()
    objects = listing["objects"]
    # The other user's three public archives (its private memo is not listed) and the demo
    # user's archives of the links the sample documents cite.
    assert len(objects) == 3 + len(SAMPLE_ARCHIVES) and all(set(o) == PUBLIC_KEYS for o in objects)
    assert {guid for guid, _, _ in SAMPLE_ARCHIVES} <= {o["guid"] for o in objects}
    stamps = [o["creation_timestamp"] for o in objects]
    assert stamps == sorted(stamps, reverse=True)
    guid = objects[0]["guid"]
    assert api.get(f"/public/archives/{guid}", key=None).json()["guid"] == guid
    assert api.get(f"/public/archives/{guid.lower()}", key=None).json() == {"detail": "Not found."}
    download = api.get(f"/public/archives/{guid}/download", key=None)
    assert download.status == 200 and gzip.decompress(download.body).startswith(b"WARC/1.0")
    head = api.request("HEAD", f"/public/archives/{guid}/download", key=None)
    assert (head.status, head.body) == (200, b"")
    assert head.headers["content-type"] == "application/gzip"
    assert api.get("/public/archives?offset=30000", key=None).json() == {"offset": (
        "Maximum offset is 2700. Results are limited to 10 pages to prevent expensive queries.")}
    preflight = api.request("OPTIONS", "/folders", key=None, headers={"Origin": "https://x.org"})
    assert preflight.status == 200
    assert preflight.headers["access-control-allow-origin"] == "https://x.org"


# ---------------------------------------------------------------------- create and capture


def test_capture_lifecycle_and_download(api: Api, sb: Sandbox, clock: FakeClock) -> None:
    created = _create(api, "example.com/page", sb.personal_folder_id, title="Custom")
    guid = created["guid"]
    assert set(created) == AUTH_KEYS and STRICT_GUID.match(guid)
    assert created["url"] == "https://example.com/page" and created["title"] == "Custom"
    assert created["warc_size"] is None and created["queue_time"] is None
    assert [c["status"] for c in created["captures"]] == ["pending"]
    assert TIMESTAMP.match(created["creation_timestamp"])
    job = api.get(f"/capture_jobs/{guid}").json()
    assert (job["status"], job["queue_position"], job["message"]) == ("pending", 1, None)
    assert [j["guid"] for j in api.get("/capture_jobs").json()["objects"]] == [guid]
    assert api.get(f"/archives/{guid}/download").json() == {"detail": "Not found."}
    clock.advance(6)
    job = api.get(f"/capture_jobs/{job['guid']}").json()
    assert job["status"] == "in_progress" and job["attempt"] == 1
    assert api.get(f"/capture_jobs/{created['guid']}").json()["capture_end_time"] is None
    clock.advance(10)
    job = api.get(f"/capture_jobs/{guid}").json()
    assert job["status"] == "completed" and TIMESTAMP.match(job["capture_end_time"])
    assert api.get("/capture_jobs").json()["objects"] == []
    archive = api.get(f"/archives/{guid}").json()
    assert archive["warc_size"] > 0 and archive["warc_download_url"].endswith(f"/v1/archives/{guid}/download")
    assert [c["role"] for c in archive["captures"]] == ["primary", "screenshot"]
    download = api.get(f"/archives/{guid}/download")
    assert download.status == 200 and download.headers["content-type"] == "application/gzip"
    assert download.headers["content-disposition"] == f'attachment; filename="{guid}.warc.gz"'
    assert "content-length" not in download.headers
    members = []
    data = download.body
    while data:
        d = zlib.decompressobj(wbits=31)
        members.append(d.decompress(data))
        data = d.unused_data
    assert [m.split(b"\r\n")[1] for m in members] == [
        b"WARC-Type: warcinfo", b"WARC-Type: request", b"WARC-Type: response"]
    assert gzip.decompress(download.body).startswith(b"WARC/1.0")


def test_failed_capture(api: Api, sb: Sandbox, clock: FakeClock) -> None:
    guid = _create(api, "https://example.com/capture-fails", sb.org_folder_id)["guid"]
    clock.advance(60)
    job = api.get(f"/capture_jobs/{guid}").json()
    assert job["status"] == "failed"
    assert json.loads(job["message"]) == {"error": ["Failed during capture."]}
    assert api.get(f"/archives/{guid}").json()["captures"][0]["status"] == "failed"
    assert api.get(f"/archives/{guid}/download").status == 404


@pytest.mark.parametrize(("body", "error"), [
    ({"url": "http://nothing.invalid/"}, {"url": ["Couldn't resolve domain."]}),
    ({"url": "https://does-not-resolve.example.com/"}, {"url": ["Couldn't resolve domain."]}),
    ({"url": "http://127.0.0.1/"}, {"url": ["Not a valid IP."]}),
    ({"url": "ftp://example.com/file"}, {"url": ["Not a valid URL."]}),
    ({"url": "[http://example.com"}, {"url": ["Not a valid URL."]}),
    ({"url": ""}, {"url": ["URL cannot be empty."]}),
    ({"url": "http://example.com/\x00"}, {"url": "Unicode error while processing URL."}),
    ({"url": "http://example.com/", "human": "true"}, {"human": "Value must be of type bool, not str."}),
    ({"url": "http://example.com/", "folder": "abc"}, {"folder": ["Folder not found."]}),
    ({"url": "http://example.com/", "title": " "}, {"title": ["This field may not be blank."]}),
])
def test_create_validation_errors(api: Api, sb: Sandbox, body: dict, error: object) -> None:
    reply = api.post("/archives", body)
    assert (reply.status, reply.json()) == (400, error)
    assert sb.links(folder_id=sb.personal_folder_id) == []


def test_create_in_path_folder_and_body_folder_wins(api: Api, sb: Sandbox) -> None:
    reply = api.post(f"/folders/{sb.org_folder_id}/archives", {"url": "https://example.com/"})
    assert reply.status == 201 and reply.json()["organization"]["name"] == "Demo Law Review"
    reply = api.post(f"/folders/{sb.org_folder_id}/archives",
                     {"url": "https://example.com/", "folder": sb.personal_folder_id})
    assert reply.json()["organization"] is None
    assert api.post("/folders/9999/archives", {"url": "https://example.com/"}).status == 404


# ---------------------------------------------------------------------- quota


def test_personal_quota_and_refund(api: Api, sb: Sandbox) -> None:
    sb.set_link_limit(DEMO_API_KEY, 2)
    first = _create(api, "https://example.com/1", sb.personal_folder_id)
    _create(api, "https://example.com/2", sb.personal_folder_id)
    reply = api.post("/archives", {"url": "https://example.com/3"})
    assert (reply.status, reply.json()) == (400, {"error": [QUOTA]})
    _create(api, "https://example.com/3", sb.org_folder_id)  # org folders have no quota
    batch = api.post("/archives/batches", {"urls": ["https://example.com/4"],
                                           "target_folder": sb.personal_folder_id}).json()
    assert batch["links_remaining"] == 0
    assert json.loads(batch["capture_jobs"][0]["message"]) == {"error": [QUOTA]}
    assert api.delete(f"/archives/{first['guid']}").status == 204
    _create(api, "https://example.com/5", sb.personal_folder_id)
    sb.set_link_limit(sb.demo_user_id, None)
    batch = api.post("/archives/batches", {"urls": [], "target_folder": sb.personal_folder_id})
    assert batch.json()["links_remaining"] == "Infinity"


# ---------------------------------------------------------------------- batches


def test_batch_content_type_must_be_exact(api: Api, sb: Sandbox) -> None:
    body = {"urls": ["https://example.com/"], "target_folder": sb.org_folder_id}
    reply = api.post("/archives/batches", body, content_type="application/json; charset=utf-8")
    assert (reply.status, reply.json()) == (400, {"detail": "content-type must be aplication/json"})
    assert sb.links() and not sb.links(folder_id=sb.org_folder_id)


def test_batch_create_get_list_export(api: Api, sb: Sandbox, clock: FakeClock) -> None:
    empty = api.post("/archives/batches", {"urls": [], "target_folder": sb.personal_folder_id})
    assert empty.status == 201
    assert (empty.json()["capture_jobs"], empty.json()["links_remaining"]) == ([], 10)
    urls = ["https://example.com/a", "http://x.invalid/", "https://example.com/capture-fails"]
    reply = api.post("/archives/batches", {"urls": urls, "target_folder": sb.personal_folder_id})
    batch = reply.json()
    assert reply.status == 201 and batch["links_remaining"] == 8
    assert batch["links_remaining_period"] == "once" and batch["created_by"] == sb.demo_user_id
    assert batch["target_folder"]["id"] == sb.personal_folder_id
    jobs = batch["capture_jobs"]
    assert [j["status"] for j in jobs] == ["pending", "invalid", "pending"]
    assert (jobs[1]["guid"], jobs[1]["user_deleted"], jobs[1]["title"]) == (None, None, "")
    assert json.loads(jobs[1]["message"]) == {"url": ["Couldn't resolve domain."]}
    assert [j["submitted_url"] for j in jobs] == urls
    clock.advance(100)
    again = api.get(f"/archives/batches/{batch['id']}").json()
    assert [j["status"] for j in again["capture_jobs"]] == ["completed", "invalid", "failed"]
    listing = api.get("/archives/batches").json()["objects"]
    assert [b["id"] for b in listing] == [batch["id"], empty.json()["id"]]
    assert Api(sb.base_url, OTHER_API_KEY).get(f"/archives/batches/{batch['id']}").status == 403
    csv_text = api.get(f"/archives/batches/{batch['id']}/export").text
    assert csv_text.splitlines()[0] == "url,status,error_message,title,perma_link"
    assert [row.split(",")[1] for row in csv_text.splitlines()[1:]] == ["success", "error", "error"]
    missing = api.post("/archives/batches", {"urls": []})
    assert missing.json() == {"target_folder": ["This field is required."]}


# ---------------------------------------------------------------------- listing


def test_pagination_never_null_next_and_limit_cap(api: Api, sb: Sandbox, clock: FakeClock) -> None:
    guids = []
    for i in range(5):
        guids.append(_create(api, f"https://example.com/{i}", sb.org_folder_id)["guid"])
        clock.advance(1)
    path = f"/folders/{sb.org_folder_id}/archives"
    page = api.get(path + "?limit=2").json()
    assert [o["guid"] for o in page["objects"]] == guids[::-1][:2]  # newest first
    assert page["meta"]["previous"] is None
    assert page["meta"]["next"] == f"{sb.base_url}{path}?limit=2&offset=2"
    page = api.get(path + "?limit=2&offset=2").json()
    assert page["meta"]["previous"] == f"{sb.base_url}{path}?limit=2"
    last = api.get(path + "?limit=2&offset=4").json()
    assert len(last["objects"]) == 1 and last["meta"]["next"] is not None
    beyond = api.get(path + "?limit=2&offset=40").json()
    assert beyond["objects"] == [] and beyond["meta"]["next"].endswith("offset=42")
    assert api.get(path + "?limit=100000").json()["meta"]["limit"] == 300
    assert api.get(path + "?limit=abc&offset=-3").json()["meta"] | {"next": None} == {
        "limit": 300, "offset": 0, "previous": None, "next": None}
    kept = api.get(path + "?url=example.com/1&limit=1").json()["meta"]["next"]
    assert "url=example.com%2F1" in kept


def test_url_filter_is_canonical_equality(api: Api, sb: Sandbox) -> None:
    guid = _create(api, "https://www.Example.com/Path/?b=2&a=1#frag", sb.org_folder_id)["guid"]
    _create(api, "https://example.com/Path/deeper", sb.org_folder_id)
    for query in ("http://example.com/path?a=1&b=2", "example.com/path/?A=1&B=2",
                  "https://www2.example.com:443/path?b=2&a=1"):
        found = api.get(f"/archives?url={query.replace('&', '%26')}").json()["objects"]
        assert [o["guid"] for o in found] == [guid], query
    assert api.get("/archives?url=https://example.com/").json()["objects"] == []
    assert len(api.get("/archives?q=example.com+path").json()["objects"]) == 2
    assert api.get("/archives?date=yesterday").json() == {"date": ["Enter a valid date/time."]}
    assert [lk.guid for lk in sb.links(url="example.com/path?a=1&b=2")] == [guid]


# ---------------------------------------------------------------------- archive edits


def test_delete_rules(api: Api, sb: Sandbox, clock: FakeClock) -> None:
    pending = _create(api, "https://example.com/p", sb.personal_folder_id)["guid"]
    assert api.delete(f"/archives/{pending}").status == 204
    assert api.get(f"/archives/{pending}").status == 404
    job = api.get(f"/capture_jobs/{pending}").json()
    assert (job["status"], job["user_deleted"]) == ("deleted", True)
    running = _create(api, "https://example.com/r", sb.personal_folder_id)["guid"]
    clock.advance(6)
    reply = api.delete(f"/archives/{running}")
    assert (reply.status, reply.json()) == (400, {"error": [
        "Capture in progress: please wait until complete before deleting."]})
    clock.advance(24 * 3600)
    reply = api.delete(f"/archives/{running}")
    assert (reply.status, reply.json()) == (403, {
        "detail": "You do not have permission to perform this action."})
    assert api.get(f"/archives/{running}").status == 200


def test_patch_and_move_archive(api: Api, sb: Sandbox) -> None:
    guid = _create(api, "https://example.com/x", sb.personal_folder_id)["guid"]
    reply = api.patch(f"/archives/{guid}", {"title": "New", "notes": "n", "is_private": True})
    assert reply.status == 200
    assert (reply.json()["title"], reply.json()["private_reason"]) == ("New", "user")
    reply = api.patch(f"/archives/{guid}", {"url": "https://evil.example/"})
    assert reply.status == 400 and isinstance(reply.json(), list)
    assert reply.json()[0].startswith("Only updates on these fields are allowed: submitted_title")
    assert api.patch(f"/archives/{guid}", {"title": ""}).json() == {
        "title": ["This field may not be blank."]}
    moved = api.put(f"/folders/{sb.org_folder_id}/archives/{guid}")
    assert moved.status == 200 and moved.json()["organization"]["id"] == 1
    assert [lk.folder_id for lk in sb.links()][:1] == [sb.org_folder_id]
    assert api.get(f"/archives/{guid.lower()}").status == 404


# ---------------------------------------------------------------------- folders


def test_folder_create_rename_move_delete(api: Api, sb: Sandbox) -> None:
    root = sb.personal_folder_id
    created = api.post(f"/folders/{root}/folders", {"name": "  Smith  "})
    assert created.status == 201
    smith = created.json()
    assert (smith["name"], smith["parent"], smith["path"]) == ("Smith", root, f"{root}-{smith['id']}")
    dup = api.post(f"/folders/{root}/folders", {"name": "Smith"})
    assert (dup.status, dup.text) == (400, '{"name": ["A folder with that name already exists at that location."]}')
    names = [f["name"] for f in api.get(f"/folders/{root}/folders").json()["objects"]]
    assert names == sorted(names)
    child = api.post("/folders", {"name": "Vol 1", "parent": smith["id"]}).json()
    assert api.post("/folders", {"name": "x"}).json() == {"parent": ["This field is required."]}
    errors = [
        (f"/folders/{root}", {"name": "X"}, {"name": ["Top-level folders cannot be renamed."]}),
        (f"/folders/{smith['id']}", {"parent": smith["id"]},
         {"parent": ["A node may not be made a child of itself."]}),
        (f"/folders/{smith['id']}", {"parent": child["id"]},
         {"parent": ["A node may not be made a child of any of its descendants."]}),
        (f"/folders/{root}", {"parent": smith["id"]},
         {"parent": ["You can't move your Personal Links folder."]}),
        (f"/folders/{sb.org_folder_id}", {"parent": root},
         {"parent": ["You can't move an organization's shared folder."]}),
        (f"/folders/{smith['id']}", {"parent": None}, {"parent": ["This field may not be null."]}),
        (f"/folders/{smith['id']}", {"organization": 1},
         ["Only updates on these fields are allowed: name, parent"]),
    ]
    for path, body, error in errors:
        reply = api.patch(path, body)
        assert (reply.status, reply.json()) == (400, error), body
    assert api.put(f"/folders/{smith['id']}").json() == {
        "error": ["PUT is only valid for nested folder endpoints."]}
    renamed = api.patch(f"/folders/{smith['id']}", {"name": "Smith 2024"}).json()
    assert renamed["name"] == "Smith 2024"
    moved = api.put(f"/folders/{sb.org_folder_id}/folders/{smith['id']}").json()
    assert (moved["parent"], moved["organization"]) == (sb.org_folder_id, 1)
    assert api.get(f"/folders/{child['id']}").json()["organization"] == 1
    for folder_id, error in ((root, "Top-level folders cannot be deleted."),
                             (smith["id"], "Folders can only be deleted if they are empty.")):
        reply = api.delete(f"/folders/{folder_id}")
        assert (reply.status, reply.json()) == (400, {"error": [error]})
    assert api.delete(f"/folders/{child['id']}").status == 204
    assert api.delete(f"/folders/{smith['id']}").status == 204
    assert api.get(f"/folders/{smith['id']}").status == 404


# ---------------------------------------------------------------------- persistence, GUIDs


def test_state_persists_across_restart(tmp_path, clock: FakeClock) -> None:
    path = str(tmp_path / "state.json")
    with Sandbox(_config(clock, state_path=path)) as first:
        api = Api(first.base_url)
        guid = _create(api, "https://example.com/keep", first.personal_folder_id)["guid"]
        folder = api.post(f"/folders/{first.personal_folder_id}/folders", {"name": "Kept"}).json()
        batch = api.post("/archives/batches", {"urls": [], "target_folder": folder["id"]}).json()
    with Sandbox(_config(clock, state_path=path)) as second:
        api = Api(second.base_url)
        assert api.get(f"/archives/{guid}").json()["url"] == "https://example.com/keep"
        assert api.get(f"/archives/batches/{batch['id']}").status == 200
        newer = api.post(f"/folders/{second.personal_folder_id}/folders", {"name": "New"}).json()
        assert newer["id"] == folder["id"] + 1
        clock.advance(1)
        assert _create(api, "https://example.com/2", second.personal_folder_id)["guid"] != guid
        assert [lk.guid for lk in second.links(folder_id=second.personal_folder_id)][1:] == [guid]


def _guids(seed: int, clock: FakeClock) -> list[str]:
    with Sandbox(_config(clock, seed=seed)) as sandbox:
        api = Api(sandbox.base_url)
        body = {"urls": [f"https://example.com/{i}" for i in range(20)],
                "target_folder": sandbox.org_folder_id}
        return [j["guid"] for j in api.post("/archives/batches", body).json()["capture_jobs"]]


def test_guids_are_seeded_unique_and_well_formed(clock: FakeClock) -> None:
    first = _guids(3, clock)
    assert first == _guids(3, clock) and first != _guids(4, clock)
    assert len(set(first)) == 20 and all(STRICT_GUID.match(g) for g in first)


# ---------------------------------------------------------------------- faults


@pytest.mark.parametrize(("kind", "text"), [("500", "Internal Server Error"),
                                            ("502", "Bad Gateway"),
                                            ("503", "Service Unavailable")])
def test_5xx_faults_do_no_work(api: Api, sb: Sandbox, kind: str, text: str) -> None:
    sb.inject_fault(kind, method="POST", path_contains="/archives")
    reply = api.post("/archives", {"url": "https://example.com/", "folder": sb.org_folder_id})
    assert (reply.status, reply.text) == (int(kind), text)
    assert sb.links(folder_id=sb.org_folder_id) == []
    assert api.post("/archives", {"url": "https://example.com/"}).status == 201


def test_429_fault_has_retry_after(api: Api, sb: Sandbox) -> None:
    sb.inject_fault("429", times=2)
    assert api.get("/user").headers["retry-after"] == "1"
    assert api.get("/user").status == 429
    assert api.get("/user").status == 200
    assert [r.status for r in sb.requests] == [429, 429, 200]


def test_drop_fault_commits_then_closes(api: Api, sb: Sandbox) -> None:
    sb.inject_fault("drop", method="POST")
    with pytest.raises(http.client.RemoteDisconnected):
        api.post("/archives/batches", {"urls": ["https://example.com/d"],
                                       "target_folder": sb.org_folder_id})
    assert [lk.url for lk in sb.links(folder_id=sb.org_folder_id)] == ["https://example.com/d"]
    assert sb.requests[-1].status == 0 and sb.requests[-1].fault == "drop"


def test_slow_fault_still_answers(clock: FakeClock) -> None:
    faults = FaultConfig(rate=1.0, kinds=("slow",), slow_seconds=0.01)
    with Sandbox(_config(clock, faults=faults)) as sandbox:
        assert Api(sandbox.base_url).get("/user").status == 200


def test_random_faults_are_seeded(clock: FakeClock) -> None:
    def statuses(seed: int) -> list[int]:
        faults = FaultConfig(rate=0.5, seed=seed, kinds=("500", "503", "429"))
        with Sandbox(_config(clock, faults=faults)) as sandbox:
            api = Api(sandbox.base_url)
            return [api.get("/user").status for _ in range(12)]

    first = statuses(7)
    assert first == statuses(7) and set(first) > {200}


def test_serve_refuses_non_loopback_host() -> None:
    with pytest.raises(UsageError):
        serve(host="0.0.0.0", config=SandboxConfig())
