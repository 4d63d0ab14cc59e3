"""Benchmark: permify's Markdown extraction against ``pandoc -f markdown -t json``.

Run ``python bench/bench_markdown.py`` from the repository root. It writes a ~2 MB Markdown
file with 5,000 cited URLs (inline, reference, autolink, bare, footnotes, plus code and
images that must be skipped) to a temporary directory, then times, interleaved (pandoc,
permify, pandoc, permify, ...; ``--rounds`` pairs, 5 by default):

* pandoc (the binary shipped by pypandoc-binary) reading the file to its JSON AST, and
* permify: ``MarkdownAdapter().parse`` plus ``urls.classify`` of every citation (what
  ``permify urls`` does).

The goal is a median per-pair ratio permify / pandoc <= 0.5x. Exit status 1 if it is missed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import Comparison, interleave, print_ratio, print_times

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from permify.formats.markdown.adapter import MarkdownAdapter
from permify.urls import classify

LINKS = 5_000
TARGET_BYTES = 2_000_000
WORDS = ("the court held that statute agency regulation appeal record opinion dissent "
         "evidence standard review district circuit plaintiff defendant motion").split()


def _prose(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_document(rng: random.Random) -> str:
    """A law-review-like Markdown text with LINKS citations of every kind (~2 MB)."""
    paras: list[str] = ["---", "title: Benchmark", "source: https://yaml.example.org/x", "---", ""]
    defs: list[str] = []
    notes: list[str] = []
    per_para = 5
    prose_words = max(1, (TARGET_BYTES // (LINKS // per_para) - 400) // 7 // per_para)
    for i in range(LINKS):
        url = f"https://www.example{i % 97}.gov/opinions/{i}/case-{rng.randrange(10**6)}.html"
        kind = i % 5
        if kind == 0:
            cite = f"[Opinion {i}]({url})"
        elif kind == 1:
            cite = f"[Report {i}][r{i}]"
            defs.append(f"[r{i}]: {url}")
        elif kind == 2:
            cite = f"<{url}>"
        elif kind == 3:
            cite = f"(see {url})."
        else:
            cite = f"note[^n{i}]"
            notes.append(f"[^n{i}]: See {url}, at 3.")
        sentence = f"{_prose(rng, prose_words)} {cite} `https://code.example.com/{i}`"
        if i % per_para == 0:
            paras.append("")
        paras[-1] += sentence + " "
        if i % 250 == 0:
            paras += ["", "```", f"curl https://fenced.example.com/{i}", "```", "",
                      f"![figure](https://img.example.com/{i}.png)"]
    return "\n".join([*paras, "", *defs, "", *notes]) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generate the file, time both sides interleaved, print the figures and the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved pairs (default 5)")
    args = parser.parse_args(argv)

    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.md"
        path.write_text(make_document(random.Random(1)), encoding="utf-8")
        data = path.read_bytes()

        def permify_run() -> None:
            doc = MarkdownAdapter().parse(data, str(path))
            for c in doc.citations:
                classify(c.url)

        def pandoc_run() -> None:
            subprocess.run([pandoc, "-f", "markdown", "-t", "json", str(path)],
                           check=True, stdout=subprocess.DEVNULL)

        doc = MarkdownAdapter().parse(data, str(path))
        print(f"file: {len(data) / 1e6:.2f} MB, {len(doc.citations)} citations, "
              f"{len(doc.warnings)} warnings")
        times = interleave(args.rounds, {"pandoc": pandoc_run, "permify": permify_run})
    print_times(times, {"pandoc": "pandoc -f markdown -t json", "permify": "permify (parse + classify)"})
    met = print_ratio("permify / pandoc", Comparison(times["permify"], times["pandoc"]), goal=0.5)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
