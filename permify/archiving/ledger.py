"""The ledger: a crash-safe, concurrency-safe record of which URL was archived as which GUID.

SQLite in WAL mode with a busy timeout, so that parallel processes (a ``make -j`` of pandoc
builds, two terminals) share one file safely. Each row is keyed by the API host, the folder
and the URL's dedupe key.

Before a create request is sent, its *intent* (the URLs, the folder, the time, the owning
process) is committed. An intent that is still there when its owner is gone means the POST's
outcome is unknown; the archiver resolves it by reconciling with Perma before it creates
anything for those URLs again. Intents are also the cross-process claim that keeps two
concurrent builds from archiving the same URL twice.

Writes are grouped: one transaction per batch, never one per URL (:meth:`Ledger.write`). The
intents of a batch are committed together before its POST; the GUIDs of its answer are
committed together, in the same transaction as the next batch's intents or on their own,
before any later request is sent. Polling results are written once per round.

Durability, chosen deliberately: ``journal_mode=WAL`` with ``synchronous=NORMAL``. A commit
appends to the WAL file and returns; the WAL is flushed to disk (fdatasync) only at a
checkpoint (every 1,000 pages or so, and on close). So:

- a killed process (SIGKILL, Ctrl-C, a crash, an out-of-memory kill) loses nothing that was
  committed: the WAL is in the operating system's cache and the next open replays it. This is
  the failure that happens every day, and every intent is committed before its POST is sent.
- a power cut or kernel panic can lose the last commits since the previous checkpoint (a few
  seconds of work): intents and GUIDs the disk never received. Nothing is corrupted (SQLite
  rolls the WAL back to its last valid frame). What Perma made in that window is still in the
  target folder, and every run lists the folder and matches it by dedupe key before it
  creates anything (:mod:`permify.archiving.reconcile`), so a lost GUID is found and reused,
  not made again. The one gap is a batch Perma was still validating at the moment the next
  run listed the folder, which a reboot's delay makes implausible.

``synchronous=FULL`` would flush every commit (two fdatasync calls per URL before writes were
grouped, 5 to 14 times slower on a busy disk) to close a gap the folder reconcile already heals.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, cast

from ..errors import LedgerError
from ..review.verdict import Verdict
from ..urls import perma_url

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

#: An intent is ``claimed`` (nothing sent yet) or ``sending`` (a create may have reached Perma).
IntentState = Literal["claimed", "sending"]

SCHEMA_VERSION = 1
# Columns added after schema 1 shipped, with their types. Each is nullable, so adding it to an
# old ledger changes nothing for an older permify that reads the same file (it names the
# columns it uses), and the schema version stays 1.
_ADDED_COLUMNS = {"archives": (("review", "TEXT"), ("reviewed_at", "TEXT"))}
# Keys per ``IN (...)`` query: well under SQLite's limit on bound parameters (999 before 3.32).
_CHUNK = 500
_APP_ID = 0x7065726D  # "perm": marks the file as a permify ledger (PRAGMA application_id)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS archives (
    api_host   TEXT NOT NULL,
    folder_id  INTEGER NOT NULL,
    url_key    TEXT NOT NULL,
    url        TEXT NOT NULL,
    guid       TEXT,
    status     TEXT NOT NULL,      -- pending | completed | failed | invalid
    message    TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    locations  TEXT NOT NULL DEFAULT '[]',
    review     TEXT,               -- the capture review's verdict (JSON), NULL: not reviewed
    reviewed_at TEXT,
    PRIMARY KEY (api_host, folder_id, url_key)
);
CREATE INDEX IF NOT EXISTS archives_by_key ON archives (api_host, url_key);
CREATE TABLE IF NOT EXISTS folders (
    api_host   TEXT NOT NULL,
    spec       TEXT NOT NULL,      -- what the user wrote: an id or "A/B/C"
    folder_id  INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (api_host, spec)
);
CREATE TABLE IF NOT EXISTS intents (
    api_host     TEXT NOT NULL,
    folder_id    INTEGER NOT NULL,
    url_key      TEXT NOT NULL,
    url          TEXT NOT NULL,
    owner        TEXT NOT NULL,     -- host:pid of the claiming process
    state        TEXT NOT NULL,     -- claimed | sending
    started_at   REAL NOT NULL,     -- epoch seconds when claimed
    sent_at      REAL,              -- epoch seconds when the create was sent
    heartbeat_at REAL NOT NULL,
    PRIMARY KEY (api_host, folder_id, url_key)
);
"""
# what a complete ledger holds (see Ledger._is_current)
_SCHEMA_NAMES = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))


def _verdict(text: str | None) -> Verdict | None:
    """The stored verdict, or None when there is none or it cannot be read (then it is reviewed again)."""
    if not text:
        return None
    try:
        return Verdict.from_json(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return None


def _locations(text: str | None) -> tuple[str, ...]:
    """The stored locations (most entries have none: no JSON to decode then)."""
    return () if not text or text == "[]" else tuple(json.loads(text))


def default_ledger_path() -> Path:
    """``PERMIFY_LEDGER`` if set, else ``ledger.sqlite3`` in the user cache directory."""
    env = os.environ.get("PERMIFY_LEDGER")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("permify")) / "ledger.sqlite3"


def _create_private(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600, whatever the umask), unless
    it exists. SQLite gives its ``-wal`` and ``-shm`` files the same mode as the database."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _now_iso(clock: Callable[[], float]) -> str:
    return datetime.fromtimestamp(clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


class Ledger:
    """The url -> archive record. Use as a context manager, or call :meth:`close`.

    Parameters: ``path`` of the SQLite file (parents are created), ``clock`` for timestamps
    (injected in tests), ``busy_timeout`` seconds to wait for another process's write.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time, busy_timeout: float = 30.0):
        self.path = Path(path)
        self.clock = clock
        self.busy_timeout = busy_timeout
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(self.path)
            self._db = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._check_and_migrate()
        except sqlite3.DatabaseError as error:
            raise LedgerError(
                str(self.path),
                f"not a usable permify ledger ({error}); move it aside or pass another --ledger",
            ) from None
        except OSError as error:
            raise LedgerError(str(self.path), f"cannot open ({error.strerror or error})") from None

    # ------------------------------------------------------------------ lifecycle

    def _is_current(self) -> bool:
        """True when the file already is a complete ledger of this schema (tables, indexes,
        added columns, version). Reads only: no write lock, nothing written, no disk flush.

        A parallel process creating the ledger commits all of it at once, so these reads see
        it either not at all (then the full check below runs) or complete.
        """
        db = self._db
        if db.execute("PRAGMA application_id").fetchone()[0] != _APP_ID:
            return False
        if not _SCHEMA_NAMES <= {r[0] for r in db.execute("SELECT name FROM sqlite_master")}:
            return False
        for table, columns in _ADDED_COLUMNS.items():
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            if any(name not in have for name, _ in columns):
                return False
        row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return row is not None and row[0] == str(SCHEMA_VERSION)

    def _check_and_migrate(self) -> None:
        db = self._db
        if not self._is_current():  # reads only: the usual case, every open but the first, writes nothing
            # One immediate transaction for the check and the creation: a parallel process may be
            # creating this ledger right now, and must be seen either not at all or complete.
            with self._write():
                app_id = db.execute("PRAGMA application_id").fetchone()[0]
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                if tables and app_id != _APP_ID:
                    raise LedgerError(
                        str(self.path),
                        "this SQLite file is not a permify ledger; pass another --ledger or PERMIFY_LEDGER",
                    )
                for statement in _SCHEMA.strip().split(";"):
                    if statement.strip():
                        db.execute(statement)
                for table, columns in _ADDED_COLUMNS.items():
                    have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                    for name, kind in columns:
                        if name not in have:  # a ledger written before the column existed
                            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                db.execute(f"PRAGMA application_id={_APP_ID}")
                row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                if row is None:
                    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                elif int(row[0]) > SCHEMA_VERSION:
                    raise LedgerError(
                        str(self.path),
                        f"written by a newer permify (schema {row[0]}, this one reads {SCHEMA_VERSION}); "
                        "upgrade permify",
                    )
        self._use_wal()
        # NORMAL in WAL mode: a commit survives a killed process; a power cut may lose the last
        # commits, which the folder reconcile heals (see the module docstring).
        db.execute("PRAGMA synchronous=NORMAL")

    def _use_wal(self) -> None:
        """Switch to WAL, which lets readers and one writer work at once.

        Done outside a transaction and after the check (a foreign file is never converted).
        The switch needs a moment alone with the file and SQLite does not wait for that, so
        poll until it succeeds or another process has made the switch, within the busy timeout.
        """
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if self._db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                    return
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: takes the write lock up front, so read-then-write is atomic."""
        if self._db.in_transaction:
            # Only a write cut short by Ctrl-C (between BEGIN and its try block) leaves one open:
            # writes never nest, so it is abandoned, as SQLite would on closing.
            self._db.execute("ROLLBACK")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as error:
            raise LedgerError(str(self.path), f"cannot write ({error})") from None
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

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
            review=_verdict(row["review"]),
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
        now_iso = _now_iso(self.clock)
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
                        (api_host, folder_id, r.url_key, r.url, r.guid, r.status, r.message, now_iso, now_iso,
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
                (json.dumps(verdict.to_json(), ensure_ascii=False), _now_iso(self.clock), status, status,
                 _now_iso(self.clock), api_host, folder_id, url_key),
            )

    def record_reviews(
        self, api_host: str, folder_id: int, reviews: Iterable[tuple[str, Verdict, LedgerStatus | None]]
    ) -> None:
        """:meth:`record_review` for many entries ``(url_key, verdict, status)``, in one
        transaction (one disk flush, however many verdicts arrived together)."""
        now = _now_iso(self.clock)
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
                (api_host, spec, folder_id, _now_iso(self.clock)),
            )

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


class Claims(NamedTuple):
    """What :meth:`Ledger.claim` got, each list in the order the URLs were given.

    ``claimed``: keys now claimed by this process (nothing was sent for them); ``orphaned``:
    intents of a process that is gone, taken over with their state (a create may have
    reached Perma: settle before creating); ``busy``: keys another live process is working on.
    """

    claimed: list[str]
    orphaned: list[Intent]
    busy: list[str]
