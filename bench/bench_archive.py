"""Benchmark: archiving 300 new URLs on the sandbox, against its lower bound and a naive client.

The sandbox validates each URL synchronously (0.02 s, as Perma does inside a create request)
and captures in 0.2 s. The lower bound is the time any client must wait: every URL validated
one after another, plus one capture. Two peers: a less naive client (POST every URL, then poll
each job until done), timed interleaved with permify (peer, permify, peer, permify, ...;
``--rounds`` pairs, 3 by default, each run on a fresh sandbox), and the naive loop most scripts
use (for each URL: POST it, poll its capture job until done, next URL), timed once on
``--naive-urls`` URLs (60 by default: at about 0.23 s a URL it would take over a minute on
300) and compared per URL.

permify runs twice per round: with its default concurrency (a few batches in flight, which the
sandbox validates in parallel, each in its own request thread, as Perma does in its web
workers) and with ``concurrency=1`` (one batch at a time). The capture review is off (it adds
its own requests per URL; it is measured elsewhere). Goals: the default at most 0.6x the lower
bound, concurrency 1 at most 1.1x, and at most 0.07 HTTP requests per URL. Exit status 1 if
one is missed.

    python bench/bench_archive.py [--urls 300] [--rounds 3] [--naive-urls 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
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


def run_permify(n: int, concurrency: int | None = None) -> tuple[float, int, int]:
    """Archive ``n`` new URLs with permify's Archiver: (seconds, requests, POSTs)."""
    config = SandboxConfig(capture_seconds=CAPTURE, validation_seconds=VALIDATION)
    with Sandbox(config) as sb, tempfile.TemporaryDirectory() as tmp:
        reqs = [UrlRequest(dedupe_key(u), u) for u in urls(n, "permify")]
        with Ledger(Path(tmp) / "l.db") as ledger, PermaClient(sb.api_key, sb.base_url) as client:
            start = time.perf_counter()
            options = ArchiveOptions(folder_id=sb.org_folder_id, review=False)
            if concurrency is not None:
                options = replace(options, concurrency=concurrency)
            out = Archiver(client, ledger, options).ensure(reqs)
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
        "serial": lambda: timed("serial", run_permify(n, concurrency=1)),
    }, measured=True, warmup=False)
    naive_n = args.naive_urls
    naive_elapsed, naive_requests, naive_posts = run_naive(naive_n, post_all_first=False)
    naive_bound = naive_n * VALIDATION + CAPTURE

    labels = {"permify": f"permify (concurrency {ArchiveOptions.concurrency})",
              "serial": "permify (concurrency 1)", "post-all": "POST all, then poll each"}
    print(f"{n} new URLs; sandbox validation {VALIDATION} s/URL, capture {CAPTURE} s; "
          f"serial lower bound {bound:.2f} s")
    print_times(times, labels, unit="s")
    print(f"{'client':<30}{'median s':>9}{'x bound':>9}{'req/URL':>9}{'POST/URL':>10}")
    for name in ("permify", "serial", "post-all"):
        median = statistics.median(times[name])
        requests, posts = counts[name]
        print(f"{labels[name]:<30}{median:>9.2f}{median / bound:>9.2f}{requests / n:>9.3f}{posts / n:>10.3f}")
    print(f"{f'naive, {naive_n} URLs, once':<30}{naive_elapsed:>9.2f}{naive_elapsed / naive_bound:>9.2f}"
          f"{naive_requests / naive_n:>9.3f}{naive_posts / naive_n:>10.3f}"
          f"  ({naive_elapsed / naive_n:.3f} s/URL; bound {naive_bound:.2f} s)")
    print_ratio("permify / POST all, then poll", Comparison(times["permify"], times["post-all"]))
    met = print_ratio(f"{labels['permify']} / serial lower bound",
                      Comparison(times["permify"], [bound] * args.rounds), goal=0.6)
    met &= print_ratio("permify (concurrency 1) / serial lower bound",
                       Comparison(times["serial"], [bound] * args.rounds), goal=1.1)
    per_url = max(counts["permify"][0], counts["serial"][0]) / n
    print(f"HTTP requests per URL: {per_url:.3f}; goal <= 0.07: {'PASS' if per_url <= 0.07 else 'FAIL'}")
    return 0 if met and per_url <= 0.07 else 1


if __name__ == "__main__":
    raise SystemExit(main())
