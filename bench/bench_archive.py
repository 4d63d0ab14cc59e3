"""Benchmark: archiving 300 new URLs on the sandbox, against its lower bound and a naive client.

The sandbox validates each URL synchronously (0.02 s, as Perma does inside a create request)
and captures in 0.2 s. The lower bound is the time any client must wait: every URL validated
one after another, plus one capture. Two peers: the naive loop most scripts use (for each URL:
POST it, poll its capture job until done, next URL), and a less naive one (POST every URL,
then poll each job until done).

    python bench/bench_archive.py [--urls 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, UrlRequest
from permify.perma.client import PermaClient
from permify.sandbox import Sandbox, SandboxConfig
from permify.urls import dedupe_key

VALIDATION = 0.02
CAPTURE = 0.2


def urls(n: int, tag: str) -> list[str]:
    return [f"https://www.{tag}-court{i}.gov/opinions/{i}.pdf" for i in range(n)]


def run_permify(n: int) -> tuple[float, int, int]:
    config = SandboxConfig(capture_seconds=CAPTURE, validation_seconds=VALIDATION)
    with Sandbox(config) as sb, tempfile.TemporaryDirectory() as tmp:
        reqs = [UrlRequest(dedupe_key(u), u) for u in urls(n, "permify")]
        with Ledger(Path(tmp) / "l.db") as ledger, PermaClient(sb.api_key, sb.base_url) as client:
            start = time.perf_counter()
            out = Archiver(client, ledger, ArchiveOptions(folder_id=sb.org_folder_id)).ensure(reqs)
            elapsed = time.perf_counter() - start
        assert all(o.status == "archived" for o in out.values()), "not every URL archived"
        return elapsed, sb.count(), sb.count("POST")


def run_naive(n: int, *, post_all_first: bool) -> tuple[float, int, int]:
    config = SandboxConfig(capture_seconds=CAPTURE, validation_seconds=VALIDATION)
    with Sandbox(config) as sb, PermaClient(sb.api_key, sb.base_url) as client:

        def wait(guid: str) -> None:
            while client.get_capture_job(guid).status in ("pending", "in_progress"):
                time.sleep(0.05)

        start = time.perf_counter()
        if post_all_first:
            guids = [client.create_archive(u, folder=sb.org_folder_id).guid for u in urls(n, "all")]
            for guid in guids:
                wait(guid)
        else:
            for u in urls(n, "naive"):
                wait(client.create_archive(u, folder=sb.org_folder_id).guid)
        elapsed = time.perf_counter() - start
        return elapsed, sb.count(), sb.count("POST")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=300)
    n = parser.parse_args().urls
    bound = n * VALIDATION + CAPTURE
    ours = run_permify(n)
    naive = run_naive(n, post_all_first=False)
    post_all = run_naive(n, post_all_first=True)
    print(f"{n} new URLs; sandbox validation {VALIDATION} s/URL, capture {CAPTURE} s")
    print(f"{'client':<30}{'wall s':>8}{'x bound':>9}{'req/URL':>9}{'POST/URL':>10}")
    print(f"{'lower bound':<30}{bound:>8.2f}{1:>9.2f}{'':>9}{'':>10}")
    rows = (
        ("permify (batches)", ours),
        ("naive: POST, poll, next", naive),
        ("POST all, then poll each", post_all),
    )
    for name, (elapsed, requests, posts) in rows:
        print(f"{name:<30}{elapsed:>8.2f}{elapsed / bound:>9.2f}{requests / n:>9.3f}{posts / n:>10.3f}")

if __name__ == "__main__":
    main()
