"""Hosts that are not citable web pages (subscription databases, library proxies, search
pages), DOI resolvers, tracking parameters, and the user's skip and include lists."""

from __future__ import annotations

import pytest

from permify.hosts import (
    PROXY_REASON,
    SEARCH_REASON,
    SUBSCRIPTION_REASON,
    host_pattern_matches,
    normalise_host_pattern,
)
from permify.urls import classify, tracking_parameters

# URL shapes as real manuscripts and bibliographies carry them.
SUBSCRIPTION = [
    "https://1.next.westlaw.com/Document/I0a1b2c3d4e5f11e99a1b2c3d4e5f6a7b/View/FullText.html",
    "https://next.westlaw.com/Document/I123/View/FullText.html?transitionType=Default",
    "https://www.westlaw.com/Document/I123/View/FullText.html",
    "https://web2.westlaw.com/find/default.wl?cite=123+F.3d+456",
    "https://advance.lexis.com/api/permalink/2c1b3e4f-0000-4000-8000-000000000000/",
    "https://advance.lexis.com/search/?query=x",
    "https://advance.lexis.com/documentpage/?pdmfid=1516831&crid=abc",
    "https://uk.westlaw.com/Browse/Home/WestlawUK/Cases?transitionType=Default",
    "https://plus.lexis.com/api/permalink/abc/?context=1530671",
    "https://www.lexis.com/research/retrieve?_m=abc",
    "https://www.lexisnexis.com/hottopics/lnacademic/?verb=sr&csi=8075",
    "https://www.bloomberglaw.com/product/blaw/document/X1Q6O3KGJ582",
    "https://heinonline.org/HOL/P?h=hein.journals/hlr127&i=200",
    "http://heinonline.org/HOL/Page?handle=hein.journals/ejrr2013&div=5&terms=Nudge|and|the",
    "http://search.ebscohost.com/login.aspx?direct=true&db=a9h&AN=13212288&site=ehost-live",
    "https://web.a.ebscohost.com/ehost/detail/detail?vid=0&sid=abc",
    "http://site.ebrary.com/lib/royallibrary/Doc?id=10233636",
    "https://ebookcentral.proquest.com/lib/yale-ebooks/detail.action?docID=123",
    "https://search.proquest.com/docview/1234567",
    "https://www.proquest.com/scholarly-journals/title/docview/1234567/se-2",
]
PROXY = [
    "http://www.jstor.org.ep.fjernadgang.kb.dk/stable/info/301940",
    "http://apps.infomedia.dk.ep.fjernadgang.kb.dk/Ms3E/ShowArticle.aspx?Duid=e48d6dcd",
    "https://www-jstor-org.ezproxy.library.wisc.edu/stable/1234",
    "https://www.jstor.org.ezproxy.lib.umich.edu/stable/1234",
    "https://login.ezproxy.lib.example.edu/login?url=https://www.jstor.org/stable/1234",
    "https://www-jstor-org.ezp.lib.cam.ac.uk/stable/1234",
    "https://www-jstor-org.yale.idm.oclc.org/stable/1234",
    "https://www.jstor.org.proxy.library.upenn.edu/stable/1234",
    "https://libezproxy.open.ac.uk/login?url=https://example.com/",
    "https://doi-org.ezproxy.bellevue.edu/10.1007/s11277-018-5501-3",
    "https://learning-oreilly-com.ezproxy.torontopubliclibrary.ca/library/view/x/",
    "https://ieeexplore-ieee-org.proxy.lib.uwaterloo.ca/document/1",
    "http://www.pnas.org.proxy.lib.uiowa.edu/content/112/6/1645",
    "https://search-ebscohost-com.liverpool.idm.oclc.org/login.aspx?direct=true&db=edshol&AN=1",
    "https://login.oca.ucsc.edu/login?url=https://www.jstor.org/stable/1",
]
PUBLIC = [
    "https://www.jstor.org/stable/689938",  # JSTOR's stable URLs are public pages
    "https://govt.westlaw.com/calregs/Document/I0B5C",  # public state regulations
    "https://govt.westlaw.com/akcases/Document/N123",
    # Lexis's free public-access state codes (Tennessee, Colorado...)
    "https://advance.lexis.com/container?config=014CJAA5ZGVhZjA3NS02MmMzLTRlZWQtOGJjNC00YzQ1MmZlNzc2YWYK",
    "https://advance.lexis.com/documentpage/?pdmfid=1000516&crid=0ac0632f-7202&action=pawlinkdoc",
    "https://news.bloomberglaw.com/us-law-week/some-article",
    "https://home.heinonline.org/blog/2020/01/x/",
    "https://www.lexisnexis.com/en-us/about-us/about-us.page",
    "https://www.proquest.com/products-services/databases/",
    "https://scholar.google.com/scholar_case?case=123",
    "https://proxy.golang.org/",  # a "proxy" host outside a university domain
    "https://example.com/login?url=/home",
    "https://www.doi.org/the-identifier/resources/handbook",
    "https://dl.acm.org/doi/10.1145/2536536.2536602",
]
DOI = [
    "https://doi.org/10.1145/1347390.1347392",
    "https://doi.org/10.1002%2Fandp.19053220607",
    "http://dx.doi.org/10.1080/09537320600777085",
    "http://doi.acm.org/10.1145/2536536.2536602",
    "http://doi.wiley.com/10.1002/asi.22634",
    "https://doi.apa.org/doiLanding?doi=10.1037/0003-066X.59.1.29",
]


@pytest.mark.parametrize("url", SUBSCRIPTION)
def test_subscription_databases_are_skipped(url: str) -> None:
    assert classify(url).reason == SUBSCRIPTION_REASON


@pytest.mark.parametrize("url", PROXY)
def test_library_proxy_links_are_skipped(url: str) -> None:
    assert classify(url).reason == PROXY_REASON


@pytest.mark.parametrize("url", PUBLIC)
def test_public_pages_on_nearby_hosts_are_archived(url: str) -> None:
    assert classify(url).archive, classify(url)


@pytest.mark.parametrize("url", DOI)
def test_doi_resolvers_are_doi_links(url: str) -> None:
    assert not classify(url).archive
    assert "DOI link" in (classify(url).reason or "")
    assert classify(url, archive_doi=True).archive


def test_google_scholar_searches_are_not_the_cited_work() -> None:
    url = "http://scholar.google.com/scholar?hl=en&btnG=Search&q=intitle:History+in+Practice#0"
    assert classify(url).reason == SEARCH_REASON


def test_include_hosts_lifts_a_builtin_rule_and_skip_hosts_adds_one() -> None:
    hein = "https://heinonline.org/HOL/P?h=hein.journals/hlr127&i=200"
    assert classify(hein, include_hosts=["heinonline.org"]).archive
    assert classify("https://intranet.example.edu/x", skip_hosts=["example.edu"]).reason == (
        "host on your skip list (example.edu)")
    assert not classify("https://www-jstor-org.ezproxy.x.edu/", skip_hosts=["*.ezproxy.*"]).archive
    # The user's lists never make an archive link or a local address archivable.
    assert not classify("https://perma.cc/ABCD-1234", include_hosts=["perma.cc"]).archive
    assert not classify("http://localhost/x", include_hosts=["localhost"]).archive


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [
        ("westlaw.com", "westlaw.com", True),
        ("westlaw.com", "1.next.westlaw.com", True),
        ("westlaw.com", "notwestlaw.com", False),
        ("https://Westlaw.com/", "www.westlaw.com", True),
        ("*.ezproxy.*", "www-jstor-org.ezproxy.lib.example.edu", True),
        ("*.ezproxy.*", "ezproxy.example.edu", False),
        ("?.next.westlaw.com", "1.next.westlaw.com", True),
    ],
)
def test_host_patterns(pattern: str, host: str, matches: bool) -> None:
    assert host_pattern_matches(host, pattern) is matches


@pytest.mark.parametrize("pattern", ["", "  ", "a b", "exa$mple.com", "http://"])
def test_bad_host_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="not a host name"):
        normalise_host_pattern(pattern)


def test_tracking_parameters_are_archived_with_a_note() -> None:
    url = ("https://www.ftc.gov/news-events/news/press-releases/2021/10/x"
           "?utm_source=govdelivery&utm_medium=email&fbclid=IwAR0&page=2")
    assert tracking_parameters(url) == ["utm_source", "utm_medium", "fbclid"]
    verdict = classify(url)
    assert verdict.archive
    assert verdict.note == "has tracking parameters (utm_source, utm_medium, fbclid)"
    for name in ("gclid", "mc_cid", "mc_eid", "igshid", "_hsenc", "UTM_Campaign"):
        assert tracking_parameters(f"https://example.com/?{name}=1") == [name]
    assert classify("https://example.com/?page=2&utm=1").note is None
    assert tracking_parameters("https://example.com/#utm_source=x") == []
