"""Every rule the review applies, in one table, first match wins.

Two tables. :data:`CAPTURE_CHECKS` judges what Perma itself reports about the archive (its
``captures[]`` and whether a WARC could be read); :data:`RULES` judges the captured page: the
origin's HTTP status, its content type and size, the HTML title, the visible text and the raw
markup. A rule matches when every condition it sets holds; within one condition any of its
patterns may match. Patterns are case-insensitive regular expressions.

Why some rules need two conditions: vendors leave traces on ordinary pages too (Cloudflare
adds a ``/cdn-cgi/challenge-platform/`` script to pages it serves normally, DataDome and
PerimeterX load their sensors everywhere, news sites print "Already a subscriber?" above full
articles, and EU sites show a cookie banner on every page). So markers that ordinary pages
carry count only together with a page that is short, or with a telling title.

The reason is what a person reads. When the origin answered with a status other than 2xx,
the verdict says so first: ``origin answered 403: bot wall (Cloudflare)``.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

try:  # the parser behind re.compile: the parsed pattern says which characters every match holds
    _sre: Any = importlib.import_module("re._parser")
except ImportError:  # Python 3.10
    _sre = importlib.import_module("sre_parse")


Severity = Literal["suspect", "failed"]

#: HTML content types (anything else is judged as a document or a file).
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class CaptureCheck:
    """A verdict decided from Perma's record of the archive, before the page is read."""

    name: str
    status: Severity
    reason: str


#: Checks on the archive record and its WARC, by name (see :mod:`permify.review.judge`).
CAPTURE_CHECKS: dict[str, CaptureCheck] = {c.name: c for c in (
    CaptureCheck("not-found", "failed", "no such archive (deleted, or the GUID does not exist)"),
    CaptureCheck("not-public", "failed", "no public archive (private, deleted, or the GUID does not exist)"),
    CaptureCheck("not-a-guid", "failed", "not a Perma GUID"),
    CaptureCheck("no-capture", "failed", "Perma has no capture for this archive"),
    CaptureCheck("capture-failed", "failed", "Perma could not capture the page"),
    CaptureCheck("capture-pending", "suspect", "the capture has not finished yet"),
    CaptureCheck("warc-missing", "suspect", "the capture's WARC is not available for download"),
    CaptureCheck("warc-unreadable", "suspect", "{problem}"),
    CaptureCheck("screenshot-failed", "suspect", "screenshot failed"),
    CaptureCheck("unchecked", "suspect", "could not be checked ({problem})"),
)}


@dataclass(frozen=True)
class Facts:
    """What the page rules read. ``expected_title`` is the title the document gives, if any."""

    http_status: int | None
    content_type: str
    size: int
    title: str = ""
    text: str = ""
    words: int = 0
    markup: str = ""
    expected_title: str | None = None

    @property
    def is_html(self) -> bool:
        """True for an HTML page."""
        return self.content_type in HTML_TYPES


#: The characters that :data:`re.IGNORECASE` matches with an ASCII letter although their
#: ``lower()`` is not that letter (İ, dotless ı, long ſ; found by checking every code point:
#: ``tests/review/test_rules.py``). A value holding one is searched the slow way.
_FOLD_EXCEPTIONS = "\u0130\u0131\u017f"
# What makes a pattern unsafe to run case-sensitively on lowered text: a character named by
# number (\x41 is "A"), or an inline flag group such as (?-i:...).
_UNFOLDABLE = re.compile(r"\\[xuUN0-9]|\(\?[a-zA-Z-]")


def _foldable(source: str) -> bool:
    """True when ``source`` finds, case-sensitively in a lowered text, exactly what it finds
    with :data:`re.IGNORECASE` in the text: every cased character in it is a lowercase ASCII
    letter (so no uppercase escape such as \\S either), and nothing names a character by number."""
    return (source == source.lower() and all(ch.isascii() or ch.lower() == ch.upper() for ch in source)
            and _UNFOLDABLE.search(source) is None)


class _Search:
    """One condition's patterns, compiled as one case-insensitive expression and, when
    :func:`_foldable`, also as a case-sensitive one for the lowered value. Python's ``re``
    tries every alternative at every position under IGNORECASE; searching the lowered text
    case-sensitively finds the same and costs a fraction (the page rules ran 0.4 ms a page)."""

    __slots__ = ("exact", "folded", "needles")

    def __init__(self, patterns: tuple[str, ...]) -> None:
        source = "|".join(f"(?:{p})" for p in patterns)
        self.exact = re.compile(source, re.IGNORECASE)
        self.folded = re.compile(source) if _foldable(source) else None
        #: what each pattern cannot match without (see :func:`_needles`), or None
        self.needles = _needles(patterns) if self.folded is not None else None

    def search(self, value: str, lowered: str | None) -> bool:
        """True when the patterns occur in ``value`` (``lowered``: its :func:`_lowered` form)."""
        if self.folded is not None and lowered is not None:
            # Most pages hold none of the needles: a substring test then settles it at a
            # fraction of the cost of the regular expression, which tries every alternative
            # at every position.
            if self.needles is not None and not _may_match(self.needles, lowered):
                return False
            return self.folded.search(lowered) is not None
        return self.exact.search(value) is not None


#: Shortest needle worth testing: a shorter one is in nearly every page and saves nothing.
_MIN_NEEDLE = 3

#: What a match of one pattern needs: each entry is a set of needles, one of which is in the
#: match (an entry of one needle: that needle is). Every entry must hold.
Needles = tuple[tuple[str, ...], ...]


def _needles(patterns: tuple[str, ...]) -> tuple[Needles, ...] | None:
    """For each pattern, substrings every match of it contains (see :func:`_needed`); None
    when some pattern yields none (no pre-test then: the expression alone decides)."""
    found = tuple(_needed(list(_sre.parse(pattern))) for pattern in patterns)
    return None if any(not needs for needs in found) else found


def _needed(items: list[tuple[Any, Any]]) -> Needles:
    """The needles of a parsed sequence: each run of plain characters at its top level, and
    within each group the needles of its contents, or one per alternative of an alternation.
    Repeats and classes are skipped, which only makes the pre-test weaker, never wrong."""
    needs: list[tuple[str, ...]] = []
    run: list[str] = []

    def end_run() -> None:
        if len(run) >= _MIN_NEEDLE:
            needs.append(("".join(run),))
        run.clear()

    for op, arg in items:
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        end_run()
        if op is _sre.SUBPATTERN:  # a group: matched once, so whatever it needs the whole needs
            needs.extend(_needed(list(arg[-1])))
        elif op is _sre.BRANCH:  # one alternative matches: it holds one of their needles
            choices = [_longest(list(alternative)) for alternative in arg[1]]
            if all(len(choice) >= _MIN_NEEDLE for choice in choices):
                needs.append(tuple(choices))
    end_run()
    return tuple(needs)


def _longest(items: list[tuple[Any, Any]]) -> str:
    """The longest run of plain characters at the top level of a parsed sequence."""
    best, run = "", ""
    for op, arg in items:
        if op is _sre.LITERAL:
            run += chr(arg)
        else:
            best, run = max(best, run, key=len), ""
    return max(best, run, key=len)


def _may_match(needles: tuple[Needles, ...], lowered: str) -> bool:
    """False when no pattern can match ``lowered``: each lacks one of its needs."""
    # Plain loops: this runs for every rule on every page, and nested generators cost more
    # than the substring tests they drive.
    for needs in needles:
        for need in needs:
            for choice in need:
                if choice in lowered:
                    break
            else:
                break  # this need is missing: the pattern cannot match
        else:
            return True
    return False


def _compile(patterns: tuple[str, ...]) -> _Search | None:
    return _Search(patterns) if patterns else None


def _lowered(value: str) -> str | None:
    """``value.lower()``, or None when it holds a character that lowering would not match as
    IGNORECASE does (see :data:`_FOLD_EXCEPTIONS`)."""
    if not value.isascii() and any(ch in value for ch in _FOLD_EXCEPTIONS):
        return None
    return value.lower()


class _Lowered:
    """The lowered title, text and markup of one :class:`Facts`, each made on first use and
    shared by every rule that reads it."""

    __slots__ = ("_done", "_facts")

    def __init__(self, facts: Facts) -> None:
        self._facts = facts
        self._done: dict[str, str | None] = {}

    def get(self, name: str) -> str | None:
        try:
            return self._done[name]
        except KeyError:
            lowered = self._done[name] = _lowered(getattr(self._facts, name))
            return lowered


_STOP = frozenset("a an and the of for to in on at by with from or is are be page".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 2 and w not in _STOP}


def titles_disagree(captured: str, expected: str | None) -> bool:
    """True when the document gives a title and it shares no significant word with the captured one."""
    if not expected or not captured:
        return False
    wanted = _words(expected)
    return bool(wanted) and not (wanted & _words(captured))


@dataclass(frozen=True)
class Rule:
    """One page rule. Unset conditions always hold; every set condition must hold.

    ``http``: origin statuses it applies to. ``html``: True for HTML pages only, False for
    everything else, None for any. ``content_types``: MIME prefixes. ``title``/``text``/``markup``:
    patterns searched in the title, the visible text and the raw HTML. ``max_words``/``max_bytes``:
    the page has at most this many. ``unless_markup``: patterns that cancel the rule.
    ``title_mismatch``: the document's title shares no word with the captured one.
    """

    name: str
    status: Severity
    reason: str
    http: tuple[int, ...] | None = None
    html: bool | None = True
    content_types: tuple[str, ...] = ()
    title: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    markup: tuple[str, ...] = ()
    max_words: int | None = None
    max_bytes: int | None = None
    unless_markup: tuple[str, ...] = ()
    title_mismatch: bool = False
    _compiled: dict[str, _Search | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("title", "text", "markup", "unless_markup"):
            self._compiled[name] = _compile(getattr(self, name))

    def _search(self, name: str, facts: Facts, lowered: _Lowered) -> bool:
        pattern = self._compiled[name]
        return pattern is None or pattern.search(getattr(facts, name), lowered.get(name))

    def matches(self, facts: Facts) -> bool:
        """True when every condition of this rule holds for ``facts``."""
        return self._matches(facts, _Lowered(facts))

    def _matches(self, facts: Facts, lowered: _Lowered) -> bool:
        if self.http is not None and facts.http_status not in self.http:
            return False
        if self.html is not None and facts.is_html != self.html:
            return False
        if self.content_types and not facts.content_type.startswith(self.content_types):
            return False
        if self.max_words is not None and facts.words > self.max_words:
            return False
        if self.max_bytes is not None and facts.size > self.max_bytes:
            return False
        if self.title_mismatch and not titles_disagree(facts.title, facts.expected_title):
            return False
        unless = self._compiled["unless_markup"]
        if unless is not None and unless.search(facts.markup, lowered.get("markup")):
            return False
        return (self._search("title", facts, lowered) and self._search("text", facts, lowered)
                and self._search("markup", facts, lowered))

    def explain(self, facts: Facts) -> str:
        """The reason for ``facts``, prefixed with the origin's status when it was not 2xx."""
        words = f"{facts.words} word" + ("" if facts.words == 1 else "s")
        reason = self.reason.format(words=words, size=facts.size, title=facts.title,
                                    content_type=facts.content_type or "unknown type")
        status = facts.http_status
        if status is not None and not 200 <= status < 300:
            return f"origin answered {status}: {reason}"
        return reason


_4XX = tuple(range(400, 500))
_5XX = tuple(range(500, 600))
_SEP = r"[|\-–—:·»]"

#: The page rules, in order; the first that matches decides.
RULES: tuple[Rule, ...] = (
    # --- bot walls and challenges (any status: they come as 200, 403, 429 or 503) ---
    Rule("cloudflare-title", "suspect", "bot wall (Cloudflare)",
         title=(r"^just a moment\.\.\.", r"^attention required! \| cloudflare", r"^checking your browser")),
    Rule("cloudflare-challenge", "suspect", "bot wall (Cloudflare)",
         markup=(r"_cf_chl_opt", r"cf-browser-verification", r"cf-challenge-running", r"__cf_chl_f_tk=")),
    Rule("akamai-denied", "suspect", "bot wall (Akamai)", title=(r"^access denied$",),
         text=(r"you don't have permission to access", r"reference\s*#\s*[0-9a-f]+\.")),
    Rule("akamai-edgesuite", "suspect", "bot wall (Akamai)", markup=(r"errors\.edgesuite\.net",)),
    Rule("perimeterx", "suspect", "bot wall (PerimeterX)",
         markup=(r"px-captcha", r"captcha\.px-cdn\.net")),
    Rule("perimeterx-title", "suspect", "bot wall (PerimeterX)",
         title=(r"^access to this page has been denied",)),
    Rule("datadome", "suspect", "bot wall (DataDome)", markup=(r"captcha-delivery\.com",)),
    Rule("imperva", "suspect", "bot wall (Imperva)", text=(r"incapsula incident id",)),
    Rule("robot-check-title", "suspect", "bot wall (robot check)",
         title=(r"are you a (robot|human)", r"robot or human", r"\bcaptcha\b", r"security check",
                r"human verification", r"verify(ing)? (that )?you are (a )?human",
                r"pardon our interruption", r"security checkpoint")),
    Rule("robot-check-text", "suspect", "bot wall (robot check)", max_words=300,
         text=(r"are you a robot", r"i'?m not a robot", r"verify(ing)? (that )?you are (a )?human",
               r"press (&|and) hold", r"unusual traffic from your computer network",
               r"complete the security check", r"enable javascript and cookies to continue")),
    # --- nothing at all ---
    Rule("empty-body", "suspect", "empty response (0 bytes)", html=None, max_bytes=0),
    # --- the origin's status ---
    Rule("hard-404", "failed", "page not found", http=(404,), html=None),
    Rule("hard-410", "failed", "page gone", http=(410,), html=None),
    Rule("server-error", "failed", "server error", http=_5XX, html=None),
    Rule("rate-limited", "suspect", "too many requests (rate limited)", http=(429,), html=None),
    Rule("unauthorized", "suspect", "login required", http=(401,), html=None),
    Rule("forbidden", "suspect", "access denied", http=(403,), html=None),
    Rule("client-error", "suspect", "the page was refused", http=_4XX, html=None),
    Rule("redirect", "suspect", "a redirect whose target was not captured", http=tuple(range(300, 400)),
         html=None),
    # --- pages served with 200 that are not the page ---
    Rule("access-denied-page", "suspect", "access denied page", max_words=300,
         title=(r"^\s*(error )?403\b", r"^\s*access denied\b", r"^\s*forbidden\b", r"^\s*unauthori[sz]ed\b")),
    Rule("login-page", "suspect", "login page",
         title=(rf"(^|{_SEP})\s*(sign ?in|log ?in|login|sign on)\b\s*({_SEP}|$|to\b)",),
         markup=(r"type\s*=\s*[\"']?password",)),
    Rule("soft-404-title", "suspect", "page not found (soft 404)",
         title=(r"\bpage not found\b", r"^\s*(page |file )?not found\b", rf"\bnot found\s*{_SEP}",
                r"^\s*404\b", rf"\b404\s*{_SEP}", r"\berror 404\b", r"\b404 error\b",
                r"\bpage (does not|doesn't|no longer) exists?\b", r"\bpage (cannot|can't|could not) be found\b")),
    Rule("soft-404-text", "suspect", "page not found (soft 404)", max_words=400,
         text=(r"(page|article|content|resource) you (are|were|'re) looking for (could not|cannot|can't|"
               r"does not|doesn't|no longer)", r"nothing was found at this location",
               r"(this|the) page (does not|doesn't|no longer) exists?", r"we (couldn't|could not|can't) find "
               r"(that|the|this) page")),
    Rule("paywall-text", "suspect", "paywall", max_words=800,
         text=(r"subscribe (now )?to (continue|keep) reading",
               r"to (continue|keep) reading,? (please )?(subscribe|log in|sign in|register)",
               r"(this|the) (article|content|story) is (exclusive(ly)? )?(available )?(for|to) (paid )?"
               r"(subscribers|members)", r"you('ve| have) reached your (free )?(article|story|monthly) limit")),
    Rule("paywall-markup", "suspect", "paywall", max_words=800,
         markup=(r"\"isaccessibleforfree\"\s*:\s*\"?false",)),  # lowercase: see _foldable
    Rule("cookie-wall-title", "suspect", "cookie-consent wall", title=(r"^before you continue\b",)),
    Rule("cookie-wall-text", "suspect", "cookie-consent wall", max_words=150,
         text=(r"(accept|agree to|allow) (all )?cookies", r"cookie (settings|preferences|consent)",
               r"we (and our (partners|vendors) )?use cookies", r"we value your privacy",
               r"consent to (the use of )?cookies")),
    Rule("near-empty", "suspect", "almost no text ({words})", max_words=20,
         # An app shell (scripts that build the page in the browser) is not flagged: the WARC
         # holds the scripts too, and Perma's playback runs them.
         unless_markup=(r"<script[^>]+\bsrc\s*=",)),
    Rule("tiny-pdf", "suspect", "a PDF of only {size} bytes", html=False,
         content_types=("application/pdf",), max_bytes=1024),
    Rule("title-mismatch", "suspect", "captured title \"{title}\" is not the cited title",
         title=(r"\b(error|oops|not available|unavailable|blocked|denied|forbidden|sorry|problem|"
                r"maintenance|expired|removed)\b",), title_mismatch=True),
)


def first_match(facts: Facts, rules: tuple[Rule, ...] = RULES) -> Rule | None:
    """The first rule of ``rules`` that matches ``facts``, or None (the page is ok)."""
    lowered = _Lowered(facts)  # each value lowered once, for all the rules
    for rule in rules:
        if rule._matches(facts, lowered):
            return rule
    return None
