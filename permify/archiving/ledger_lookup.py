"""Read-only answers from the ledger, for a run that may need nothing else: the rule by which a
ledger entry's archive is reused as it stands, and a look-up of many URLs with plain SQL.

A warm pandoc build (every cited URL archived by an earlier one) only needs each URL's Perma
link. :func:`reused_from_ledger` gives them from the ledger file alone, loading none of the
archiving stack (the archiver, a run's bookkeeping, the Perma client, the capture review),
or says the ledger cannot answer alone, and the caller then takes the archiver's path, which
knows every other case. :func:`reusable` is the one rule both paths apply to an entry, so they
cannot disagree on which archives are used with no request.

Nothing here writes: an older ledger that needs its schema migrated, a folder never resolved,
a URL never archived all give None, and the archiver's path does what they need.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from .ledger_file import is_current

if TYPE_CHECKING:  # loaded when a stored verdict is read: a ledger of unreviewed archives needs none
    from ..review.verdict import Verdict

__all__ = ["LedgerAnswer", "reusable", "reused_from_ledger", "stored_verdict"]

# Keys per ``IN (...)`` query, as the ledger reads them: well under SQLite's limit on bound
# parameters (999 before 3.32).
_CHUNK = 500


def stored_verdict(text: str | None) -> Verdict | None:
    """The verdict stored in a ledger row, or None when there is none or it cannot be read
    (then the archive counts as never reviewed, and is reviewed again when it is captured anew)."""
    if not text:
        return None
    from ..review.verdict import Verdict

    try:
        return Verdict.from_json(json.loads(text))
    except (ValueError, TypeError, AttributeError):
        return None


def reusable(status: str, guid: str | None, review: Verdict | None) -> bool:
    """True when the archiver reuses a ledger entry's archive as it stands, with no request and
    no new review: its capture ``completed``, it has a GUID, and the capture review, when it ran,
    found it ok. A failed, pending, suspect or unreviewable entry is the archiver's to settle."""
    return status == "completed" and bool(guid) and (review is None or review.ok)


class LedgerAnswer(NamedTuple):
    """One URL's reusable archive as the ledger holds it."""

    guid: str
    #: when the ledger recorded the archive (ISO 8601, UTC)
    created_at: str
    review: Verdict | None


def reused_from_ledger(
    path: Path, api_host: str, spec: str, keys: Sequence[str], *, busy_timeout: float = 30.0
) -> dict[str, LedgerAnswer] | None:
    """Each of ``keys`` (dedupe keys) with its :func:`reusable` archive in the folder that
    ``spec`` (what the user wrote: an id or ``A/B/C``) was resolved to on ``api_host``, in the
    order given; None unless the ledger at ``path`` answers every key alone: no ledger file, a
    schema to migrate, a folder spec never resolved, or one key without a reusable archive."""
    if not os.path.isfile(path):
        return None  # never create a ledger just to look into it
    try:
        # mode=rw: never creates the file. Opened for writing like any ledger, so that closing
        # it leaves the file as a ledger's close does (no -wal or -shm beside it).
        db = sqlite3.connect(f"file:{quote(os.fspath(path))}?mode=rw", uri=True, timeout=busy_timeout,
                             isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        return _answers(db, api_host, spec, keys)
    except sqlite3.Error:
        return None  # not a usable ledger: the archiver's path says so
    finally:
        db.close()


def _answers(db: sqlite3.Connection, api_host: str, spec: str, keys: Sequence[str]) -> dict[str, LedgerAnswer] | None:
    if not is_current(db):
        return None
    row = db.execute("SELECT folder_id FROM folders WHERE api_host=? AND spec=?", (api_host, spec)).fetchone()
    if row is None:
        return None
    folder_id = row[0]
    unique = list(dict.fromkeys(keys))
    rows: dict[str, tuple[str, str | None, str, str | None]] = {}
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for url_key, status, guid, created_at, review in db.execute(
            f"SELECT url_key, status, guid, created_at, review FROM archives "
            f"WHERE api_host=? AND folder_id=? AND url_key IN ({marks})",
            (api_host, folder_id, *chunk),
        ):
            rows[url_key] = (status, guid, created_at, review)
    found: dict[str, LedgerAnswer] = {}
    for key in unique:
        entry = rows.get(key)
        if entry is None:
            return None
        status, guid, created_at, review_text = entry
        verdict = stored_verdict(review_text)
        if guid is None or not reusable(status, guid, verdict):
            return None
        found[key] = LedgerAnswer(guid, created_at, verdict)
    return found
