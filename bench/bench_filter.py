"""Benchmark: the pandoc filter on a warm ledger against a no-op panflute filter.

Run ``python bench/bench_filter.py`` from the repository root. It writes a Markdown document
with 1,000 cited links (inline, reference, autolink, bare, footnotes; plus code and images
that must be skipped) to a temporary directory, starts the sandbox, and:

* cold: builds once with ``--filter permify-filter`` and reports HTTP requests per unique URL;
* warm: times (wall clock and CPU) ``pandoc --filter noop`` (a panflute filter that changes
  nothing) and ``pandoc --filter permify-filter`` (a console-script-style wrapper, as pip
  generates it) on the same input, HTML output, interleaved (no-op, permify, no-op, permify,
  ...; ``--rounds`` pairs, 5 by default), and prints the median per-pair ratio. The goal is
  <= 1.3x on wall-clock time. The CPU ratio is the steadier figure on a busy machine.

Exit status 1 if the goal is missed.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import Comparison, interleave, print_ratio, print_times

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from permify.sandbox import Sandbox, SandboxConfig  # noqa: E402 - after the sys.path line

LINKS = 1_000
WORDS = ("the court held that statute agency regulation appeal record opinion dissent "
         "evidence standard review district circuit plaintiff defendant motion").split()


def make_document(rng: random.Random) -> tuple[str, int]:
    """A Markdown text with LINKS citations; returns it and the number of unique URLs."""
    paras = ["---", "title: Benchmark", "---", ""]
    defs: list[str] = []
    notes: list[str] = []
    urls = set()
    for i in range(LINKS):
        url = f"https://www.site{i % 800 % 97}.gov/opinions/{i % 800}/case.html"  # some cited twice
        urls.add(url)
        cite = (f"[Opinion {i}]({url})", f"[Report {i}][r{i}]", f"<{url}>", f"(see {url}).",
                f"note[^n{i}]")[i % 5]
        if i % 5 == 1:
            defs.append(f"[r{i}]: {url}")
        if i % 5 == 4:
            notes.append(f"[^n{i}]: See {url}, at 3.")
        prose = " ".join(rng.choice(WORDS) for _ in range(40))
        paras.append(f"{prose} {cite} `https://code.example.com/{i}` ![fig](https://img.example.com/{i}.png)\n")
    return "\n".join(paras + defs + [""] + notes) + "\n", len(urls)


def _script(path: Path, body: str) -> str:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return str(path)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _build(pandoc: str, src: Path, filt: str, env: dict[str, str]) -> tuple[float, float]:
    """One build: (wall seconds, CPU seconds of pandoc and the filter)."""
    cpu = _cpu()
    start = time.perf_counter()
    proc = subprocess.run(
        [pandoc, str(src), "-f", "markdown+autolink_bare_uris", "-t", "html5", "--filter", filt,
         "-o", str(src.with_suffix(".html"))],
        env=env, capture_output=True, text=True, timeout=600,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"pandoc failed: {proc.stderr}")
    return elapsed, _cpu() - cpu


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures and the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved pairs of warm builds (default 5)")
    args = parser.parse_args(argv)

    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(SandboxConfig(capture_seconds=0.05)) as sb:
        tmpdir = Path(tmp)
        text, unique = make_document(random.Random(7))
        src = tmpdir / "paper.md"
        src.write_text(text, encoding="utf-8")
        permify_filter = _script(tmpdir / "permify-filter",
                                 "import sys\nfrom permify.pandoc.filter import main\nsys.exit(main())\n")
        noop = _script(tmpdir / "noop-filter",
                       "import panflute as pf\npf.run_filter(lambda elem, doc: None)\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
        env.update(PYTHONPATH=str(ROOT), PERMA_API_URL=sb.base_url, PERMA_API_KEY=sb.api_key,
                   PERMIFY_FOLDER=str(sb.org_folder_id), PERMIFY_LEDGER=str(tmpdir / "ledger.sqlite3"),
                   PERMIFY_CONFIG=str(tmpdir / "none.ini"), PERMIFY_POLL_INITIAL="0.2")

        cold, _ = _build(pandoc, src, permify_filter, env)
        requests = sb.count()
        archived = len(sb.links(folder_id=sb.org_folder_id))
        print(f"document: {LINKS} links, {unique} unique URLs, {len(text.encode()) // 1024} KiB")
        print(f"cold build: {cold:.2f} s, {archived} archives, {requests} HTTP requests "
              f"= {requests / unique:.3f} per URL")

        sb.reset_log()
        _build(pandoc, src, noop, env)  # warm-up of the no-op side; the cold build warmed permify's
        cpu: dict[str, list[float]] = {"noop": [], "permify": []}

        def build(name: str, filt: str) -> float:
            wall, used = _build(pandoc, src, filt, env)
            cpu[name].append(used)
            return wall

        wall = interleave(args.rounds, {"noop": lambda: build("noop", noop),
                                        "permify": lambda: build("permify", permify_filter)},
                          measured=True, warmup=False)
        warm_requests = sb.count()
        assert warm_requests == 0, "a warm build made HTTP requests"
    labels = {"noop": "no-op panflute filter", "permify": "permify-filter"}
    for what, times in (("wall", wall), ("CPU", cpu)):
        print(f"warm build, {what} time:")
        print_times(times, labels, unit="s")
    print_ratio("permify-filter / no-op, CPU", Comparison(cpu["permify"], cpu["noop"]))
    met = print_ratio("permify-filter / no-op, wall", Comparison(wall["permify"], wall["noop"]), goal=1.3)
    print(f"HTTP requests during the warm builds: {warm_requests}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
