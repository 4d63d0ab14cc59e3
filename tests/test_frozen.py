"""permify.frozen.assemble builds the same frozen dataclass as its constructor, and refuses a wrong field set."""

from __future__ import annotations

import dataclasses

import pytest

from permify.archiving.options import ProgressEvent
from permify.archiving.outcomes import Outcome, UrlRequest
from permify.frozen import assemble
from permify.perma.models import Archive, CaptureJob
from permify.report import ReportRow


def _values(instance: object) -> dict[str, object]:
    return {f.name: getattr(instance, f.name) for f in dataclasses.fields(instance)}  # type: ignore[arg-type]


@pytest.mark.parametrize("instance", [
    Outcome("k", "https://a.gov/x", "archived", "ABCD-EFGH", None, ("a.md: line 1",)),
    ProgressEvent("created", "https://a.gov/x -> https://perma.cc/ABCD-EFGH", url="https://a.gov/x", guid="ABCD-EFGH"),
    UrlRequest("k", "https://a.gov/x", "Title", ("a.md: line 1",)),
    ReportRow("https://a.gov/x", "skipped", None, None, ("a.md: line 1",), "not archived"),
    CaptureJob(guid="ABCD-EFGH", status="pending", submitted_url="https://a.gov/x"),
    Archive(guid="ABCD-EFGH", url="https://a.gov/x", title="A page"),
])
def test_the_same_object_as_the_constructor(instance: object) -> None:
    built = assemble(type(instance), _values(instance))
    assert built == instance
    assert hash(built) == hash(instance)
    assert repr(built) == repr(instance)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.url = "https://b.gov/"  # type: ignore[attr-defined]


def test_a_missing_unknown_or_misplaced_field_is_refused_at_once() -> None:
    values = _values(UrlRequest("k", "https://a.gov/x"))
    with pytest.raises(TypeError, match="key, url, title, locations in this order, not key, url, locations"):
        assemble(UrlRequest, {k: v for k, v in values.items() if k != "title"})
    with pytest.raises(TypeError, match="not key, url, titel, locations"):
        assemble(UrlRequest, {("titel" if k == "title" else k): v for k, v in values.items()})
    with pytest.raises(TypeError, match="not url, key, title, locations"):
        assemble(UrlRequest, {"url": values["url"], "key": values["key"], "title": None, "locations": ()})


def test_capture_jobs_read_from_json_equal_the_constructed_ones() -> None:
    data = {"guid": "ABCD-EFGH", "status": "failed", "message": '{"url": ["Couldn\'t load URL"]}',
            "submitted_url": "https://a.gov/x", "attempt": 1, "step_count": 2.0, "step_description": "Capturing",
            "capture_start_time": "2026-12-02T08:22:38.373291Z", "capture_end_time": None, "queue_position": 0,
            "title": "", "user_deleted": False}
    job = CaptureJob.from_json(data)
    assert job == CaptureJob(**_values(job))
    assert job.errors == ("Couldn't load URL",)
    assert CaptureJob.from_json({**data, "message": None}).errors == ()
