"""How Perma links are written into documents: :class:`RewriteOptions` (also importable from
:mod:`permify.formats.base`, where it loads on first use)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RewriteOptions"]


@dataclass(frozen=True)
class RewriteOptions:
    """How Perma links are written. Adapters ignore the options that do not apply to them.

    Attributes:
        bib_print: BibTeX only: the field that prints the ``url`` field's Perma link, in
            brackets: ``note`` (default; BibTeX .bst styles print it after the URL),
            ``addendum`` (biblatex prints it after the URL), or ``none`` (see docs/bibtex.md).
        track_changes: .docx only: make every insertion a tracked revision by ``author``.
        author: the revision author for tracked changes.
        date: ISO-8601 time for tracked revisions (injected so output is reproducible).
        link_style: .docx only: ``match`` (default) gives the Perma link the look of the cited
            URL (a styled hyperlink's style, or plain text's look, still clickable);
            ``hyperlink`` always uses the Hyperlink style.
    """

    bib_print: str = "note"
    track_changes: bool = False
    author: str = "permify"
    date: str | None = None
    link_style: str = "match"
