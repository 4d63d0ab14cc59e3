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
    DownloadInterruptedError,
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
from .judge import _check, judge_page, page_url, precheck, review_capture, unreadable
from .memo import VerdictMemo, review_basis
from .verdict import Verdict
from .warc import BODY_CAP, read_primary

#: Bytes of a WARC download read at most (the page comes first; the rest is its resources).
DOWNLOAD_CAP = 16 * 1024 * 1024
#: Seconds one WARC download may take before the review gives up on it.
DOWNLOAD_BUDGET = 120.0
#: Errors that would fail every review alike: stop instead of reporting each archive.
_FATAL = (AuthenticationError, UnsafeTransportError)


#: Bytes read past the page to reach the end of a small download, so that its connection
#: can serve the next request; a longer rest is not downloaded (the connection is dropped).
DRAIN_LIMIT = 256 * 1024


class _TooSlow(PermifyError):
    """The download went past its time budget (a PermifyError, so the WARC reader lets it through)."""


class _CappedStream:
    """A download read as a file (what warcio reads from): it ends after ``cap`` bytes
    (``cut`` then says so) and raises :class:`_TooSlow` once ``deadline`` has passed."""

    def __init__(self, chunks: Iterator[bytes], cap: int, deadline: float, clock: Callable[[], float]) -> None:
        self.cut = False
        self.received = 0
        self._chunks = chunks
        self._cap = cap
        self._deadline = deadline
        self._clock = clock
        self._buffer = bytearray()
        self._ended = False

    def _pull(self) -> bool:
        """Add the next chunk to the buffer; False once the download (or the cap) has ended."""
        if self._ended:
            return False
        chunk = next(self._chunks, None)
        if chunk is None:
            self._ended = True
            return False
        room = self._cap - self.received
        if len(chunk) >= room:
            chunk, self.cut, self._ended = chunk[:room], True, True
        self.received += len(chunk)
        self._buffer += chunk
        if not self._ended and self._clock() > self._deadline:
            raise _TooSlow("the WARC download is too slow")
        return True

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left with a negative ``size``); b"" at the end."""
        while (size < 0 or len(self._buffer) < size) and self._pull():
            pass
        end = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    def drain(self, limit: int) -> None:
        """Read on to the end of a download of at most ``limit`` bytes in all (a longer one is
        left unread); best effort."""
        try:
            while self.received <= limit and self._pull():
                self._buffer.clear()
        except PermifyError:
            pass  # the page is judged already; the connection is dropped


@contextlib.contextmanager
def _warc_stream(client: PermaClient, guid: str, public: bool, cap: int, budget: float,
                 clock: Callable[[], float]) -> Iterator[_CappedStream]:
    """An archive's WARC download as a :class:`_CappedStream`. Raises
    :class:`~permify.errors.NotFoundError` when Perma has no WARC (404), :class:`ReviewError`
    when reading it takes longer than ``budget`` seconds."""
    try:
        with client.open_warc(guid, public=public) as chunks:
            yield _CappedStream(chunks, cap, clock() + budget, clock)
    except _TooSlow:
        raise ReviewError(f"the WARC download took longer than {budget:g} seconds", guid=guid) from None


def download_warc(client: PermaClient, guid: str, *, public: bool = False, cap: int = DOWNLOAD_CAP,
                  budget: float = DOWNLOAD_BUDGET, clock: Callable[[], float] = time.monotonic) -> bytes | None:
    """The first ``cap`` bytes of an archive's WARC download, or None when Perma has none (404).

    Uses the client's streamed download (its timeouts and retries) and stops reading at
    ``cap``. Raises :class:`ReviewError` when the download takes longer than ``budget``
    seconds, and the client's :class:`~permify.errors.PermaError` subclasses for transport
    trouble.
    """
    try:
        with _warc_stream(client, guid, public, cap, budget, clock) as stream:
            return stream.read()
    except NotFoundError:
        return None


def _review_download(client: PermaClient, archive: Archive, public: bool, expected_title: str | None,
                     body_cap: int, cap: int, budget: float) -> Verdict:
    """Judge ``archive`` from its WARC, downloaded only as far as the page (see
    :mod:`permify.review.warc`): a capture's megabytes of resources are never fetched."""
    try:
        with _warc_stream(client, archive.guid, public, cap, budget, time.monotonic) as stream:
            try:
                response = read_primary(cast(BinaryIO, stream), page_url(archive), body_cap=body_cap,
                                        guid=archive.guid)
            except ReviewError as error:  # empty, not gzip, damaged before the page
                return unreadable(archive, error.problem)
            complete = not stream.cut  # what the page was read from: not cut by the download cap
            stream.drain(DRAIN_LIMIT)
            return judge_page(archive, response, expected_title, complete=complete)
    except NotFoundError:
        return review_capture(archive, None, expected_title)  # the WARC is missing


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
    verdict = _review_download(client, archive, public, expected_title, body_cap, download_cap, download_budget)
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
            if isinstance(error, NetworkError) and not isinstance(error, (RequestTimeoutError,
                                                                          DownloadInterruptedError)):
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
