"""Settling creates whose answer was lost: watch the user's batches and the folder, take what
Perma made, and return only what it certainly did not make (see :mod:`permify.archiving.archiver`)."""

from __future__ import annotations

from collections.abc import Sequence

from .ledger import Intent
from .reconcile import archive_state, best_archive, folder_index, scan_recent_batches
from .run import Run

__all__ = ["settle_orphans", "settle_unknown"]


def settle_orphans(run: Run, orphaned: Sequence[Intent]) -> list[str]:
    """Settle intents left by a killed process; return the keys that were never created."""
    missing: list[str] = []
    groups: dict[float, list[str]] = {}
    for intent in orphaned:
        groups.setdefault(intent.sent_at or intent.started_at, []).append(intent.url_key)
    for sent_at, keys in sorted(groups.items()):
        run.tell("waiting", f"settling {len(keys)} URLs a killed run may have sent", len(keys))
        missing += settle_unknown(run, keys, sent_at)
    return missing


def settle_unknown(run: Run, keys: Sequence[str], sent_at: float) -> list[str]:
    """Find what a create sent at ``sent_at`` made; return the keys it certainly did not."""
    options = run.options
    urls = {run.requests[k].url: k for k in keys}
    pending = dict(urls)
    wait_until = sent_at + options.unknown_outcome_wait
    give_up = wait_until + options.unknown_outcome_wait + 65.0 * len(keys)
    interval = options.poll_initial
    while True:
        # Scan for the whole request (a batch is ours when all its URLs were in it),
        # but settle only what is still open.
        scan = scan_recent_batches(run.client, options.folder_id, set(urls), sent_at, len(urls))
        index = folder_index(run.client, options.folder_id)
        for url, key in list(pending.items()):
            best = best_archive(index.get(key, []))
            job = scan.jobs.get(url)
            if best is not None:
                state = archive_state(best)
                run.record(key, best.guid, state)
                if state == "completed":
                    run.completed(key, best.guid, "archived")
                else:
                    run.watch(key, best.guid, "archived")
            elif job is not None:
                run.take_job(key, job, None)
            else:
                continue
            del pending[url]
        now = run.clock()
        if not pending or (scan.found_batch and scan.settled) or now >= give_up:
            break
        if not scan.found_batch and now >= wait_until:
            break
        run.flush()
        run.ledger.heartbeat()
        run.pause(interval)
        interval = min(interval * 1.5, options.poll_max)
    run.flush()
    unresolved = list(pending.values())
    # Truly missing: the claim stays ours, back to "claimed" so it may be sent again.
    run.claimed.update(unresolved)
    return unresolved
