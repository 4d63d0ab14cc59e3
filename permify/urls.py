"""Find cited URLs in text, decide which to archive, and key them for de-duplication.

Shared by every format adapter, so that a URL is found, trimmed and classified the same way
in a Word footnote, a Markdown paragraph and a BibTeX ``note``. The rules are written out in
the README ("Which URLs are archived") because users ask why a URL was skipped.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ._lazy import lazy_pattern
from .hosts import builtin_skip_reason, host_pattern_matches, is_doi_link

__all__ = [
    "PERMA_URL_RE",
    "Classification",
    "UrlMatch",
    "classify",
    "dedupe_key",
    "find_urls",
    "is_perma_link",
    "perma_guid",
    "perma_url",
    "tracking_parameters",
    "trim_url",
]

# A candidate runs from the scheme to the first character that cannot be in a cited URL:
# white space, <>"`{}|\^, curly quotes, en/em dashes. Non-ASCII letters are allowed (IDN
# hosts, Unicode paths).
_STOP = "\\s<>\"`{}|\\\\^\u201c\u201d\u2018\u2019\u2013\u2014\u00ab\u00bb"
_CANDIDATE_RE = lazy_pattern(rf"(?<![A-Za-z0-9+.-])https?://[^{_STOP}]+", re.IGNORECASE)  # compiled when needed
# Trailing characters that end a sentence rather than a URL.
_TRAILING = ".,;:!?'\"*_~\u2026"
_CLOSERS = {")": "(", "]": "["}
_OPENERS = {"(": ")", "[": "]"}
_BRACKETS = {**_CLOSERS, **_OPENERS}  # each bracket and its partner

#: A Perma link as permify writes it (and as users paste it): https://perma.cc/GUID; group 1
#: is the GUID as written. The one pattern that recognises a Perma link; build one with
#: :func:`perma_url`.
PERMA_URL_RE = re.compile(
    r"https?://(?:www\.)?perma\.cc/([A-Za-z0-9]{4}-[A-Za-z0-9]{4}|[A-Za-z0-9-]{6,11})(?![A-Za-z0-9-])"
)

#: Where a Perma archive is shown to readers; every Perma link permify writes starts with it.
_PERMA_SITE = "https://perma.cc/"

# Hosts whose pages are archived copies. Not archive.org itself: its own pages (the Wayback
# Machine's "about" page, a collection) are ordinary citations.
_ARCHIVE_HOSTS = (
    "perma.cc",
    "web.archive.org",
    "wayback.archive.org",
    "archive.today",
    "archive.ph",
    "archive.is",
    "archive.li",
    "archive.md",
    "archive.vn",
    "webcitation.org",
)
# Query parameters that only say where a reader came from (campaign and click trackers).
_TRACKING_EXACT = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "mc_cid", "mc_eid", "igshid", "_hsenc", "_hsmi", "mkt_tok", "oly_enc_id",
    "oly_anon_id", "vero_id", "rb_clickid", "s_cid", "ncid", "cmpid", "_ga", "_gl", "ref_src",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
_TRACKING_HINT_RE = lazy_pattern(  # compiled when first needed: most URLs have no query
    "(?:^|[&;])(?:" + "|".join(re.escape(p) for p in (*_TRACKING_PREFIXES, *sorted(_TRACKING_EXACT))) + ")",
    re.IGNORECASE,
)


class UrlMatch(NamedTuple):
    """A URL found in a text: ``text[start:end] == url``."""

    start: int
    end: int
    url: str


def trim_url(candidate: str) -> str:
    """Drop what a sentence adds after a URL: trailing punctuation and unbalanced closers.

    ``)`` and ``]`` are kept while balanced inside the URL, so
    ``https://en.wikipedia.org/wiki/Foo_(bar)`` survives ``(see ...Foo_(bar)).``.
    """
    # One pass from the end with running bracket counts: slicing and counting the whole URL
    # at each step is quadratic, and a sentence can end in a million closers.
    end = len(candidate)
    counts: dict[str, int] | None = None  # of ( ) [ ] in candidate[:end], counted when needed
    while end:
        last = candidate[end - 1]
        # Before the punctuation rule, which would take the ";" and leave "&amp".
        if last == ";" and candidate.endswith("&amp;", 0, end):
            end -= 5
            continue
        if last in _TRAILING:
            end -= 1
            continue
        if last not in _BRACKETS:
            break
        if counts is None:
            counts = {ch: candidate.count(ch, 0, end) for ch in _BRACKETS}
        # An opener never ends a URL ("https://x/a[^1]" stops at "^": the "[" opens a footnote
        # mark), even after a closer: "https://x/a][^1]" loses "[" and then "]". An unbalanced
        # closer ends the sentence's parenthesis.
        if last in _CLOSERS and counts[last] <= counts[_BRACKETS[last]]:
            break
        counts[last] -= 1
        end -= 1
    url = candidate[:end]
    # "https://" alone is not a URL.
    scheme_end = url.find("://")
    if scheme_end >= 0 and len(url) > scheme_end + 3:
        return url
    return ""


def find_urls(text: str) -> list[UrlMatch]:
    """Every http(s) URL in ``text``, trimmed, with exact offsets, in order.

    Angle brackets are never part of a URL (``<https://x>`` gives ``https://x``); a scheme
    is required (``www.example.com`` alone is not a citation permify can trust).
    """
    found: list[UrlMatch] = []
    for m in _CANDIDATE_RE().finditer(text):
        url = trim_url(m.group(0))
        if url:
            found.append(UrlMatch(m.start(), m.start() + len(url), url))
    return found


def perma_url(guid: str) -> str:
    """The public Perma link of the archive ``guid``: ``https://perma.cc/GUID``, the GUID as given."""
    return _PERMA_SITE + guid


def url_at(text: str, pos: int, end: int | None = None) -> str:
    """The trimmed URL starting exactly at ``text[pos]`` (before ``end``), or ``""``.

    What ``find_urls(text[pos:end])`` gives first when it starts at 0, at the cost of that
    one candidate: a scanner that tries every ``https://`` of a long line stays linear.
    """
    m = _CANDIDATE_RE().match(text, pos, len(text) if end is None else end)
    return trim_url(m.group(0)) if m else ""


def is_perma_link(url: str) -> bool:
    """True for a ``https://perma.cc/GUID`` link (the kind permify inserts)."""
    # Every match contains "perma.cc/": the substring test keeps the regex off most URLs.
    return "perma.cc/" in url and PERMA_URL_RE.fullmatch(url.rstrip("/")) is not None


def perma_guid(url: str) -> str | None:
    """The GUID of a Perma link, upper-cased, or None if ``url`` is not one."""
    m = PERMA_URL_RE.fullmatch(url.rstrip("/"))
    return m.group(1).upper() if m else None


# Small immutable values, made by the hundred thousand and defined on every start: a named
# tuple is as cheap to define as a plain class, where a frozen dataclass costs a good part of
# a millisecond of a quick command's start-up.
class Classification(NamedTuple):
    """Whether to archive a URL; ``reason`` says why not when ``archive`` is False.

    ``note`` is something the user should know about a URL that is archived as written
    (``has tracking parameters (utm_source)``); ``permify urls`` and the report show it.
    """

    archive: bool
    reason: str | None = None
    note: str | None = None

    @property
    def status(self) -> str:
        """``archive`` or ``skip``."""
        return "archive" if self.archive else "skip"


_ARCHIVE = Classification(True)


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    """True if ``host`` is one of ``domains`` or under one (``host == d or host.endswith("." + d)``)."""
    # host and each parent domain, a few labels, against the tuple: a file can cite a hundred
    # thousand URLs, and this runs three times for each
    while True:
        if host in domains:
            return True
        dot = host.find(".")
        if dot < 0:
            return False
        host = host[dot + 1 :]


def tracking_parameters(url: str) -> list[str]:
    """The names of the tracking parameters in ``url``'s query (``utm_source``, ``fbclid``...),
    in order, each once. They are archived as written: the page is the same, but the
    cite-checker may want to cite the URL without them."""
    query = url.split("#", 1)[0].partition("?")[2]
    if not query or not _TRACKING_HINT_RE().search(query):
        return []  # most URLs: no query, or none of the names
    names: list[str] = []
    for name, _ in parse_qsl(query, keep_blank_values=True):
        low = name.lower()
        if (low in _TRACKING_EXACT or low.startswith(_TRACKING_PREFIXES)) and name not in names:
            names.append(name)
    return names


def _listed(host: str, patterns: Iterable[str]) -> str | None:
    """The first of the user's host ``patterns`` that ``host`` matches, or None."""
    if not patterns:
        return None
    return next((p for p in patterns if host_pattern_matches(host, p)), None)


def classify(
    url: str,
    *,
    archive_doi: bool = False,
    skip_hosts: Iterable[str] = (),
    include_hosts: Iterable[str] = (),
) -> Classification:
    """Decide whether ``url`` should be archived, or why it is skipped.

    Skipped: already an archive (perma.cc, the Wayback Machine, archive.today...), not
    http(s), localhost and ``.local``/``.localhost``/``.internal`` names, private, loopback,
    link-local, reserved or multicast IP addresses, single-label hosts, DOI links unless
    ``archive_doi`` (they are persistent already), subscription databases, library proxy
    links and search result pages (:mod:`permify.hosts`), and hosts matching ``skip_hosts``.
    A host matching ``include_hosts`` lifts the built-in host rules (not the others). An
    archived URL with tracking parameters carries a ``note`` saying so.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".").lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return Classification(False, "malformed URL")
    if parts.scheme.lower() not in ("http", "https"):
        return Classification(False, f"not http(s) ({parts.scheme or 'no scheme'})")
    if not host:
        return Classification(False, "no host")
    if _host_matches(host, _ARCHIVE_HOSTS):
        return Classification(False, "already an archive link")
    skipped_by = _listed(host, skip_hosts)
    if skipped_by is not None:
        return Classification(False, f"host on your skip list ({skipped_by})")
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if is_doi_link(host, path_and_query) and not archive_doi:
        return Classification(False, "DOI link (persistent already; use --archive-doi)")
    if _listed(host, include_hosts) is None:
        reason = builtin_skip_reason(host, path_and_query)
        if reason is not None:
            return Classification(False, reason)
    bare = host.strip("[]")
    ip = None
    if ":" in bare or bare[:1].isdigit():  # an address starts so; skip the exception otherwise
        try:
            ip = ipaddress.ip_address(bare)
        except ValueError:
            pass
    if ip is not None:
        if ip.is_loopback:
            return Classification(False, "loopback address")
        if ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast:
            return Classification(False, "private or reserved address")
        if ip.is_unspecified:
            return Classification(False, "unspecified address")
        return _archived(url)
    if host == "localhost" or _host_matches(host, ("localhost", "local", "internal", "test",
                                                    "example", "invalid", "lan", "home.arpa")):
        # example.com is real and archivable; only the bare TLD "example" is reserved.
        return Classification(False, "local or reserved host name")
    if "." not in host:
        return Classification(False, "single-label host (not a public web address)")
    return _archived(url)


def _archived(url: str) -> Classification:
    """Archive, with a note when the URL carries tracking parameters."""
    trackers = tracking_parameters(url)
    if trackers:
        return Classification(True, note=f"has tracking parameters ({', '.join(trackers)})")
    return _ARCHIVE


@functools.lru_cache(maxsize=4096)  # hosts repeat: one page cites a site many times
def _idna(host: str) -> str:
    if host.isascii():
        # The codec gives an ASCII name back unchanged (or fails on a bad label, and then the
        # host is kept as written): the same either way, without loading the codec, whose
        # import is a good part of a quick command's start-up.
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


# RFC 3986 unreserved characters: percent-encoding one of them changes nothing.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters that are never left raw in a URL a browser or pandoc sends (pandoc writes a
# link target's "|" as "%7C"): percent-encoded in the key, so both spellings agree.
_MUST_ENCODE = frozenset(' "<>\\^`{|}[]')
_PERCENT_RE = lazy_pattern(r"%([0-9A-Fa-f]{2})")


def _canonical_percent(part: str) -> str:
    """``part`` (a path, query or fragment) with percent-encoding made canonical.

    ``%xx`` of an unreserved character is decoded (``%7E`` -> ``~``), any other ``%xx`` is
    upper-cased (``%2f`` -> ``%2F``, which stays encoded: it can change the meaning), and a
    raw character that a URL must not carry (space, ``|``, ``[``, ``{``, ``^``..., control
    characters and non-ASCII text) is encoded as UTF-8, as browsers and pandoc send it.
    """
    if "%" not in part and part.isascii() and _MUST_ENCODE.isdisjoint(part):
        return part
    out: list[str] = []
    i = 0
    while i < len(part):
        ch = part[i]
        m = _PERCENT_RE().match(part, i) if ch == "%" else None
        if m is not None:
            decoded = chr(int(m.group(1), 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + m.group(1).upper())
            i += 3
            continue
        if ch in _MUST_ENCODE or not ch.isascii() or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def dedupe_key(url: str) -> str:
    """A key under which the same cited URL, written differently, is archived once.

    Scheme and host are lower-cased, the host IDNA-encoded, the default port and a bare
    trailing ``?`` dropped, an empty path made ``/``. In the path, query and fragment,
    percent-encoding is made canonical (:func:`_canonical_percent`: ``%7C`` and ``|`` agree,
    ``%7e`` and ``~`` agree); otherwise they are kept as written (they can change what the
    page shows). The document keeps the URL verbatim.
    """
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = _idna((parts.hostname or "").rstrip(".").lower())
        port = parts.port
    except ValueError:
        return url.strip()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += ":" + parts.password
        netloc = f"{userinfo}@{netloc}"
    path = _canonical_percent(parts.path or "/")
    return urlunsplit((scheme, netloc, path, _canonical_percent(parts.query), _canonical_percent(parts.fragment)))
