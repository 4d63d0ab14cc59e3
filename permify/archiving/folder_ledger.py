"""The ledger seen from one API host and one folder: what one archiving run reads and writes."""

from __future__ import annotations

from collections.abc import Iterable

from ..review.verdict import Verdict
from .ledger import Claims, Ledger, LedgerEntry, LedgerStatus, Record

__all__ = ["FolderLedger"]


class FolderLedger:
    """The ledger seen from one API host and one folder, so callers need not pass the pair.

    Every method is the :class:`Ledger` method of the same name for ``api_host`` and
    ``folder_id``; ``ledger`` is the whole ledger.
    """

    def __init__(self, ledger: Ledger, api_host: str, folder_id: int) -> None:
        self.ledger = ledger
        self.api_host = api_host
        self.folder_id = folder_id

    def get_many(self, url_keys: Iterable[str]) -> dict[str, LedgerEntry]:
        """The entries of many URLs in this folder (``{url_key: entry}``), read set-wise."""
        return self.ledger.get_many(self.api_host, self.folder_id, url_keys)

    def guids_and_days(self, url_keys: Iterable[str]) -> dict[str, tuple[str | None, str]]:
        """``{url_key: (guid, day the entry was made)}`` for many URLs in this folder."""
        return self.ledger.guids_and_days(self.api_host, self.folder_id, url_keys)

    def get_many_any_folder(self, url_keys: Iterable[str]) -> dict[str, LedgerEntry]:
        """For many URLs, the best entry with a GUID in any folder of this API host."""
        return self.ledger.get_many(self.api_host, None, url_keys)

    def write(
        self,
        *,
        records: Iterable[Record] = (),
        released: Iterable[str] = (),
        dropped: Iterable[str] = (),
        sending: Iterable[str] = (),
    ) -> None:
        """One transaction for everything a step of a run learned: see :meth:`Ledger.write`."""
        self.ledger.write(self.api_host, self.folder_id, records=records, released=released,
                          dropped=dropped, sending=sending)

    def record(
        self,
        url_key: str,
        url: str,
        *,
        guid: str | None,
        status: LedgerStatus,
        message: str | None = None,
        locations: Iterable[str] = (),
    ) -> None:
        """Write what is known of a URL in this folder and drop its intent (one transaction)."""
        self.ledger.record(
            self.api_host, self.folder_id, url_key, url,
            guid=guid, status=status, message=message, locations=locations,
        )

    def record_review(self, url_key: str, verdict: Verdict, *, status: LedgerStatus | None = None) -> None:
        """Store the review's verdict on a URL's entry in this folder (and its ``status`` when given)."""
        self.ledger.record_review(self.api_host, self.folder_id, url_key, verdict, status=status)

    def record_reviews(self, reviews: Iterable[tuple[str, Verdict, LedgerStatus | None]]) -> None:
        """Store many verdicts ``(url_key, verdict, status)`` in one transaction."""
        self.ledger.record_reviews(self.api_host, self.folder_id, reviews)

    def forget(self, entry: LedgerEntry) -> int:
        """Delete ``entry`` (which may be in another folder of this API host)."""
        return self.ledger.forget(api_host=self.api_host, folder_id=entry.folder_id, url_key=entry.url_key)

    def entries(self) -> list[LedgerEntry]:
        """Every entry of this folder, oldest first."""
        return self.ledger.entries(self.api_host, self.folder_id)

    def claim(self, urls: dict[str, str], *, stale_after: float = 600.0) -> Claims:
        """Claim URLs (``{url_key: url}``) in this folder: see :meth:`Ledger.claim`."""
        return self.ledger.claim(self.api_host, self.folder_id, urls, stale_after=stale_after)

    def mark_sending(self, url_keys: Iterable[str]) -> None:
        """Record, before the request goes out, that a create for these URLs is being sent."""
        self.ledger.mark_sending(self.api_host, self.folder_id, url_keys)

    def release(self, url_keys: Iterable[str]) -> None:
        """Drop claims that were never sent."""
        self.ledger.release(self.api_host, self.folder_id, url_keys)

    def heartbeat(self) -> None:
        """Show other processes that this one is still working on its claims."""
        self.ledger.heartbeat()
