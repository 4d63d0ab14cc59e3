"""The run report on its own: one row per unique URL with every place it is cited, each status
with the message a cite-checker needs, and the CSV/JSON files as scripts and Excel read them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from permify.archiving.outcomes import Outcome
from permify.documents import scan_document
from permify.errors import UsageError
from permify.report import REPORT_FIELDS, build_report, summary_counts, write_report
from permify.review import Verdict

DOC = (
    "Archived: https://example.com/a and again https://example.com/a.\n\n"
    "Failed: https://example.com/failed. Walled: https://example.com/walled.\n\n"
    "Already linked: https://example.com/linked [<https://perma.cc/AB12-CD34>].\n\n"
    "Skipped: http://localhost/x. Tracked: https://example.com/t?utm_source=x.\n"
)


@pytest.fixture
def rows(tmp_path: Path):
    path = tmp_path / "doc.md"
    path.write_bytes(DOC.encode("utf-8"))
    scan = scan_document(path)
    outcomes = {
        "https://example.com/a": Outcome("https://example.com/a", "https://example.com/a", "archived", "GOOD-0001",
                                         verdict=Verdict("ok", "captured 200 page", title="Page A")),
        "https://example.com/failed": Outcome("https://example.com/failed", "https://example.com/failed", "failed",
                                              "FAIL-0001", "Couldn't resolve domain."),
        "https://example.com/walled": Outcome(
            "https://example.com/walled", "https://example.com/walled", "suspect", "WALL-0001",
            "open the Perma link and upload a copy",
            verdict=Verdict("suspect", "origin answered 403: bot wall (Cloudflare)")),
        "https://example.com/t?utm_source=x": Outcome("https://example.com/t?utm_source=x", "https://example.com/t?utm_source=x",
                                                      "archived", "TRAK-0001"),
    }
    return {r.url: r for r in build_report([scan], outcomes, captured_on={"https://example.com/a": "2026-12-01"})}


def test_one_row_per_unique_url_with_every_place(rows) -> None:
    a = rows["https://example.com/a"]
    assert a.status == "archived" and a.perma_url == "https://perma.cc/GOOD-0001"
    assert len(a.locations) == 2 and all(loc.startswith(str(Path(loc.split(":")[0]))) for loc in a.locations)
    assert a.title == "Page A" and a.captured_on == "2026-12-01" and a.verdict == "ok"
    assert "Archived:" in a.context


def test_each_status_says_what_to_do(rows) -> None:
    failed = rows["https://example.com/failed"]
    assert failed.guid == "FAIL-0001" and failed.perma_url is None  # the GUID is kept, no link given
    assert "upload a copy of the page to https://perma.cc/FAIL-0001" in (failed.message or "")
    assert ".;" not in (failed.message or "")
    walled = rows["https://example.com/walled"]
    assert walled.status == "suspect" and walled.perma_url is None and walled.verdict == "suspect"
    assert "Cloudflare" in (walled.review or "")
    linked = rows["https://example.com/linked"]
    assert linked.status == "reused" and linked.perma_url == "https://perma.cc/AB12-CD34"
    skipped = rows["http://localhost/x"]
    assert skipped.status == "skipped" and skipped.message
    assert "utm_source" in (rows["https://example.com/t?utm_source=x"].note or "")
    assert summary_counts(rows.values()) == {"archived": 2, "reused": 1, "failed": 1, "suspect": 1, "skipped": 1}


def test_csv_opens_in_excel_and_json_round_trips(rows, tmp_path: Path) -> None:
    write_report(tmp_path / "r.csv", list(rows.values()))
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for accents
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(table[0]) == list(REPORT_FIELDS) and len(table) == len(rows)
    assert "; " in next(r for r in table if r["url"] == "https://example.com/a")["locations"]
    write_report(tmp_path / "r.json", list(rows.values()))
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [d["url"] for d in data] == list(rows) and set(data[0]) == set(REPORT_FIELDS)
    with pytest.raises(UsageError):
        write_report(tmp_path / "r.txt", list(rows.values()))
