"""The report's ``title`` column comes from the capture review, without a folder listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from permify.cli.main import main
from permify.sandbox import Sandbox

URL = "https://www.example.com/opinions/smith-v-jones"


def _archive(api_env: Sandbox, tmp_path: Path, name: str, folder: int, *flags: str) -> tuple[dict[str, str], int]:
    """Archive a one-link document; its report row and how many folder listings the run made."""
    doc = tmp_path / f"{name}.md"
    doc.write_text(f"See [Smith]({URL}).\n", encoding="utf-8")
    report = tmp_path / f"{name}.json"
    api_env.reset_log()
    main(["archive", str(doc), "--folder", str(folder), "--report", str(report), "-q", *flags])
    listings = api_env.count("GET", f"folders/{folder}/archives")
    data = json.loads(report.read_text(encoding="utf-8"))
    rows = data["rows"] if isinstance(data, dict) else data
    return next(r for r in rows if r["url"] == URL), listings


def test_a_reviewed_run_takes_the_title_from_the_review(
        api_env: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reviewed, listings_reviewed = _archive(api_env, tmp_path, "reviewed", api_env.org_folder_id)
    assert reviewed["verdict"] == "ok" and reviewed["title"] == "Smith v jones | www.example.com"
    assert len(reviewed["captured_on"]) == 10
    # Without the review the title comes from one more listing of the folder (Perma's title).
    # (another folder, so the second run archives anew)
    unreviewed, listings_unreviewed = _archive(api_env, tmp_path, "unreviewed", api_env.personal_folder_id,
                                               "--no-review")
    assert unreviewed["verdict"] in ("", None) and unreviewed["title"] == "www.example.com"
    assert listings_unreviewed == listings_reviewed + 1
