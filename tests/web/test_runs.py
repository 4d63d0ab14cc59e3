"""A run from the page: one at a time (a second tab sees it), cancellable, and nothing
archived is lost: the ledger holds it, and archiving again picks it up without a new archive."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_helpers import FakeClock
from web_helpers import PageClient, desk_config

from permify.archiving.ledger import Ledger
from permify.sandbox import DEMO_API_KEY, Sandbox, SandboxConfig
from permify.web.desk import Desk
from permify.web.security import new_token

ARTICLE = """# Smith, Notes

See https://www.law.cornell.edu/uscode/text/42/1983 and https://www.congress.gov/bill/117th-congress/house-bill/1.[^1]

[^1]: https://www.supremecourt.gov/opinions/22pdf/21-476_c185.pdf; https://capture-fails.example.com/p.
"""


@pytest.fixture
def slow() -> Iterator[tuple[Sandbox, FakeClock]]:
    """A sandbox whose captures finish only when the test moves its clock on."""
    clock = FakeClock()
    with Sandbox(SandboxConfig(capture_seconds=60, clock=clock)) as sb:
        yield sb, clock


def _ready(page: PageClient, sandbox: Sandbox, tmp_path: Path) -> None:
    assert page.post("/api/key", json={"api_key": DEMO_API_KEY}).status_code == 200
    assert page.post("/api/folder", json={"folder_id": sandbox.org_folder_id}).status_code == 200
    article = tmp_path / "smith.md"
    article.write_text(ARTICLE, encoding="utf-8")
    assert page.upload(article).get_json()["added"] == ["smith.md"]


def _wait(check, what: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return value


def test_a_second_tab_sees_the_same_run_and_cancel_keeps_what_was_made(
    slow: tuple[Sandbox, FakeClock], tmp_path: Path
) -> None:
    sandbox, clock = slow
    desk = Desk(desk_config(sandbox, tmp_path))
    try:
        first, second = PageClient(desk, new_token()), None
        _ready(first, sandbox, tmp_path)
        started = first.post("/api/archive", json={}).get_json()
        assert started["started"] is True
        _wait(lambda: desk.run is not None and desk.run.counts().get("capturing") == 4, "four captures under way")
        # another tab (same server, same token) and a reload see this run; archiving again does not start one
        second = PageClient(desk, first.token)
        again = second.post("/api/archive", json={}).get_json()
        assert again["started"] is False and again["number"] == started["number"]
        page = second.get("/").get_data(as_text=True)
        assert 'data-run-status="running"' in page and page.count('data-state="capturing"') == 4
        assert len(sandbox.links(folder_id=sandbox.org_folder_id)) == 4  # one archive per URL: the second tab made none

        assert first.post("/api/cancel", json={}).get_json()["ok"] is True
        state = first.wait_for_run()
        assert state["status"] == "cancelled" and state["counts"] == {"cancelled": 4}
        with Ledger(tmp_path / "ledger.sqlite3") as ledger:
            pending = [e for e in ledger.entries() if e.status == "pending"]
        assert len(pending) == 4  # each GUID is in the ledger: nothing Perma made is lost
        downloads = first.downloads()
        assert any(d.endswith("smith.perma.md") for d in downloads)

        # the captures finish at Perma; archiving again picks them up and creates nothing
        clock.advance(120)
        sandbox.reset_log()
        assert first.post("/api/archive", json={}).get_json()["started"] is True
        state = first.wait_for_run()
        assert state["status"] == "done"
        assert state["counts"] == {"reused": 3, "failed": 1}
        assert sandbox.count("POST") == 0
        assert len(sandbox.links(folder_id=sandbox.org_folder_id)) == 4
        run_part = first.get("/part/run").get_data(as_text=True)
        assert "What to do" in run_part  # the failed capture is explained
    finally:
        desk.close()


def test_nothing_to_do_without_key_folder_or_documents(page: PageClient, sandbox: Sandbox, tmp_path: Path) -> None:
    assert "API key first" in page.post("/api/archive", json={}).get_json()["error"]
    page.post("/api/key", json={"api_key": DEMO_API_KEY})
    page.desk.folder_id = None
    assert "folder" in page.post("/api/archive", json={}).get_json()["error"]
    page.post("/api/folder", json={"folder_id": sandbox.org_folder_id})
    assert "manuscript" in page.post("/api/archive", json={}).get_json()["error"]
    assert page.post("/api/cancel", json={}).get_json()["ok"] is False
    assert sandbox.links(folder_id=sandbox.org_folder_id) == []


def test_an_unticked_url_is_left_out_of_the_documents_and_the_report(
    page: PageClient, sandbox: Sandbox, tmp_path: Path
) -> None:
    import permify

    _ready(page, sandbox, tmp_path)
    left_out = "https://www.congress.gov/bill/117th-congress/house-bill/1"
    assert page.post("/api/select", json={"key": permify.dedupe_key(left_out), "selected": False}).status_code == 200
    summary = page.get("/part/summary").get_data(as_text=True)
    assert "3 new archives" in summary and "1 left out" in summary  # the one that will fail is planned too
    page.post("/api/archive", json={})
    assert page.wait_for_run()["counts"] == {"captured": 2, "failed": 1, "left out": 1}
    # the capture review has looked at each archive
    verdicts = {row.url: row.verdict for row in page.desk.run.snapshot()}  # type: ignore[union-attr]
    assert verdicts["https://www.law.cornell.edu/uscode/text/42/1983"] == "ok"
    assert verdicts[left_out] is None and verdicts["https://capture-fails.example.com/p"] is None
    assert 'class="badge verdict-ok"' in page.get("/part/run").get_data(as_text=True)
    (clean,) = [d for d in page.downloads() if d.endswith(".md")]
    out = tmp_path / "out.md"
    out.write_bytes(page.get(clean).data)
    missing = {c.cited.url for _, c in permify.check_documents([out])}
    assert missing == {left_out, "https://capture-fails.example.com/p"}
    assert not sandbox.links(url=left_out)
    report = page.get(next(d for d in page.downloads() if d.endswith(".json"))).get_json()
    assert {r["url"]: r["status"] for r in report}[left_out] == "skipped"
