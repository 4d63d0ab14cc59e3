"""Each small evil input ends in bounded time and memory, with one clear line or a correct output.

Every case of :mod:`hostile_files` runs through ``permify urls`` in a child process whose peak
resident memory and CPU time are measured (``getrusage``) and whose address space is capped,
so a regression fails the test instead of the machine. The bounds are the ones docs/limits.md
promises: no input under 2 MB makes permify use more than 500 MB or more than 10 s of CPU
(on a machine that lists the URLs of an ordinary 10,000-link document in 1 s; scaled by that
yardstick on a slower one, see ``cpu_budget``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_files import CASES, HostileCase, bib_doubling_strings, docx_duplicate_member

MAX_SECONDS = 10.0  # of CPU time on the reference machine (see ``cpu_budget``)
#: CPU seconds the reference machine takes to list the URLs of :func:`_benign_markdown`
REFERENCE_SECONDS = 1.0
ROOT = Path(__file__).resolve().parents[2]
MAX_WALL_SECONDS = 60.0  # a hang fails however busy it is
MAX_RSS_MB = 500
_AS_LIMIT = 2 * 1024**3  # a runaway child fails with MemoryError, not the machine


@dataclass(frozen=True)
class Measured:
    """What one child run did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float  # wall clock, the middle process's start included
    cpu_seconds: float  # user + system time of permify itself
    peak_mb: float


# A middle process runs permify and reports its one child's peak resident memory: the
# RUSAGE_CHILDREN of a process with a single child is exactly that child's.
def run_measured(args: list[str], timeout: float = 60.0, env: dict[str, str] | None = None) -> Measured:
    """Run ``python -m permify ARGS`` with an address-space cap; time it and measure its peak RSS."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE_CHILD, str(timeout), str(_AS_LIMIT),
         sys.executable, "-m", "permify", *args],
        capture_output=True, env=env, timeout=timeout + 30,
    )
    seconds = time.monotonic() - started
    stderr = proc.stderr.decode(errors="replace")
    stderr, _, usage = stderr.rpartition(_PEAK_MARK)
    peak_kb, cpu = usage.split()
    return Measured(proc.returncode, proc.stdout.decode(errors="replace"), stderr,
                    seconds, float(cpu), int(peak_kb) / 1024)


_PEAK_MARK = "\n@@peak-kb "


def _benign_markdown() -> str:
    """An ordinary Markdown document of 10,000 cited URLs (about 0.7 MB), the one
    ``bench/bench_scale.py`` measures at that size: the yardstick."""
    spec = importlib.util.spec_from_file_location("_documents", ROOT / "bench" / "_documents.py")
    assert spec is not None and spec.loader is not None
    documents = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(documents)
    text: str = documents.make_document(6_667, "yardstick")
    return text


@pytest.fixture(scope="module")
def cpu_budget(tmp_path_factory: pytest.TempPathFactory) -> float:
    """The CPU bound in this machine's seconds: :data:`MAX_SECONDS`, scaled by how much slower
    than the reference machine this one lists an ordinary document (never below it).

    A fixed number of seconds held on a machine half as fast, or one shared with other work,
    fails cases that are linear and sound; the bound is there to catch work that grows faster
    than the input, which costs many times more, not a slower machine."""
    path = tmp_path_factory.mktemp("yardstick") / "benign.md"
    path.write_text(_benign_markdown(), encoding="utf-8")
    pace = min(run_measured(["urls", str(path)]).cpu_seconds for _ in range(2)) / REFERENCE_SECONDS
    return MAX_SECONDS * max(1.0, pace)
_MEASURE_CHILD = f"""
import resource, subprocess, sys
limit = int(sys.argv[2])

def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

try:
    code = subprocess.run(sys.argv[3:], preexec_fn=cap, timeout=float(sys.argv[1])).returncode
except subprocess.TimeoutExpired:
    code = 124
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write({_PEAK_MARK!r} + f"{{usage.ru_maxrss}} {{usage.ru_utime + usage.ru_stime}}")
sys.exit(code)
"""


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_evil_input_is_cheap_and_answered_clearly(case: HostileCase, tmp_path: Path, cpu_budget: float) -> None:
    data = case.build()
    assert len(data) < 2_000_000
    path = tmp_path / f"evil{case.suffix}"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()

    result = run_measured(["urls", str(path)], timeout=MAX_WALL_SECONDS)

    assert result.cpu_seconds < cpu_budget, f"{case.name}: {result.cpu_seconds:.1f} s of {cpu_budget:.1f} s"
    assert result.seconds < MAX_WALL_SECONDS, f"{case.name}: {result.seconds:.1f} s"
    assert result.peak_mb < MAX_RSS_MB, f"{case.name}: {result.peak_mb:.0f} MB"
    assert "Traceback" not in result.stderr
    if case.refused is True or (case.refused is None and result.returncode == 2):
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(path) in lines[0]
    else:
        assert result.returncode == 0, result.stderr
        if case.expect:
            assert case.expect in result.stdout
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_doubling_strings_report_the_entry_and_keep_the_others(tmp_path: Path) -> None:
    path = tmp_path / "doubling.bib"
    path.write_bytes(bib_doubling_strings())
    result = run_measured(["urls", str(path)])
    assert result.returncode == 0, result.stderr
    assert "https://example.org/fine" in result.stdout
    assert "100,000 characters" in result.stderr
    assert "'doubled'" in result.stderr and "line " in result.stderr


def test_duplicate_member_names_are_a_damaged_file(tmp_path: Path) -> None:
    path = tmp_path / "twice.docx"
    path.write_bytes(docx_duplicate_member())
    result = run_measured(["urls", str(path)])
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"permify: error: {path}: has two members named word/document.xml: "
        "the file is damaged; open and re-save it in Word"
    )


_REFUSED = [c for c in CASES if c.refused]


@pytest.mark.slow
@pytest.mark.parametrize("case", _REFUSED, ids=[c.name for c in _REFUSED])
def test_archive_refuses_evil_input_before_any_request(case: HostileCase, tmp_path: Path, cpu_budget: float) -> None:
    path = tmp_path / f"evil{case.suffix}"
    path.write_bytes(case.build())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    env = dict(os.environ, PERMIFY_LEDGER=str(tmp_path / "ledger.db"),
               PERMIFY_CONFIG=str(tmp_path / "none.ini"))

    result = run_measured(["archive", "--dry-run", "--sandbox", str(path)],
                          timeout=MAX_WALL_SECONDS, env=env)

    assert result.returncode == 2, result.stderr
    assert result.cpu_seconds < cpu_budget and result.peak_mb < MAX_RSS_MB, result
    errors = [line for line in result.stderr.splitlines() if line.startswith("permify: error:")]
    assert len(errors) == 1 and str(path) in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


# --------------------------------------------------------------------------- in process


def test_resolve_stops_at_the_value_cap() -> None:
    from permify.formats.bibtex.values import (
        MAX_EXPANDED_CHARS,
        ExpansionBudget,
        ExpansionLimitError,
        Piece,
        resolve,
    )

    text = "a # a"
    pieces = (Piece("bare", 0, 1), Piece("bare", 4, 5))
    half = "x" * (MAX_EXPANDED_CHARS // 2)
    assert resolve(text, pieces, {"a": half}) == half * 2
    with pytest.raises(ExpansionLimitError, match="100,000 characters"):
        resolve(text, pieces, {"a": half + "x"})
    budget = ExpansionBudget(total=3 * len(half))
    resolve(text, pieces, {"a": half}, budget=budget)
    with pytest.raises(ExpansionLimitError, match="total cap"):
        resolve(text, pieces, {"a": half}, budget=budget)
    budget.oversized.add("b")
    with pytest.raises(ExpansionLimitError) as caught:
        resolve("b", (Piece("bare", 0, 1),), {"b": "small"}, budget=budget)
    assert caught.value.uses == "b"


def test_macro_prefix_used_by_many_entries_stays_under_the_file_cap() -> None:
    from permify.formats.bibtex.adapter import BibtexAdapter

    prefix = "https://www.jstor.org/stable/"
    entries = "\n".join(f'@misc{{k{i}, url = jstor # "{i}"}}' for i in range(20_000))
    doc = BibtexAdapter().parse(f'@string{{jstor = "{prefix}"}}\n{entries}\n'.encode(), "big.bib")
    assert len(doc.citations) == 20_000 and not doc.warnings


def test_url_commands_nested_in_an_argument_count_once() -> None:
    from permify.formats.bibtex.values import urls_in_text

    assert [u.url for u in urls_in_text(r"\url{\url{https://a.org/x}}")] == [r"\url{https://a.org/x}"]
    assert [u.url for u in urls_in_text(r"\href{https://a.org/x}{\url{https://a.org/x}} and https://b.org/")] \
        == ["https://a.org/x", "https://a.org/x", "https://b.org/"]


def test_package_read_counts_what_it_inflates_whatever_the_headers_say() -> None:
    from hostile_files import docx_big_part, lying_sizes

    from permify.errors import InputError
    from permify.formats.docx.package import open_package

    with pytest.raises(InputError, match="damaged"):
        open_package(lying_sizes(64 * 1024 * 1024), "lying.docx").read("word/document.xml")
    with pytest.raises(InputError, match="12 MiB"):
        open_package(docx_big_part(40 * 1024 * 1024), "big.docx").read("word/document.xml")
