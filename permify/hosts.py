"""Hosts whose URLs are not citable web pages: subscription databases, library proxies,
search result pages, and DOI resolvers.

The lists are data, kept here in one place and written out in docs/urls.md. A URL is skipped
when its host (and, for some hosts, its path or query) matches a rule; the user adds hosts
with ``--skip-host`` / ``skip_hosts`` and lifts a rule with ``--include-host`` /
``include_hosts`` (see :func:`host_pattern_matches` for the pattern syntax).

Each rule was written from the URL shapes real manuscripts carry: a Westlaw document link
(``https://1.next.westlaw.com/Document/I0a1b.../View/FullText.html``) or an EBSCOhost record
(``http://search.ebscohost.com/login.aspx?direct=true&db=a9h&AN=...``) opens only inside a
subscription, and an archive of it shows a login page; a library proxy link
(``http://www.jstor.org.ezproxy.example.edu/stable/1234``) works only inside one institution.
"""

from __future__ import annotations

import fnmatch
import re
from typing import NamedTuple

__all__ = [
    "DOI_HOSTS",
    "DOI_RESOLVERS",
    "PROXY_REASON",
    "SEARCH_REASON",
    "SUBSCRIPTION_REASON",
    "HostRule",
    "builtin_skip_reason",
    "host_pattern_matches",
    "is_doi_link",
    "normalise_host_pattern",
]

#: the reason listed for a subscription database link
SUBSCRIPTION_REASON = "subscription database: cite the reporter or a public copy"
#: the reason listed for a library proxy (EZproxy, OpenAthens) link
PROXY_REASON = "library proxy link (works only inside one institution): cite the publisher's URL"
#: the reason listed for a search engine's result page
SEARCH_REASON = "search results page, not the cited work"


class HostRule(NamedTuple):
    """A host, and optionally the paths under it, whose URLs are not archived.

    ``host`` matches that host and every subdomain of it (``westlaw.com`` covers
    ``1.next.westlaw.com``); with ``exact`` only the host itself and its ``www.`` name.
    ``path`` (a regex searched in the path and query, case-insensitive) narrows the rule to
    the research pages of a host whose other pages are public.
    """

    host: str
    reason: str
    path: str | None = None
    exact: bool = False

    def matches(self, host: str, path_and_query: str) -> bool:
        """True when a URL with this (lower-case) ``host`` and ``path_and_query`` is covered."""
        if self.exact:
            if host not in (self.host, "www." + self.host):
                return False
        elif not (host == self.host or host.endswith("." + self.host)):
            return False
        return self.path is None or re.search(self.path, path_and_query, re.IGNORECASE) is not None


_SUB = SUBSCRIPTION_REASON
#: The built-in rules, in the order they are tried.
RULES: tuple[HostRule, ...] = (
    # Westlaw: www.westlaw.com, next.westlaw.com, 1.next.westlaw.com, uk.westlaw.com...
    # (govt.westlaw.com, the public state regulations it hosts, is in PUBLIC_HOSTS).
    HostRule("westlaw.com", _SUB),
    HostRule("westlaw.co.uk", _SUB),
    # Lexis: advance.lexis.com (Lexis+, Nexis Uni), plus.lexis.com, www.lexis.com/research.
    HostRule("lexis.com", _SUB),
    HostRule("nexis.com", _SUB),
    # lexisnexis.com is mostly the company's public site; only its research interfaces.
    HostRule("lexisnexis.com", _SUB, path=r"^/(?:hottopics/ln|lnacui2api|us/lnacademic|uk/legal|uk/nexis|ap/academic)"),
    HostRule("lexisnexis.com", _SUB, path=r"^/(?:research|auth|shared)/"),
    # Bloomberg Law documents (news.bloomberglaw.com articles are public news pages).
    HostRule("bloomberglaw.com", _SUB, exact=True),
    HostRule("heinonline.org", _SUB, exact=True),  # home.heinonline.org is the public blog
    # EBSCOhost: search.ebscohost.com, web.a.ebscohost.com, openurl.ebscohost.com...
    HostRule("search.ebscohost.com", _SUB),
    HostRule("openurl.ebscohost.com", _SUB),
    HostRule("content.ebscohost.com", _SUB),
    HostRule("ebscohost.com", _SUB, path=r"^/(?:ehost|eds|login\.aspx)"),
    HostRule("research.ebsco.com", _SUB),
    # ebrary and ProQuest Ebook Central: /lib/INSTITUTION/... pages.
    HostRule("site.ebrary.com", _SUB),
    HostRule("ebookcentral.proquest.com", _SUB),
    # ProQuest: document pages and searches (www.proquest.com is otherwise public).
    HostRule("search.proquest.com", _SUB),
    HostRule("gateway.proquest.com", _SUB),
    HostRule("proquest.com", _SUB, path=r"/docview/|^/(?:results|search)\b"),
    # Gale and Factiva sessions.
    HostRule("go.gale.com", _SUB),
    HostRule("galegroup.com", _SUB),
    HostRule("global.factiva.com", _SUB),
    # Library proxies under a shared suffix (OCLC's hosted EZproxy, Danish Royal Library).
    HostRule("idm.oclc.org", PROXY_REASON),
    HostRule("fjernadgang.kb.dk", PROXY_REASON),
    HostRule("openathens.net", PROXY_REASON),
    # Search result pages: Google Scholar's /scholar?q=... (not its case law pages).
    HostRule("scholar.google.com", SEARCH_REASON, path=r"^/scholar(?:\?|$)"),
)

#: Public pages on hosts that a rule above would otherwise cover: the state regulations and
#: court opinions Westlaw hosts for governments (govt.westlaw.com/calregs, /nycrr, /akcases),
#: and the free public-access state codes on Lexis (advance.lexis.com/container?config=...,
#: /documentpage/?pdmfid=1000516...). Their ``reason`` is unused.
PUBLIC: tuple[HostRule, ...] = (
    HostRule("govt.westlaw.com", ""),
    HostRule("store.lexisnexis.com", ""),
    HostRule("advance.lexis.com", "", path=r"^/(?:container\?config=|documentpage/\?pdmfid=1000516\b)"),
)

# The patterns below are compiled on first use (re caches them): most URLs need none of them,
# and compiling them all at import is a measurable part of a quick command's start-up.
# A university domain, under which a "proxy" host label is a library proxy.
_ACADEMIC = r"\.(?:edu|ac\.[a-z]{2}|edu\.[a-z]{2})$"
_EZP = r"(?:lib)?ezp\d*"
_PROXY_LABEL = r"(?:lib|web|login)?proxy\d*(?:-[a-z0-9]+)?"
# A first label such as www-jstor-org, doi-org, ieeexplore-ieee-org, link-springer-com.
_REWRITTEN_HOST = r"-(?:com|org|net|edu|gov|co-uk|ac-uk|de|fr|ca)$"
# An EZproxy starting-point URL: /login?url=https://... (or qurl=).
_PROXY_LOGIN = r"^/login\?q?url=https?(?::|%3A)"

#: DOI resolvers. Every URL on doi.org and dx.doi.org is a DOI link (``https://doi.org/``
#: alone is the DOI syntax written out in running text, not a page anyone cites); on the
#: publishers' and other resolvers only a URL whose path is a DOI (``/10.1145/...``) or with a
#: ``doi=10....`` query is. ``www.doi.org`` (the DOI Foundation's own pages) is ordinary.
DOI_HOSTS: tuple[str, ...] = ("doi.org", "dx.doi.org")
DOI_RESOLVERS: tuple[str, ...] = (
    "doi.acm.org",
    "doi.wiley.com",
    "doi.apa.org",
    "doi.ieeecomputersociety.org",
    "doi.info",
    "hdl.handle.net",
)
_DOI_PATH = r"^/+(?:doi/)?10\.\d{4,9}(?:/|%2F)|[?&]doi=10\.\d{4,9}(?:/|%2F)"


def is_doi_link(host: str, path_and_query: str) -> bool:
    """True for a DOI link: any URL on :data:`DOI_HOSTS`, or a URL on another resolver
    (:data:`DOI_RESOLVERS`) with a DOI in its path (``/10.1145/...``) or ``doi=`` query."""
    if host in DOI_HOSTS:
        return True
    return host in DOI_RESOLVERS and re.search(_DOI_PATH, path_and_query, re.IGNORECASE) is not None


def _is_proxy_host(host: str, path_and_query: str) -> bool:
    """A library proxy by the shape of its address (see :func:`builtin_skip_reason`)."""
    if re.match(_PROXY_LOGIN, path_and_query, re.IGNORECASE):
        return True
    labels = host.split(".")
    # EZproxy "proxy by hostname": the publisher's host, dots as hyphens, is the first label.
    rewritten = re.search(_REWRITTEN_HOST, labels[0]) is not None
    for i, label in enumerate(labels[:-1]):
        if label.startswith("ezproxy") or label.endswith("ezproxy") or re.fullmatch(_EZP, label):
            return True
        if re.fullmatch(_PROXY_LABEL, label) and (
            rewritten
            or labels[i + 1] in ("lib", "library", "libraries")
            or re.search(_ACADEMIC, "." + ".".join(labels[i + 1 :]))
        ):
            return True
    return False


def builtin_skip_reason(host: str, path_and_query: str) -> str | None:
    """The reason a built-in rule skips a URL on ``host`` (lower-case) with this path and
    query, or None. Library proxies are recognised by the shape of their addresses too: a
    host label ``ezproxy...``, ``...ezproxy``, ``ezp``, ``libezp``; a label ``proxy`` (also
    ``libproxy``, ``webproxy``, ``loginproxy``) under a university domain (``.edu``,
    ``.ac.uk``...), before a ``lib``/``library`` label, or after a publisher's host written
    with hyphens (``ieeexplore-ieee-org.proxy.lib.uwaterloo.ca``); or an EZproxy starting
    point, ``/login?url=https://...``."""
    public = _rules_for(host, _PUBLIC_BY_HOST)
    if public and any(rule.matches(host, path_and_query) for rule in public):
        return None
    for rule in _rules_for(host, _RULES_BY_HOST):
        if rule.matches(host, path_and_query):
            return rule.reason
    if ("ezp" in host or "proxy" in host or path_and_query.startswith("/login")) and _is_proxy_host(
        host, path_and_query
    ):
        return PROXY_REASON
    return None


def _by_host(rules: tuple[HostRule, ...]) -> dict[str, list[HostRule]]:
    table: dict[str, list[HostRule]] = {}
    for rule in rules:
        table.setdefault(rule.host, []).append(rule)
    return table


_RULES_BY_HOST = _by_host(RULES)
_ORDER = {id(rule): n for n, rule in enumerate(RULES + PUBLIC)}
_PUBLIC_BY_HOST = _by_host(PUBLIC)


def _rules_for(host: str, table: dict[str, list[HostRule]]) -> list[HostRule]:
    """The rules whose host is ``host`` or a parent domain of it, in the table's order: a
    look-up per label, not a test per rule (a manuscript can cite a hundred thousand URLs)."""
    found: list[HostRule] = []
    name = host
    while True:
        found.extend(table.get(name, ()))
        dot = name.find(".")
        if dot < 0:
            break
        name = name[dot + 1 :]
    if len(found) > 1:
        found.sort(key=lambda rule: _ORDER[id(rule)])
    return found


def normalise_host_pattern(pattern: str) -> str:
    """A user's host pattern as matched: lower-case, no scheme, path or trailing dot
    (``https://Westlaw.com/`` gives ``westlaw.com``). Raises ValueError for an empty one."""
    p = pattern.strip().lower()
    p = re.sub(r"^[a-z][a-z0-9+.-]*://", "", p).split("/", 1)[0].rstrip(".")
    if not p or not re.fullmatch(r"[a-z0-9*?._-]+|\[[0-9a-f:.]+\]", p):
        raise ValueError(f"{pattern!r} is not a host name (example: westlaw.com or *.example.edu)")
    return p


def host_pattern_matches(host: str, pattern: str) -> bool:
    """True when ``host`` matches a user's host ``pattern``.

    A plain name (``example.com``) matches the host and every subdomain of it; a pattern with
    ``*`` or ``?`` is a shell-style wildcard over the whole host (``*.ezproxy.*``).
    """
    pattern = normalise_host_pattern(pattern)
    if any(ch in pattern for ch in "*?"):
        return fnmatch.fnmatchcase(host, pattern)
    return host == pattern or host.endswith("." + pattern)
