"""The API models are built from JSON the way the real server writes it, and tolerate its quirks."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import datetime, timedelta, timezone

import pytest

from permify.perma.accounts import Folder, Organization, User
from permify.perma.json_values import collect_strings, decode_messages, parse_timestamp
from permify.perma.models import Archive, Batch, CaptureJob

UTC = timezone.utc
FOLDER = {
    "id": 36,
    "name": "Vol 12",
    "parent": 35,
    "has_children": False,
    "path": "25-35-36",
    "organization": 3,
    "sponsored_by": None,
    "is_sponsored_root_folder": False,
    "read_only": False,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-05-16T16:11:19.516152Z", datetime(2018, 5, 16, 16, 11, 19, 516152, tzinfo=UTC)),
        ("2018-05-16T16:11:19Z", datetime(2018, 5, 16, 16, 11, 19, tzinfo=UTC)),
        ("2018-05-16T16:11:19.5Z", datetime(2018, 5, 16, 16, 11, 19, 500000, tzinfo=UTC)),
        ("2018-05-16T16:11:19.5161Z", datetime(2018, 5, 16, 16, 11, 19, 516100, tzinfo=UTC)),
        ("2018-05-16T16:11:19", datetime(2018, 5, 16, 16, 11, 19, tzinfo=UTC)),
        ("2018-05-16T18:11:19+02:00", datetime(2018, 5, 16, 16, 11, 19, tzinfo=UTC)),
        (" 2018-05-16T16:11:19z ", datetime(2018, 5, 16, 16, 11, 19, tzinfo=UTC)),
    ],
)
def test_parse_timestamp_forms(text: str, expected: datetime) -> None:
    parsed = parse_timestamp(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset() is not None


@pytest.mark.parametrize("value", [None, "", "yesterday", 1526487079, "2018-13-45T99:00:00Z", []])
def test_parse_timestamp_rejects_garbage_quietly(value: object) -> None:
    assert parse_timestamp(value) is None


def test_folder_parent_forms_and_unknown_keys() -> None:
    assert Folder.from_json(FOLDER) == Folder(36, "Vol 12", 35, False, "25-35-36", 3)
    stale = Folder.from_json({**FOLDER, "parent": "/v1/folders/25/", "new_field": {"x": 1}})
    assert stale.parent == 25
    assert Folder.from_json({**FOLDER, "parent": "/v1/folders/25"}).parent == 25
    assert Folder.from_json({**FOLDER, "parent": None}).parent is None
    assert Folder.from_json({**FOLDER, "parent": True}).parent is None
    nulls = Folder.from_json({"id": "7", "name": None, "path": None, "has_children": None})
    assert (nulls.id, nulls.name, nulls.path, nulls.has_children) == (7, "", "", False)
    assert Folder.from_json({**FOLDER, "organization": {"id": 9, "name": "X"}}).organization == 9


def test_folder_is_personal() -> None:
    assert Folder.from_json({**FOLDER, "organization": None}).is_personal
    assert not Folder.from_json(FOLDER).is_personal
    assert not Folder.from_json({**FOLDER, "organization": None, "sponsored_by": 4}).is_personal


def test_models_are_frozen() -> None:
    folder = Folder.from_json(FOLDER)
    with pytest.raises(dataclasses.FrozenInstanceError):
        folder.name = "renamed"  # type: ignore[misc]


def test_archive_authenticated_form() -> None:
    data = {
        "guid": "3SLN-JHX9",
        "creation_timestamp": "2016-12-07T18:55:37.123456Z",
        "url": "https://www.metafilter.com/",
        "title": "MetaFilter",
        "description": None,
        "warc_size": 7960,
        "warc_download_url": "https://api.perma.cc/v1/archives/3SLN-JHX9/download",
        "captures": [
            {
                "role": "primary",
                "status": "success",
                "url": "https://www.metafilter.com/",
                "record_type": "response",
                "content_type": "text/html",
                "user_upload": False,
            },
            {
                "role": "screenshot",
                "status": "success",
                "url": "file:///screenshot.png",
                "record_type": "resource",
                "content_type": "image/png",
                "user_upload": False,
            },
            "not a capture",
        ],
        "queue_time": 3,
        "capture_time": 18,
        "notes": "all cool things",
        "created_by": {"id": 4, "full_name": "Regular User"},
        "is_private": False,
        "private_reason": None,
        "user_deleted": False,
        "archive_timestamp": "2016-12-08T18:55:37Z",
        "organization": {
            "id": 1,
            "name": "Journal",
            "registrar": "Library",
            "default_to_private": False,
            "shared_folder": FOLDER,
        },
        "default_to_screenshot_view": False,
        "wacz_download_url": None,
    }
    archive = Archive.from_json(data)
    assert archive.guid == "3SLN-JHX9"
    assert archive.creation_timestamp == datetime(2016, 12, 7, 18, 55, 37, 123456, tzinfo=UTC)
    assert archive.archive_timestamp - archive.creation_timestamp == timedelta(
        hours=24, microseconds=-123456
    )
    assert [c.role for c in archive.captures] == ["primary", "screenshot"]
    assert archive.primary_status == "success"
    assert archive.perma_url == "https://perma.cc/3SLN-JHX9"
    assert archive.warc_size == 7960 and archive.notes == "all cool things"
    assert archive.is_private is False
    assert (
        archive.organization is not None
        and archive.organization.shared_folder == Folder.from_json(FOLDER)
    )


def test_archive_public_form_with_nulls() -> None:
    archive = Archive.from_json(
        {
            "guid": "ABCD-0003",
            "creation_timestamp": None,
            "url": None,
            "title": None,
            "description": None,
            "warc_size": None,
            "warc_download_url": None,
            "captures": None,
            "queue_time": None,
            "capture_time": None,
        }
    )
    assert (archive.url, archive.title, archive.captures) == ("", "", ())
    assert archive.creation_timestamp is None and archive.warc_size is None
    assert archive.notes is None and archive.is_private is None and archive.organization is None
    assert archive.primary_status is None
    assert Archive.from_json({"guid": "ABCD-0003", "is_private": "yes"}).is_private is None


def test_capture_job_message_is_decoded() -> None:
    job = CaptureJob.from_json(
        {
            "guid": None,
            "status": "invalid",
            "message": json.dumps({"url": ["Couldn't resolve domain."]}),
            "submitted_url": "https://nope.invalid/",
            "attempt": 0,
            "step_count": 0.0,
            "step_description": None,
            "capture_start_time": None,
            "capture_end_time": None,
            "queue_position": 0,
            "title": "",
            "user_deleted": None,
            "unknown": 1,
        }
    )
    assert job.guid is None and job.user_deleted is None
    assert job.errors == ("Couldn't resolve domain.",)
    assert job.error_text == "Couldn't resolve domain."
    assert not job.transitional
    failed = CaptureJob.from_json(
        {
            "guid": "A2B3-C4D5",
            "status": "failed",
            "message": '{"error": ["Failed during capture."]}',
        }
    )
    assert failed.errors == ("Failed during capture.",)
    assert failed.message == '{"error": ["Failed during capture."]}'


@pytest.mark.parametrize(
    ("message", "errors"),
    [
        (None, ()),
        ("", ()),
        ("not json at all", ("not json at all",)),
        ('"a JSON string"', ("a JSON string",)),
        (
            '{"human": "Value must be of type bool, not str."}',
            ("Value must be of type bool, not str.",),
        ),
        (
            '["Only updates on these fields are allowed: name, parent"]',
            ("Only updates on these fields are allowed: name, parent",),
        ),
        ('{"a": ["x", {"b": ["y"]}], "c": 3}', ("x", "y")),
    ],
)
def test_capture_job_message_shapes(message: object, errors: tuple[str, ...]) -> None:
    assert (
        CaptureJob.from_json({"guid": "A2B3-C4D5", "status": "failed", "message": message}).errors
        == errors
    )


def test_capture_job_progress_fields() -> None:
    job = CaptureJob.from_json(
        {
            "guid": "A2B3-C4D5",
            "status": "in_progress",
            "message": None,
            "attempt": 1,
            "step_count": 1.25,
            "step_description": "Waiting",
            "queue_position": None,
            "capture_start_time": "2024-03-01T09:00:03Z",
            "capture_end_time": None,
            "title": "T",
            "user_deleted": False,
        }
    )
    assert job.transitional and job.errors == () and job.error_text == "capture in_progress"
    assert (job.attempt, job.step_count, job.queue_position) == (1, 1.25, 0)
    assert job.capture_start_time == datetime(2024, 3, 1, 9, 0, 3, tzinfo=UTC)
    assert CaptureJob.from_json({"status": "pending"}).transitional


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [("Infinity", math.inf), (7, 7.0), (0, 0.0), (None, None), (True, None), ("lots", None)],
)
def test_batch_links_remaining(remaining: object, expected: float | None) -> None:
    batch = Batch.from_json(
        {"id": 3, "capture_jobs": [], "target_folder": 25, "links_remaining": remaining}
    )
    assert batch.links_remaining == expected


def test_batch_target_folder_forms_and_settled() -> None:
    jobs = [{"guid": "A2B3-C4D5", "status": "completed"}, {"guid": None, "status": "invalid"}]
    short = Batch.from_json(
        {
            "id": 1,
            "started_on": "2024-03-01T09:00:00Z",
            "created_by": 4,
            "target_folder": 25,
            "capture_jobs": jobs,
        }
    )
    assert short.target_folder is None and short.target_folder_id == 25 and short.settled
    assert short.links_remaining is None and short.created_by == 4
    detailed = Batch.from_json(
        {
            "id": 1,
            "target_folder": FOLDER,
            "capture_jobs": [*jobs, {"guid": "B2B3-C4D5", "status": "pending"}],
        }
    )
    assert detailed.target_folder_id == 36 and detailed.target_folder == Folder.from_json(FOLDER)
    assert not detailed.settled


def test_user_and_organization_tolerate_nulls() -> None:
    user = User.from_json(
        {
            "id": 4,
            "first_name": None,
            "full_name": "regular",
            "top_level_folders": [FOLDER, None],
            "extra": [],
        }
    )
    assert user.first_name == "" and user.top_level_folders == (Folder.from_json(FOLDER),)
    assert User.from_json({"id": 4, "top_level_folders": None}).top_level_folders == ()
    org = Organization.from_json(
        {"id": 2, "name": "Law Review", "registrar": None, "shared_folder": None}
    )
    assert org.registrar is None and org.shared_folder is None and org.default_to_private is False


def test_collect_and_decode_messages() -> None:
    body = {"url": "Unicode error while processing URL.", "error": ["a", ["b", " "]], "n": None}
    assert collect_strings(body) == ["Unicode error while processing URL.", "a", "b"]
    assert collect_strings(["Only updates on these fields are allowed: name, parent"]) == [
        "Only updates on these fields are allowed: name, parent"
    ]
    assert decode_messages({"error": ["x"]}) == ["x"]
    assert decode_messages("   ") == []
