"""QuotationIndex answers as inside_quotation does, in one pass per paragraph."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from permify.quotes import QuotationIndex, inside_quotation

_TEXT = st.text(alphabet=list("ab .,\"'“”‘’„«»‹› "), min_size=1, max_size=40)


@settings(max_examples=500, deadline=None)
@given(text=_TEXT, data=st.data())
def test_the_index_agrees_with_inside_quotation(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    title = data.draw(st.booleans())
    index = QuotationIndex(text, [(start, end)])
    assert index.contains(start, end, title=title) == inside_quotation(text, start, end, title=title)


def test_many_citations_in_one_long_paragraph_cost_one_pass() -> None:
    unit = "see “https://x.gov/a” and 'b' and https://y.gov/b, "
    text = unit * 20_000
    masks = [(i * len(unit) + 5, i * len(unit) + 20) for i in range(20_000)]
    began = time.process_time()
    index = QuotationIndex(text, masks)
    answers = [index.contains(a, b) for a, b in masks]
    assert all(answers)
    assert time.process_time() - began < 5


def test_closing_marks_of_another_family_do_not_cost_a_stack_search_each() -> None:
    text = " 'a" * 50_000 + ' a"' * 50_000  # 50,000 single quotes opened, 50,000 doubles closing none
    began = time.process_time()
    QuotationIndex(text, [])
    assert time.process_time() - began < 5
