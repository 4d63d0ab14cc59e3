"""A ratchet on permify's recall and precision over real documents written by other people.

The corpus, its sources and its hand-judged ground truth live in ``tests/data/real/`` (see
``SOURCES.md`` there); ``bench/real_recall.py`` does the comparison and lists every miss and
false positive (run it to see them). Each file's recall and precision must stay at least at
the figures in :data:`MINIMUMS`, measured when the corpus was added. Whoever fixes a class of
input raises the file's figures; the goal is 1.0 everywhere. :data:`FILTER_MINIMUMS` does the
same for the pandoc filter on the Markdown files (a default ``pandoc FILE --filter
permify-filter``, dry run against the local sandbox).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from permify.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "real"


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_recall", ROOT / "bench" / "real_recall.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("real_recall", module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

#: file -> (minimum recall, minimum precision), as measured today (rounded down).
MINIMUMS: dict[str, tuple[float, float]] = {
    "bbt-arxiv-2163.bib": (1.0, 1.0),
    "bbt-bulk-performance-trimmed.bib": (1.0, 1.0),
    "bbt-collections-901.bib": (1.0, 1.0),
    "bbt-doi-and-url-131.bib": (1.0, 1.0),
    "bbt-howpublished-329.bib": (1.0, 1.0),
    "bbt-href-note-2617.bib": (1.0, 1.0),
    "bbt-pandoc-biblio.bib": (1.0, 1.0),
    "bbt-read-only-group-3430.bib": (1.0, 1.0),
    "bbt-url-in-note-412.bib": (1.0, 1.0),
    "citeproc-README.md": (1.0, 1.0),
    "luafilters-diagram-sample.md": (1.0, 1.0),
    "luafilters-doi2cite-README.md": (1.0, 1.0),
    "luafilters-doi2cite-from-doi.bib": (1.0, 1.0),
    "luafilters-math2svg-README.md": (1.0, 1.0),
    "luafilters-pandoc-quotes-README.md": (1.0, 1.0),
    "mammoth-README.md": (1.0, 1.0),
    "mammoth-footnote-hyperlink.docx": (1.0, 1.0),
    "python-docx-comments-rich-para.docx": (1.0, 1.0),
    "python-docx-par-hlink-frags.docx": (1.0, 1.0),
    "python-docx-par-hyperlinks.docx": (1.0, 1.0),
    "repro-anonbib-www-fields.bib": (1.0, 1.0),
    "repro-bibtex-url-shapes.bib": (1.0, 1.0),
    "repro-dblp-ley.bib": (1.0, 1.0),
    "repro-law-review-draft.docx": (1.0, 1.0),
    "repro-markdown-essay.md": (1.0, 1.0),
    "repro-pdos-string-macros.bib": (1.0, 1.0),
    "repro-refmanager-fields.docx": (1.0, 1.0),
}

#: Markdown file -> (minimum recall, minimum precision) of the pandoc filter, as measured today.
FILTER_MINIMUMS: dict[str, tuple[float, float]] = {
    "citeproc-README.md": (1.0, 1.0),
    "luafilters-diagram-sample.md": (1.0, 1.0),
    "luafilters-doi2cite-README.md": (1.0, 1.0),
    "luafilters-math2svg-README.md": (1.0, 1.0),
    "luafilters-pandoc-quotes-README.md": (1.0, 1.0),
    "mammoth-README.md": (1.0, 1.0),
    "repro-markdown-essay.md": (1.0, 1.0),
}


def _explain(score: Any) -> str:
    lines = [f"  miss {f.where}: {f.url} ({f.detail})" for f in score.misses]
    lines += [f"  false positive {f.where}: {f.url} ({f.detail})" for f in score.false_positives]
    return "\n".join(lines)


def test_every_corpus_file_has_ground_truth_a_minimum_and_a_source() -> None:
    names = [p.name for p in bench.corpus_files(CORPUS)]
    assert sorted(names) == sorted(MINIMUMS), "add new corpus files to MINIMUMS (and old ones removed)"
    assert sorted(FILTER_MINIMUMS) == sorted(n for n in names if n.endswith(".md"))
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    for name in names:
        assert (CORPUS / f"{name}.expected.tsv").is_file(), f"{name} has no ground truth"
        assert name in sources, f"{name} is not in SOURCES.md"


def test_ground_truth_lines_are_well_formed() -> None:
    for path in sorted(CORPUS.glob("*.expected.tsv")):
        rows = bench.read_expected(path)
        assert rows, f"{path.name} is empty"
        for row in rows:
            assert row.url.startswith(("http://", "https://")), f"{path.name}: {row.url!r}"


def test_read_expected_rejects_an_unknown_state_and_a_skip_without_reason(tmp_path: Path) -> None:
    bad_state = tmp_path / "a.expected.tsv"
    bad_state.write_text("https://example.com/\tarchived\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"a\.expected\.tsv:1: state must be one of"):
        bench.read_expected(bad_state)
    no_reason = tmp_path / "b.expected.tsv"
    no_reason.write_text("# comment\nhttps://example.com/\tskip\t\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"b\.expected\.tsv:2: a skip line needs a reason"):
        bench.read_expected(no_reason)


def test_the_comparison_counts_misses_and_false_positives(tmp_path: Path) -> None:
    doc = tmp_path / "essay.md"
    doc.write_text(
        "See https://example.com/a and <https://example.com/b>.\n"
        "A search page: https://example.com/c?q=1.\n",
        encoding="utf-8",
    )
    (tmp_path / "essay.md.expected.tsv").write_text(
        "https://example.com/a\tarchive\t\tline 1\n"
        "https://example.com/c?q=1\tskip\tsearch results page, not the cited work\tline 2\n"
        "https://example.com/d\tarchive\t\tnowhere\n",
        encoding="utf-8",
    )
    score = bench.measure(doc)
    assert (score.expected_archive, score.permify_archive, score.agreed) == (2, 3, 1)
    assert [f.url for f in score.misses] == ["https://example.com/d"]
    assert sorted(f.url for f in score.false_positives) == ["https://example.com/b", "https://example.com/c?q=1"]
    assert score.recall == 0.5
    assert score.precision == pytest.approx(1 / 3)


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_recall_and_precision_do_not_regress(name: str) -> None:
    score = bench.measure(CORPUS / name)
    min_recall, min_precision = MINIMUMS[name]
    assert score.recall >= min_recall and score.precision >= min_precision, (
        f"{name}: recall {score.recall:.3f} (minimum {min_recall}), "
        f"precision {score.precision:.3f} (minimum {min_precision})\n{_explain(score)}"
    )


@pytest.fixture(scope="module")
def filter_env() -> Any:
    """One sandbox on loopback for all the filter measurements of this module."""
    with Sandbox(SandboxConfig(capture_seconds=0.05)) as sb:
        yield bench.sandbox_env(sb)


@pytest.mark.parametrize("name", sorted(FILTER_MINIMUMS))
def test_filter_recall_and_precision_do_not_regress(name: str, filter_env: dict[str, str]) -> None:
    score = bench.measure_filter(CORPUS / name, filter_env)
    min_recall, min_precision = FILTER_MINIMUMS[name]
    assert score.recall >= min_recall and score.precision >= min_precision, (
        f"{name} (pandoc filter): recall {score.recall:.3f} (minimum {min_recall}), "
        f"precision {score.precision:.3f} (minimum {min_precision})\n{_explain(score)}"
    )
