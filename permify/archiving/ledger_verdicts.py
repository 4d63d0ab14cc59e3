"""The ledger's store of review verdicts by GUID, each with the basis it was judged on.

``permify review`` reads a manuscript's links again and again (every draft, every proof).
A verdict judged from a capture's WARC holds for as long as the archive's record shows the
same captures (:mod:`permify.review.memo`), so it is kept here by API host and GUID and
reused without downloading the WARC again. A GUID has one row: a verdict judged on another
basis (an upload, another title, new rules) replaces it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from ..review.verdict import Verdict
from .ledger_file import now_iso

__all__ = ["LedgerVerdicts"]

# GUIDs per ``IN (...)`` query (see ledger.py).
_CHUNK = 500


class LedgerVerdicts:
    """The verdict-store methods of :class:`~permify.archiving.ledger.Ledger` (a mixin: it uses
    the ledger's connection, clock and transactions)."""

    _db: sqlite3.Connection
    clock: Callable[[], float]

    if TYPE_CHECKING:  # provided by Ledger
        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def stored_verdicts(self, api_host: str, guids: Iterable[str]) -> dict[str, tuple[str, Verdict]]:
        """``{guid: (basis, verdict)}`` for those of ``guids`` (as Perma writes them) that have a
        stored verdict; one that cannot be read is left out (it is judged again)."""
        found: dict[str, tuple[str, Verdict]] = {}
        keys = list(dict.fromkeys(guids))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for guid, basis, text in self._db.execute(
                f"SELECT guid, basis, verdict FROM verdicts WHERE api_host=? AND guid IN ({marks})",
                (api_host, *chunk),
            ):
                try:
                    found[guid] = (basis, Verdict.from_json(json.loads(text)))
                except (ValueError, TypeError, AttributeError):
                    continue
        return found

    def store_verdicts(self, api_host: str, verdicts: Iterable[tuple[str, str, Verdict]]) -> None:
        """Keep ``(guid, basis, verdict)`` rows, replacing a GUID's earlier one, in one transaction."""
        now = now_iso(self.clock)
        rows = [(api_host, guid, basis, json.dumps(verdict.to_json(), ensure_ascii=False), now)
                for guid, basis, verdict in verdicts]
        if not rows:
            return
        with self._write() as db:
            db.executemany(
                "INSERT INTO verdicts VALUES (?,?,?,?,?) ON CONFLICT (api_host, guid) DO UPDATE SET"
                " basis=excluded.basis, verdict=excluded.verdict, reviewed_at=excluded.reviewed_at",
                rows,
            )
