"""The documentation keeps up with the code (in the manner of sqlite-utils' ``test_docs``).

(a) Every ``permify`` subcommand and every option of every subcommand, walked from the real
argparse parser, appears in README.md or a page under docs/.
(b) Every reference to a docs page, in code, docstrings, tests and Markdown, names a file that
exists, and its ``#anchor`` names a heading of that page.
(c) Nothing in the repository cites the team's notes outside it, which a reader does not have.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from permify.cli.main import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SOURCE_DIRS = ("permify", "filters", "tests", "bench", "scripts")
TEXT_SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".json", ".csv", ".bib", ".tex",
                 ".sh", ".lua", ".html"}


def _text_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and "__pycache__" not in path.parts:
                yield path


def _documentation() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))])


# ------------------------------------------------------------------ (a) the command line


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[
        tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """``(command path, parser)`` for the top level and every subcommand, however deeply nested."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def cli_items() -> list[tuple[str, str]]:
    """``(where, literal)``: each literal must appear in the documentation.

    Subcommands as ``permify NAME``; a positional argument with fixed choices (``ledger``'s
    action) as ``permify NAME CHOICE``; options as the literal option string (``--dry-run``).
    """
    items: list[tuple[str, str]] = []
    for path, parser in _commands(build_parser()):
        where = " ".join(("permify", *path))
        if path:
            items.append((where, where))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            if not action.option_strings and action.choices:
                items += [(where, f"{where} {choice}") for choice in action.choices]
            items += [(where, option) for option in action.option_strings]
    return sorted(set(items))


def _mentioned(literal: str, text: str) -> bool:
    # "-o" must stand alone, not be part of "--output" or "-option"
    return re.search(rf"(?<![\w-]){re.escape(literal)}(?![\w-])", text) is not None


def test_the_parser_is_walked() -> None:
    """The walk sees the subcommands and their options (so the test below checks something)."""
    literals = {literal for _, literal in cli_items()}
    assert {"permify archive", "permify ledger list", "--dry-run", "--fault-rate", "-o"} <= literals


@pytest.mark.parametrize(("where", "literal"), cli_items())
def test_cli_is_documented(where: str, literal: str) -> None:
    assert _mentioned(literal, _documentation()), (
        f"{literal!r} ({where}) appears in neither README.md nor docs/*.md; add it to docs/cli.md"
    )


# ------------------------------------------------------------------ (b) docs references resolve

# "docs/page.md#anchor" anywhere; in docs pages also relative Markdown links "](page.md#anchor)".
_DOCS_REF_RE = re.compile(r"(?<![\w/.-])docs/([\w.-]+\.md)(?:#([\w-]+))?")
_RELATIVE_LINK_RE = re.compile(r"\]\((?![a-z]+:)([\w.-]+\.md)(?:#([\w-]+))?\)")


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a Markdown page (repeated headings get -1, -2, ... as on GitHub)."""
    found: set[str] = set()
    in_fence = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and re.match(r"#{1,6} ", line):
            slug = _slug(line.lstrip("#"))
            candidate, n = slug, 0
            while candidate in found:
                n += 1
                candidate = f"{slug}-{n}"
            found.add(candidate)
    return found


def docs_references() -> list[tuple[str, str, str]]:
    """``(file:line, page, anchor)`` for every docs reference in the repository."""
    refs: list[tuple[str, str, str]] = []
    this = Path(__file__).resolve()
    files = [*_text_files(*SOURCE_DIRS, "docs"), ROOT / "README.md"]
    for path in files:
        if path.resolve() == this:
            continue
        patterns = [_DOCS_REF_RE] + ([_RELATIVE_LINK_RE] if path.parent == DOCS else [])
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            for pattern in patterns:
                for m in pattern.finditer(line):
                    where = f"{path.relative_to(ROOT)}:{number}"
                    refs.append((where, m.group(1), m.group(2) or ""))
    return refs


def test_references_are_found() -> None:
    """The scan finds the references the code is known to make (so the test below checks something)."""
    pages = {page for _, page, _ in docs_references()}
    assert {"architecture.md", "perma-api.md", "markdown.md", "word.md"} <= pages


@pytest.mark.parametrize(("where", "page", "anchor"), docs_references())
def test_docs_reference_resolves(where: str, page: str, anchor: str) -> None:
    target = DOCS / page
    assert target.is_file(), f"{where}: docs/{page} does not exist"
    if anchor:
        assert anchor in anchors(target), f"{where}: docs/{page} has no heading for #{anchor}"


def test_slug_is_githubs() -> None:
    assert _slug(" The archiver's objects") == "the-archivers-objects"
    assert _slug("Limits") == "limits"
    assert _slug("permify-filter") == "permify-filter"


# ------------------------------------------------------------------ (c) no notes from outside the repo

# Built from parts so that this file does not mention them itself.
_OUTSIDE = [
    re.escape("design" + ".md"),
    "-".join(("formats", "notes")),
    "-".join(("perma", "api", "notes")),
    "-".join(("house", "style")),
    r"\bnotes " + "\u00a7",  # section references into those notes
    r"\bissue " + r"\d",  # the tracker is not in the repository either
]
_OUTSIDE_RE = re.compile("|".join(_OUTSIDE), re.IGNORECASE)


def outside_references() -> list[str]:
    """``file:line: text`` for every line that cites a document outside the repository."""
    found = []
    for path in _text_files(*SOURCE_DIRS, "docs"):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if _OUTSIDE_RE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_nothing_cites_notes_outside_the_repository() -> None:
    assert outside_references() == []


def test_the_outside_pattern_matches() -> None:
    samples = ("see design" + ".md", "(formats-" + "notes " + "\u00a7" + "1.2)",
               "perma-api-" + "notes.md", "issue " + "4")
    for text in samples:
        assert _OUTSIDE_RE.search(text), text
