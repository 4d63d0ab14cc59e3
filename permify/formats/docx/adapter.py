"""Word (.docx/.docm) adapter: find every cited URL in every story part and add Perma links.

Works on the package's XML parts with zipfile and lxml (never python-docx, whose save
rewrites parts it did not need to touch). The story parts are found from the main part's
relationships and checked against ``[Content_Types].xml``: the document body, footnotes,
endnotes, comments, headers and footers. Text boxes, tables, content controls and smart tags
are scanned wherever they sit. See :mod:`permify.formats.docx.scan` for the URL forms and
:mod:`permify.formats.docx.write` for how links are inserted.

Locations read like ``body paragraph 40``, ``footnote 12``, ``endnote 3``, ``comment 2``,
``header``, ``footer`` and ``text box in body paragraph 7``. Body paragraphs are counted in
document order, table cells included, text boxes excluded. A note's number is the number
the reader sees with automatic numbering: the order of its first reference in the body
(``footnote (id N)`` for a note the body never references); comments likewise.

Rewriting changes only the edited parts and their ``.rels`` (created when missing); every
other zip member is copied raw, in the same order with the same ZipInfo. Edited parts keep
their XML declaration bytes and namespace prefixes. ``.docm`` macros are untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from lxml import etree

from ..base import Adapter, CitedUrl, ParsedDocument, ScanOptions, context_around
from . import NAME, SUFFIXES
from .hits import Anchor, Hit
from .package import Package, open_package, write_package
from .paragraphs import ascii_compatible, has, live_paragraphs, managed_paragraphs
from .parts import parse_xml
from .rels import Rels, rels_name
from .scan import StoryScanner
from .write import Inserter
from .xml import MC_FALLBACK, NS, STORY_TYPE, W_ID, W_TXBX, w

if TYPE_CHECKING:  # loaded when a document is written
    from ..options import RewriteOptions

__all__ = ["COMMENT_REASON", "DocxAdapter", "DocxDocument"]

#: the reason listed for a URL in a reviewer comment (not archived unless comments are included)
COMMENT_REASON = "reviewer comment"

_W_CUSTOM_MARK, _W_BODY, _W_TYPE = w("customMarkFollows"), w("body"), w("type")
# a paragraph styled as a block quotation somewhere in the part (scan.QUOTE_STYLES), any prefix
_QUOTE_STYLE_RE = re.compile(
    rb':pStyle\s[^>]*val="(?:Quote|IntenseQuote|BlockText|BlockQuote|BlockQuotation)"', re.IGNORECASE
)
_W_STYLE, _W_STYLE_ID = w("style"), w("styleId")
# relationship type suffix -> (content type, kind), in the order citations are listed
_STORIES = (
    ("/footnotes", STORY_TYPE + "footnotes+xml", "footnote"),
    ("/endnotes", STORY_TYPE + "endnotes+xml", "endnote"),
    ("/comments", STORY_TYPE + "comments+xml", "comment"),
    ("/header", STORY_TYPE + "header+xml", "header"),
    ("/footer", STORY_TYPE + "footer+xml", "footer"),
)
_NOTE_TAGS = {"footnote": w("footnote"), "endnote": w("endnote"), "comment": w("comment")}
_REF_TAGS = {
    w("footnoteReference"): "footnote",
    w("endnoteReference"): "endnote",
    w("commentReference"): "comment",
}


@dataclass
class _Story:
    """One scanned story part: its tree, its relationships and its hits."""

    name: str
    root: etree._Element
    original: bytes
    rels: Rels
    hits: list[Hit]
    targets: dict[str, tuple[str, str, bool]]


def _numbers(document: etree._Element) -> dict[str, dict[str, int]]:
    """kind -> note/comment id -> the number a reader sees (order of first reference)."""
    out: dict[str, dict[str, int]] = {"footnote": {}, "endnote": {}, "comment": {}}
    for el in document.iter(*_REF_TAGS):
        kind = _REF_TAGS[el.tag]
        if el.get(_W_CUSTOM_MARK) in ("1", "true", "on"):
            continue  # a custom mark takes no number
        ids = out[kind]
        ids.setdefault(el.get(W_ID, ""), len(ids) + 1)
    return out


def _scanner(targets: dict[str, tuple[str, str, bool]], warn: Callable[[str], None],
             root: etree._Element, data: bytes, options: ScanOptions) -> StoryScanner:
    """A scanner for one part that skips what the part cannot hold (see docx_scan)."""
    # text boxes: where the part has them (in a part in UTF-16, where its bytes spell their
    # names in ASCII, that is never, as it always was)
    if ascii_compatible(data):
        boxes = has(root, W_TXBX, MC_FALLBACK)
    else:
        boxes = b"txbxContent" in data or b"Fallback" in data
    quote_styles = _QUOTE_STYLE_RE.search(data) is not None
    return StoryScanner(targets, warn, live_paragraphs(root), boxes, options.include_quoted,
                        managed_paragraphs(root, data), quote_styles)


def _scan(pkg: Package, warn: Callable[[str], None], options: ScanOptions) -> list[_Story]:
    """Parse and scan every story part of ``pkg``, body first. URLs in comments get
    :data:`COMMENT_REASON` unless ``options.include_comments``."""
    main_rels = pkg.rels(pkg.main_part)
    main_data = pkg.read(pkg.main_part)
    main_root = parse_xml(main_data, pkg.source, pkg.main_part)
    numbers = _numbers(main_root)
    stories: list[_Story] = []

    targets = main_rels.targets()
    body = main_root.find(_W_BODY)
    scanner = _scanner(targets, warn, main_root, main_data, options)
    hits = scanner.scan_story(body, lambda n: f"body paragraph {n}") if body is not None else []
    stories.append(_Story(pkg.main_part, main_root, main_data, main_rels, hits, targets))

    # internal relationships only: a long document has thousands of external hyperlinks
    internal = [(rtype, t) for (rtype, t, ext) in targets.values() if not ext]
    for suffix, content_type, kind in _STORIES:
        names = sorted(
            {main_rels.resolve(t) for (rtype, t) in internal if rtype.endswith(suffix)},
            key=lambda s: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s)],
        )
        names = [n for n in names if pkg.has(n) and pkg.content_type(n) == content_type]
        for i, name in enumerate(names, 1):
            data = pkg.read(name)
            root = parse_xml(data, pkg.source, name)
            rels = pkg.rels(name)
            part_targets = rels.targets()
            scanner = _scanner(part_targets, warn, root, data, options)
            if kind in _NOTE_TAGS:
                hits = scanner.scan_notes(root, _NOTE_TAGS[kind], _labels(kind, numbers[kind]))
            else:
                hits = scanner.scan_story(root, kind if len(names) == 1 else f"{kind} {i}")
            if kind == "comment" and not options.include_comments:
                for hit in hits:
                    hit.skip_reason = COMMENT_REASON
            stories.append(_Story(name, root, data, rels, hits, part_targets))
    return stories


def _labels(kind: str, numbers: dict[str, int]) -> Callable[[etree._Element], str | None]:
    """The location of each note of ``kind`` (``footnote 3``), None for separators and
    continuation notices, which are not scanned."""
    def label(note: etree._Element) -> str | None:
        if note.get(_W_TYPE, "normal") != "normal":
            return None
        nid = note.get(W_ID, "")
        num = numbers.get(nid)
        return f"{kind} {num}" if num is not None else f"{kind} (id {nid})"
    return label


def _has_hyperlink_style(pkg: Package, main: _Story) -> bool:
    """True if the styles part defines the ``Hyperlink`` character style."""
    main_rels = main.rels
    for rtype, target, ext in main.targets.values():
        if rtype.endswith("/styles") and not ext:
            name = main_rels.resolve(target)
            if pkg.has(name):
                root = parse_xml(pkg.read(name), pkg.source, name)
                for style in root.iter(_W_STYLE):
                    if style.get(_W_STYLE_ID) == "Hyperlink" and style.get(
                        _W_TYPE
                    ) == "character":
                        return True
    return False


_W_IDS = etree.XPath("//@w:id", namespaces=NS, smart_strings=False)


def _max_id(stories: list[_Story]) -> int:
    """The largest numeric ``w:id`` in the story parts (0 if none)."""
    best = 0
    for story in stories:
        for value in _W_IDS(story.root):
            if value.lstrip("-").isdigit():
                try:
                    best = max(best, int(value))
                except ValueError:  # "--5" or a digit int() refuses ("²"): not a number
                    continue
    return best


class DocxDocument(ParsedDocument):
    """A parsed Word package: its citations, warnings, and a byte-preserving rewrite."""

    def __init__(self, data: bytes, source: str, options: ScanOptions | None = None) -> None:
        self._pkg = open_package(data, source)
        self._options = options or ScanOptions()
        self.warnings: list[str] = []
        self._stories = _scan(self._pkg, self._warn, self._options)
        self._fresh = True  # the trees above are unedited and can serve one rewrite
        self._link_style: bool | None = None  # has a Hyperlink style (found on first rewrite)
        self._hits = [(s, h) for s in self._stories for h in s.hits]
        self._citations: list[CitedUrl] | None = None
        boxes = sorted({h.location for _s, h in self._hits
                        if h.in_textbox and h.anchors and not (h.existing or h.skip_reason)},
                       key=lambda loc: loc)
        for loc in boxes:
            self._warn(
                f"{loc}: Perma links added inside a text box can overflow a fixed-size box; "
                "check it in Word after the rewrite"
            )

    @property
    def citations(self) -> list[CitedUrl]:
        """Every cited URL in document order, built on first use: a rewrite never needs them,
        and a long document's context strings cost as much as the rest of its scan."""
        if self._citations is None:
            self._citations = [
                CitedUrl(
                    index=i, url=h.url, location=h.location, existing_archive=h.existing,
                    title=h.title, kind=h.kind, written=h.url, skip_reason=h.skip_reason,
                    note=h.note, context=context_around(h.text, h.start, h.end),
                )
                for i, (_s, h) in enumerate(self._hits)
            ]
        return self._citations

    @citations.setter
    def citations(self, value: list[CitedUrl]) -> None:
        self._citations = value

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def rewrite(self, perma_links: Mapping[int, str], options: RewriteOptions) -> bytes:
        """The package with `` [perma]`` after each chosen citation (see the module docs)."""
        if self._fresh:
            stories, hits, self._fresh = self._stories, self._hits, False
        else:
            stories = _scan(self._pkg, lambda _m: None, self._options)
            hits = [(s, h) for s in stories for h in s.hits]
        for index in perma_links:
            if not 0 <= index < len(hits):
                raise KeyError(index)
        # a skipped hit (comment, quotation) is never edited; a reference-manager one has no anchor
        chosen = False
        jobs: list[tuple[_Story, Anchor, str]] = []
        for i, url in sorted(perma_links.items()):
            story, hit = hits[i]
            if not hit.existing and not hit.skip_reason:
                chosen = True
                jobs += [(story, anchor, url) for anchor in hit.anchors]
        if not chosen:
            return self._pkg.data
        date = options.date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self._link_style is None:
            self._link_style = _has_hyperlink_style(self._pkg, stories[0])
        inserter = Inserter(  # the largest w:id is looked up only if an id is needed (tracked)
            next_id=lambda: _max_id(stories) + 1, hyperlink_style=self._link_style,
            match_look=options.link_style != "hyperlink",
            track=options.track_changes, author=options.author, date=date,
        )
        if not jobs:
            return self._pkg.data
        # Edit each paragraph from its end backwards so earlier offsets stay valid.
        jobs.sort(key=lambda j: j[1].pos, reverse=True)
        edited: dict[str, _Story] = {}
        for story, anchor, url in jobs:
            inserter.insert(anchor, url, story.rels, story.root, story.original)
            edited[story.name] = story
        changed: dict[str, bytes] = {}
        for story in edited.values():
            changed[story.name] = inserter.serialize(story.root, story.original)
            changed[rels_name(story.name)] = story.rels.serialize()
        return write_package(self._pkg, changed)


class DocxAdapter(Adapter):
    """Word documents (.docx, and macro-enabled .docm whose macros are kept byte for byte)."""

    name = NAME
    suffixes = SUFFIXES
    textual = False

    def parse(self, data: bytes, source: str = "<input>") -> DocxDocument:
        """Open and scan ``data``; :class:`~permify.errors.InputError` if it is not a usable .docx."""
        return DocxDocument(data, source)

    def parse_with(self, data: bytes, source: str, options: ScanOptions) -> DocxDocument:
        """:meth:`parse` with scan options (comments and quotations included or not)."""
        return DocxDocument(data, source, options)
