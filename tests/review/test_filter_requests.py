"""What the pandoc filter's capture review costs: a suspect archive is read again on each
build with a key (so an upload is picked up), and a build without a key sends nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from permify.sandbox import Sandbox

pytestmark = pytest.mark.pandoc

ROOT = Path(__file__).resolve().parents[2]
FILTER = ROOT / "filters" / "permify_filter.py"
GOOD = "https://www.law.cornell.edu/uscode/text/17/107"
WALL = "https://www.example.com/cloudflare-wall/ruling"


def _env(tmp_path: Path, sb: Sandbox, *, key: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
    env.update(PYTHONPATH=str(ROOT), PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
               PERMIFY_CONFIG=str(tmp_path / "no-config.ini"), PERMIFY_LEDGER=str(tmp_path / "ledger.sqlite3"),
               PERMIFY_POLL_INITIAL="0.05", PERMA_API_URL=sb.base_url, PERMIFY_FOLDER=str(sb.org_folder_id))
    if key:
        env["PERMA_API_KEY"] = sb.api_key
    return env


def _build(pandoc: str, src: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([pandoc, str(src), "-t", "html", "--filter", str(FILTER)], env=env, cwd=src.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_suspect_archives_are_read_again_only_with_a_key(pandoc_path: str, sandbox: Sandbox,
                                                         tmp_path: Path) -> None:
    src = tmp_path / "paper.md"
    src.write_text(f"See [the statute]({GOOD}) and [the ruling]({WALL}).\n", encoding="utf-8")
    _build(pandoc_path, src, _env(tmp_path, sandbox, key=True))
    guids = {link.url: link.guid for link in sandbox.links(folder_id=sandbox.org_folder_id)}

    # With a key: only GETs, and only of the suspect archive (its record and its WARC).
    sandbox.reset_log()
    _build(pandoc_path, src, _env(tmp_path, sandbox, key=True))
    assert sandbox.requests and {r.method for r in sandbox.requests} == {"GET"}
    assert all(guids[WALL] in r.path or "/folders" in r.path for r in sandbox.requests), sandbox.requests

    # Without a key: the ledger alone, not one request; the ok link is still inserted.
    sandbox.reset_log()
    offline = _build(pandoc_path, src, _env(tmp_path, sandbox, key=False))
    assert sandbox.requests == []
    assert f"https://perma.cc/{guids[GOOD]}" in offline.stdout
    assert f"https://perma.cc/{guids[WALL]}" not in offline.stdout
