"""What the command line does to start fast changes nothing it prints or parses.

The parser built for one run adds only the named subcommand's arguments, the help width is
found without :mod:`shutil`, and the console script (not :func:`main`) tunes the garbage
collector; see docs/architecture.md#start-up.
"""

from __future__ import annotations

import argparse
import gc
import shutil
from pathlib import Path

import pytest

from permify.cli.main import _parser_for, _terminal_columns, build_parser, main

ARGVS = [
    ["urls", "a.md", "--format", "csv", "--skip-host", "x.org"],
    ["--debug", "check", "a.md", "b.bib", "--from", "markdown"],
    ["archive", "a.md", "--folder", "Law/Vol 1", "--dry-run", "--concurrency", "2", "-q"],
    ["review", "a.md", "--offline"],
    ["ledger", "forget", "https://example.com/a"],
    ["folders", "--sandbox"],
    ["sandbox", "--port", "0", "--seed", "3"],
    ["serve", "--no-browser", "--port", "0"],
]


def _plain(args: argparse.Namespace) -> dict[str, object]:
    values = dict(vars(args))
    values["func"] = values["func"].__name__
    return values


@pytest.mark.parametrize("argv", ARGVS)
def test_the_parser_of_one_run_parses_as_the_whole_parser(argv: list[str]) -> None:
    assert _plain(_parser_for(argv).parse_args(argv)) == _plain(build_parser().parse_args(argv))


def test_the_top_level_help_lists_every_subcommand_whatever_follows(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["--help"], ["--help", "urls"], ["-h", "check", "x.md"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert all(name in out for name in ("archive", "urls", "check", "review", "folders", "ledger", "serve"))


@pytest.mark.parametrize("columns", [None, "0", "abc", "57", "-3"])
def test_the_help_width_is_the_one_shutil_gives(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert _terminal_columns() == shutil.get_terminal_size().columns


def test_main_leaves_the_collector_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "a.md"
    doc.write_text("See https://example.com/a.\n", encoding="utf-8")
    frozen = gc.get_freeze_count()
    assert gc.isenabled()
    assert main(["urls", str(doc)]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert "https://example.com/a" in capsys.readouterr().out
