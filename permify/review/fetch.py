"""Review archives on Perma: one archive GET and at most one (capped) WARC download each.

:func:`review_archive` reviews one GUID; :func:`review_archives` reviews many on a bounded
pool of threads (the client's HTTP session is shared; its connection pool is thread-safe).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, cast

from ..errors import (
    AuthenticationError,
    InvalidGuidError,
    NetworkError,
    NotFoundError,
    PermifyError,
    PermissionDeniedError,
    RequestTimeoutError,
    UnsafeTransportError,
)
from ..perma.client import PermaClient, normalize_guid
from ..perma.models import Archive
from .errors import ReviewError
from .judge import _check, precheck, review_capture
from .memo import VerdictMemo, review_basis
from .verdict import Verdict
from .warc import BODY_CAP

#: Bytes of a WARC download read at most (the page comes first; the rest is its resources).
DOWNLOAD_CAP = 16 * 1024 * 1024
#: Seconds one WARC download may take before the review gives up on it.
DOWNLOAD_BUDGET = 120.0
#: Errors that would fail every review alike: stop instead of reporting each archive.
_FATAL = (AuthenticationError, UnsafeTransportError)


class _Full(Exception):
    """The cap was reached: stop reading (the download is used as far as it got)."""


class _TooSlow(Exception):
    """The download went past its time budget."""


class _CappedSink:
    """A write-only stream that keeps the first ``cap`` bytes and stops the download there."""

    def __init__(self, cap: int, deadline: float, clock: Callable[[], float]) -> None:
        self.data = bytearray()
        self.cap = cap
        self.full = False
        self.too_slow = False
        self._deadline = deadline
        self._clock = clock

    def write(self, chunk: bytes) -> int:
        room = self.cap - len(self.data)
        self.data += chunk[:room]
        if len(chunk) >= room:
            self.full = True
            raise _Full
        if self._clock() > self._deadline:
            self.too_slow = True
            raise _TooSlow
        return len(chunk)


def download_warc(client: PermaClient, guid: str, *, public: bool = False, cap: int = DOWNLOAD_CAP,
                  budget: float = DOWNLOAD_BUDGET, clock: Callable[[], float] = time.monotonic) -> bytes | None:
    """The first ``cap`` bytes of an archive's WARC download, or None when Perma has none (404).

    Uses the client's download method (its timeouts and retries) with a sink that stops
    reading at ``cap``. Raises :class:`ReviewError` when the download takes longer than
    ``budget`` seconds, and the client's :class:`~permify.errors.PermaError` subclasses for
    transport trouble.
    """
    sink = _CappedSink(cap, clock() + budget, clock)
    download = client.download_public_archive if public else client.download_archive
    try:
        download(guid, cast(BinaryIO, sink))
    except (_Full, _TooSlow):
        pass
    except NotFoundError:
        return None
    except PermifyError:
        # A client that wraps whatever the sink raised still leaves the sink's flags behind.
        if not (sink.full or sink.too_slow):
            raise
    if sink.too_slow:
        raise ReviewError(f"the WARC download took longer than {budget:g} seconds", guid=guid)
    return bytes(sink.data)


def _fetch_archive(client: PermaClient, guid: str) -> tuple[Archive | None, bool, str]:
    """``(archive, public, check)``: the authenticated record when the key may see it, else the
    public one; ``archive`` is None when neither exists and ``check`` names why."""
    if client.session.has_key:
        try:
            return client.get_archive(guid), False, ""
        except NotFoundError:
            return None, False, "not-found"
        except PermissionDeniedError:
            pass  # another account's archive: its public record is what readers see
    try:
        return client.get_public_archive(guid), True, ""
    except NotFoundError:
        return None, True, "not-public"


#: Fewest archives for which :func:`review_archives` first reads the account's archive listing.
PREFETCH_MIN = 20


def listed_archives(client: PermaClient, guids: Iterable[str], *, minimum: int = PREFETCH_MIN,
                    page_size: int | None = None) -> Iterator[Archive]:
    """The records of those ``guids`` the account's archive listing holds (newest first), each
    as soon as its page arrives.

    One listing request returns a page (up to 300) of full archive records, so a manuscript's
    links that this account made recently cost one request per page instead of one GET each.
    Reads at most about twice as many archives as there are GUIDs (rounded up to whole
    pages of ``page_size``, default the client's), then stops: what it did not find is
    fetched one by one as before. Needs an API key and at least ``minimum`` GUIDs; best
    effort (an error ends the listing).
    """
    wanted: set[str] = set()
    for guid in guids:
        with contextlib.suppress(InvalidGuidError):
            wanted.add(normalize_guid(guid))
    if not client.session.has_key or not wanted or len(wanted) < minimum:
        return
    if page_size is not None and page_size != client.page_size:
        client = PermaClient(session=client.session, page_size=page_size)  # shares the connections
    page = max(1, int(client.page_size))
    cap = -(-2 * len(wanted) // page) * page
    try:
        for count, archive in enumerate(client.list_archives(), start=1):
            if archive.guid in wanted:
                wanted.discard(archive.guid)
                yield archive
                if not wanted:
                    return
            if count >= cap:
                return
    except PermifyError:
        return  # the rest is fetched one by one


def prefetch_archives(client: PermaClient, guids: Iterable[str], *, minimum: int = PREFETCH_MIN,
                      page_size: int | None = None) -> dict[str, Archive]:
    """:func:`listed_archives` as a dict by GUID (the listing read to its end first)."""
    return {a.guid: a for a in listed_archives(client, guids, minimum=minimum, page_size=page_size)}


#: Page size of the listing :func:`review_archives` reads: the first reviews start after the
#: first page, while the next pages are read.
_STREAM_PAGE = 100


def review_archive(client: PermaClient, guid: str, *, expected_title: str | None = None,
                   body_cap: int = BODY_CAP, download_cap: int = DOWNLOAD_CAP,
                   download_budget: float = DOWNLOAD_BUDGET, record: Archive | None = None,
                   memo: VerdictMemo | None = None) -> Verdict:
    """Fetch an archive's record and (unless the record decides) its WARC, and judge it.

    Costs one archive GET (none when ``record``, the archive as this account's listing gave
    it, is passed), plus one WARC download when the primary capture succeeded and no user
    upload stands for it, and ``memo`` (:class:`~permify.review.memo.VerdictMemo`) holds no
    verdict judged on the same basis (the same captures, record, title and rules); a fresh
    verdict from a WARC is noted in ``memo``. A missing, deleted or private-to-someone-else archive and a
    malformed GUID are ``failed`` verdicts. Raises :class:`ReviewError` (download too slow) and
    the client's :class:`~permify.errors.PermaError` subclasses (network, 5xx, bad key):
    :func:`review_archives` turns those into unchecked verdicts.
    """
    try:
        guid = normalize_guid(guid)
    except InvalidGuidError:
        return _check("not-a-guid", guid=str(guid))
    archive: Archive | None
    if record is not None and record.guid == guid:
        archive, public, missing = record, False, ""
    else:
        archive, public, missing = _fetch_archive(client, guid)
    if archive is None:
        return _check(missing, guid=guid)
    decided = precheck(archive)
    if decided is not None:
        return decided
    basis = ""
    if memo is not None:
        basis = review_basis(archive, expected_title, body_cap=body_cap, download_cap=download_cap)
        stored = memo.get(guid, basis)
        if stored is not None:
            return stored
    warc = download_warc(client, guid, public=public, cap=download_cap, budget=download_budget)
    complete = warc is None or len(warc) < download_cap  # a full sink means the cap cut it
    verdict = review_capture(archive, warc, expected_title, body_cap=body_cap, complete=complete)
    if memo is not None:
        memo.keep(guid, basis, verdict)
    return verdict


def review_or_unchecked(client: PermaClient, guid: str, *, expected_title: str | None = None,
                        record: Archive | None = None, memo: VerdictMemo | None = None,
                        **options: float | int) -> Verdict:
    """:func:`review_archive`, but never raises: when the review cannot run (network trouble,
    Perma 5xx, a rejected key, a download over its budget, anything else) the verdict is
    ``suspect`` with ``checked=False`` and the problem as its reason, so a rerun checks again."""
    try:
        return review_archive(client, guid, expected_title=expected_title, record=record, memo=memo,
                              **options)  # type: ignore[arg-type]
    except Exception as error:  # a review must never take the archiving run down with it
        problem = str(error) if isinstance(error, PermifyError) else f"{type(error).__name__}: {error}"
        return _check("unchecked", guid=str(guid), problem=problem)


def review_archives(client: PermaClient, guids: Iterable[str], *, concurrency: int = 4,
                    expected_titles: Mapping[str, str] | None = None,
                    on_verdict: Callable[[Verdict], None] | None = None, prefetch: bool = True,
                    memo: VerdictMemo | None = None, **options: float | int) -> dict[str, Verdict]:
    """Review many archives, at most ``concurrency`` at a time; verdicts by GUID, in input order.

    With ``prefetch`` (and an API key, and at least :data:`PREFETCH_MIN` GUIDs) the records
    come from the account's archive listing (:func:`listed_archives`, 100 to a request, the
    reviews of each page starting while the next is read) instead of one GET each; the
    others are fetched one by one.

    ``expected_titles`` maps a GUID to the title the document gives it. ``on_verdict`` is
    called (from worker threads) as each verdict arrives, for progress display. ``memo``
    and ``options`` go to :func:`review_archive`. An archive whose review cannot run (network trouble, Perma
    5xx, a timeout, a download over its budget) gets a ``suspect`` verdict with
    ``checked=False``; a rejected API key raises :class:`~permify.errors.AuthenticationError`
    and an API that cannot be reached at all :class:`~permify.errors.NetworkError`.
    """
    order = list(dict.fromkeys(guids))
    titles = expected_titles or {}
    spelled: dict[str, list[str]] = {}  # a GUID as Perma writes it -> as the caller gave it
    for guid in order:
        with contextlib.suppress(InvalidGuidError):
            spelled.setdefault(normalize_guid(guid), []).append(guid)

    def one(guid: str, record: Archive | None) -> Verdict:
        try:
            verdict = review_archive(client, guid, expected_title=titles.get(guid), record=record, memo=memo,
                                     **options)  # type: ignore[arg-type]
        except _FATAL:
            raise
        except PermifyError as error:
            if isinstance(error, NetworkError) and not isinstance(error, RequestTimeoutError):
                raise  # Perma cannot be reached at all (the client has retried): say it once
            verdict = _check("unchecked", guid=guid, problem=str(error))
        if on_verdict is not None:
            on_verdict(verdict)
        return verdict

    results: dict[str, Verdict] = {}
    futures: dict[str, Future[Verdict]] = {}
    with ThreadPoolExecutor(max_workers=max(1, int(concurrency)), thread_name_prefix="permify-review") as pool:
        try:
            if prefetch:  # reviews start as each page of the listing arrives
                for record in listed_archives(client, order, page_size=_STREAM_PAGE):
                    for guid in spelled.get(record.guid, ()):
                        futures[guid] = pool.submit(one, guid, record)
            for guid in order:
                if guid not in futures:
                    futures[guid] = pool.submit(one, guid, None)
            for guid in order:
                results[guid] = futures[guid].result()
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
    return results
