"""Opening a ledger that is already complete reads only: no write lock, nothing written.

A warm build (the pandoc filter, ``permify check``) opens the ledger on every run; taking the
write lock there would make it wait behind, or fail beside, a run that is archiving.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from permify.archiving.ledger import Ledger
from permify.errors import LedgerError


def _locked_by_another_writer(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(str(path), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # what an archiving run holds while it records a batch
    return other


def test_a_complete_ledger_opens_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        ledger.record("api.example", 1, "https://example.com/a", "https://example.com/a", guid="ABCD-EFGH",
                      status="completed")
    other = _locked_by_another_writer(path)
    try:
        with Ledger(path, busy_timeout=0.2) as ledger:
            entry = ledger.get("api.example", 1, "https://example.com/a")
        assert entry is not None and entry.guid == "ABCD-EFGH"
    finally:
        other.rollback()
        other.close()


def test_a_ledger_missing_a_column_is_still_migrated(tmp_path: Path) -> None:
    """The read-only check can fail: a ledger from before a column existed takes the write path."""
    path = tmp_path / "ledger.sqlite3"
    Ledger(path).close()
    db = sqlite3.connect(str(path))
    db.execute("ALTER TABLE archives DROP COLUMN reviewed_at")
    db.commit()
    db.close()
    other = _locked_by_another_writer(path)
    try:
        with pytest.raises(LedgerError):  # it needs the write lock, which the other process holds
            Ledger(path, busy_timeout=0.2)
    finally:
        other.rollback()
        other.close()
    with Ledger(path) as ledger:
        columns = {r[1] for r in ledger._db.execute("PRAGMA table_info(archives)")}
    assert "reviewed_at" in columns
