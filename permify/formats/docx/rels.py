"""The relationships of one part (its ``.rels``): reading their targets and adding hyperlinks.

A new hyperlink needs a relationship with a fresh id; thousands of them for a long document,
so they are kept as text and spliced in when the part is serialised, wherever that gives the
same bytes as adding elements would.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from lxml import etree

from .parts import is_utf8, part_encoding, serialize_xml
from .xml import PR_RELATIONSHIP, PR_RELATIONSHIPS, RT_HYPERLINK

__all__ = ["Rels", "rels_name"]

_RELS_END = b"</Relationships>"
_PLAIN_VALUE = re.compile(r"[!#-%'-;=?-~]*")  # printable ASCII but for space & " < >


def rels_name(part: str) -> str:
    """The relationship part of ``part``: ``word/document.xml`` -> ``word/_rels/document.xml.rels``."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


@dataclass
class Rels:
    """The relationships of one part (its own ``.rels``), editable in place."""

    part: str
    root: etree._Element
    original: bytes | None
    changed: bool = False
    _used: set[str] | None = field(default=None, repr=False)
    _next: int = 1
    _pending: list[tuple[str, str]] = field(default_factory=list, repr=False)
    _splice: bool | None = field(default=None, repr=False)

    def targets(self) -> dict[str, tuple[str, str, bool]]:
        """Id -> (type, target, is_external)."""
        self._flush()  # relationships kept as text (see _can_splice) are listed too
        out: dict[str, tuple[str, str, bool]] = {}
        for rel in self.root.iterfind(PR_RELATIONSHIP):
            out[rel.get("Id", "")] = (
                rel.get("Type", ""),
                rel.get("Target", ""),
                rel.get("TargetMode", "") == "External",
            )
        return out

    def resolve(self, target: str) -> str:
        """A relative internal target as a zip member name (``footnotes.xml`` -> ``word/footnotes.xml``)."""
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.part), target))

    def add_hyperlink(self, url: str) -> str:
        """Add an external hyperlink relationship with a fresh id and return that id."""
        used = self._used
        if used is None:
            used = self._used = {rel.get("Id", "") for rel in self.root}
        number = self._next
        rid = f"rIdPerma{number}"
        while rid in used:
            number += 1
            rid = f"rIdPerma{number}"
        self._next = number
        used.add(rid)
        if (self._splice or self._can_splice()) and _PLAIN_VALUE.fullmatch(url):
            self._pending.append((rid, url))
        else:
            self._flush()
            self._append(rid, url)
        self.changed = True
        return rid

    def serialize(self) -> bytes:
        """The part's bytes as :func:`serialize_xml` gives them, new relationships included."""
        data = serialize_xml(self.root, self.original)
        if self._pending:
            if not data.endswith(_RELS_END):  # pragma: no cover - ruled out by _can_splice
                self._flush()
                return serialize_xml(self.root, self.original)
            # each new relationship exactly as lxml serialises it (values needing no escaping)
            new = "".join([f'<Relationship Id="{rid}" Type="{RT_HYPERLINK}" Target="{url}" TargetMode="External"/>'
                           for rid, url in self._pending])
            data = data[: -len(_RELS_END)] + new.encode("ascii") + _RELS_END
        return data

    # Adding a Relationship element costs microseconds each, thousands of times for a long
    # document; its serialised form is fixed, so new relationships whose values need no
    # escaping are kept as text and spliced before the closing tag. Only where the result is
    # the same bytes: a default-namespace root that is not empty, last in a UTF-8 part.
    def _can_splice(self) -> bool:
        if self._splice is None:
            root = self.root
            if (root.tag != PR_RELATIONSHIPS or root.prefix is not None or root.getnext() is not None
                    or not is_utf8(part_encoding(root, self.original))):
                self._splice = False
            elif len(root):
                self._splice = True
            # else: an empty root serialises as <Relationships/>: ask again once it has children
        return bool(self._splice)

    def _append(self, rid: str, url: str) -> None:
        # one call, attributes in this order (Id, Type, Target, TargetMode)
        etree.SubElement(self.root, PR_RELATIONSHIP, {"Id": rid, "Type": RT_HYPERLINK, "Target": url,
                                                    "TargetMode": "External"})

    def _flush(self) -> None:
        """Turn the spliced relationships into elements, in order."""
        for rid, url in self._pending:
            self._append(rid, url)
        self._pending.clear()
