"""``PermaClient``: one method for every operation of the Perma.cc REST API v1.

The client turns API semantics into calls and models; transport (auth, retries, timeouts,
error mapping) belongs to :class:`~permify.perma.session.PermaSession`. List methods are
generators that page with ``limit``/``offset`` and stop on an empty or short page, because the
real server's ``meta.next`` is never null. Stop early with :func:`itertools.islice`.

Listings are bounded against a server that never ends them: paging stops with a
:class:`~permify.errors.ProtocolError` when a page repeats an earlier one, when more items
arrive than the page's ``count`` announced, or after ``max_pages`` pages. A model that fails
validation (an archive whose GUID is not a Perma GUID) is a ``ProtocolError`` too; in a
listing, such an item is skipped and noted in :attr:`PermaClient.protocol_problems`; in a batch,
one bad capture job is marked as a protocol failure and the others stay usable.
:func:`check_url_for_perma` refuses, before sending, a URL that Perma would refuse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from ..errors import PermaError, ProtocolError
from .accounts import Folder, Organization, User
from .downloads import body_chunks, save_body
from .models import Archive, Batch, CaptureJob
from .session import DEFAULT_BASE_URL, PermaSession
from .validate import check_url_for_perma, normalize_guid

__all__ = ["DEFAULT_MAX_PAGES", "PermaClient", "check_url_for_perma", "normalize_guid"]

#: Pages read from one listing at most (300 items each: 300,000 items, far beyond any folder).
DEFAULT_MAX_PAGES = 1000
_MAX_PROBLEMS = 100

_M = TypeVar("_M")


class PermaClient:
    """The Perma.cc API, one method per endpoint.

    Parameters:
        api_key: the API key (or pass ``session``).
        base_url: API base, default ``https://api.perma.cc/v1``.
        session: a configured :class:`PermaSession` (wins over ``api_key``/``base_url``).
        page_size: ``limit`` for list requests (the server caps it at 300).
        max_pages: pages read from one listing at most (:data:`DEFAULT_MAX_PAGES`).

    Example::

        with PermaClient(api_key) as perma:
            for folder in perma.list_top_folders():
                print(folder.id, folder.name)
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        *,
        session: PermaSession | None = None,
        page_size: int = 300,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.session = session or PermaSession(api_key, base_url)
        self.page_size = page_size
        self.max_pages = max_pages
        #: list items skipped because they broke the API's contract (at most 100 kept), for a report
        self.protocol_problems: list[ProtocolError] = []

    def close(self) -> None:
        """Close the session."""
        self.session.close()

    def __enter__(self) -> PermaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing

    def _json(self, method: str, path: str, *, auth: bool = True, **kw: Any) -> Any:
        response = self.session.request(method, path, auth=auth, **kw)
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise PermaError(
                f"{method} {path}: Perma answered HTTP {response.status_code} with a body that is not JSON",
                status=response.status_code,
                method=method,
                path=path,
            ) from None

    def _model(self, cls: type[_M], method: str, path: str, **kw: Any) -> _M:
        """Build a model from an API answer; a 2xx body of the wrong shape is a PermaError."""
        data = self._json(method, path, **kw)
        try:
            return cls.from_json(data)  # type: ignore[attr-defined]
        except ProtocolError as error:
            raise _located(error, method, path) from None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise PermaError(
                f"{method} {path}: Perma answered with an unexpected body; is PERMA_API_URL a Perma API?",
                method=method,
                path=path,
            ) from None

    def _each(self, cls: type[_M], path: str, params: dict[str, Any] | None = None, **kw: Any) -> Iterator[_M]:
        """Models from every page of a list endpoint."""
        for obj in self._pages(path, params, **kw):
            try:
                yield cls.from_json(obj)  # type: ignore[attr-defined]
            except ProtocolError as error:
                # One bad item (an archive with an invalid GUID) must not hide the others, nor
                # block every later run in its folder: it is skipped and noted.
                if len(self.protocol_problems) < _MAX_PROBLEMS:
                    self.protocol_problems.append(_located(error, "GET", path))
                continue
            except (KeyError, TypeError, ValueError, AttributeError):
                raise PermaError(f"GET {path}: Perma answered with an unexpected list item", path=path) from None

    def _pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        auth: bool = True,
        page_size: int | None = None,
    ) -> Iterator[Any]:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        size = page_size or self.page_size
        offset = 0
        seen_pages: set[str] = set()
        for _ in range(self.max_pages):
            query.update(limit=size, offset=offset)
            data = self._json("GET", path, params=query, auth=auth)
            objects = data.get("objects") if isinstance(data, dict) else None
            if not objects or not isinstance(objects, list):
                return
            meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
            # A page the same as an earlier one (same items) means the server ignores offset:
            # paging on would never end.
            fingerprint = hashlib.sha256(json.dumps(objects, sort_keys=True, default=str).encode()).hexdigest()
            if fingerprint in seen_pages:
                raise _paging_error(path, f"page at offset {offset} repeats an earlier page")
            seen_pages.add(fingerprint)
            count = _count(data, meta)
            if count is not None and offset + len(objects) > count:
                raise _paging_error(path, f"more items than the {count} the listing announced")
            yield from objects
            # The server may cap limit (300); trust what it says it used, within reason.
            limit = meta.get("limit")
            limit = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else size
            if len(objects) < limit:
                return
            offset += len(objects)
        raise _paging_error(path, f"still full after {self.max_pages} pages")

    @contextlib.contextmanager
    def open_warc(self, guid: str, *, public: bool = False) -> Iterator[Iterator[bytes]]:
        """An archive's gzip WARC download (public: without the key) as chunks of bytes,
        downloaded only as far as the caller reads them: leaving the block early closes the
        connection, and the rest is never sent. Raises like :meth:`download_archive`
        (:class:`~permify.errors.NotFoundError` while the capture is not playable)."""
        guid = normalize_guid(guid)
        path = f"/public/archives/{guid}/download" if public else f"/archives/{guid}/download"
        response = self.session.request("GET", path, auth=not public, stream=True)
        try:
            yield body_chunks(response)
        finally:
            response.close()  # keeps the connection when the body was read to its end

    # ------------------------------------------------------------------ public archives

    def list_public_archives(self, **filters: Any) -> Iterator[Archive]:
        """Discoverable public archives, newest first (``url=``, ``q=``, ``date=`` where supported)."""
        yield from self._each(Archive, "/public/archives", filters, auth=False)

    def get_public_archive(self, guid: str) -> Archive:
        """One public archive by GUID (no key is sent)."""
        return self._model(Archive, "GET", f"/public/archives/{normalize_guid(guid)}", auth=False)

    def download_public_archive(self, guid: str, dest: str | Path | BinaryIO) -> int:
        """Save a public archive's gzip WARC to ``dest``; returns the bytes written."""
        response = self.session.request(
            "GET", f"/public/archives/{normalize_guid(guid)}/download", auth=False, stream=True
        )
        return save_body(response, dest)

    # ------------------------------------------------------------------ user, organizations

    def get_user(self) -> User:
        """The account that owns the key, with its top-level folders."""
        return self._model(User, "GET", "/user")

    def list_organizations(self) -> Iterator[Organization]:
        """Organizations the user belongs to (empty for a regular user)."""
        yield from self._each(Organization, "/organizations")

    def get_organization(self, org_id: int) -> Organization:
        """One organization (the real route is plural: ``/organizations/:id``)."""
        return self._model(Organization, "GET", f"/organizations/{int(org_id)}")

    # ------------------------------------------------------------------ archives

    def create_archive(
        self,
        url: str,
        *,
        folder: int | None = None,
        title: str | None = None,
        description: str | None = None,
        notes: str | None = None,
        is_private: bool | None = None,
    ) -> Archive:
        """Create one archive. ``folder`` goes in the JSON body (a query-string folder is ignored
        by Perma and the link lands in Personal Links). Raises :class:`UnknownOutcomeError` if
        the answer is lost: the archive may exist; never resend without reconciling."""
        body: dict[str, Any] = {"url": url}
        if folder is not None:
            body["folder"] = int(folder)
        if title:
            body["title"] = title
        if description is not None:
            body["description"] = description
        if notes is not None:
            body["notes"] = notes
        if is_private is not None:
            body["is_private"] = bool(is_private)
        return self._model(Archive, "POST", "/archives", json=body)

    def get_archive(self, guid: str) -> Archive:
        """One of the user's archives, with its private fields."""
        return self._model(Archive, "GET", f"/archives/{normalize_guid(guid)}")

    def update_archive(self, guid: str, **fields: Any) -> Archive:
        """PATCH ``title``, ``description``, ``notes``, ``is_private`` or ``default_to_screenshot_view``."""
        allowed = {"title", "description", "notes", "is_private", "default_to_screenshot_view"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
        return self._model(Archive, "PATCH", f"/archives/{normalize_guid(guid)}", json=fields)

    def move_archive(self, guid: str, folder_id: int) -> Archive:
        """Move an archive into another folder."""
        return self._model(Archive, "PUT", f"/folders/{int(folder_id)}/archives/{normalize_guid(guid)}")

    def delete_archive(self, guid: str) -> None:
        """Delete an archive (only within 24 hours of its creation; refunds personal quota)."""
        self.session.request("DELETE", f"/archives/{normalize_guid(guid)}").close()

    def list_archives(self, *, folder: int | None = None, **filters: Any) -> Iterator[Archive]:
        """The user's archives, newest first; with ``folder``, only those directly in it.

        Filters: ``url`` (SURT-equal match, check results yourself), ``q``, ``date``,
        ``min_date``, ``max_date``. Duplicates (a link visible through two folders) are dropped.
        """
        path = f"/folders/{int(folder)}/archives" if folder is not None else "/archives"
        seen: set[str] = set()
        for archive in self._each(Archive, path, filters):
            if archive.guid not in seen:
                seen.add(archive.guid)
                yield archive

    def list_folder_archives(self, folder_id: int, *, url: str | None = None) -> Iterator[Archive]:
        """Archives directly in ``folder_id``, optionally filtered with ``url=``."""
        return self.list_archives(folder=folder_id, url=url)

    def download_archive(self, guid: str, dest: str | Path | BinaryIO) -> int:
        """Save an archive's gzip WARC (available once its capture completed); returns bytes written."""
        response = self.session.request("GET", f"/archives/{normalize_guid(guid)}/download", stream=True)
        return save_body(response, dest)

    def export_archives(self, *, folder: int | None = None) -> str:
        """The CSV export of all the user's archives, or of one folder's."""
        path = f"/folders/{int(folder)}/archives/export" if folder is not None else "/archives/export"
        return self.session.request("GET", path).text

    # ------------------------------------------------------------------ batches

    def create_batch(self, urls: Iterable[str], folder: int, *, human: bool = False) -> Batch:
        """Archive several URLs with one request. Each URL is validated synchronously, so this
        can take minutes; invalid URLs come back as ``invalid`` jobs. The result carries
        ``links_remaining``. An empty list spends nothing and only reports the quota."""
        body = {"urls": list(urls), "target_folder": int(folder), "human": bool(human)}
        return self._model(Batch, "POST", "/archives/batches", json=body)

    def get_batch(self, batch_id: int) -> Batch:
        """One batch with its capture jobs."""
        return self._model(Batch, "GET", f"/archives/batches/{int(batch_id)}")

    def list_batches(self, *, page_size: int | None = None) -> Iterator[Batch]:
        """The user's batches, newest first (``page_size`` small when only recent ones matter)."""
        yield from self._each(Batch, "/archives/batches", page_size=page_size)

    def links_remaining(self, folder: int) -> float:
        """The personal quota left, learned from an empty batch (which creates nothing).

        ``float('inf')`` when unlimited.
        """
        batch = self.create_batch([], folder)
        return batch.links_remaining if batch.links_remaining is not None else float("inf")

    # ------------------------------------------------------------------ folders

    def list_top_folders(self) -> Iterator[Folder]:
        """Top-level folders: Personal Links, Sponsored Links, then each organization's folder."""
        yield from self._each(Folder, "/folders")

    def get_folder(self, folder_id: int) -> Folder:
        """One folder."""
        return self._model(Folder, "GET", f"/folders/{int(folder_id)}")

    def list_child_folders(self, folder_id: int) -> Iterator[Folder]:
        """Direct subfolders, ordered by name."""
        yield from self._each(Folder, f"/folders/{int(folder_id)}/folders")

    def create_folder(self, parent_id: int, name: str) -> Folder:
        """Create a subfolder (the name is trimmed; duplicates at one level are refused)."""
        return self._model(Folder, "POST", f"/folders/{int(parent_id)}/folders", json={"name": name})

    def rename_folder(self, folder_id: int, name: str) -> Folder:
        """Rename a folder (top-level folders cannot be renamed)."""
        return self._model(Folder, "PATCH", f"/folders/{int(folder_id)}", json={"name": name})

    def move_folder(self, folder_id: int, new_parent_id: int) -> Folder:
        """Move a folder under another one."""
        return self._model(Folder, "PUT", f"/folders/{int(new_parent_id)}/folders/{int(folder_id)}")

    def delete_folder(self, folder_id: int) -> None:
        """Delete an empty, non-top-level folder."""
        self.session.request("DELETE", f"/folders/{int(folder_id)}").close()

    # ------------------------------------------------------------------ capture jobs

    def list_capture_jobs(self) -> Iterator[CaptureJob]:
        """The user's capture jobs that are still pending or in progress."""
        yield from self._each(CaptureJob, "/capture_jobs")

    def get_capture_job(self, guid_or_id: str | int) -> CaptureJob:
        """The capture job of an archive (by GUID) or by numeric job id."""
        key = str(guid_or_id) if isinstance(guid_or_id, int) else normalize_guid(guid_or_id)
        return self._model(CaptureJob, "GET", f"/capture_jobs/{key}")


def _count(data: dict[str, Any], meta: dict[str, Any]) -> int | None:
    """The item count a listing announces (``count`` or the old ``meta.total_count``), if any."""
    for value in (data.get("count"), meta.get("total_count"), meta.get("count")):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


def _paging_error(path: str, problem: str) -> ProtocolError:
    return ProtocolError(
        f"GET {path}: the listing does not end ({problem}); stopped. Is PERMA_API_URL a Perma API?",
        method="GET",
        path=path,
        field="meta",
    )


def _located(error: ProtocolError, method: str, path: str) -> ProtocolError:
    """``error`` again, with the request that brought the bad answer in its message and attributes."""
    return ProtocolError(
        f"{method} {path}: {error.message}",
        field=error.field,
        value=error.value,
        status=error.status,
        method=method,
        path=path,
    )
