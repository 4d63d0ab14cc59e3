"""Commands that make no request start fast: they never import the HTTP stack (``requests``).

Each case runs in a fresh interpreter (``python -X importtime``, whose report names every
module imported) so that nothing another test imported can hide an import.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("requests", "urllib3")
#: what the warm filter never needs: other formats' parsers, the web page, the sending machinery
NOT_IN_WARM_FILTER = ("markdown_it", "bibtexparser", "lxml", "docx", "warcio", "flask", "werkzeug",
                      "permify.documents", "permify.formats.base", "permify.outputs", "permify.report",
                      "permify.perma.models", "permify.archiving.create", "concurrent.futures", "email.utils",
                      "csv", "hashlib", "tempfile",
                      # the ledger alone answers a warm build: no archiver, run, site, client or review
                      "permify.api", "permify.site", "permify.archiving.archiver", "permify.archiving.run",
                      "permify.archiving.ledger", "permify.perma.client", "permify.perma.session",
                      "permify.perma.retry", "permify.review.judge", "permify.review.fetch")
#: what listing the URLs of a Markdown file never needs: the archiving stack, the ledger, writing files
NOT_IN_URLS = ("permify.site", "permify.archiving.archiver", "permify.archiving.ledger", "sqlite3", "permify.report",
               "permify.outputs", "tempfile", "hashlib", "csv", "difflib", "webbrowser", "bibtexparser", "lxml", "docx",
               "permify.api", "permify.cli.commands", "permify.cli.progress", "encodings.idna")
#: packages listing URLs never loads at all: the archiving stack, the capture review, the web page
NOT_UNDER_URLS = ("permify.archiving", "permify.review", "permify.web", "permify.sandbox", "requests", "urllib3")


def _imported(code: str, tmp_path: Path, *, env: dict[str, str] | None = None, stdin: str | None = None,
              permify: bool = True) -> set[str]:
    """The modules ``code`` imported, read from ``-X importtime``'s report on stderr."""
    full = dict(os.environ)
    full.update(PYTHONPATH=str(ROOT), PERMIFY_CONFIG=str(tmp_path / "none.ini"), **(env or {}))
    full.pop("PERMA_API_KEY", None)
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], input=stdin, capture_output=True,
                          text=True, env=full, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "permify" in names or not permify, proc.stderr[-2000:]  # the report was read
    return names


def _run_cli(*argv: str) -> str:
    return textwrap.dedent(f"""
        from permify.cli.main import main
        try:
            main({list(argv)!r})
        except SystemExit:
            pass
    """)


def test_import_permify_is_cheap(tmp_path: Path) -> None:
    names = _imported("import permify; permify.ExitStatus; permify.__version__", tmp_path)
    assert not names & set(HEAVY)
    assert "permify.archiving.archiver" not in names  # loaded on first use of a name that needs it


def test_lazy_names_resolve_and_are_listed(tmp_path: Path) -> None:
    import permify

    for name in permify.__all__:
        assert getattr(permify, name) is not None, name
    assert set(permify.__all__) <= set(dir(permify))
    with pytest.raises(AttributeError):
        permify.NoSuchName  # noqa: B018


@pytest.mark.parametrize("argv", [("--help",), ("archive", "--help"), ("urls", "{doc}"), ("check", "{doc}")])
def test_commands_that_send_nothing_do_not_import_requests(tmp_path: Path, argv: tuple[str, ...]) -> None:
    doc = tmp_path / "small.md"
    doc.write_text("# T\n\nSee https://example.com/a and [b](https://example.org/b).\n", encoding="utf-8")
    names = _imported(_run_cli(*(a.format(doc=doc) for a in argv)), tmp_path)
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    under = sorted(n for n in names if n in NOT_UNDER_URLS or n.startswith(tuple(f"{p}." for p in NOT_UNDER_URLS)))
    assert not under, under  # nor does --help, even archive's
    if argv[0] in ("urls", "check"):
        assert "markdown_it" in names  # the guard can fail: the scan did run
        assert not names & set(NOT_IN_URLS), sorted(names & set(NOT_IN_URLS))


#: what ``permify --help`` never needs, a quarter of its start in a regular install (the
#: commands import them when they run); compared with what the interpreter imports on its own,
#: since an editable install's finder imports some of them at every start
NOT_IN_HELP = ("typing", "urllib.parse", "ipaddress", "dataclasses", "inspect")


@pytest.mark.parametrize("argv", [("--help",), ("archive", "--help")])
def test_help_imports_neither_typing_nor_url_parsing(tmp_path: Path, argv: tuple[str, ...]) -> None:
    before = _imported("pass", tmp_path, permify=False)
    names = _imported(_run_cli(*argv), tmp_path) - before
    assert "permify.cli.main" in names  # the guard can fail: the command line was read
    assert not names & set(NOT_IN_HELP), sorted(names & set(NOT_IN_HELP))


def test_archive_imports_requests(tmp_path: Path) -> None:
    """The guard can fail: a command that talks to Perma does import the HTTP stack."""
    names = _imported("import permify; permify.PermaClient", tmp_path)
    assert "requests" in names


def test_warm_filter_imports_neither_requests_nor_other_formats(tmp_path: Path) -> None:
    from permify.archiving.ledger import Ledger
    from permify.urls import dedupe_key

    urls = [f"https://www.court{i}.gov/opinions/{i}.html" for i in range(5)]
    ledger_path = tmp_path / "ledger.sqlite3"
    with Ledger(ledger_path) as ledger:  # what a cold build leaves behind
        ledger.remember_folder("127.0.0.1:9", "42", 42)
        for i, url in enumerate(urls):
            ledger.record("127.0.0.1:9", 42, dedupe_key(url), url, guid=f"ABC{i + 2}-DEFG", status="completed")
    pypandoc = pytest.importorskip("pypandoc")
    markdown = "".join(f"See [case {i}]({u}).\n\n" for i, u in enumerate(urls))
    ast_json = pypandoc.convert_text(markdown, "json", format="markdown")
    code = textwrap.dedent("""
        from permify.pandoc.filter import main
        main()
    """)
    env = {
        "PERMA_API_URL": "http://127.0.0.1:9/v1",  # nothing listens: any request would fail the build
        "PERMA_API_KEY": "test-key",
        "PERMIFY_FOLDER": "42",
        "PERMIFY_LEDGER": str(ledger_path),
    }
    names = _imported(code, tmp_path, env=env, stdin=ast_json)
    assert "permify.pandoc.filter" in names
    assert not names & set(HEAVY), sorted(names & set(HEAVY))
    assert not any(n.startswith(("permify.formats.docx.", "permify.formats.bibtex.")) for n in names)
    assert "permify.archiving.ledger_lookup" in names  # the guard can fail: the ledger was consulted
    assert not names & set(NOT_IN_WARM_FILTER), sorted(names & set(NOT_IN_WARM_FILTER))
