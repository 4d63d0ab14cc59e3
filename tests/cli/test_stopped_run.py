"""A run that loses Perma halfway still writes what it did: documents with the links made
before the stop, and a report row for every URL (issue: the report is always written)."""

from __future__ import annotations

from pathlib import Path

import permify
from permify.archiving.outcomes import ArchiveOptions
from permify.perma.retry import RetryPolicy
from permify.sandbox import Sandbox, SandboxConfig


def test_perma_gone_midway_keeps_the_links_made_and_reports_the_rest(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    first = tmp_path / "first.md"
    first.write_text("See https://example.com/a and https://example.com/b.\n", encoding="utf-8")
    both = tmp_path / "both.md"
    both.write_text("Again https://example.com/a, and new: https://example.com/c.\n", encoding="utf-8")
    options = ArchiveOptions(folder_id=0, poll_initial=0.02, review=False)
    with Sandbox(SandboxConfig(capture_seconds=0.0, seed=3)) as sandbox:
        with permify.ArchiveSite(folder=sandbox.org_folder_id, api_key=sandbox.api_key, api_url=sandbox.base_url,
                                 ledger=ledger) as site:
            done = permify.archive_documents([first], site=site, options=options)
        assert done.ok and done.counts["archived"] == 2
        url = sandbox.base_url
    # the sandbox is gone: a.example is in the ledger, c.example needs Perma
    retry = RetryPolicy(max_retries=1, backoff=0.01, total=2.0)
    with permify.ArchiveSite(folder=sandbox.org_folder_id, api_key="k" * 40, api_url=url, ledger=ledger,
                             retry=retry, timeout=2.0) as site:
        result = permify.archive_documents([both], site=site, options=options)
    assert result.stopped and not result.ok
    written = Path(result.outputs[str(both)]).read_text(encoding="utf-8")
    assert "https://example.com/a [<https://perma.cc/" in written  # the link it already had
    assert "https://example.com/c [" not in written
    rows = {row.url: row for row in result.rows}
    assert rows["https://example.com/a"].perma_url
    missing = rows["https://example.com/c"]
    assert missing.status == "failed" and "run again" in (missing.message or "")
    assert both.read_text(encoding="utf-8").startswith("Again https://example.com/a, and")  # input untouched
