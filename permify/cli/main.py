"""The ``permify`` command: a thin skin over the library, one small function per subcommand.

Exit codes (:class:`~permify.exit_status.ExitStatus`): 0 all done; 1 done, but some URLs
failed (or ``check`` found unarchived ones); 2 bad usage, missing key, unreadable or invalid
input; 130 interrupted. Errors are one line
on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence

from .._version import __version__
from ..errors import Interrupted, PermifyError
from ..exit_status import ExitStatus
from ..perma.defaults import DEFAULT_TIMEOUT
from ..text import safe_text

__all__ = ["build_parser", "main"]

_EPILOG = "Exit codes: 0 done, 1 some URLs failed or unarchived, 2 bad input or usage, 130 interrupted."


class _Command:
    """The function ``name`` of ``module`` (relative to this package), imported when it runs:
    ``--help`` and a usage error never load the library behind the commands, and each command
    loads only its own module (listing URLs never loads the archiving commands)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.__name__ = name

    def load(self) -> Callable[[argparse.Namespace], object]:
        """The command's function, its module imported."""
        function: Callable[[argparse.Namespace], object] = getattr(
            importlib.import_module(self.module, __package__), self.__name__)
        return function

    def __call__(self, args: argparse.Namespace) -> object:
        return self.load()(args)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else the terminal's width, else 80.

    Without importing :mod:`shutil`, which loads the zlib, bz2 and lzma modules for its
    archive functions: argparse asks for the width each time an argument is added, and that
    import alone is a few percent of ``permify urls``'s start-up.
    """
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout, closed, detached, not a terminal
        columns = 0
    return columns or 80


def _formatter(prog: str) -> argparse.HelpFormatter:
    # The width argparse would find itself (the terminal's, less 2), found without shutil.
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32, width=_terminal_columns() - 2)


def _add_common_api(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sandbox", action="store_true", help="run against a built-in local Perma sandbox (no key needed)")
    p.add_argument("--api-url", metavar="URL", help="Perma API base (default $PERMA_API_URL or https://api.perma.cc/v1)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help=f"give up on one request to Perma after SECONDS, all included "
                   f"(default $PERMIFY_TIMEOUT, then the config file, then {DEFAULT_TIMEOUT:g})")


def _add_input(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="manuscripts: .md, .bib, .docx (- reads stdin)")
    p.add_argument("--from", dest="fmt", choices=("markdown", "bibtex", "docx"), help="format, if not by suffix")
    p.add_argument("--archive-doi", action="store_true",
                   help="also archive DOI links (doi.org, dx.doi.org, doi.acm.org/10...; skipped by default)")
    p.add_argument("--bib-url-field", action="append", default=[], metavar="NAME",
                   help="BibTeX: also read field NAME as a link to the cited work (repeatable; a,b works)")
    p.add_argument("--bib-skip-field", action="append", default=[], metavar="NAME",
                   help="BibTeX: never read field NAME; its URLs are listed as skipped (repeatable)")
    p.add_argument("--skip-host", action="append", default=[], metavar="HOST",
                   help="never archive URLs on HOST or its subdomains (* wildcards; repeatable)")
    p.add_argument("--include-host", action="append", default=[], metavar="HOST",
                   help="archive URLs on HOST although it is a subscription database or proxy (repeatable)")
    p.add_argument("--include-comments", action="store_true",
                   help="Word: also archive and edit URLs in reviewer comments (listed as skipped by default)")
    p.add_argument("--include-quoted", action="store_true",
                   help="also archive and edit URLs inside a quotation (listed as skipped by default)")


def _archive_args(p: argparse.ArgumentParser) -> None:
    _add_input(p)
    p.add_argument("--folder", metavar="ID|PATH", help="Perma folder id or 'A/B/C' path (default $PERMIFY_FOLDER)")
    p.add_argument("--create-folder", action="store_true",
                   help="create the missing folders at the end of --folder PATH (with --dry-run: only show them)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", metavar="OUT", help="output file (a folder with several inputs; - for stdout)")
    out.add_argument("--in-place", action="store_true", help="rewrite the input itself (keeps FILE.orig)")
    p.add_argument("--no-backup", action="store_true", help="with --in-place: keep no .orig copy")
    p.add_argument("--dry-run", action="store_true", help="no API writes, no document: show what would be archived")
    p.add_argument("--report", metavar="PATH", help="write a report, PATH.json or PATH.csv")
    p.add_argument("--diff", action="store_true", help="print the changed lines of text outputs")
    p.add_argument("--style", choices=("bluebook",), default="bluebook", help="insertion style (default bluebook)")
    p.add_argument("--private", action="store_true", help="make the archives private (one request per URL)")
    p.add_argument("--titles", action="store_true", help="title archives with the link text / BibTeX title")
    p.add_argument("--retry-failed", action="store_true", help="archive again URLs whose capture failed before")
    p.add_argument("--reuse-any-folder", action="store_true", help="reuse an archive of the URL from any folder")
    p.add_argument("--no-review", dest="review", action="store_false",
                   help="do not review captures (by default each new capture is checked for bot walls, errors...)")
    p.add_argument("--insert-suspect", action="store_true",
                   help="insert the links of captures the review finds suspect (still reported)")
    p.add_argument("--bib-print", choices=("note", "addendum", "none"), default=None,
                   help="BibTeX: field that prints the url's Perma link: note (default; .bst styles), "
                   "addendum (biblatex), none")
    p.add_argument("--track-changes", action="store_true", help="Word: insert as tracked changes by 'permify'")
    p.add_argument("--link-style", choices=("match", "hyperlink"), default="match",
                   help="Word: the Perma link looks like the cited URL (match, default) or uses the Hyperlink style")
    p.add_argument("--ledger", metavar="PATH", help="ledger file (default $PERMIFY_LEDGER or the user cache)")
    p.add_argument("--batch-size", type=int, default=20, metavar="N", help="URLs per batch request (default 20)")
    p.add_argument("--concurrency", type=int, metavar="N",
                   help="create requests in flight at once (default 3, or $PERMIFY_CONCURRENCY or the config "
                        "file's concurrency; 1 sends one at a time)")
    p.add_argument("--capture-timeout", type=float, default=600, metavar="S",
                   help="give up waiting for one capture after S seconds (default 600)")
    p.add_argument("--unknown-outcome-wait", type=float, default=90, metavar="S",
                   help="how long a request whose answer was lost may take to show up at Perma (default 90)")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    p.add_argument("-v", "--verbose", action="store_true", help="print every event")
    _add_common_api(p)


def _urls_args(p: argparse.ArgumentParser) -> None:
    _add_input(p)
    p.add_argument("--format", dest="output_format", choices=("text", "json", "csv"), default="text")


def _review_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="manuscripts: .md, .bib, .docx (- reads stdin)")
    p.add_argument("--from", dest="fmt", choices=("markdown", "bibtex", "docx"), help="format, if not by suffix")
    p.add_argument("--report", metavar="PATH", help="write the table as PATH.json or PATH.csv")
    p.add_argument("--offline", action="store_true", help="no network: report what the ledger knows of each link")
    p.add_argument("--recheck", action="store_true",
                   help="download and read every capture again, even one the ledger has a verdict for "
                   "(by default a capture whose record is unchanged keeps its verdict)")
    p.add_argument("--concurrency", type=int, default=8, metavar="N", help="links checked at once (default 8)")
    p.add_argument("--ledger", metavar="PATH", help="ledger file (default $PERMIFY_LEDGER or the user cache)")
    p.add_argument("--api-url", metavar="URL", help="Perma API base (default $PERMA_API_URL or https://api.perma.cc/v1)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help=f"give up on one request to Perma after SECONDS, all included "
                   f"(default $PERMIFY_TIMEOUT, then the config file, then {DEFAULT_TIMEOUT:g})")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the links that are not ok, and the summary")


def _sandbox_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks one)")
    p.add_argument("--capture-seconds", type=float, default=1.0, help="how long a capture takes (default 1)")
    p.add_argument("--fail-pattern", action="append", default=[], metavar="GLOB",
                   help="URLs matching GLOB end with a failed capture (repeatable)")
    p.add_argument("--fault-rate", type=float, default=0.0, help="probability of an injected fault per request")
    p.add_argument("--seed", type=int, help="random seed for GUIDs and faults (default: new GUIDs every run)")
    p.add_argument("--link-limit", type=int, default=10, help="personal link quota of the demo user (-1: none)")
    p.add_argument("--state", metavar="FILE", help="keep the sandbox's data in FILE across restarts")


def _ledger_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=("list", "export", "forget", "path"))
    p.add_argument("target", nargs="?", help="export: the CSV path; forget: a URL or a GUID")
    p.add_argument("--ledger", metavar="PATH", help="ledger file (default $PERMIFY_LEDGER or the user cache)")


def _serve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the page's address but do not open a browser")
    p.add_argument("--folder", metavar="ID|PATH", help="folder to preselect (default $PERMIFY_FOLDER)")
    p.add_argument("--ledger", metavar="PATH", help="ledger file (default $PERMIFY_LEDGER or the user cache)")
    _add_common_api(p)


class _Sub:
    """One subcommand: its one-line help, its ``--help`` epilog, the function that adds its
    arguments, and where its body is (module relative to this package, function name).
    (A plain class: a NamedTuple would import typing, about 9 ms of every start.)"""

    __slots__ = ("arguments", "epilog", "function", "help", "module")

    def __init__(self, help: str, epilog: str, arguments: Callable[[argparse.ArgumentParser], None],
                 module: str, function: str) -> None:
        self.help, self.epilog, self.arguments = help, epilog, arguments
        self.module, self.function = module, function


#: Every subcommand, in the order ``permify --help`` lists them.
_SUBCOMMANDS: dict[str, _Sub] = {
    "archive": _Sub(
        "archive cited URLs and write the document with Perma links",
        "example:\n  permify archive article.docx --folder 'Law Review/Vol 12/Smith' --report smith.csv\n"
        "  permify archive sample_docs/article.md --sandbox --diff\n\n" + _EPILOG,
        _archive_args, ".commands", "cmd_archive",
    ),
    "urls": _Sub(
        "list cited URLs with their locations (no network)",
        "example:\n  permify urls article.md --format csv > urls.csv",
        _urls_args, ".listing", "cmd_urls",
    ),
    "check": _Sub(
        "exit 1 if a cited URL has no Perma link beside it (for CI)",
        "example:\n  permify check article.perma.docx refs.perma.bib",
        _add_input, ".listing", "cmd_check",
    ),
    "review": _Sub(
        "check the Perma links already in documents (exit 1 if any is bad)",
        "example:\n  permify review article.perma.docx refs.perma.bib --report links.csv\n"
        "  permify review article.perma.md --offline",
        _review_args, ".commands", "cmd_review",
    ),
    "folders": _Sub(
        "print the Perma folder tree with ids",
        "example:\n  PERMA_API_KEY=... permify folders\n  permify folders --sandbox",
        _add_common_api, ".commands", "cmd_folders",
    ),
    "sandbox": _Sub(
        "serve a local Perma-compatible API on 127.0.0.1",
        "example:\n  permify sandbox --port 8765 --capture-seconds 2\n"
        "  curl -H 'Authorization: ApiKey KEY' http://127.0.0.1:8765/v1/folders",
        _sandbox_args, ".commands", "cmd_sandbox",
    ),
    "ledger": _Sub(
        "list, export or forget what permify has archived",
        "example:\n  permify ledger list\n  permify ledger export ledger.csv\n"
        "  permify ledger forget https://example.com/page",
        _ledger_args, ".commands", "cmd_ledger",
    ),
    # The editor's page: Flask loads only when it runs.
    "serve": _Sub(
        "open the editor's page: a local web page to archive manuscripts' URLs",
        "example:\n  permify serve\n  permify serve --sandbox      (try it with no Perma account)",
        _serve_args, "..web.command", "cmd_serve",
    ),
}


def build_parser(only: str | None = None, *, alone: bool = False) -> argparse.ArgumentParser:
    """The argument parser for every subcommand (each has ``--help`` with an example).

    With ``only`` (a subcommand's name, or ``""`` for none), only that subcommand gets its
    arguments, and with ``alone`` it is the only one listed: one run parses one subcommand, and
    building the parsers of all of them is a good part of the start-up time of a quick command.
    """
    parser = argparse.ArgumentParser(
        prog="permify",
        description="Archive every URL a manuscript cites with Perma.cc and add the Perma links beside them.",
        epilog=_EPILOG,
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"permify {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, spec in _SUBCOMMANDS.items():
        if alone and name != only:
            continue
        p = sub.add_parser(name, help=spec.help, formatter_class=_formatter, epilog=spec.epilog)
        if only is None or only == name:
            spec.arguments(p)
        p.set_defaults(func=_Command(spec.module, spec.function))
    return parser


def _parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser :func:`main` needs for ``argv``: the named subcommand's arguments only (the
    first word that is not an option names it: no top-level option takes a value), and that
    subcommand alone when nothing before it but ``--debug`` could print the top-level help or
    an error that lists the subcommands."""
    for i, word in enumerate(argv):
        if not word.startswith("-"):
            if word not in _SUBCOMMANDS:
                break  # argparse reports it, listing the subcommands
            return build_parser(word, alone=all(w == "--debug" for w in argv[:i]))
    return build_parser("")


@contextlib.contextmanager
def _broken_pipe_safe() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:  # `permify urls x.md | head`
        with contextlib.suppress(Exception):
            sys.stdout = open("/dev/null", "w")
        raise SystemExit(ExitStatus.OK) from None


def main(argv: Sequence[str] | None = None, *, on_loaded: Callable[[], None] | None = None) -> int:
    """Run the command line; returns the :class:`ExitStatus` (the console script exits with it).

    ``on_loaded`` is called once the command's code is imported, right before it runs.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    args = _parser_for(words).parse_args(words)
    try:
        with _broken_pipe_safe():
            command = args.func
            if on_loaded is not None:
                command = command.load() if isinstance(command, _Command) else command
                on_loaded()
            return int(command(args) or ExitStatus.OK)
    except Interrupted as error:
        print(f"\npermify: {error}", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except KeyboardInterrupt:
        print("\npermify: interrupted", file=sys.stderr)
        return ExitStatus.INTERRUPTED
    except PermifyError as error:
        if args.debug:
            raise
        # Errors may quote a server or a document: one line, no terminal escapes.
        print(f"permify: error: {safe_text(str(error), 2000)}", file=sys.stderr)
        return error.exit_code
    except Exception as error:  # a bug: still one line, unless --debug
        if args.debug:
            raise
        print(
            f"permify: internal error: {type(error).__name__}: {safe_text(str(error), 500)} "
            "(run again with --debug for details, and please report it)",
            file=sys.stderr,
        )
        return ExitStatus.USAGE


def _collect_from_here() -> None:
    """Let the garbage collector ignore what start-up made, and collect from here on."""
    gc.freeze()
    gc.enable()


def entry_point() -> None:
    """Console-script entry: exit with :func:`main`'s code."""
    # Start-up (the parser, the command's modules) makes tens of thousands of objects that live
    # as long as the process: the collector's passes over them during start-up, and over all of
    # them again as the interpreter exits, find nothing to free and cost a quick command a
    # seventh of its time. So it is off until the command's code is loaded, which is then frozen
    # (never looked at again) while the command runs with the collector on; and what is left
    # at the end is frozen too: every file is closed by then, nothing needs finalizing. Only
    # here, in a process of its own: main() called by a program leaves its collector alone.
    gc.disable()
    code = main(on_loaded=_collect_from_here)
    gc.freeze()
    if code == ExitStatus.INTERRUPTED:
        # Interrupted: the ledger is closed and outputs are written atomically, so nothing is
        # left to clean up. Leave at once rather than in interpreter finalization, which a
        # second Ctrl-C could interrupt with a traceback.
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(ExitStatus.INTERRUPTED)
    sys.exit(code)

