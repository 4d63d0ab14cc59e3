"""archive_documents keeps its scans out of the garbage collector's passes while it archives
and hands them back afterwards, whether the run succeeds or fails."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

import permify
from permify.archiving.outcomes import ArchiveOptions
from permify.errors import PermifyError
from permify.perma.retry import RetryPolicy
from permify.sandbox import Sandbox, SandboxConfig


def test_frozen_during_the_run_and_handed_back_after(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("See https://example.com/a and https://example.com/b.\n", encoding="utf-8")
    seen: list[int] = []
    options = ArchiveOptions(folder_id=0, poll_initial=0.02, review=False)
    assert gc.get_freeze_count() == 0
    with Sandbox(SandboxConfig(capture_seconds=0.0)) as sandbox, permify.ArchiveSite(
            folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
            ledger=tmp_path / "l.sqlite3") as site:
        result = permify.archive_documents([doc], site=site, options=options,
                                           progress=lambda event: seen.append(gc.get_freeze_count()))
    assert result.ok and result.counts["archived"] == 2
    assert seen and min(seen) > 0  # the scans were out of the passes while the run went on
    assert gc.get_freeze_count() == 0


def test_handed_back_when_the_run_fails(tmp_path: Path) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("See https://example.com/a.\n", encoding="utf-8")
    with permify.ArchiveSite(folder=1, api_key="k" * 40, api_url="http://127.0.0.1:9/", ledger=tmp_path / "l.sqlite3",
                             timeout=1.0, retry=RetryPolicy(max_retries=0, total=1.0)) as site:
        with pytest.raises(PermifyError):
            permify.archive_documents([doc], site=site, options=ArchiveOptions(folder_id=1, review=False))
    assert gc.get_freeze_count() == 0
