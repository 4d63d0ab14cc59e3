"""Each citation carries its context, the text around it as the reader sees it, for reports."""

from __future__ import annotations

from docx_fixtures import build_docx, para, run

from permify.formats.base import CONTEXT_CHARS, adapter_for, context_around


def test_context_is_one_line_cut_at_words_around_the_url() -> None:
    text = "word " * 40 + "\nsee https://example.com/x\tthen\n" + "more " * 40
    start = text.index("https://")
    context = context_around(text, start, start + len("https://example.com/x"))
    assert "\n" not in context and "\t" not in context
    assert "see https://example.com/x then more" in context
    assert context.startswith("…word") and context.endswith("more…")
    assert len(context) <= 2 * CONTEXT_CHARS + len("https://example.com/x") + 4
    assert context_around("https://a.example/", 0, 18) == "https://a.example/"


def test_markdown_context() -> None:
    doc = adapter_for("markdown").parse(b"The statute, [see](https://example.com/law), applies here.\n")
    assert doc.citations[0].context == "The statute, [see](https://example.com/law), applies here."


def test_bibtex_context_is_the_entry_title() -> None:
    bib = b"@misc{smith2020,\n  title = {The Law of Links},\n  url = {https://example.com/paper},\n}\n"
    doc = adapter_for("bibtex").parse(bib)
    assert doc.citations[0].context == "smith2020: The Law of Links"


def test_word_context_is_the_paragraph_as_shown() -> None:
    body = para(run("As held in "), run("https://example.com/"), run("case, the court said so."))
    doc = adapter_for("docx").parse(build_docx(body))
    assert doc.citations[0].context == "As held in https://example.com/case, the court said so."


def test_markdown_reference_context_spans_the_whole_citation() -> None:
    text = b"Archiving is required under [Rule 18.2.1][bb].\nThe problem is old.\n\n[bb]: https://example.com/bb\n"
    doc = adapter_for("markdown").parse(text)
    assert doc.citations[0].context == "Archiving is required under [Rule 18.2.1][bb]. The problem is old."
