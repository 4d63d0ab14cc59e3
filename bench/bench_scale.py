"""Benchmark: archiving at scale, and what the ledger costs.

Run ``python bench/bench_scale.py`` from the repository root (``--full`` for the 100,000-link
case, several minutes). The sandbox runs in its own process with zero delays, so the figures
are permify's own work:

* CPU: ``permify archive`` on generated Markdown documents of N links (user + sys time of the
  permify process) against ``permify urls`` on the same file, interleaved; and the growth
  exponent of the archive CPU time between the smallest and the largest N. Goals: at most
  2.0x, exponent at most 1.05.
* Ledger: 1,000 new URLs archived with the ledger on disk and on tmpfs (``/dev/shm``),
  interleaved (goal: disk at most 1.15x tmpfs), and the ``fdatasync``/``fsync`` calls counted
  with ``strace -f -c`` (goal: at most 2 per batch; skipped when strace is absent).

The capture review is off (``--no-review``): it adds requests of its own per URL. Each archive
run has a fresh ledger and a new empty folder: with one folder for all, every run after the
first would also list (reconcile) the archives of the runs before it, a cost that grows with
the folder and not with the document.
Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from _documents import links_in, make_document
from _timing import Comparison, interleave, print_ratio, print_times

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20

_SERVER = """
import sys, time
from permify.sandbox import Sandbox, SandboxConfig
with Sandbox(SandboxConfig(capture_seconds=0.0, validation_seconds=0.0, personal_link_limit=None)) as sb:
    print(sb.base_url, sb.api_key, sb.org_folder_id, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


class Server:
    """The sandbox in a process of its own."""

    def __enter__(self) -> Server:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, "-c", _SERVER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        self.base_url, self.api_key, folder = self.proc.stdout.readline().split()
        self.folder = int(folder)
        return self

    def new_folder(self, name: str) -> int:
        """A new empty folder under the organization's: every archive run gets its own, or the
        next runs would also reconcile (list) the archives the earlier runs made in it."""
        from permify.perma.client import PermaClient

        with PermaClient(self.api_key, self.base_url) as client:
            return client.create_folder(self.folder, name).id

    def __exit__(self, *exc: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def permify(args: list[str], env: dict[str, str], prefix: list[str] | None = None) -> tuple[float, str]:
    """Run ``permify ARGS``; return (CPU seconds of the process, stderr)."""
    before = _cpu()
    proc = subprocess.run([*(prefix or []), sys.executable, "-m", "permify", *args], env=env,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"permify {args[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return _cpu() - before, proc.stderr


def _env(server: Server, ledger: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
    env.update(PYTHONPATH=str(ROOT), PERMA_API_URL=server.base_url, PERMA_API_KEY=server.api_key,
               PERMIFY_LEDGER=str(ledger), PERMIFY_CONFIG=str(ledger.parent / "none.ini"))
    return env


def archive_args(doc: Path, server: Server) -> list[str]:
    """``permify archive`` of ``doc`` into a new empty folder of its own."""
    folder = server.new_folder(doc.stem)
    return ["archive", str(doc), "--folder", str(folder), "--no-review", "-q",
            "-o", str(doc.with_suffix(".out.md"))]


def cpu_case(sizes: list[int], rounds: int, work: Path) -> bool:
    """Archive CPU against `permify urls` CPU, and the growth exponent."""
    met = True
    medians: dict[int, float] = {}
    with Server() as server:
        for n in sizes:
            counter = iter(range(10**9))

            def archive(n: int = n, counter: Iterator[int] = counter) -> float:
                k = next(counter)  # new URLs and a fresh ledger every run
                doc = work / f"doc{n}-{k}.md"
                doc.write_text(make_document(n, f"r{k}n{n}"), encoding="utf-8")
                cpu, _ = permify(archive_args(doc, server), _env(server, work / f"ledger{n}-{k}.sqlite3"))
                return cpu

            listing = work / f"list{n}.md"
            listing.write_text(make_document(n, "list"), encoding="utf-8")

            def urls(n: int = n, listing: Path = listing) -> float:
                cpu, _ = permify(["urls", str(listing)], _env(server, work / "unused.sqlite3"))
                return cpu

            times = interleave(rounds, {"urls": urls, "archive": archive}, measured=True, warmup=False)
            print(f"\n{links_in(n):,} links ({n:,} list items), CPU seconds of the permify process:")
            print_times(times, {"urls": "permify urls", "archive": "permify archive"}, unit="s")
            met &= print_ratio("archive / urls, CPU", Comparison(times["archive"], times["urls"]), goal=2.0)
            medians[n] = sorted(times["archive"])[len(times["archive"]) // 2]
    small, large = min(sizes), max(sizes)
    exponent = math.log(medians[large] / medians[small]) / math.log(links_in(large) / links_in(small))
    ok = exponent <= 1.05
    print(f"\ngrowth exponent of archive CPU, {links_in(small):,} -> {links_in(large):,} links: "
          f"{exponent:.3f}; goal <= 1.05: {'PASS' if ok else 'FAIL'}")
    return met and ok


def ledger_case(rounds: int, work: Path) -> bool:
    """1,000 URLs with the ledger on disk and on tmpfs; fdatasync calls per batch."""
    n = 1000
    items = n  # make_document(1000) has 1,500 links; keep 1,000 unique URLs exactly
    text = "# Sources\n\n" + "".join(f"{i}. See https://www.l{{tag}}court{i}.gov/o/{i}.html\n" for i in range(items))
    shm = Path("/dev/shm")
    if not shm.is_dir():
        print("\nno /dev/shm: ledger disk/tmpfs comparison skipped")
        return True
    met = True
    with Server() as server, tempfile.TemporaryDirectory(dir=shm) as fast:
        counter = iter(range(10**9))

        def run(where: Path, prefix: list[str] | None = None) -> tuple[float, str]:
            k = next(counter)
            doc = work / f"ledger-doc-{k}.md"
            doc.write_text(text.replace("{tag}", str(k)), encoding="utf-8")
            ledger = where / f"ledger-{k}.sqlite3"
            import time

            start = time.perf_counter()
            _, err = permify(archive_args(doc, server), _env(server, ledger), prefix)
            return time.perf_counter() - start, err

        times = interleave(max(rounds, 5), {"tmpfs": lambda: run(Path(fast))[0], "disk": lambda: run(work)[0]},
                           measured=True, warmup=True)
        print(f"\n{n:,} new URLs, ledger on tmpfs and on disk (wall seconds):")
        print_times(times, {"tmpfs": "ledger on /dev/shm", "disk": "ledger on disk"}, unit="s")
        met &= print_ratio("disk / tmpfs", Comparison(times["disk"], times["tmpfs"]), goal=1.15)

        strace = shutil.which("strace")
        if strace is None:
            print("strace not found: fdatasync count skipped (apt-get install strace)")
            return met
        out = work / "strace.txt"
        run(work, [strace, "-f", "-c", "-o", str(out), "-e", "trace=fdatasync,fsync"])
        calls = 0
        for line in out.read_text().splitlines():
            match = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fdatasync|fsync)$", line)
            if match:
                calls += int(match.group(1))
        batches = math.ceil(n / BATCH)
        per_batch = calls / batches
        ok = per_batch <= 2
        print(f"fdatasync + fsync calls: {calls} for {n:,} URLs in {batches} batches = {per_batch:.2f} per batch; "
              f"goal <= 2: {'PASS' if ok else 'FAIL'}")
        met &= ok
    return met


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="sizes 10,000 and 100,000 links (minutes)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved pairs per case (default 3)")
    parser.add_argument("--cpu-only", action="store_true", help="skip the ledger disk/tmpfs and fdatasync case")
    args = parser.parse_args(argv)
    # List items carry 1.5 links each on average.
    sizes = [6_667, 66_667] if args.full else [1_000, 6_667]
    scratch = ROOT / "bench" / "out"  # on disk, not tmpfs; ignored by git, so a killed run leaves nothing to commit
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        work = Path(tmp)
        met = cpu_case(sizes, args.rounds, work)
        if not args.cpu_only:
            met &= ledger_case(args.rounds, work)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
