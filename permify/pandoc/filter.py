"""The pandoc filter: archive every cited URL once, then write `` [https://perma.cc/GUID]`` after it.

Run it after ``--citeproc`` so that the URLs of the rendered bibliography get their Perma
links too::

    pandoc paper.md --citeproc --filter permify-filter -o paper.pdf

The first build archives the cited URLs through the same archiver and ledger as the
``permify`` command (exactly once, reconciled with the folder). Every later build finds them
all in the ledger and makes no HTTP request at all (reading them from the ledger file alone,
without loading the archiver: :mod:`permify.pandoc.warm`). A build never fails because archiving is
unavailable (no key, no network, an API error): the filter inserts what the ledger already
knows, leaves the other links as they are and warns once on stderr, unless ``strict`` is set.

One read-only walk over ``doc.content`` (never the metadata, never inside images or a link's
own text) notes which inline lists hold links or bare URLs in ``Str`` text
(:mod:`permify.pandoc.cited`); the archiving happens once for all of them; then the Perma
links are inserted into those lists in place: after a link, or right after a bare URL, the
``Str`` split there (``https://x.gov/a.`` becomes ``https://x.gov/a [https://perma.cc/G].``).
Nothing else in the tree is rebuilt, which keeps a warm
build close to the cost of a filter that does nothing.
"""

from __future__ import annotations

import gc
import io
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

import panflute as pf

from ..archiving.outcomes import Outcome, UrlRequest
from ..errors import ConfigError, Interrupted, PermifyError, StrictModeError
from ..exit_status import ExitStatus
from ..urls import classify, dedupe_key
from .cited import find_lists, spots_in
from .config import (
    HTML_FORMATS,
    SUPPORTED_API,
    FilterConfig,
    api_version_of,
    load_filter_config,
    strict_from_env,
)

if TYPE_CHECKING:  # the archiving stack loads when the ledger alone cannot answer (see .warm)
    from ..site import ArchiveSite

__all__ = ["PROG", "PermifyFilter", "StrictModeError", "main"]

PROG = "permify-filter"
_LOCATION = ("pandoc",)


def _for_the_filter(error: PermifyError) -> PermifyError:
    """The error as a build log should say it: the filter has no ``--create-folder`` option,
    so a missing folder points to the Perma page or to ``permify archive --create-folder``."""
    text = str(error)
    if "--create-folder" not in text:
        return error
    text = text.replace("pass --create-folder to create it",
                        "create it on Perma.cc, or once with 'permify archive FILE --folder PATH --create-folder'")
    text = text.replace("and --create-folder creates folders only below them", "and new folders go only below them")
    return type(error)(text) if type(error).__init__ is PermifyError.__init__ else PermifyError(text)


def _warn(line: str, stream: TextIO | None = None) -> None:
    print(f"{PROG}: {line}", file=stream or sys.stderr, flush=True)


#: How to build anyway, named with the filter's own option (it has no command-line flags).
STRICT_HINT = "set 'strict: false' in the permify metadata, or PERMIFY_STRICT=0, to build without them"


def _filter_site(folder: str, timeout: float | None = None) -> ArchiveSite:
    """Where the filter archives: the settings' API and ledger, with a client that gives up
    quickly when the API is unreachable.

    A build waits on the filter: two retries with a short backoff are enough to ride out a
    blip, and an offline laptop gets its warning within about a second, not a minute.
    """
    from ..perma.retry import RetryPolicy
    from ..site import ArchiveSite

    return ArchiveSite(
        folder=folder, connect_timeout=5.0, retry=RetryPolicy(max_retries=2, backoff=0.5), timeout=timeout
    )


class PermifyFilter:
    """One run of the filter over one document.

    Settings come from the metadata, ``os.environ`` and the config file; ``stderr`` receives
    the warnings. ``outcomes`` holds the archiving result per URL key after :meth:`run`.
    """

    def __init__(self, *, stderr: TextIO | None = None) -> None:
        self.stderr = stderr
        self.outcomes: dict[str, Outcome] = {}
        self._lists: list[tuple[pf.ListContainer, bool]] = []
        self._warned: set[str] = set()
        self._site: ArchiveSite | None = None
        #: the day each archive was recorded, when the ledger alone answered (see .warm)
        self._dates: dict[str, str] | None = None

    # ------------------------------------------------------------------ public

    def run(self, doc: pf.Doc) -> pf.Doc:
        """Archive the document's cited URLs and insert their Perma links; return ``doc``.

        Raises :class:`StrictModeError` (or the underlying :class:`PermifyError`) only in
        strict mode; otherwise problems become one warning each on stderr.
        """
        meta = doc.get_metadata("permify", default=None)
        try:
            config = load_filter_config(meta)
        except ConfigError as error:
            if self._strict_hint(meta):
                raise
            self.warn(f"{error}; links left as they are")
            return doc
        # The body only: metadata values (a `source: https://...`) are not citations.
        self._lists = []
        find_lists(doc.content, self._lists)
        plan, requests = self._plan(config)
        try:
            self.outcomes = self._archive(config, requests)
            self._report(config)
            self._insert(doc, config, plan)
        finally:
            if self._site is not None:
                self._site.close()
                self._site = None
        return doc

    def warn(self, line: str) -> None:
        """Print ``line`` on stderr, once per run."""
        if line not in self._warned:
            self._warned.add(line)
            _warn(line, self.stderr)

    # ------------------------------------------------------------------ steps

    def _strict_hint(self, meta: Any) -> bool:
        value = meta.get("strict") if isinstance(meta, Mapping) else None
        if value is not None:
            return str(value).strip().lower() in ("true", "1", "yes", "on")
        return strict_from_env()

    def _plan(self, config: FilterConfig) -> tuple[list[tuple[Any, list[tuple[int, str, int | None]]]],
                                                   dict[str, UrlRequest]]:
        plan: list[tuple[Any, list[tuple[int, str, int | None]]]] = []
        requests: dict[str, UrlRequest] = {}
        verdicts: dict[str, bool] = {}
        for container, quoted in self._lists:
            spots: list[tuple[int, str, int | None]] = []
            for spot in spots_in(container.list, quoted):
                if spot.quoted and not config.include_quoted:
                    continue
                ok = verdicts.get(spot.url)
                if ok is None:
                    ok = verdicts[spot.url] = classify(
                        spot.url, archive_doi=config.archive_doi,
                        skip_hosts=config.skip_hosts, include_hosts=config.include_hosts,
                    ).archive
                if not ok:
                    continue
                key = dedupe_key(spot.url)
                requests.setdefault(key, UrlRequest(key, spot.url, locations=_LOCATION))
                spots.append((spot.index, key, spot.cut))
            if spots:
                plan.append((container, spots))
        return plan, requests

    def _archive(self, config: FilterConfig, requests: Mapping[str, UrlRequest]) -> dict[str, Outcome]:
        self._dates = None
        if not requests:
            return {}
        if not config.folder:
            return self._unavailable(
                config, requests,
                ConfigError("no Perma folder: add 'permify: {folder: ...}' to the metadata or set PERMIFY_FOLDER"),
            )
        from .warm import warm_outcomes

        warm = warm_outcomes(config.folder, config.timeout, requests)
        if warm is not None:  # a warm build: every URL's archive is in the ledger, nothing else loads
            outcomes, self._dates = warm
            return outcomes
        from ..api import ensure_archives
        from ..archiving.options import ArchiveOptions

        options = ArchiveOptions(
            folder_id=0, private=config.private, dry_run=config.dry_run, poll_initial=config.poll_initial
        )
        try:
            site = self._where(config.folder, config.timeout)
            return ensure_archives(list(requests.values()), site=site, options=options)
        except Interrupted:
            raise
        except PermifyError as error:
            return self._unavailable(config, requests, error)

    def _where(self, folder: str, timeout: float | None = None) -> ArchiveSite:
        """The run's :class:`ArchiveSite` (one per run, closed at its end)."""
        if self._site is None:
            self._site = _filter_site(folder, timeout)
        return self._site

    def _unavailable(
        self, config: FilterConfig, requests: Mapping[str, UrlRequest], error: PermifyError
    ) -> dict[str, Outcome]:
        error = _for_the_filter(error)
        if config.strict:
            raise StrictModeError(f"strict: archiving is unavailable ({error}); {STRICT_HINT}")
        from ..api import known_archives

        known: dict[str, Outcome] = {}
        if config.folder:
            try:
                known = known_archives(list(requests.values()), site=self._where(config.folder))
            except PermifyError:
                known = {}
        missing = len(requests) - len(known)
        self.warn(
            f"archiving unavailable ({error}); {missing} of {len(requests)} cited URLs left without a Perma link"
            + (f" ({len(known)} inserted from the ledger)" if known else "")
        )
        return known

    def _report(self, config: FilterConfig) -> None:
        outcomes = self.outcomes.values()
        would = [o for o in outcomes if o.status == "would-archive"]
        failed = [o for o in outcomes if o.status == "failed"]
        suspect = [o for o in outcomes if o.status == "suspect"]
        if config.strict and (would or failed or suspect):
            first = (would or failed or suspect)[0]
            raise StrictModeError(
                f"strict: {len(would) + len(failed) + len(suspect)} cited URLs have no Perma link "
                f"(first: {first.url}: {first.message or first.status}); {STRICT_HINT}"
            )
        if would:
            self.warn(f"dry run: would archive {len(would)} URLs in folder {config.folder!r}:\n"
                      + "\n".join(f"  {o.url}" for o in would))
        if failed:
            self.warn(f"{len(failed)} cited URLs could not be archived; their links are left as they are:\n"
                      + "\n".join(f"  {o.url}: {o.message or 'capture failed'}" for o in failed))
        for o in suspect:  # the capture review flagged it: one warning each, with what to do
            reason = o.verdict.reason if o.verdict else (o.message or "suspect capture")
            self.warn(f"no Perma link for {o.url}: its capture {o.perma_url} looks wrong ({reason}); open it, and "
                      "if it is not the page upload a PDF or screenshot of the page there, then build again")
        archived = sum(1 for o in outcomes if o.status == "archived")
        if archived:
            self.warn(f"archived {archived} new URLs in folder {config.folder!r}")

    def _insert(self, doc: pf.Doc, config: FilterConfig,
                plan: list[tuple[Any, list[tuple[int, str, int | None]]]]) -> None:
        fmt = re.split(r"[+-]", doc.format or "", maxsplit=1)[0].lower()
        html = fmt in HTML_FORMATS
        dates = self._capture_dates(config) if html and self.outcomes else {}
        today = date.today().isoformat()
        for container, spots in plan:
            # Right to left (a Str with two URLs: the later one first), so that each index
            # and each cut still points where it did.
            for i, key, cut in sorted(spots, key=lambda s: (s[0], -1 if s[2] is None else s[2]), reverse=True):
                outcome = self.outcomes.get(key)
                if outcome is None or not outcome.insertable or outcome.perma_url is None:
                    continue
                item = container.list[i]
                perma = outcome.perma_url
                link = pf.Link(pf.Str(perma), url=perma)
                original = item.url if cut is None else item.text[:cut]
                if html:
                    when = dates.get(key, today)
                    if cut is None:
                        item.attributes.update(
                            {"data-versionurl": perma, "data-versiondate": when, "data-originalurl": item.url}
                        )
                    link.attributes.update({"data-originalurl": original, "data-versiondate": when})
                new: list[pf.Element] = [pf.Space(), pf.Str("["), link, pf.Str("]")]
                if cut is not None:
                    # The Str is split after the URL; its text is kept as written.
                    rest = item.text[cut:]
                    item.text = item.text[:cut]
                    if rest:
                        new.append(pf.Str(rest))
                for offset, element in enumerate(new, start=1):
                    container.insert(i + offset, element)

    def _capture_dates(self, config: FilterConfig) -> dict[str, str]:
        """Dates the ledger recorded each archive (the capture date for archives permify made)."""
        if self._dates is not None:
            return self._dates  # what known_archives reads, read with the outcomes
        if not config.folder:
            return {}
        from ..api import known_archives

        requests = [UrlRequest(o.key, o.url) for o in self.outcomes.values()]
        try:
            known = known_archives(requests, site=self._where(config.folder))
        except PermifyError:
            return {}
        return {key: o.captured_on for key, o in known.items() if o.captured_on}


# ---------------------------------------------------------------------- command line


def _run_stdio(argv: Sequence[str]) -> int:
    """Read pandoc's JSON on stdin, filter it, write JSON on stdout; return the exit status."""
    # A filter process lives for one document and makes almost no garbage, while panflute
    # builds a large tree of parent-linked objects that the cyclic collector would scan
    # over and over: turning it off makes a large warm build noticeably faster.
    gc.disable()
    data = sys.stdin.buffer.read()
    strict = strict_from_env()

    def give_up(reason: str) -> int:
        if strict:
            _warn(f"strict: {reason}; {STRICT_HINT}")
            return ExitStatus.FAILED
        _warn(f"{reason}; links left as they are")
        sys.stdout.buffer.write(data)  # pandoc gets its document back unchanged
        sys.stdout.buffer.flush()
        return ExitStatus.OK

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return give_up("pandoc's JSON is not UTF-8 (run this program as 'pandoc --filter permify-filter')")
    api = api_version_of(text)
    tested = f"panflute {pf.__version__} reads pandoc API 1.22-1.23 (pandoc 2.11.0.4 to 3.x)"
    if api is not None and api[:2] < SUPPORTED_API[0]:
        return give_up(f"pandoc API {'.'.join(map(str, api))} is too old: {tested}; upgrade pandoc")
    if api is not None and api[:2] > SUPPORTED_API[-1]:
        _warn(f"pandoc API {'.'.join(map(str, api))} is newer than {tested}; if output looks wrong, "
              "upgrade panflute (pip install -U panflute)")
    try:
        doc = pf.load(io.StringIO(text))
    except Exception as error:  # panflute raises bare TypeError/KeyError/AssertionError on an unknown AST
        return give_up(f"panflute {pf.__version__} cannot read this pandoc document "
                       f"({type(error).__name__}: {error}); {tested}")
    doc.format = argv[0] if argv else "html"
    try:
        PermifyFilter().run(doc)
    except Interrupted:
        return ExitStatus.INTERRUPTED
    except PermifyError as error:
        _warn(str(error).splitlines()[0])
        return error.exit_code if error.exit_code else ExitStatus.FAILED
    except Exception as error:  # never a traceback in someone's build log
        return give_up(f"internal error ({type(error).__name__}: {error}); please report it")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")
    pf.dump(doc, out)
    out.flush()
    out.detach()
    # The document is written and the process is about to end: a collection at exit would
    # walk the whole tree (parent-linked, so full of cycles) only to free memory the process
    # gives back anyway, a few milliseconds of every build. Nothing in it needs finalizing:
    # output is flushed, the ledger closed.
    gc.freeze()
    return ExitStatus.OK


def main(doc: pf.Doc | None = None) -> pf.Doc | None:
    """Entry point: ``main(doc)`` filters an in-memory document and returns it; ``main()``
    is the ``permify-filter`` program that pandoc runs (JSON on stdin, format in argv[1])."""
    if doc is not None:
        return PermifyFilter().run(doc)
    try:
        status = _run_stdio(sys.argv[1:])
    except KeyboardInterrupt:
        status = ExitStatus.INTERRUPTED
    if status:
        raise SystemExit(status)
    return None


if __name__ == "__main__":
    main()
