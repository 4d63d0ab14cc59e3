"""Benchmark: archiving 300 new URLs on the sandbox, against its lower bound and a naive client.

The sandbox validates each URL synchronously (0.02 s, as Perma does inside a create request)
and captures in 0.2 s. The lower bound is the time any client must wait: every URL validated
one after another, plus one capture. Two peers: a less naive client (POST every URL, then poll
each job until done), timed interleaved with permify (peer, permify, peer, permify, ...;
``--rounds`` pairs, 3 by default, each run on a fresh sandbox), and the naive loop most scripts
use (for each URL: POST it, poll its capture job until done, next URL), timed once on
``--naive-urls`` URLs (60 by default: at about 0.23 s a URL it would take over a minute on
300) and compared per URL.

The goal is permify's median time at most 1.3x the lower bound. Exit status 1 if it is missed.

    python bench/bench_archive.py [--urls 300] [--rounds 3] [--naive-urls 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import Comparison, interleave, print_ratio, print_times

from permify.archiving.archiver import Archiver
from permify.archiving.ledger import Ledger
from permify.archiving.outcomes import ArchiveOptions, UrlRequest
from permify.perma.client import PermaClient
from permify.sandbox import Sandbox, SandboxConfig
from permify.urls import dedupe_key

VALIDATION = 0.02
CAPTURE = 0.2


def urls(n: int, tag: str) -> list[str]:
    """``n`` distinct URLs; ``tag`` keeps each client's URLs apart."""
    return [f"https://www.{tag}-court{i}.gov/opinions/{i}.pdf" for i in range(n)]


def run_permify(n: int) -> tuple[float, int, int]:
    """Archive ``n`` new URLs with permify's Archiver: (seconds, requests, POSTs)."""
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
    """Archive ``n`` new URLs one by one, or all POSTed first: (seconds, requests, POSTs)."""
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


def main(argv: list[str] | None = None) -> int:
    """Time permify and the peers, print the figures and the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved pairs (default 3)")
    parser.add_argument("--naive-urls", type=int, default=60, help="URLs for the naive loop (default 60)")
    args = parser.parse_args(argv)
    n = args.urls
    bound = n * VALIDATION + CAPTURE
    counts: dict[str, tuple[int, int]] = {}

    def timed(name: str, run: tuple[float, int, int]) -> float:
        elapsed, requests, posts = run
        counts[name] = (requests, posts)
        return elapsed

    times = interleave(args.rounds, {
        "post-all": lambda: timed("post-all", run_naive(n, post_all_first=True)),
        "permify": lambda: timed("permify", run_permify(n)),
    }, measured=True, warmup=False)
    naive_n = args.naive_urls
    naive_elapsed, naive_requests, naive_posts = run_naive(naive_n, post_all_first=False)
    naive_bound = naive_n * VALIDATION + CAPTURE

    print(f"{n} new URLs; sandbox validation {VALIDATION} s/URL, capture {CAPTURE} s; "
          f"lower bound {bound:.2f} s")
    print_times(times, {"post-all": "POST all, then poll each", "permify": "permify (batches)"}, unit="s")
    print(f"{'client':<30}{'median s':>9}{'x bound':>9}{'req/URL':>9}{'POST/URL':>10}")
    for name, label in (("permify", "permify (batches)"), ("post-all", "POST all, then poll each")):
        median = statistics.median(times[name])
        requests, posts = counts[name]
        print(f"{label:<30}{median:>9.2f}{median / bound:>9.2f}{requests / n:>9.3f}{posts / n:>10.3f}")
    print(f"{f'naive, {naive_n} URLs, once':<30}{naive_elapsed:>9.2f}{naive_elapsed / naive_bound:>9.2f}"
          f"{naive_requests / naive_n:>9.3f}{naive_posts / naive_n:>10.3f}"
          f"  ({naive_elapsed / naive_n:.3f} s/URL; bound {naive_bound:.2f} s)")
    print_ratio("permify / POST all, then poll", Comparison(times["permify"], times["post-all"]))
    return 0 if print_ratio("permify / lower bound", Comparison(times["permify"], [bound] * args.rounds),
                            goal=1.3) else 1


if __name__ == "__main__":
    raise SystemExit(main())
