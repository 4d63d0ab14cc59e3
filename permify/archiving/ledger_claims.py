"""The ledger's intents: the cross-process claims on URLs and the record of creates being sent.

Before a create request is sent, its *intent* (the URLs, the folder, the time, the owning
process) is committed. An intent that is still there when its owner is gone means the POST's
outcome is unknown; the archiver resolves it by reconciling with Perma before it creates
anything for those URLs again. Intents are also the cross-process claim that keeps two
concurrent builds from archiving the same URL twice.

:class:`LedgerClaims` holds the methods; :class:`~permify.archiving.ledger.Ledger` inherits
them, so they are called as ``ledger.claim(...)`` like every other ledger method.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from .ledger import Record

__all__ = ["Claims", "Intent", "IntentState", "LedgerClaims"]

#: An intent is ``claimed`` (nothing sent yet) or ``sending`` (a create may have reached Perma).
IntentState = Literal["claimed", "sending"]

# Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters (999 before 3.32).
_CHUNK = 500


@dataclass(frozen=True)
class Intent:
    """A claim on one URL: this process is about to create (or has sent a create for) it."""

    api_host: str
    folder_id: int
    url_key: str
    url: str
    owner: str
    state: IntentState
    started_at: float
    sent_at: float | None
    heartbeat_at: float


class Claims(NamedTuple):
    """What :meth:`Ledger.claim` got, each list in the order the URLs were given.

    ``claimed``: keys now claimed by this process (nothing was sent for them); ``orphaned``:
    intents of a process that is gone, taken over with their state (a create may have
    reached Perma: settle before creating); ``busy``: keys another live process is working on.
    """

    claimed: list[str]
    orphaned: list[Intent]
    busy: list[str]


class LedgerClaims:
    """The intent methods of :class:`~permify.archiving.ledger.Ledger` (a mixin: it uses the
    ledger's connection, clock, owner and transactions)."""

    _db: sqlite3.Connection
    clock: Callable[[], float]
    owner: str

    if TYPE_CHECKING:  # provided by Ledger
        def _write(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def write(self, api_host: str, folder_id: int, *, records: Iterable[Record] = (),
                  released: Iterable[str] = (), dropped: Iterable[str] = (),
                  sending: Iterable[str] = ()) -> None: ...

    # ------------------------------------------------------------------ intents

    def _owner_alive(self, intent: Intent, stale_after: float) -> bool:
        if intent.owner == self.owner:
            return True
        if self.clock() - intent.heartbeat_at > stale_after:
            return False
        host, _, pid = intent.owner.rpartition(":")
        if host != socket.gethostname():
            return True  # another machine: only the heartbeat can tell
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except (PermissionError, ValueError):
            return True
        return True

    def claim(
        self, api_host: str, folder_id: int, urls: dict[str, str], *, stale_after: float = 600.0
    ) -> Claims:
        """Atomically claim URLs (``{url_key: url}``) for creation by this process.

        Returns :class:`Claims` ``(claimed, orphaned, busy)``: keys now claimed by us; intents left by a process
        that is gone (their outcome is unknown; they are taken over, state kept, so the caller
        must reconcile them before creating); and keys another live process is working on (wait,
        then read the ledger). Keys that already have a ledger entry are in none of the lists.
        """
        now = self.clock()
        claimed: list[str] = []
        orphaned: list[Intent] = []
        busy: list[str] = []
        keys = list(urls)
        with self._write() as db:
            # Two set-wise reads (chunked IN queries), then the decisions in memory.
            known: set[str] = set()
            intents: dict[str, Intent] = {}
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                args = (api_host, folder_id, *chunk)
                known.update(r[0] for r in db.execute(
                    f"SELECT url_key FROM archives WHERE api_host=? AND folder_id=? AND url_key IN ({marks})", args
                ))
                for row in db.execute(
                    f"SELECT * FROM intents WHERE api_host=? AND folder_id=? AND url_key IN ({marks})", args
                ):
                    intents[row["url_key"]] = Intent(**{k: row[k] for k in row.keys()})
            new: list[tuple[object, ...]] = []
            taken: list[tuple[object, ...]] = []
            for key, url in urls.items():
                if key in known:
                    continue
                intent = intents.get(key)
                if intent is None:
                    new.append((api_host, folder_id, key, url, self.owner, "claimed", now, None, now))
                    claimed.append(key)
                    continue
                if intent.owner != self.owner and self._owner_alive(intent, stale_after):
                    busy.append(key)
                    continue
                taken.append((self.owner, now, api_host, folder_id, key))
                if intent.state == "sending":
                    orphaned.append(intent)
                else:
                    claimed.append(key)  # claimed but never sent: nothing can exist
            db.executemany("INSERT INTO intents VALUES (?,?,?,?,?,?,?,?,?)", new)
            db.executemany(
                "UPDATE intents SET owner=?, heartbeat_at=? WHERE api_host=? AND folder_id=? AND url_key=?", taken
            )
        return Claims(claimed, orphaned, busy)

    def mark_sending(self, api_host: str, folder_id: int, url_keys: Iterable[str]) -> None:
        """Record, before the request goes out, that a create for these URLs is being sent."""
        self.write(api_host, folder_id, sending=url_keys)

    def heartbeat(self) -> None:
        """Show other processes that this one is still working on its claims."""
        with self._write() as db:
            db.execute("UPDATE intents SET heartbeat_at=? WHERE owner=?", (self.clock(), self.owner))

    def release(self, api_host: str, folder_id: int, url_keys: Iterable[str]) -> None:
        """Drop claims that were never sent (quota reached, interrupted before sending)."""
        self.write(api_host, folder_id, released=url_keys)

    def intents(self) -> list[Intent]:
        """Every open intent (for ``permify ledger`` and tests)."""
        return [Intent(**{k: r[k] for k in r.keys()}) for r in self._db.execute("SELECT * FROM intents")]
