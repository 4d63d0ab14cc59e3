"""SIGKILL `permify archive` at random moments, rerun: never a duplicate, never a corrupt file."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from permify.archiving.ledger import Ledger
from permify.sandbox import Sandbox, SandboxConfig
from permify.urls import dedupe_key

ROOT = Path(__file__).resolve().parents[2]
URLS = [f"https://www.court{i}.gov/opinions/{i}/decision.pdf" for i in range(12)]
TRIALS = 10


def _env(sb: Sandbox, ledger: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PERMA_API_URL=sb.base_url,
        PERMA_API_KEY=sb.api_key,
        PERMIFY_LEDGER=str(ledger),
        PERMIFY_CONFIG=str(ledger.parent / "none.ini"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def _command(doc: Path, folder: int) -> list[str]:
    return [
        sys.executable, "-m", "permify", "archive", str(doc), "--folder", str(folder),
        "--batch-size", "3", "--unknown-outcome-wait", "1", "-q",
    ]


def _wait_for_requests(sb: Sandbox, count: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    """Poll (with a deadline) until the sandbox has seen ``count`` requests or the run ended."""
    while sb.count() < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(TRIALS))
def test_sigkill_at_a_random_moment_then_rerun(tmp_path: Path, trial: int) -> None:
    rng = random.Random(1000 + trial)
    doc = tmp_path / "article.md"
    text = "# Sources\n\n" + "".join(f"{i}. See {u} for the opinion.\n" for i, u in enumerate(URLS, 1))
    doc.write_text(text, encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite3"
    config = SandboxConfig(capture_seconds=0.2, validation_seconds=0.01)
    with Sandbox(config) as sb:
        folder = sb.org_folder_id
        env = _env(sb, ledger)
        kill_after = rng.randint(1, 10)  # the k-th API request the server sees
        proc = subprocess.Popen(_command(doc, folder), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_for_requests(sb, kill_after, proc, time.monotonic() + 30)
        time.sleep(rng.uniform(0, 0.05))  # land anywhere inside the request, not only right after it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

        output = tmp_path / "article.perma.md"
        if output.exists():  # written atomically: complete or absent, never half
            assert output.read_text(encoding="utf-8").count("https://perma.cc/") == len(URLS)
        assert doc.read_text(encoding="utf-8") == text

        rerun = subprocess.run(_command(doc, folder), env=env, capture_output=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr.decode()
        assert b"Traceback" not in rerun.stderr

        per_url = Counter(dedupe_key(link.url) for link in sb.links(folder_id=folder))
        assert per_url == Counter({dedupe_key(u): 1 for u in URLS}), per_url
        result = output.read_text(encoding="utf-8")
        assert result.count("https://perma.cc/") == len(URLS)
        with Ledger(ledger) as book:
            assert not book.intents()
            assert {e.url_key for e in book.entries()} == {dedupe_key(u) for u in URLS}
