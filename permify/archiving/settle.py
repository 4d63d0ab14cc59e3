"""Settling creates whose answer was lost: watch the user's batches and the folder, take what
Perma made, and return only what it certainly did not make (see :mod:`permify.archiving.archiver`)."""

from __future__ import annotations

from .ledger import Intent
from .reconcile import archive_state, best_archive, folder_index, scan_recent_batches
from .run import ArchiverCore

__all__ = ["SettlingMixin"]


class SettlingMixin(ArchiverCore):
    """Resolves unknown outcomes: a lost answer in this run, or an intent left by a killed run."""

    def _settle_orphans(self, orphaned: list[Intent]) -> list[str]:
        """Settle intents left by a killed process; return the keys that were never created."""
        missing: list[str] = []
        groups: dict[float, list[str]] = {}
        for intent in orphaned:
            groups.setdefault(intent.sent_at or intent.started_at, []).append(intent.url_key)
        for sent_at, keys in sorted(groups.items()):
            self.progress("waiting", f"settling {len(keys)} URLs a killed run may have sent")
            missing += self._settle_unknown(keys, sent_at)
        return missing

    def _settle_unknown(self, keys: list[str], sent_at: float) -> list[str]:
        """Find what a create sent at ``sent_at`` made; return the keys it certainly did not."""
        urls = {self._reqs[k].url: k for k in keys}
        pending = dict(urls)
        wait_until = sent_at + self.options.unknown_outcome_wait
        give_up = wait_until + self.options.unknown_outcome_wait + 65.0 * len(keys)
        interval = self.options.poll_initial
        while True:
            # Scan for the whole request (a batch is ours when all its URLs were in it),
            # but settle only what is still open.
            scan = scan_recent_batches(self.client, self.options.folder_id, set(urls), sent_at, len(urls))
            index = folder_index(self.client, self.options.folder_id)
            for url, key in list(pending.items()):
                best = best_archive(index.get(key, []))
                job = scan.jobs.get(url)
                if best is not None:
                    state = archive_state(best)
                    self._record(key, best.guid, state)
                    if state == "completed":
                        self._outcome(key, "archived", best.guid)
                    else:
                        self._watch_for(key, best.guid, "archived")
                elif job is not None:
                    self._take_job(key, job, None)
                else:
                    continue
                del pending[url]
            now = self.clock()
            if not pending or (scan.found_batch and scan.settled) or now >= give_up:
                break
            if not scan.found_batch and now >= wait_until:
                break
            self.ledger.heartbeat()
            self.sleep(interval)
            interval = min(interval * 1.5, self.options.poll_max)
        unresolved = list(pending.values())
        # Truly missing: the claim stays ours, back to "claimed" so it may be sent again.
        self._unsent.update(unresolved)
        return unresolved
