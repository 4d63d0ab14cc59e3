"""One run's state is built fresh by each ensure(); progress events carry their data; the ledger
alone answers known_archives with capture dates."""

from __future__ import annotations

import io
from pathlib import Path

from permify.api import ensure_archives, known_archives
from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, ProgressEvent, UrlRequest
from permify.cli.progress import Progress
from permify.perma.client import PermaClient
from permify.sandbox import Sandbox
from permify.site import ArchiveSite
from permify.urls import dedupe_key


def requests_for(urls: list[str]) -> list[UrlRequest]:
    return [UrlRequest(dedupe_key(u), u, None, (f"line {i}",)) for i, u in enumerate(urls, 1)]


def fast(folder_id: int) -> ArchiveOptions:
    return ArchiveOptions(folder_id=folder_id, poll_initial=0.02, poll_max=0.1, unknown_outcome_wait=0.5)


def test_a_reused_archiver_starts_each_run_afresh(sandbox: Sandbox, tmp_path: Path) -> None:
    events: list[ProgressEvent] = []
    urls = ["https://www.ftc.gov/a", "https://www.ftc.gov/b", "https://www.ftc.gov/a"]
    with Ledger(tmp_path / "l.db") as ledger, PermaClient(sandbox.api_key, sandbox.base_url) as client:
        archiver = Archiver(client, ledger, fast(sandbox.org_folder_id), progress=events.append)
        first = archiver.ensure(requests_for(urls))
        assert sorted(o.status for o in first.values()) == ["archived", "archived"]
        second = archiver.ensure(requests_for(["https://www.ftc.gov/c"]))
        assert list(second) == [dedupe_key("https://www.ftc.gov/c")]  # nothing of the first run
        run = archiver.new_run(requests_for(urls))
        assert list(run.requests) == [dedupe_key(urls[0]), dedupe_key(urls[1])]
        assert run.requests[dedupe_key(urls[0])].locations == ("line 1", "line 3")  # one URL, all its places
        assert (run.results, run.watches, run.claimed, run.quota_exhausted) == ({}, {}, set(), False)
        assert run.ledger.folder_id == sandbox.org_folder_id
    found = [e for e in events if e.kind == "found"]
    assert [e.count for e in found] == [2, 1]
    created = {e.url: e.guid for e in events if e.kind == "created"}
    captured = {e.url: e.guid for e in events if e.kind == "captured"}
    assert created == captured and set(created) == {"https://www.ftc.gov/a", "https://www.ftc.gov/b",
                                                    "https://www.ftc.gov/c"}
    assert all(e.count is not None for e in events if e.kind == "waiting")


def test_the_progress_display_counts_from_the_event_not_its_message() -> None:
    stream = io.StringIO()
    progress = Progress(stream, verbosity=1, live=True)
    progress(ProgressEvent("found", "a message with no number in front", count=7))
    progress(ProgressEvent("created", "x -> y", url="x", guid="AAAA-BBBB"))
    assert progress.found == 7 and progress.counts["created"] == 1
    assert "7 found | 0 reused | 1 created" in stream.getvalue()


def test_known_archives_reads_the_ledger_only_and_gives_capture_dates(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = tmp_path / "l.db"
    reqs = requests_for(["https://www.ftc.gov/dated", "https://www.ftc.gov/never"])
    with ArchiveSite(folder=str(sandbox.org_folder_id), api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=ledger) as site:
        made = ensure_archives(reqs[:1], site=site, options=fast(0))
        sandbox.reset_log()
        known = known_archives(reqs, site=site)
    assert sandbox.count() == 0
    (key,) = known
    assert known[key].guid == made[key].guid and known[key].status == "reused"
    with Ledger(ledger) as book:
        entry = book.get(sandbox.base_url.split("/")[2], sandbox.org_folder_id, key)
    assert entry is not None and known[key].captured_on == entry.created_at[:10]
