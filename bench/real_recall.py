"""Recall and precision of permify's URL extraction on real documents written by other people.

Run ``python bench/real_recall.py`` from the repository root (``-v`` also lists the URLs that
agree, ``--json`` prints the figures as JSON). For every document in ``tests/data/real/``
(``.bib``, ``.md``, ``.docx``; sources and licences in ``tests/data/real/SOURCES.md``) it reads
the hand-written ground truth ``<file>.expected.tsv`` and compares it with what
:func:`permify.scan_documents` decides, with no network:

* **recall**: of the URLs a cite-checker would archive, the share permify would archive;
* **precision**: of the URLs permify would archive, the share a cite-checker would archive.

It then lists every miss (expected ``archive``, permify does not archive it, with what permify
did instead) and every false positive (permify archives it, the ground truth says ``skip`` or
``linked`` with a reason, or does not list it), each with its location.

``--filter`` measures the pandoc filter instead, on the Markdown files: a default
``pandoc FILE -t html5 --filter permify-filter`` (no reader extension), in dry-run mode against
the local sandbox on loopback, with a fresh ledger; the URLs it says it would archive are
compared with the same ground truth (no locations: the filter reports URLs only).

Ground-truth format, one URL a line, tab-separated, ``#`` starts a comment line::

    URL <TAB> archive|skip|linked <TAB> reason (skip, linked) <TAB> where (for people)

``archive``: a cited web page that needs a Perma link. ``linked``: a cited page that already has
a Perma link beside it (archiving it again would be a mistake). ``skip``: a URL in the document
that must not be archived (provenance fields, DOIs, Perma links, reviewer comments, quotations,
subscription databases, archives...). URLs are compared by :func:`permify.dedupe_key`, one
decision per URL and file: a URL is expected archived when any of its lines says ``archive``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import permify
from permify.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "real"
SUFFIXES = (".bib", ".md", ".docx")
STATES = ("archive", "skip", "linked")


@dataclass(frozen=True)
class Expected:
    """One ground-truth line."""

    url: str
    state: str
    reason: str
    where: str


@dataclass(frozen=True)
class Finding:
    """One disagreement between permify and the ground truth, for people."""

    url: str
    where: str
    detail: str


@dataclass
class FileScore:
    """The comparison for one document."""

    name: str
    expected_archive: int = 0
    permify_archive: int = 0
    agreed: int = 0
    misses: list[Finding] = field(default_factory=list)
    false_positives: list[Finding] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        """Share of expected-archive URLs that permify would archive (1.0 when none expected)."""
        return self.agreed / self.expected_archive if self.expected_archive else 1.0

    @property
    def precision(self) -> float:
        """Share of URLs permify would archive that are expected (1.0 when it archives none)."""
        return self.agreed / self.permify_archive if self.permify_archive else 1.0


def corpus_files(folder: Path = CORPUS) -> list[Path]:
    """The documents of the corpus (top level of ``folder`` only; ``src/`` holds their sources)."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix in SUFFIXES and p.name != "SOURCES.md"
    )


def read_expected(path: Path) -> list[Expected]:
    """The ground truth in ``path``; ValueError naming the line when a line is malformed."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = [*line.split("\t"), "", "", ""]
        url, state, reason, where = (c.strip() for c in cells[:4])
        if state not in STATES:
            raise ValueError(f"{path.name}:{number}: state must be one of {STATES}, not {state!r}")
        if state != "archive" and not reason:
            raise ValueError(f"{path.name}:{number}: a {state} line needs a reason")
        rows.append(Expected(url, state, reason, where))
    return rows


def measure(document: Path) -> FileScore:
    """Compare permify's decisions on ``document`` with ``<document>.expected.tsv``."""
    expected = read_expected(document.with_name(document.name + ".expected.tsv"))
    scan = permify.scan_documents([document])[0]
    truth: dict[str, list[Expected]] = {}
    for row in expected:
        truth.setdefault(permify.dedupe_key(row.url), []).append(row)
    want = {key for key, rows in truth.items() if any(r.state == "archive" for r in rows)}

    seen: dict[str, list[permify.Citation]] = {}
    for citation in scan.citations:
        seen.setdefault(citation.key, []).append(citation)
    got = {key for key, cits in seen.items() if any(c.state == "archive" for c in cits)}

    score = FileScore(document.name, len(want), len(got), len(want & got))
    for key in sorted(want - got, key=lambda k: _first(truth[k]).where):
        row = _first(truth[key])
        cits = seen.get(key)
        if not cits:
            # Not under its own key: look for a citation that contains it (read with braces, or
            # two URLs read as one), so the miss says what permify made of it.
            near = [c for c in scan.citations if row.url in c.cited.url and c.key != key]
            did = "; ".join(f"read as {c.cited.url!r}, {_decision(c)}" for c in near) or "not found"
        else:
            did = "; ".join(_decision(c) for c in cits)
        score.misses.append(Finding(row.url, row.where, f"permify: {did}"))
    for key in sorted(got - want, key=lambda k: seen[k][0].cited.index):
        cit = next(c for c in seen[key] if c.state == "archive")
        rows = truth.get(key)
        why = f"expected {rows[0].state}: {rows[0].reason}" if rows else "not in the ground truth"
        score.false_positives.append(Finding(cit.cited.url, cit.cited.location, why))
    score.agreements = sorted(seen[k][0].cited.url for k in want & got)
    return score


def measure_filter(document: Path, env: dict[str, str]) -> FileScore:
    """Compare the URLs the pandoc filter would archive in ``document`` with its ground truth.

    ``env`` points the filter at a Perma API (the sandbox), a folder and a ledger, in dry-run
    mode; the filter's "would archive" warning lists the URLs.
    """
    import pypandoc  # type: ignore[import-untyped]

    expected = read_expected(document.with_name(document.name + ".expected.tsv"))
    truth: dict[str, list[Expected]] = {}
    for row in expected:
        truth.setdefault(permify.dedupe_key(row.url), []).append(row)
    want = {key for key, rows in truth.items() if any(r.state == "archive" for r in rows)}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "permify-filter"
        script.write_text(f"#!{sys.executable}\nimport sys\nfrom permify.pandoc.filter import main\nsys.exit(main())\n")
        script.chmod(0o755)
        run_env = {**env, "PERMIFY_LEDGER": str(Path(tmp) / "ledger.sqlite3"), "PERMIFY_DRY_RUN": "true"}
        proc = subprocess.run(
            [pypandoc.get_pandoc_path(), str(document), "-t", "html5", "--filter", str(script), "-o", os.devnull],
            env=run_env, capture_output=True, text=True, timeout=300, check=False,
        )
    if proc.returncode != 0:
        raise RuntimeError(f"pandoc failed on {document.name}: {proc.stderr.strip()}")
    urls: dict[str, str] = {}
    listing = False
    for line in proc.stderr.splitlines():
        if "dry run: would archive" in line:
            listing = True
        elif listing and line.startswith("  "):
            urls.setdefault(permify.dedupe_key(line.strip()), line.strip())
        else:
            listing = False
    got = set(urls)
    score = FileScore(document.name, len(want), len(got), len(want & got))
    for key in sorted(want - got, key=lambda k: _first(truth[k]).where):
        row = _first(truth[key])
        score.misses.append(Finding(row.url, row.where, "permify-filter: not archived"))
    for key in sorted(got - want):
        rows = truth.get(key)
        why = f"expected {rows[0].state}: {rows[0].reason}" if rows else "not in the ground truth"
        score.false_positives.append(Finding(urls[key], "pandoc filter", why))
    score.agreements = sorted(urls[k] for k in want & got)
    return score


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    """The environment that points the filter at ``sandbox`` (a running :class:`Sandbox`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        PERMA_API_URL=sandbox.base_url,
        PERMA_API_KEY=sandbox.api_key,
        PERMIFY_FOLDER=str(sandbox.org_folder_id),
        PERMIFY_CONFIG=os.devnull,
    )
    return env


def _decision(citation: permify.Citation) -> str:
    """What permify decided for one citation, for people: ``skip: reason at location``."""
    if citation.state == "skip":
        what = f"skip: {citation.classification.reason or ''}"
    elif citation.state == "linked":
        what = f"linked ({citation.cited.existing_archive or ''})"
    else:
        what = citation.state
    return f"{what} at {citation.cited.location}"


def _first(rows: list[Expected]) -> Expected:
    return next((r for r in rows if r.state == "archive"), rows[0])


def _print(scores: Sequence[FileScore], verbose: bool) -> None:
    width = max(len(s.name) for s in scores)
    print(f"{'file':<{width}}  expected  permify  agreed  recall  precision")
    for s in scores:
        print(f"{s.name:<{width}}  {s.expected_archive:8d}  {s.permify_archive:7d}  {s.agreed:6d}"
              f"  {s.recall:6.1%}  {s.precision:9.1%}")
    want = sum(s.expected_archive for s in scores)
    got = sum(s.permify_archive for s in scores)
    agreed = sum(s.agreed for s in scores)
    recall = agreed / want if want else 1.0
    precision = agreed / got if got else 1.0
    print(f"{'TOTAL':<{width}}  {want:8d}  {got:7d}  {agreed:6d}  {recall:6.1%}  {precision:9.1%}")
    for s in scores:
        if not (s.misses or s.false_positives or verbose):
            continue
        print(f"\n== {s.name}")
        for f in s.misses:
            print(f"  MISS  {f.where}: {f.url}\n        {f.detail}")
        for f in s.false_positives:
            print(f"  FALSE POSITIVE  {f.where}: {f.url}\n        {f.detail}")
        if verbose:
            for url in s.agreements:
                print(f"  ok    {url}")


def main(argv: Sequence[str] | None = None) -> int:
    """Measure every corpus file and print the table and the lists; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="documents (default: the whole corpus)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also list the URLs that agree")
    parser.add_argument("--json", action="store_true", help="print per-file figures as JSON")
    parser.add_argument("--filter", action="store_true",
                        help="measure the pandoc filter on the Markdown files (starts the local sandbox)")
    args = parser.parse_args(argv)
    files = args.files or corpus_files()
    if args.filter:
        with Sandbox(SandboxConfig(capture_seconds=0.05)) as sandbox:
            env = sandbox_env(sandbox)
            scores = [measure_filter(p, env) for p in files if p.suffix == ".md"]
    else:
        scores = [measure(p) for p in files]
    if args.json:
        print(json.dumps({s.name: {"recall": round(s.recall, 4), "precision": round(s.precision, 4),
                                   "expected": s.expected_archive, "permify": s.permify_archive,
                                   "agreed": s.agreed} for s in scores}, indent=2))
    else:
        _print(scores, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
