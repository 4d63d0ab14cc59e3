"""Benchmark: how fast commands that send nothing start, against doing nothing at all.

Run ``python bench/bench_startup.py`` from the repository root. Interleaved (reference,
permify, reference, permify, ...; ``--rounds`` pairs, 15 by default), wall-clock time:

* ``permify urls small.md`` and ``permify --help`` against ``python -c pass`` (the same
  interpreter, in a throwaway environment that finds permify as a regular install does:
  see ``_installed_like``): goal at most 3x each;
* the pandoc filter on a warm ledger (every URL known, so no request) on a 100-link document
  against a no-op panflute filter: goal at most 1.15x.

It also lists what the fast commands import (``python -X importtime``): never ``requests``.
Exit status 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import Comparison, interleave, print_ratio, print_times

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from permify.archiving.ledger import Ledger  # noqa: E402 - after the sys.path line
from permify.perma.validate import GUID_ALPHABET  # noqa: E402
from permify.urls import dedupe_key  # noqa: E402

LINKS = 100
API_HOST = "127.0.0.1:9"  # nothing listens there: a request would fail the warm build


_SCRIPT = """#!{python}
import re, sys
from permify.cli.main import entry_point
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(entry_point())
"""


def _installed_like(work: Path) -> tuple[str, list[str]]:
    """An interpreter that finds permify as a regular install does, and its console script.

    A development checkout is usually installed editable, and the editable install's finder
    runs at every start of that environment's interpreter: it imports ``pathlib``, ``re``,
    ``fnmatch``, ``importlib.util`` and more before ``python -c pass`` does anything, which
    makes the reference slower and every ratio against it kinder than what a user who ran
    ``pip install .`` gets. So the commands run in a throwaway virtual environment whose
    site-packages holds one plain ``.pth`` file (the checkout and this environment's
    site-packages, paths only, no import) and a console script like the one pip writes.
    """
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(purelib, "permify-checkout.pth").write_text("\n".join([str(ROOT), *deps]) + "\n", encoding="utf-8")
    script = venv / "bin" / "permify"
    script.write_text(_SCRIPT.format(python=python), encoding="utf-8")
    script.chmod(0o755)
    return python, [str(script)]


def _timed(cmd: list[str], env: dict[str, str], stdin: bytes | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, input=stdin, capture_output=True, timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-1000:]}")
    return elapsed


def _imports_requests(python: str, cmd: list[str], env: dict[str, str]) -> bool:
    proc = subprocess.run([python, "-X", "importtime", *cmd], env=env, capture_output=True, text=True,
                          timeout=120)
    return any(line.rsplit("|", 1)[-1].strip() == "requests" for line in proc.stderr.splitlines())


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures and the goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved pairs per comparison (default 15)")
    args = parser.parse_args(argv)

    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PERMA_", "PERMIFY_"))}
        env.update(PYTHONPATH=str(ROOT), PERMIFY_CONFIG=str(work / "none.ini"))
        # Cached bytecode, as an installed permify runs (pip writes it): with PYTHONDONTWRITEBYTECODE
        # every run would compile permify's sources again and time the compiler. The cache goes to
        # the temporary folder, not the checkout; each comparison's warm-up run fills it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        small = work / "small.md"
        small.write_text("# Note\n\nSee https://www.supremecourt.gov/opinions/22pdf/21-476.pdf and "
                         "[the docket](https://www.courtlistener.com/docket/1/).\n", encoding="utf-8")
        python, permify = _installed_like(work)
        python_pass = [python, "-c", "pass"]

        for label, cmd in (("permify urls small.md", [*permify, "urls", str(small)]),
                           ("permify --help", [*permify, "--help"])):
            times = interleave(args.rounds, {"pass": lambda: _timed(python_pass, env),
                                             "permify": lambda c=cmd: _timed(c, env)}, measured=True)
            print(f"\n{label}:")
            print_times(times, {"pass": "python -c pass", "permify": label})
            met &= print_ratio(f"{label} / python -c pass", Comparison(times["permify"], times["pass"]), goal=3.0)
        for label, sub in (("urls", ["urls", str(small)]), ("--help", ["--help"]), ("check", ["check", str(small)])):
            loaded = _imports_requests(python, ["-m", "permify", *sub], env)
            print(f"permify {label} imports requests: {'yes (FAIL)' if loaded else 'no'}")
            met &= not loaded

        # The warm filter: a ledger that knows every URL and the folder, as a cold build leaves it.
        urls = [f"https://www.court{i}.gov/opinions/{i}/decision.html" for i in range(LINKS)]
        ledger_path = work / "ledger.sqlite3"
        with Ledger(ledger_path) as ledger:
            ledger.remember_folder(API_HOST, "42", 42)
            for i, url in enumerate(urls):
                guid = f"BE{GUID_ALPHABET[i // 32]}{GUID_ALPHABET[i % 32]}-CDEF"
                ledger.record(API_HOST, 42, dedupe_key(url), url, guid=guid, status="completed")
        text = "# Sources\n\n" + "".join(f"{i + 1}. See [opinion {i}]({u}) at 3.\n" for i, u in enumerate(urls))
        ast_json = pypandoc.convert_text(text, "json", format="markdown").encode()
        filter_env = dict(env, PERMA_API_URL=f"http://{API_HOST}/v1", PERMA_API_KEY="bench-key",
                          PERMIFY_FOLDER="42", PERMIFY_LEDGER=str(ledger_path))
        permify_filter = [python, "-c", "import sys\nfrom permify.pandoc.filter import main\nsys.exit(main())"]
        noop = [python, "-c", "import panflute as pf\npf.run_filter(lambda elem, doc: None)"]
        check = subprocess.run([*permify_filter, "html5"], input=ast_json, env=filter_env, capture_output=True)
        out = check.stdout.decode()
        if check.returncode != 0 or len(set(re.findall(r"perma\.cc/([A-Z0-9-]+)", out))) != LINKS:
            raise SystemExit(f"the warm filter did not insert every link: {check.stderr.decode()[-500:]}")
        del pandoc  # the filters are timed alone, on pandoc's JSON: pandoc's own time would hide the difference
        times = interleave(args.rounds, {"noop": lambda: _timed([*noop, "html5"], filter_env, ast_json),
                                         "permify": lambda: _timed([*permify_filter, "html5"], filter_env, ast_json)},
                           measured=True)
        print(f"\nwarm filter, {LINKS} links (the filter process on pandoc's JSON):")
        print_times(times, {"noop": "no-op panflute filter", "permify": "permify filter, warm ledger"})
        met &= print_ratio("warm filter / no-op", Comparison(times["permify"], times["noop"]), goal=1.15)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
