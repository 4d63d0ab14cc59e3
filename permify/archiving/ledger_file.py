"""The ledger's SQLite file: created readable by its owner only, its schema created or migrated,
put in WAL mode, and written in immediate transactions.

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

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from ..errors import LedgerError

__all__ = ["SCHEMA_VERSION", "default_ledger_path", "is_current", "now_iso", "open_ledger_file", "write_transaction"]

SCHEMA_VERSION = 1
# Columns added after schema 1 shipped, with their types. Each is nullable, so adding it to an
# old ledger changes nothing for an older permify that reads the same file (it names the
# columns it uses), and the schema version stays 1.
_ADDED_COLUMNS = {"archives": (("review", "TEXT"), ("reviewed_at", "TEXT"))}
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
CREATE TABLE IF NOT EXISTS verdicts (
    api_host    TEXT NOT NULL,
    guid        TEXT NOT NULL,
    basis       TEXT NOT NULL,      -- digest of what the verdict was judged from besides the WARC
    verdict     TEXT NOT NULL,      -- the capture review's verdict (JSON)
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (api_host, guid)
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
# what a complete ledger holds (see is_current)
_SCHEMA_NAMES = frozenset(re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", _SCHEMA))


def now_iso(clock: Callable[[], float]) -> str:
    """The time ``clock`` says, as the ledger stores it: UTC, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return datetime.fromtimestamp(clock(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def open_ledger_file(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """Open (creating it 0600 if needed) the ledger at ``path``, with its schema current, in WAL
    mode with ``synchronous=NORMAL``. Raises :class:`LedgerError` for a file that is not a
    usable ledger or cannot be opened."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path)
        db = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None)
        db.row_factory = sqlite3.Row
        _check_and_migrate(db, path, busy_timeout)
    except sqlite3.DatabaseError as error:
        raise LedgerError(
            str(path), f"not a usable permify ledger ({error}); move it aside or pass another --ledger"
        ) from None
    except OSError as error:
        raise LedgerError(str(path), f"cannot open ({error.strerror or error})") from None
    return db


@contextmanager
def write_transaction(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    """One immediate transaction: takes the write lock up front, so read-then-write is atomic."""
    if db.in_transaction:
        # Only a write cut short by Ctrl-C (between BEGIN and its try block) leaves one open:
        # writes never nest, so it is abandoned, as SQLite would on closing.
        db.execute("ROLLBACK")
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.DatabaseError as error:
        raise LedgerError(str(path), f"cannot write ({error})") from None
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def is_current(db: sqlite3.Connection) -> bool:
    """True when the file already is a complete ledger of this schema (tables, indexes,
    added columns, version). Reads only: no write lock, nothing written, no disk flush.

    A parallel process creating the ledger commits all of it at once, so these reads see
    it either not at all (then the full check below runs) or complete.
    """
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


def _check_and_migrate(db: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    if not is_current(db):  # reads only: the usual case, every open but the first, writes nothing
        # One immediate transaction for the check and the creation: a parallel process may be
        # creating this ledger right now, and must be seen either not at all or complete.
        with write_transaction(db, path):
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and app_id != _APP_ID:
                raise LedgerError(
                    str(path),
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
                    str(path),
                    f"written by a newer permify (schema {row[0]}, this one reads {SCHEMA_VERSION}); "
                    "upgrade permify",
                )
    _use_wal(db, busy_timeout)
    # NORMAL in WAL mode: a commit survives a killed process; a power cut may lose the last
    # commits, which the folder reconcile heals (see the module docstring).
    db.execute("PRAGMA synchronous=NORMAL")


def _use_wal(db: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL, which lets readers and one writer work at once.

    Done outside a transaction and after the check (a foreign file is never converted).
    The switch needs a moment alone with the file and SQLite does not wait for that, so
    poll until it succeeds or another process has made the switch, within the busy timeout.
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error):
                raise
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
                return
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)
