"""What the page shows of a document before archiving: its cited URLs grouped by location,
each with its context, the planned action and whether it is ticked."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ..archiving.outcomes import Outcome
from ..documents import Citation, DocumentScan

__all__ = ["Group", "Planned", "context_of", "group_label", "markdown_places", "plan_document"]

_LINE = re.compile(r"\bline (\d+)")
#: Characters of context shown on each side of a URL.
CONTEXT_CHARS = 70


@dataclass(frozen=True)
class Planned:
    """One cited URL as planned: ``action`` is ``archive`` (a new archive), ``reuse`` (the
    ledger has it), ``linked`` (a Perma link is already beside it), ``skip`` (not archivable)
    or ``leave`` (unticked); ``note`` says it in words; ``by_hand`` is what the editor must do
    once it is archived (a reference-manager field permify does not edit)."""

    key: str
    url: str
    location: str
    context: str
    action: str
    note: str
    checked: bool
    checkable: bool
    perma_url: str | None = None
    by_hand: str | None = None


@dataclass(frozen=True)
class Group:
    """The cited URLs of one place in the document (``footnote 12``, ``line 17``, ``entry smith2020``)."""

    label: str
    items: tuple[Planned, ...]


_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FOOTNOTE = re.compile(r"^ {0,3}\[\^([^\]]+)\]:")


def markdown_places(text: str) -> list[str]:
    """For each line of a Markdown text, the place it belongs to, for people: ``footnote 3``
    inside a footnote's definition, else the section under its nearest heading."""
    places: list[str] = []
    section = "before the first heading"
    footnote: str | None = None
    for line in text.splitlines():
        heading = _HEADING.match(line)
        note = _FOOTNOTE.match(line)
        if heading:
            section, footnote = f"section “{heading.group(2)[:80]}”", None
        elif note:
            footnote = f"footnote {note.group(1)}"
        elif footnote and line.strip() and not line.startswith(("    ", "\t")):
            footnote = None  # a footnote's definition goes on only while it is indented
        places.append(footnote or section)
    return places


def group_label(location: str, places: list[str] | None = None) -> str:
    """The place a location belongs to: for Markdown, the footnote or section of its line
    (from :func:`markdown_places`); ``entry smith2020, field url (line 19)`` ->
    ``entry smith2020``; ``footnote 12`` as is."""
    if places is not None:
        found = _LINE.search(location)
        if found and 1 <= int(found.group(1)) <= len(places):
            return places[int(found.group(1)) - 1]
    return location.split(",", 1)[0].strip()


def _squash(text: str) -> str:
    return " ".join(text.split())


def context_of(scan: DocumentScan, citation: Citation) -> str:
    """The text around the URL as the reader sees it (the scan's own context), with the URL
    itself shortened to ``‹URL›`` since the page shows it just above; else the link text."""
    cited = citation.cited
    context = _squash(cited.context)
    if context:
        for spelling in (cited.written, cited.url):
            if spelling and spelling in context:
                context = context.replace(spelling, "‹URL›")
                break
        return "" if context.strip("…‹›<>URL ") == "" else context
    if cited.title and cited.title != cited.url:
        return f"link text: {_squash(cited.title)[: 2 * CONTEXT_CHARS]}"
    return ""


def _plan(citation: Citation, known: Mapping[str, Outcome], excluded: Collection[str],
          linked: Mapping[str, str]) -> tuple[str, str, str | None]:
    state = citation.state
    if state == "linked":
        return "linked", "already has a Perma link", citation.cited.existing_archive
    if state == "skip":
        return "skip", f"skipped: {citation.classification.reason or 'not archived'}", None
    if citation.key in excluded:
        return "leave", "left out: will not be archived", None
    if citation.key in linked:
        return "reuse", "reused: the same URL has a Perma link elsewhere in the documents", linked[citation.key]
    outcome = known.get(citation.key)
    if outcome is not None and outcome.perma_url:
        return "reuse", "reused from the ledger: archived before, no new archive", outcome.perma_url
    return "archive", "new archive", None


def plan_document(scan: DocumentScan, known: Mapping[str, Outcome], excluded: Collection[str],
                  linked: Mapping[str, str]) -> list[Group]:
    """The document's cited URLs, grouped by place, each with its planned action.

    ``known``: what the ledger holds (by key); ``excluded``: the unticked keys; ``linked``:
    Perma links found beside the same URL elsewhere in the documents (by key)."""
    groups: dict[str, list[Planned]] = {}
    places = markdown_places(scan.data.decode("utf-8-sig", "replace")) if scan.format == "markdown" else None
    for citation in scan.citations:
        action, note, perma = _plan(citation, known, excluded, linked)
        checkable = citation.state == "archive" and citation.key not in linked
        groups.setdefault(group_label(citation.cited.location, places), []).append(
            Planned(
                citation.key, citation.cited.url, citation.cited.location, context_of(scan, citation),
                action, note, checked=checkable and citation.key not in excluded, checkable=checkable,
                perma_url=perma, by_hand=citation.cited.note,
            )
        )
    return [Group(label, tuple(items)) for label, items in groups.items()]
