"""trim_url (one linear pass) gives what the straightforward quadratic rule gives."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from permify.urls import find_urls, trim_url, url_at

_TRAILING = ".,;:!?'\"*_~\u2026"
_CLOSERS = {")": "(", "]": "["}
_OPENERS = {"(": ")", "[": "]"}


def reference_trim(candidate: str) -> str:
    """The rule as first written: strip from the end, recounting the whole URL each time."""
    url = candidate
    while url:
        last = url[-1]
        if url.endswith("&amp;"):
            url = url[:-5]
        elif last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last]):
            url = url[:-1]
        elif last in _OPENERS:  # an opener never ends a URL ("[https://x][^1]")
            url = url[:-1]
        else:
            break
    if "://" in url and url.split("://", 1)[1]:
        return url
    return ""


# The characters the rule looks at, weighted towards the tricky ones.
_TAIL = st.text(alphabet=list("()[]&amp;.,;:!?'\"*_~\u2026/x:") , max_size=30)


@settings(max_examples=600, deadline=None)
@given(head=st.sampled_from(["https://", "http://a.b", "https://x.org/a_(b", "ftp:", ""]),
       body=_TAIL)
def test_trim_url_matches_the_reference(head: str, body: str) -> None:
    candidate = head + body
    assert trim_url(candidate) == reference_trim(candidate)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=list("()[]<> .;&ampx/:htps"), max_size=60))
def test_url_at_is_the_first_url_found_at_that_offset(text: str) -> None:
    text = "https://" + text
    found = find_urls(text)
    expected = found[0].url if found and found[0].start == 0 else ""
    assert url_at(text, 0) == expected


def test_a_million_closers_after_a_url_are_trimmed_in_linear_time() -> None:
    for tail in (")" * 1_000_000, "]" * 1_000_000, "." * 1_000_000, "&amp;" * 200_000,
                 "(" * 1_000_000, ")." * 500_000):
        started = time.perf_counter()
        assert trim_url("https://example.org/a" + tail).startswith("https://example.org/a")
        assert time.perf_counter() - started < 2.0
