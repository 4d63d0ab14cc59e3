"""The review's faster paths find exactly what the plain ones found: the page reader's
whitespace collapse and the page rules' substring pre-test."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest
from review_helpers import page

from permify.review import RULES, rules
from permify.review.page import decode, read_page
from permify.sandbox import pages as sandbox_pages

DATA = Path(__file__).resolve().parent.parent / "data" / "review"


def _sandbox_bodies() -> list[bytes]:
    templates = [v for k, v in vars(sandbox_pages).items() if k.isupper() and isinstance(v, str)]
    url = "https://www.example.com/a/b"
    bodies = [sandbox_pages.fill(t, url, "Smith v. Jones") for t in templates]
    return [*bodies, sandbox_pages.huge_article(url, "Smith v. Jones", 300_000)]


def _pages() -> list[bytes]:
    return [page(p.name) for p in sorted(DATA.glob("*.html"))] + _sandbox_bodies()


def test_str_split_breaks_at_exactly_the_characters_backslash_s_matches() -> None:
    """``read_page`` collapses whitespace with ``str.split``; the regular expression ``\\s+`` did."""
    space = re.compile(r"\s")
    differ = [code for code in range(sys.maxunicode + 1)
              if (space.fullmatch(chr(code)) is not None) != chr(code).isspace()]
    assert differ == []


def _old_read_page(body: bytes, content_type: str = "") -> tuple[str, str, int]:
    """The title, text and word count as read_page computed them before (regex collapse)."""
    from permify.review.page import _Extractor

    parser = _Extractor()
    parser.feed(decode(body, content_type))
    parser.close()
    title = re.sub(r"\s+", " ", "".join(parser.title)).strip()
    text = re.sub(r"\s+", " ", " ".join(parser.text)).strip()
    return title, text, len(re.findall(r"\w+", text))


@pytest.mark.parametrize("odd", ["", "\u00a0", "\u2003 \t", "\u3000\n", "\x1c\x1f", "\u2028\u0085"])
def test_read_page_gives_what_the_regex_collapse_gave(odd: str) -> None:
    for body in _pages():
        if odd:
            body = body.decode("utf-8", "replace").replace(" ", odd, 40).replace("\n", odd + "\n", 10).encode()
        got = read_page(body, "text/html; charset=utf-8")
        assert (got.title, got.text, got.words) == _old_read_page(body, "text/html; charset=utf-8")


def test_needles_are_what_every_match_holds() -> None:
    needed = rules._needed
    parse = rules._sre.parse
    assert needed(list(parse(r"^just a moment\.\.\."))) == (("just a moment...",),)
    assert needed(list(parse(r"press (&|and) hold"))) == (("press ",), (" hold",))  # "&" is too short
    assert needed(list(parse(r"(?=secret)abc(?!nope)x*yz"))) == (("abc",),)  # no look-ahead, no repeat
    assert needed(list(parse(r"(ab|cd)"))) == ()  # too short to help
    assert needed(list(parse(r"(page|article) gone"))) == (("page", "article"), (" gone",))
    assert rules._needles((r"abc", r"a|b")) is None  # one pattern without needles: no pre-test


def test_the_pre_test_never_turns_away_a_match() -> None:
    """Random mixes of the rules' own phrases: whenever an expression matches, the pre-test passes."""
    searches = [s for rule in RULES for s in rule._compiled.values() if s is not None]
    assert sum(s.needles is not None for s in searches) >= len(searches) - 2
    pieces = ["page", " you ", "are", " looking for ", "could not", "cookies", "accept ", "we ", "use cookies",
              "subscribe ", "to ", "continue", " reading", "not found", "404", " - ", "sign in", "|", "log in",
              "type=", "password", "\"isaccessibleforfree\"", ": ", "false", "press ", "& ", "hold", "robot",
              "verify", "ing ", "that ", "you are ", "a ", "human", "error", " ", "x"]
    rng = random.Random(11)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for search in searches:
            if search.folded is not None and search.folded.search(text) is not None:
                assert search.needles is None or rules._may_match(search.needles, text), (text, search.exact)


def test_verdict_to_json_is_asdict() -> None:
    """``Verdict.to_json`` copies the fields flat: right only while every field is a plain value."""
    from dataclasses import asdict, fields

    from permify.review.verdict import Verdict

    assert all(re.fullmatch(r"(str|int|bool|VerdictStatus)( \| None)?", str(f.type)) for f in fields(Verdict))
    full = Verdict("suspect", "why", guid="AB2C-D3EF", rule="near-empty", http_status=200, content_type="text/html",
                   size=10, truncated=True, title="T", words=1, user_upload=True, is_private=False, checked=False,
                   url="https://example.com/", permanent_at="2030-01-01T00:00:00+00:00")
    assert full.to_json() == asdict(full) and list(full.to_json()) == list(asdict(full))
