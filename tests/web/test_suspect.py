"""The page shows a suspect capture as suspect, with its reason and what to do, and the
document the editor downloads has no Perma link for it."""

from __future__ import annotations

import html
from pathlib import Path

from web_helpers import PageClient

from permify.sandbox import DEMO_API_KEY, Sandbox

GOOD = "https://www.law.cornell.edu/uscode/text/42/1983"
WALL = "https://www.example.com/cloudflare-wall/ruling"


def test_a_suspect_capture_is_shown_with_its_reason_and_gets_no_link(
        page: PageClient, sandbox: Sandbox, tmp_path: Path) -> None:
    assert page.post("/api/key", json={"api_key": DEMO_API_KEY}).status_code == 200
    assert page.post("/api/folder", json={"folder_id": sandbox.org_folder_id}).status_code == 200
    article = tmp_path / "notes.md"
    article.write_text(f"See [the statute]({GOOD}) and [the ruling]({WALL}).\n", encoding="utf-8")
    assert page.upload(article).get_json()["added"] == ["notes.md"]
    assert page.post("/api/archive", json={}).get_json()["started"] is True
    state = page.wait_for_run()
    assert state["status"] == "done", state
    guids = {link.url: link.guid for link in sandbox.links(folder_id=sandbox.org_folder_id)}

    part = html.unescape(page.get("/part/run").get_data(as_text=True))
    row = part[part.index(f'data-url="{WALL}"'):]
    row = row[: row.index("</tr>")]
    assert 'data-state="suspect"' in row and "verdict-suspect" in row
    assert "origin answered 403: bot wall (Cloudflare)" in row
    assert "What to do:" in row and "Upload file" in row and f"https://perma.cc/{guids[WALL]}" in row
    good = part[part.index(f'data-url="{GOOD}"'):]
    assert "verdict-ok" in good[: good.index("</tr>")]

    download = next(d for d in page.downloads() if d.endswith("notes.perma.md"))
    text = page.get(download).get_data(as_text=True)
    assert f"https://perma.cc/{guids[GOOD]}" in text
    assert f"https://perma.cc/{guids[WALL]}" not in text and WALL in text
