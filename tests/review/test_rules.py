"""Each review rule against a real page's shape (tests/data/review, sources in SOURCES.md)."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest
from review_helpers import archive, page, warc

from permify.review import RULES, review_capture, rules
from permify.review.rules import Facts, first_match, titles_disagree

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(("name", "status", "rule", "reason"), [
    ("cloudflare-challenge.html", 403, "cloudflare-title", "origin answered 403: bot wall (Cloudflare)"),
    ("cloudflare-managed-challenge.html", 403, "cloudflare-title", "origin answered 403: bot wall (Cloudflare)"),
    ("akamai-access-denied.html", 403, "akamai-denied", "origin answered 403: bot wall (Akamai)"),
    ("perimeterx-block.html", 403, "perimeterx", "origin answered 403: bot wall (PerimeterX)"),
    ("datadome-captcha.html", 403, "datadome", "origin answered 403: bot wall (DataDome)"),
    ("login.html", 200, "login-page", "login page"),
    ("paywall.html", 200, "paywall-text", "paywall"),
    ("soft-404.html", 200, "soft-404-title", "page not found (soft 404)"),
    ("soft-404.html", 404, "hard-404", "origin answered 404: page not found"),
    ("cookie-wall.html", 200, "cookie-wall-title", "cookie-consent wall"),
    ("near-empty.html", 200, "near-empty", "almost no text (1 word)"),
])
def test_real_pages_are_caught(name: str, status: int, rule: str, reason: str) -> None:
    verdict = review_capture(archive(), warc(page(name), status=status))
    assert (verdict.status, verdict.rule, verdict.reason) == (
        "failed" if rule == "hard-404" else "suspect", rule, reason)
    assert verdict.http_status == status and verdict.content_type == "text/html"
    assert verdict.advice.startswith("open https://perma.cc/AB2C-D3EF")


@pytest.mark.parametrize("name", ["article.html", "app-shell.html"])
def test_ordinary_pages_pass_despite_vendor_traces(name: str) -> None:
    verdict = review_capture(archive(), warc(page(name)))
    assert verdict.status == "ok", verdict
    assert verdict.rule is None and verdict.advice == ""


def test_article_facts() -> None:
    verdict = review_capture(archive(), warc(page("article.html")))
    assert verdict.title == "Court declines to revisit deference doctrine | Example Law News"
    assert verdict.words is not None and verdict.words > 300
    assert verdict.reason == f"captured 200 page, {verdict.words} words"


def test_markers_without_the_page_shape_do_not_fire() -> None:
    # The Cloudflare markup rule alone (no title): the managed challenge's script.
    body = page("cloudflare-managed-challenge.html").replace(b"<title>Just a moment...</title>", b"")
    verdict = review_capture(archive(), warc(body, status=200))
    assert verdict.rule == "cloudflare-challenge" and verdict.reason == "bot wall (Cloudflare)"
    # A paywall phrase on a long article (a full article, 900+ words) is not a paywall.
    article = page("article.html")
    text = article[article.index(b"<article>"):article.index(b"</article>")]
    long = article.replace(b"</article>", text * 2 + b"<p>Subscribe to continue reading.</p></article>")
    verdict = review_capture(archive(), warc(long))
    assert verdict.ok and verdict.words is not None and verdict.words > 800


@pytest.mark.parametrize(("status", "rule", "verdict"), [
    (410, "hard-410", "failed"), (500, "server-error", "failed"), (503, "server-error", "failed"),
    (429, "rate-limited", "suspect"), (401, "unauthorized", "suspect"), (403, "forbidden", "suspect"),
    (451, "client-error", "suspect"), (302, "redirect", "suspect"),
])
def test_status_codes(status: int, rule: str, verdict: str) -> None:
    result = review_capture(archive(), warc(page("article.html"), status=status))
    assert (result.rule, result.status) == (rule, verdict)
    assert result.reason.startswith(f"origin answered {status}: ")


def test_pdf_ok_and_tiny_pdf_suspect() -> None:
    pdf = b"%PDF-1.4\n" + b"0" * 4000 + b"\n%%EOF\n"
    ok = review_capture(archive(content_type="application/pdf", screenshot=None),
                        warc(pdf, content_type="application/pdf"))
    assert ok.status == "ok" and ok.reason == f"captured 200 application/pdf, {len(pdf)} bytes"
    assert ok.words is None and ok.title is None
    tiny = review_capture(archive(), warc(b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"))
    assert (tiny.status, tiny.rule, tiny.reason) == ("suspect", "tiny-pdf", "a PDF of only 15 bytes")


def test_empty_body() -> None:
    verdict = review_capture(archive(), warc(b""))
    assert (verdict.status, verdict.rule) == ("suspect", "empty-body")


def test_title_mismatch_is_only_a_soft_signal() -> None:
    oops = page("article.html").replace(b"Court declines to revisit deference doctrine | Example Law News",
                                        b"Oops, something went wrong")
    # Without a cited title, an odd title alone is not flagged.
    assert review_capture(archive(), warc(oops)).ok
    flagged = review_capture(archive(), warc(oops), expected_title="Smith v. Jones, 600 U.S. 1 (2023)")
    assert (flagged.rule, flagged.reason) == (
        "title-mismatch", 'captured title "Oops, something went wrong" is not the cited title')
    # An ordinary difference between the cited and the captured title is not flagged.
    assert review_capture(archive(), warc(page("article.html")), expected_title="Smith v. Jones").ok
    assert not titles_disagree("Deference doctrine survives", "The deference doctrine")
    assert titles_disagree("Error", "Deference doctrine")
    assert not titles_disagree("Error", None)


def test_screenshot_failed_is_suspect_but_page_rules_come_first() -> None:
    verdict = review_capture(archive(screenshot="failed"), warc(page("article.html")))
    assert (verdict.status, verdict.rule, verdict.reason) == ("suspect", "screenshot-failed", "screenshot failed")
    wall = review_capture(archive(screenshot="failed"), warc(page("login.html")))
    assert wall.rule == "login-page"


def test_capture_record_decides_before_the_warc() -> None:
    assert review_capture(archive(upload=True), None).status == "ok"
    uploaded = review_capture(archive(upload=True), warc(page("cloudflare-challenge.html"), status=403))
    assert (uploaded.status, uploaded.user_upload, uploaded.reason) == ("ok", True, "the user uploaded application/pdf")
    failed = review_capture(archive(primary="failed"), None)
    assert (failed.status, failed.rule) == ("failed", "capture-failed")
    assert failed.reason == "Perma could not capture the page"
    pending = review_capture(archive(primary="pending"), None)
    assert (pending.status, pending.rule) == ("suspect", "capture-pending")
    missing = review_capture(archive(), None)
    assert (missing.status, missing.rule) == ("suspect", "warc-missing")


def test_every_rule_is_exercised_by_a_test() -> None:
    # The rule table and this module move together: a new rule needs a page that triggers it.
    tested = {"cloudflare-title", "cloudflare-challenge", "akamai-denied", "perimeterx", "datadome", "login-page",
              "paywall-text", "soft-404-title", "hard-404", "cookie-wall-title", "near-empty", "hard-410",
              "server-error", "rate-limited", "unauthorized", "forbidden", "client-error", "redirect", "tiny-pdf",
              "empty-body", "title-mismatch"}
    more = {r.name for r in RULES} - tested
    for name in sorted(more):
        rule = next(r for r in RULES if r.name == name)
        assert rule.title or rule.text or rule.markup, name  # only pattern rules are left
    facts = {
        "akamai-edgesuite": Facts(403, "text/html", 300, markup='<img src="https://errors.edgesuite.net/x">'),
        "perimeterx-title": Facts(403, "text/html", 300, title="Access to this page has been denied."),
        "imperva": Facts(200, "text/html", 300, text="Request unsuccessful. Incapsula incident ID: 123-456"),
        "robot-check-title": Facts(200, "text/html", 300, title="Are you a robot?"),
        "robot-check-text": Facts(200, "text/html", 300, text="We detected unusual traffic from your computer network",
                                  words=8),
        "access-denied-page": Facts(200, "text/html", 300, title="403 Forbidden", words=50),
        "soft-404-text": Facts(200, "text/html", 300, title="Example", words=30,
                               text="Sorry, the page you are looking for could not be found."),
        "paywall-markup": Facts(200, "text/html", 300, words=100, markup='"isAccessibleForFree": false'),
        "cookie-wall-text": Facts(200, "text/html", 300, words=60, text="We value your privacy. Accept all cookies"),
    }
    assert set(facts) == more
    for name, fact in facts.items():
        matched = first_match(fact)
        assert matched is not None and matched.name == name, (name, matched)


def test_advice_depends_on_whether_the_archive_can_still_be_replaced() -> None:
    fresh = review_capture(archive(creation_timestamp="2999-01-01T00:00:00Z"), warc(page("login.html")))
    assert fresh.url == "https://www.example.com/articles/smith-v-jones"
    assert fresh.permanent_at == "2999-01-02T00:00:00+00:00" and fresh.replaceable() is True
    assert "Upload file" in fresh.advice
    old = review_capture(archive(archive_timestamp="2020-01-02T00:00:00Z"), warc(page("login.html")))
    assert old.replaceable() is False and "can no longer be replaced" in old.advice
    unknown = review_capture(archive(), warc(page("login.html")))
    assert unknown.permanent_at is None and unknown.replaceable() is None and "Upload file" in unknown.advice


# ------------------------------------------------------------------ the lowered-text search


def test_only_the_listed_characters_match_an_ascii_letter_unlike_their_lowercase() -> None:
    """The lowered-text search (``rules._Search``) is exact only if, apart from
    ``_FOLD_EXCEPTIONS``, IGNORECASE matches a character with an ASCII letter exactly when its
    one-character lowercase is that letter. Checked on every code point."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    differ = set()
    for code in range(0x80, sys.maxunicode + 1):
        char = chr(code)
        lowered = char.lower()
        if (letter.fullmatch(char) is not None) != (len(lowered) == 1 and lowered.isascii() and lowered.isalpha()):
            differ.add(char)
        if len(lowered) != 1:
            differ.add(char)
    assert differ == set(rules._FOLD_EXCEPTIONS)


def _variants(texts: list[str], count: int) -> list[str]:
    """``texts`` with random case changes and characters that fold oddly spliced in."""
    odd = ["\u212a", "\u0130", "\u0131", "\u017f", "\u00c4", "\u00a0", "\u00df", "\u1e9e", "\u03a3", "I", "K", "S"]
    rng = random.Random(7)
    out = []
    for _ in range(count):
        chars = list(rng.choice(texts))
        for i in rng.sample(range(len(chars)), min(len(chars), 4)):
            chars[i] = chars[i].upper() if rng.random() < 0.7 else rng.choice(odd)
        out.append("".join(chars))
    return out


def test_the_lowered_search_finds_what_the_case_insensitive_one_finds() -> None:
    pages = [page(p.name).decode("utf-8", "replace") for p in sorted((DATA / "review").glob("*.html"))]
    phrases = ["Just a moment...", "Access Denied", "you don't have permission to access", "Reference #18.2f.",
               "Please verify you are a human", "Press & Hold", "Incapsula incident ID", "Page Not Found",
               "Sign In | Example", "type='password'", "Subscribe now to continue reading", "Before you continue",
               "We use cookies", "The page you are looking for does not exist", '"isAccessibleForFree": false',
               "<script src=x>", "Error 404 - Example", "Oops, the page is unavailable", "captcha-delivery.com"]
    texts = phrases + _variants(phrases, 3000) + pages + _variants(pages, 30)
    searches = [s for rule in RULES for s in rule._compiled.values() if s is not None]
    assert all(s.folded is not None for s in searches)  # every pattern takes the fast path
    for text in texts:
        lowered = rules._lowered(text)
        for search in searches:
            assert search.search(text, lowered) == (search.exact.search(text) is not None), (text, search.exact)
