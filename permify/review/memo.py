"""Verdicts judged from a WARC, kept so that the same capture is not downloaded and read again.

A completed capture's WARC does not change: Perma never rewrites it, and the one thing that
changes what an archive holds, a file uploaded in place of the capture, adds a capture to the
archive's record. So a verdict judged from the WARC still holds while everything else it was
judged from is the same: the record's captures, the other fields the judge reads (the URL,
privacy, the dates that say when the contents become permanent, the WARC's size), the title
the document gives, the read caps, and the rules themselves. :func:`review_basis` is a digest
of all of that; a :class:`VerdictMemo` hands back a stored verdict only for the same basis.

The record is still read on every review (it says whether the archive exists, is deleted or
private, and what its captures are): only the WARC download and its reading are saved.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .verdict import Verdict

if TYPE_CHECKING:
    from ..perma.models import Archive

__all__ = ["VerdictMemo", "review_basis", "worth_keeping"]

#: Verdicts that say the WARC could not be had or read (perhaps for a passing reason) and
#: reviews that could not run are never kept: they are checked again.
_NOT_KEPT = frozenset({"warc-missing", "warc-unreadable", "unchecked"})


@functools.cache
def _rules_tag() -> str:
    """A digest of the rule tables and permify's version: new rules judge every capture again."""
    from .._version import __version__
    from .rules import CAPTURE_CHECKS, RULES

    return hashlib.sha256(f"{__version__}\n{RULES!r}\n{CAPTURE_CHECKS!r}".encode()).hexdigest()[:16]


def review_basis(archive: Archive, expected_title: str | None, *, body_cap: int, download_cap: int) -> str:
    """A digest of everything a verdict judged from ``archive``'s WARC depends on but the
    WARC's bytes (see the module docstring)."""
    parts = [
        _rules_tag(), archive.guid, archive.url, archive.is_private, archive.warc_size,
        archive.creation_timestamp.isoformat() if archive.creation_timestamp else None,
        archive.archive_timestamp.isoformat() if archive.archive_timestamp else None,
        [[c.role, c.status, c.url, c.record_type, c.content_type, c.user_upload] for c in archive.captures],
        expected_title, body_cap, download_cap,
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def worth_keeping(verdict: Verdict) -> bool:
    """True for a verdict judged from a WARC that was read (not one to check again)."""
    return verdict.checked and verdict.rule not in _NOT_KEPT


class VerdictMemo:
    """Stored verdicts by GUID, each with its basis, and the fresh ones judged meanwhile.

    ``known`` maps a GUID (as Perma writes it) to ``(basis, verdict)``. Safe to use from the
    review's worker threads: :meth:`get` only reads, :meth:`keep` appends under a lock. The
    caller stores :attr:`fresh` afterwards (the ledger is written by one thread only).
    """

    def __init__(self, known: Mapping[str, tuple[str, Verdict]] | None = None) -> None:
        self.known = dict(known or {})
        self.fresh: list[tuple[str, str, Verdict]] = []
        self.reused = 0
        self._lock = threading.Lock()

    def get(self, guid: str, basis: str) -> Verdict | None:
        """The stored verdict for ``guid`` if it was judged on the same ``basis``, else None."""
        stored = self.known.get(guid)
        if stored is None or stored[0] != basis:
            return None
        with self._lock:
            self.reused += 1
        return stored[1]

    def keep(self, guid: str, basis: str, verdict: Verdict) -> None:
        """Note a verdict just judged from ``guid``'s WARC (if :func:`worth_keeping`)."""
        if worth_keeping(verdict):
            with self._lock:
                self.fresh.append((guid, basis, verdict))

    def take_fresh(self) -> list[tuple[str, str, Verdict]]:
        """The fresh verdicts noted since the last call (for a caller that stores them as it goes)."""
        with self._lock:
            fresh, self.fresh = self.fresh, []
        return fresh
