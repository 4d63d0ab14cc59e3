"""Benchmark: permify's BibTeX find-and-rewrite against ``bibtexparser.parse_string`` alone.

Run ``python bench/bench_bibtex.py`` from the repository root. It generates a .bib file with
3,000 entries in mixed real-world styles (aligned and unaligned ``=``, tabs and spaces, quotes
and braces, trailing comma or not, one-line entries, ``@string`` macros with ``#``
concatenation, ``\\url`` in ``howpublished``, bare URLs in ``note``, entries without URLs),
then times, interleaved (bibtexparser, permify, bibtexparser, permify, ...; ``--rounds``
pairs, 7 by default):

* bibtexparser 2.x ``parse_string(src)`` with its default middleware stack (parsing only), and
* permify: ``BibtexAdapter().parse`` plus ``rewrite`` with a fake Perma link for every
  citation (bytes in, bytes out: the whole work of the BibTeX adapter).

The goal is a median per-pair ratio permify / bibtexparser <= 1.5x. Exit status 1 if it is
missed.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from _timing import Comparison, interleave, print_ratio, print_times

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bibtexparser

from permify.formats.base import RewriteOptions
from permify.formats.bibtex.adapter import BibtexAdapter
from permify.sandbox.state import GUID_ALPHABET

ENTRIES = 3_000
ALPHABET = GUID_ALPHABET  # the sandbox's, which is Perma's
HOSTS = ("www.supremecourt.gov", "www.congress.gov", "www.nytimes.com", "www.ftc.gov",
         "eur-lex.europa.eu", "www.theguardian.com", "www.law.cornell.edu", "www.reuters.com")


def _fields(rng: random.Random, i: int) -> list[tuple[str, str]]:
    host = rng.choice(HOSTS)
    title = f"{{A Study of Platform Liability, Part {i}: {{Section}} 230 and M\\\"uller}}"
    fields = [("author", "{Doe, Jane and Roe, Richard}"), ("title", title), ("year", str(2000 + i % 24))]
    kind = i % 6
    if kind == 0:
        fields.append(("url", f"{{https://{host}/opinions/{i}/text\\_{i}.pdf}}"))
        fields.append(("urldate", "{2024-01-01}"))
    elif kind == 1:
        fields.append(("howpublished", f"{{\\url{{https://{host}/doc/{i}}}}}"))
        fields.append(("note", "{Accessed May 2, 2024}"))
    elif kind == 2:
        fields.append(("url", f'base # "/{i}"'))
    elif kind == 3:
        fields.append(("note", f"{{See https://{host}/n/{i}?a=1\\&b=2 and \\url{{https://{host}/m/{i}}}.}}"))
    elif kind == 4:
        fields.append(("doi", f"{{10.1000/{i}}}"))
    else:
        fields.append(("url", f'"https://{host}/q/{i}"'))
        fields.append(("note", "jan"))
    return fields


def make_bib(rng: random.Random) -> str:
    """ENTRIES entries in mixed layouts, plus a macro and a comment."""
    out = ['% generated benchmark bibliography\n', '@string{base = "https://www.govinfo.gov/app"}\n\n']
    for i in range(ENTRIES):
        fields = _fields(rng, i)
        etype = rng.choice(("misc", "online", "article", "report"))
        if i % 10 == 9:  # one-line entry
            body = ", ".join(f"{k}={v}" for k, v in fields)
            out.append(f"@{etype}{{k{i}, {body}}}\n\n")
            continue
        indent = rng.choice(("  ", "    ", "\t"))
        width = max(len(k) for k, _ in fields) if rng.random() < 0.5 else 0
        lines = [f"{indent}{k.ljust(width)} = {v}" for k, v in fields]
        trailing = "," if rng.random() < 0.6 else ""
        out.append(f"@{etype}{{k{i},\n" + ",\n".join(lines) + trailing + "\n}\n\n")
    return "".join(out)


def fake_link(n: int) -> str:
    """A Perma link in the valid alphabet whose GUID starts with a digit."""
    chars = []
    for _ in range(7):
        n, r = divmod(n, 32)
        chars.append(ALPHABET[r])
    return f"https://perma.cc/{ALPHABET[n % 8]}{''.join(chars[:3])}-{''.join(chars[3:])}"


def permify_run(data: bytes) -> bytes:
    """Parse and rewrite with a link for every citation."""
    doc = BibtexAdapter().parse(data, "bench.bib")
    links = {c.index: fake_link(c.index) for c in doc.citations}
    return doc.rewrite(links, RewriteOptions())


def main(argv: list[str] | None = None) -> int:
    """Generate, check, time both sides interleaved and print the figures and the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="interleaved pairs (default 7)")
    args = parser.parse_args(argv)

    src = make_bib(random.Random(2024))
    data = src.encode("utf-8")
    out = permify_run(data)
    doc = BibtexAdapter().parse(data, "bench.bib")
    assert len(bibtexparser.parse_string(out.decode()).entries) == ENTRIES
    print(f"input: {ENTRIES} entries, {len(data) / 1e6:.2f} MB, {len(doc.citations)} cited URLs")
    times = interleave(args.rounds, {"bibtexparser": lambda: bibtexparser.parse_string(src),
                                     "permify": lambda: permify_run(data)})
    print_times(times, {"bibtexparser": "bibtexparser.parse_string (default)",
                        "permify": "permify parse + rewrite"})
    met = print_ratio("permify / bibtexparser", Comparison(times["permify"], times["bibtexparser"]), goal=1.5)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
