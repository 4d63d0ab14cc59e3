"""The pandoc filter applies the capture review: a suspect capture gets no link and one warning."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_pandoc_filter import build, make_env, sandbox  # noqa: F401  (the fixture)

from permify.sandbox import Sandbox

pytestmark = pytest.mark.pandoc

GOOD = "https://www.law.cornell.edu/uscode/text/17/107"
WALL = "https://www.example.com/cloudflare-wall/ruling"


def test_suspect_capture_gets_no_link_and_one_warning(pandoc_path: str, sandbox: Sandbox,  # noqa: F811
                                                      tmp_path: Path) -> None:
    src = tmp_path / "paper.md"
    src.write_text(f"See [the statute]({GOOD}) and [the ruling]({WALL}), again [ruling]({WALL}).\n",
                   encoding="utf-8")
    env = make_env(tmp_path, sandbox)
    first = build(pandoc_path, src, "html", env)
    guids = {link.url: link.guid for link in sandbox.links(folder_id=sandbox.org_folder_id)}
    assert f"https://perma.cc/{guids[GOOD]}" in first.stdout
    assert f"https://perma.cc/{guids[WALL]}" not in first.stdout
    warnings = [line for line in first.stderr.splitlines() if WALL in line]
    assert len(warnings) == 1, first.stderr
    assert "bot wall (Cloudflare)" in warnings[0] and "upload a PDF or screenshot" in warnings[0]

    # A warm build: the ok archive comes from the ledger; only the suspect one is read again.
    sandbox.reset_log()
    again = build(pandoc_path, src, "html", env)
    assert f"https://perma.cc/{guids[GOOD]}" in again.stdout
    assert f"https://perma.cc/{guids[WALL]}" not in again.stdout
    assert sandbox.count("POST") == 0
    assert all(guids[WALL] in r.path or "/folders" in r.path for r in sandbox.requests), sandbox.requests

    # After the owner uploads a file in place of the capture, the next build inserts the link.
    sandbox.upload_file(guids[WALL])
    healed = build(pandoc_path, src, "html", env)
    assert healed.stdout.count(f"https://perma.cc/{guids[WALL]}") >= 2
    assert WALL not in healed.stderr


def test_warm_build_of_reviewed_archives_makes_no_request(pandoc_path: str, sandbox: Sandbox,  # noqa: F811
                                                          tmp_path: Path) -> None:
    src = tmp_path / "paper.md"
    src.write_text(f"See [the statute]({GOOD}).\n", encoding="utf-8")
    env = make_env(tmp_path, sandbox)
    build(pandoc_path, src, "html", env)
    sandbox.reset_log()
    warm = build(pandoc_path, src, "html", env)
    assert "https://perma.cc/" in warm.stdout and sandbox.requests == []
