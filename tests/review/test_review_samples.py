"""End to end: archive the three sample documents on the sandbox, then ``permify review`` them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from permify.cli.main import main
from permify.sandbox import Sandbox
from permify.sandbox.seed import SAMPLE_ARCHIVES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"
DOCUMENTS = ("article.md", "references.bib", "article.docx")


def test_review_of_the_archived_samples_finds_every_link_ok(
        api_env: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PERMIFY_FOLDER", str(api_env.org_folder_id))
    out = tmp_path / "out"
    out.mkdir()
    assert main(["archive", *(str(SAMPLES / name) for name in DOCUMENTS), "-o", str(out), "-q"]) == 0
    outputs = [out / name for name in DOCUMENTS]
    assert all(path.is_file() for path in outputs)
    capsys.readouterr()

    report = tmp_path / "links.json"
    code = main(["review", *map(str, outputs), "--report", str(report)])
    printed = capsys.readouterr().out
    rows = json.loads(report.read_text(encoding="utf-8"))
    rows = rows["rows"] if isinstance(rows, dict) else rows
    assert code == 0, printed
    assert len(rows) > 40
    assert {row["status"] for row in rows} == {"ok"}, [r for r in rows if r["status"] != "ok"]
    # The authors' own Perma links are among the rows, each the archive of the URL it follows.
    reviewed = {row["perma_url"].rsplit("/", 1)[-1] for row in rows}
    assert {guid for guid, _, _ in SAMPLE_ARCHIVES} <= reviewed
    # Archiving the samples made no new archive of a URL the authors had already linked.
    for _, url, _ in SAMPLE_ARCHIVES:
        assert len(api_env.links(url=url)) == 1
