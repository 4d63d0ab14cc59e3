"""Reconciling with Perma: what already exists in a folder, and what a lost request created.

Perma has no server-side de-duplication, so before anything is created permify looks at what
the target folder already holds, matched on the client side by the URL's dedupe key (the
server's ``url=`` filter is SURT-based, differs between server versions, and is silently
dropped for input it cannot parse). The same look, plus the user's recent batches, settles a
create request whose answer was lost.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Literal

from ..urls import dedupe_key
from .ledger import LedgerStatus

if TYPE_CHECKING:  # Perma's models: annotations only, loaded by the client when it parses
    from ..perma.client import PermaClient
    from ..perma.models import Archive, Batch, CaptureJob

__all__ = ["ArchiveState", "BatchScan", "archive_state", "best_archive", "folder_index", "scan_recent_batches"]

_CLOCK_SKEW = timedelta(minutes=10)


#: What an archive's capture came to (an archive always has a GUID, so never ``invalid``).
ArchiveState = Literal["completed", "pending", "failed"]


def archive_state(archive: Archive) -> ArchiveState:
    """``completed``, ``pending`` or ``failed``, from the archive's primary capture."""
    status = archive.primary_status
    if status == "success" or (status is None and archive.warc_size):
        return "completed"
    if status == "failed":
        return "failed"
    return "pending"


def job_state(job: CaptureJob) -> LedgerStatus:
    """The ledger status for a capture job: ``completed``, ``pending``, ``failed`` or ``invalid``."""
    if job.status == "completed":
        return "completed"
    if job.transitional:
        return "pending"
    if job.status == "invalid" or job.guid is None:
        return "invalid"
    return "failed"


_PREFERENCE = {"completed": 0, "pending": 1, "failed": 2}


def best_archive(candidates: Iterable[Archive]) -> Archive | None:
    """The archive to reuse: a completed capture first, then one still pending, newest first."""
    ordered = sorted(
        candidates,
        key=lambda a: (
            _PREFERENCE[archive_state(a)],
            -(a.creation_timestamp.timestamp() if a.creation_timestamp else 0),
        ),
    )
    return ordered[0] if ordered else None


def folder_index(client: PermaClient, folder_id: int) -> dict[str, list[Archive]]:
    """Every archive directly in the folder, grouped by dedupe key (one paged listing)."""
    index: dict[str, list[Archive]] = {}
    for archive in client.list_archives(folder=folder_id):
        index.setdefault(dedupe_key(archive.url), []).append(archive)
    return index


@dataclass(frozen=True)
class BatchScan:
    """What the user's recent batches into a folder say about some URLs.

    ``jobs`` maps each URL (as sent) to its newest capture job; ``settled`` is False while
    any matching batch still has pending jobs or may still be validating URLs.
    """

    jobs: dict[str, CaptureJob]
    settled: bool
    found_batch: bool


def scan_recent_batches(
    client: PermaClient, folder_id: int, urls: set[str], since: float, expected: int | None = None
) -> BatchScan:
    """Look through the user's batches started after ``since`` (epoch seconds, minus clock skew)
    into ``folder_id`` for capture jobs of ``urls``.

    A batch counts when every URL it holds is one of ``urls`` (it is ours). ``expected`` is
    how many URLs the lost request carried: a matching batch with fewer jobs is still being
    validated by the server, so the scan is not settled.
    """
    cutoff = datetime.fromtimestamp(since, timezone.utc) - _CLOCK_SKEW
    jobs: dict[str, CaptureJob] = {}
    settled = True
    found = False
    for batch in client.list_batches():  # newest first
        if batch.started_on is not None and batch.started_on < cutoff:
            break
        if not _targets(batch, folder_id):
            continue
        sent = {job.submitted_url for job in batch.capture_jobs}
        # Empty batches are quota probes (or a batch whose first URL is still being
        # validated: the caller's time-based wait covers that case).
        if not sent or not sent <= urls:
            continue
        found = True
        if not batch.settled or (expected is not None and len(batch.capture_jobs) < expected):
            settled = False
        for job in batch.capture_jobs:
            jobs.setdefault(job.submitted_url, job)
    return BatchScan(jobs, settled, found)


def _targets(batch: Batch, folder_id: int) -> bool:
    return batch.target_folder_id is None or batch.target_folder_id == folder_id
