"""The ledger: a crash-safe, concurrency-safe record of which URL was archived as which GUID.

SQLite in WAL mode with a busy timeout, so that parallel processes (a ``make -j`` of pandoc
builds, two terminals) share one file safely. Each row is keyed by the API host, the folder
and the URL's dedupe key.

Before a create request is sent, its *intent* (the URLs, the folder, the time, the owning
process) is committed: the cross-process claim that keeps two concurrent builds from
archiving the same URL twice, and the mark of a create whose outcome is unknown when its
owner is gone (:mod:`permify.archiving.ledger_claims`, whose methods :class:`Ledger` inherits).

Writes are grouped: one transaction per batch, never one per URL (:meth:`Ledger.write`). The
intents of a batch are committed together before its POST; the GUIDs of its answer are
committed together, in the same transaction as the next batch's intents or on their own,
before any later request is sent. Polling results are written once per round.

How the file is created, migrated and made durable is :mod:`permify.archiving.ledger_file`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from ..review.verdict import Verdict
from ..urls import perma_url
from .ledger_claims import Claims, Intent, IntentState, LedgerClaims
from .ledger_file import default_ledger_path, now_iso, open_ledger_file, write_transaction
from .ledger_lookup import stored_verdict
from .ledger_verdicts import LedgerVerdicts

if TYPE_CHECKING:
    from .folder_ledger import FolderLedger

__all__ = [
    "Claims",
    "Intent",
    "IntentState",
    "Ledger",
    "LedgerEntry",
    "LedgerStatus",
    "Record",
    "default_ledger_path",
]

#: What the ledger knows of a URL's archive: its capture is ``pending``, ``completed`` or
#: ``failed``, or Perma rejected the URL (``invalid``, no GUID).
LedgerStatus = Literal["pending", "completed", "failed", "invalid"]

# Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters (999 before 3.32).
_CHUNK = 500


def _locations(text: str | None) -> tuple[str, ...]:
    """The stored locations (most entries have none: no JSON to decode then)."""
    return () if not text or text == "[]" else tuple(json.loads(text))


@dataclass(frozen=True)
class LedgerEntry:
    """What the ledger knows of one URL in one folder.

    ``review`` is the capture review's :class:`~permify.review.Verdict` on the archive and
    ``reviewed_at`` when it was given (both None when the archive was never reviewed).
    """

    api_host: str
    folder_id: int
    url_key: str
    url: str
    guid: str | None
    status: LedgerStatus
    message: str | None
    created_at: str
    updated_at: str
    locations: tuple[str, ...] = ()
    review: Verdict | None = None
    reviewed_at: str | None = None

    @property
    def perma_url(self) -> str | None:
        """``https://perma.cc/GUID`` when there is a GUID."""
        return perma_url(self.guid) if self.guid else None



class Ledger(LedgerClaims, LedgerVerdicts):
    """The url -> archive record. Use as a context manager, or call :meth:`close`.

    Parameters: ``path`` of the SQLite file (parents are created), ``clock`` for timestamps
    (injected in tests), ``busy_timeout`` seconds to wait for another process's write.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.clock = clock
        self.busy_timeout = busy_timeout
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._db = open_ledger_file(self.path, busy_timeout)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        """One immediate transaction on the ledger (see :func:`write_transaction`)."""
        return write_transaction(self._db, self.path)

    # ------------------------------------------------------------------ archives

    @staticmethod
    def _entry(row: sqlite3.Row) -> LedgerEntry:
        return LedgerEntry(
            api_host=row["api_host"],
            folder_id=row["folder_id"],
            url_key=row["url_key"],
            url=row["url"],
            guid=row["guid"],
            status=cast(LedgerStatus, row["status"]),
            message=row["message"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            locations=_locations(row["locations"]),
            review=stored_verdict(row["review"]),
            reviewed_at=row["reviewed_at"],
        )

    def get(self, api_host: str, folder_id: int | None, url_key: str) -> LedgerEntry | None:
        """The entry for a URL in a folder; with ``folder_id=None``, the best one in any folder
        (completed before pending, newest first)."""
        if folder_id is not None:
            row = self._db.execute(
                "SELECT * FROM archives WHERE api_host=? AND folder_id=? AND url_key=?",
                (api_host, folder_id, url_key),
            ).fetchone()
        else:
            row = self._db.execute(
                "SELECT * FROM archives WHERE api_host=? AND url_key=? AND guid IS NOT NULL "
                "ORDER BY status='completed' DESC, updated_at DESC LIMIT 1",
                (api_host, url_key),
            ).fetchone()
        return self._entry(row) if row else None

    def guids_and_days(
        self, api_host: str, folder_id: int, url_keys: Iterable[str]
    ) -> dict[str, tuple[str | None, str]]:
        """``{url_key: (guid, the day its entry was made)}`` for the URLs of one folder the ledger
        holds: what :meth:`get_many` reads, without building entries (a report's capture dates)."""
        found: dict[str, tuple[str | None, str]] = {}
        keys = list(dict.fromkeys(url_keys))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            rows = self._db.execute(
                f"SELECT url_key, guid, substr(created_at, 1, 10) FROM archives WHERE api_host=? AND folder_id=?"
                f" AND url_key IN ({','.join('?' * len(chunk))})",
                (api_host, folder_id, *chunk),
            )
            found.update((key, (guid, day)) for key, guid, day in rows)
        return found

    def get_many(self, api_host: str, folder_id: int | None, url_keys: Iterable[str]) -> dict[str, LedgerEntry]:
        """The entries of many URLs at once (``{url_key: entry}``, only those the ledger holds):
        a few ``IN (...)`` queries instead of one per URL. With ``folder_id=None``, the best
        entry with a GUID in any folder, as :meth:`get` picks it."""
        found: dict[str, LedgerEntry] = {}
        keys = list(dict.fromkeys(url_keys))
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            if folder_id is not None:
                rows = self._db.execute(
                    f"SELECT * FROM archives WHERE api_host=? AND folder_id=? AND url_key IN ({marks})",
                    (api_host, folder_id, *chunk),
                )
                found.update((row["url_key"], self._entry(row)) for row in rows)
                continue
            rows = self._db.execute(
                f"SELECT * FROM archives WHERE api_host=? AND url_key IN ({marks}) AND guid IS NOT NULL "
                "ORDER BY status='completed', updated_at",  # best last: it overwrites the others
                (api_host, *chunk),
            )
            found.update((row["url_key"], self._entry(row)) for row in rows)
        return found

    def record(
        self,
        api_host: str,
        folder_id: int,
        url_key: str,
        url: str,
        *,
        guid: str | None,
        status: LedgerStatus,
        message: str | None = None,
        locations: Iterable[str] = (),
    ) -> None:
        """Write (or update) what is known of a URL, and drop its intent, in one transaction."""
        self.write(api_host, folder_id, records=[Record(url_key, url, guid, status, message, tuple(locations))])

    def write(
        self,
        api_host: str,
        folder_id: int,
        *,
        records: Iterable[Record] = (),
        released: Iterable[str] = (),
        dropped: Iterable[str] = (),
        sending: Iterable[str] = (),
    ) -> None:
        """Everything one step of a run learned, in one transaction (one disk flush at most).

        ``records``: what is known of each URL (written or updated; its intent is dropped);
        ``released``: claims never sent, dropped; ``dropped``: intents dropped whatever their
        state (a create that certainly made nothing and will not be sent again); ``sending``:
        intents marked as being sent, with the time (before the request goes out).
        """
        records, released, dropped, sending = list(records), list(released), list(dropped), list(sending)
        if not (records or released or dropped or sending):
            return
        stamp = now_iso(self.clock)
        now = self.clock()
        dropped_keys = [*(r.url_key for r in records), *dropped]
        with self._write() as db:
            # Only the statements this step needs: a batch's intents, or its answer's records.
            if records:
                db.executemany(
                    "INSERT INTO archives (api_host, folder_id, url_key, url, guid, status, message,"
                    " created_at, updated_at, locations) VALUES (?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT (api_host, folder_id, url_key) DO UPDATE SET"
                    " guid=COALESCE(excluded.guid, archives.guid), status=excluded.status,"
                    " message=excluded.message, updated_at=excluded.updated_at,"
                    " locations=CASE WHEN excluded.locations='[]' THEN archives.locations"
                    " ELSE excluded.locations END",
                    [
                        (api_host, folder_id, r.url_key, r.url, r.guid, r.status, r.message, stamp, stamp,
                         json.dumps(sorted(set(r.locations))))
                        for r in records
                    ],
                )
            if dropped_keys:
                db.executemany(
                    "DELETE FROM intents WHERE api_host=? AND folder_id=? AND url_key=?",
                    [(api_host, folder_id, k) for k in dropped_keys],
                )
            if released:
                db.executemany(
                    "DELETE FROM intents WHERE api_host=? AND folder_id=? AND url_key=? AND state='claimed'",
                    [(api_host, folder_id, k) for k in released],
                )
            if sending:
                db.executemany(
                    "UPDATE intents SET state='sending', sent_at=?, heartbeat_at=? "
                    "WHERE api_host=? AND folder_id=? AND url_key=?",
                    [(now, now, api_host, folder_id, k) for k in sending],
                )

    def record_review(
        self, api_host: str, folder_id: int, url_key: str, verdict: Verdict, *, status: LedgerStatus | None = None
    ) -> None:
        """Store the review's verdict on an entry; with ``status``, also set the capture's status
        (and clear its old message): an ok verdict on a failed capture means a user upload."""
        with self._write() as db:
            db.execute(
                "UPDATE archives SET review=?, reviewed_at=?, status=COALESCE(?, status),"
                " message=CASE WHEN ? IS NULL THEN message ELSE NULL END, updated_at=?"
                " WHERE api_host=? AND folder_id=? AND url_key=?",
                (json.dumps(verdict.to_json(), ensure_ascii=False), now_iso(self.clock), status, status,
                 now_iso(self.clock), api_host, folder_id, url_key),
            )

    def record_reviews(
        self, api_host: str, folder_id: int, reviews: Iterable[tuple[str, Verdict, LedgerStatus | None]]
    ) -> None:
        """:meth:`record_review` for many entries ``(url_key, verdict, status)``, in one
        transaction (one disk flush, however many verdicts arrived together)."""
        now = now_iso(self.clock)
        rows = [(json.dumps(verdict.to_json(), ensure_ascii=False), now, status, status, now, api_host, folder_id, key)
                for key, verdict, status in reviews]
        if not rows:
            return
        with self._write() as db:
            db.executemany(
                "UPDATE archives SET review=?, reviewed_at=?, status=COALESCE(?, status),"
                " message=CASE WHEN ? IS NULL THEN message ELSE NULL END, updated_at=?"
                " WHERE api_host=? AND folder_id=? AND url_key=?",
                rows,
            )

    def by_guid(self, api_host: str | None, guid: str) -> LedgerEntry | None:
        """The entry holding ``guid`` (newest first; any folder), or None."""
        sql, args = "SELECT * FROM archives WHERE guid=?", [guid.upper()]
        if api_host is not None:
            sql += " AND api_host=?"
            args.append(api_host)
        row = self._db.execute(sql + " ORDER BY updated_at DESC LIMIT 1", args).fetchone()
        return self._entry(row) if row else None

    def entries(self, api_host: str | None = None, folder_id: int | None = None) -> list[LedgerEntry]:
        """Every entry, optionally for one API host and folder, oldest first."""
        sql, args = "SELECT * FROM archives WHERE 1=1", list[object]()
        if api_host is not None:
            sql += " AND api_host=?"
            args.append(api_host)
        if folder_id is not None:
            sql += " AND folder_id=?"
            args.append(folder_id)
        return [self._entry(r) for r in self._db.execute(sql + " ORDER BY created_at, url", args)]

    def forget(
        self,
        *,
        url_key: str | None = None,
        guid: str | None = None,
        folder_id: int | None = None,
        api_host: str | None = None,
    ) -> int:
        """Delete entries matching a URL key, a GUID, a folder and/or an API host; returns how many went."""
        clauses, args = [], []
        for column, value in (
            ("url_key", url_key), ("guid", guid), ("folder_id", folder_id), ("api_host", api_host)
        ):
            if value is not None:
                clauses.append(f"{column}=?")
                args.append(value)
        if not (url_key or guid or folder_id is not None):
            raise ValueError("forget needs url_key, guid or folder_id")
        with self._write() as db:
            return db.execute(f"DELETE FROM archives WHERE {' AND '.join(clauses)}", args).rowcount

    # ------------------------------------------------------------------ folders

    def folder_id(self, api_host: str, spec: str) -> int | None:
        """The folder id a ``--folder`` spec resolved to before (so later builds need no API call)."""
        row = self._db.execute(
            "SELECT folder_id FROM folders WHERE api_host=? AND spec=?", (api_host, spec)
        ).fetchone()
        return int(row[0]) if row else None

    def folder_names(self) -> dict[tuple[str, int], str]:
        """``(api_host, folder_id) -> path`` for every folder a path of names (not an id)
        resolved to, the most recently resolved path first; for showing folders by name."""
        rows = self._db.execute("SELECT api_host, spec, folder_id FROM folders ORDER BY updated_at DESC").fetchall()
        names: dict[tuple[str, int], str] = {}
        for host, spec, folder_id in rows:
            if not str(spec).strip().isdigit():
                names.setdefault((str(host), int(folder_id)), str(spec).strip().strip("/"))
        return names

    def remember_folder(self, api_host: str, spec: str, folder_id: int) -> None:
        """Remember what a ``--folder`` spec resolved to."""
        with self._write() as db:
            db.execute(
                "INSERT INTO folders VALUES (?,?,?,?) ON CONFLICT (api_host, spec) DO UPDATE SET"
                " folder_id=excluded.folder_id, updated_at=excluded.updated_at",
                (api_host, spec, folder_id, now_iso(self.clock)),
            )

    def scoped(self, api_host: str, folder_id: int) -> FolderLedger:
        """A view of this ledger for one API host and folder (what one archiving run works on)."""
        from .folder_ledger import FolderLedger  # a view of this class, in its own module

        return FolderLedger(self, api_host, folder_id)


class Record(NamedTuple):
    """What is known of one URL, for :meth:`Ledger.write`: its key, the URL as sent, the GUID
    (None when Perma made none), the status, Perma's message and the places it is cited."""

    url_key: str
    url: str
    guid: str | None
    status: LedgerStatus
    message: str | None = None
    locations: tuple[str, ...] = ()
