"""Benchmark: the editor's page archiving 300 URLs on the sandbox, against the command line.

Each run gets a fresh sandbox (0.02 s synchronous validation per URL, 0.2 s captures, as in
bench_archive.py) and a fresh ledger, and archives the same Markdown manuscript of N unique
URLs into the organization folder, writing the document and a report:

- command line: ``permify archive doc.md --folder ID -o OUT --report OUT.csv`` (in process);
- page: ``permify serve`` on 127.0.0.1, the manuscript uploaded beforehand (as an editor
  would), then timed from the POST that starts archiving until ``/api/run`` says done,
  polled every 20 ms. That includes the page's extras: per-URL progress, the clean copy, the
  CSV and JSON reports, the zip, and the titles looked up for the results table. The capture
  review, which starts once the downloads are ready (and which the command line does not
  do), is waited for but not timed.

Runs are interleaved (cli, page, cli, page, ...) so that drift on a shared machine hits both.
The goal is a page at most 1.1x the command line.

    python bench/bench_web.py [--urls 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from permify.cli.main import main as permify_main
from permify.sandbox import Sandbox, SandboxConfig
from permify.web.command import Serving, serve_page
from permify.web.security import TOKEN_HEADER

VALIDATION = 0.02
CAPTURE = 0.2


def manuscript(path: Path, n: int) -> Path:
    lines = ["# A long article", ""]
    lines += [f"Source {i}: https://www.bench-court{i}.gov/opinions/{i}.pdf." for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextlib.contextmanager
def environment(sb: Sandbox, tmp: Path) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update({
        "PERMA_API_URL": sb.base_url, "PERMA_API_KEY": sb.api_key,
        "PERMIFY_LEDGER": str(tmp / "ledger.sqlite3"), "PERMIFY_CONFIG": str(tmp / "none.ini"),
    })
    os.environ.pop("PERMIFY_FOLDER", None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_cli(n: int) -> float:
    config = SandboxConfig(capture_seconds=CAPTURE, validation_seconds=VALIDATION)
    with Sandbox(config) as sb, tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        doc = manuscript(tmp / "doc.md", n)
        with environment(sb, tmp), contextlib.redirect_stderr(io.StringIO()):
            start = time.perf_counter()
            code = permify_main(["archive", str(doc), "--folder", str(sb.org_folder_id), "-q",
                                 "-o", str(tmp / "out.md"), "--report", str(tmp / "out.csv")])
            elapsed = time.perf_counter() - start
        assert code == 0, f"permify archive exited {code}"
        assert len(sb.links(folder_id=sb.org_folder_id)) == n
        return elapsed


def run_page(n: int) -> float:
    config = SandboxConfig(capture_seconds=CAPTURE, validation_seconds=VALIDATION)
    with Sandbox(config) as sb, tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        doc = manuscript(tmp / "doc.md", n)
        with environment(sb, tmp):
            found: list[Serving] = []
            listening = threading.Event()

            def ready(serving: Serving) -> None:
                found.append(serving)
                listening.set()

            thread = threading.Thread(target=serve_page, kwargs={
                "open_browser": False, "folder": str(sb.org_folder_id), "ready": ready, "out": io.StringIO(),
            })
            thread.start()
            assert listening.wait(30), "the page did not start"
            serving = found[0]
            try:
                base, token = serving.url.split("/?token=")
                headers = {TOKEN_HEADER: token}
                with requests.Session() as http:
                    http.get(serving.url, timeout=30).raise_for_status()  # the page, the folders
                    with doc.open("rb") as handle:
                        http.post(f"{base}/api/files", files={"files": ("doc.md", handle)}, headers=headers,
                                  timeout=30).raise_for_status()
                    start = time.perf_counter()
                    http.post(f"{base}/api/archive", json={}, headers=headers, timeout=30).raise_for_status()
                    while True:
                        state = http.get(f"{base}/api/run", headers=headers, timeout=30).json()
                        if state["status"] != "running":
                            break
                        time.sleep(0.02)
                    elapsed = time.perf_counter() - start
                    while state.get("reviewing"):  # the capture review, which the command line lacks: not timed
                        time.sleep(0.1)
                        state = http.get(f"{base}/api/run", headers=headers, timeout=30).json()
                assert state["status"] == "done" and state["counts"] == {"captured": n}, state
                assert len(sb.links(folder_id=sb.org_folder_id)) == n
            finally:
                serving.server.shutdown()
                thread.join(30)
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cli, page = [], []
    for _ in range(args.rounds):
        cli.append(run_cli(args.urls))
        page.append(run_page(args.urls))
    print(f"{args.urls} new URLs; sandbox validation {VALIDATION} s/URL, capture {CAPTURE} s; "
          f"{args.rounds} interleaved rounds")
    print(f"{'':<14}{'median s':>10}{'runs':>30}")
    for label, times in (("command line", cli), ("page", page)):
        print(f"{label:<14}{statistics.median(times):>10.2f}{'  ' + ' '.join(f'{t:.2f}' for t in times):>30}")
    ratio = statistics.median(page) / statistics.median(cli)
    print(f"page / command line: {ratio:.3f}x (goal: at most 1.1x)")


if __name__ == "__main__":
    main()
