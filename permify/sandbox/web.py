"""Request and response plumbing shared by the views: parsing, errors, auth and pagination."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from permify.sandbox.config import PAGE_SIZE
from permify.sandbox.model import User
from permify.sandbox.state import State

PERMISSION_DENIED = "You do not have permission to perform this action."


@dataclass
class Response:
    """A complete HTTP answer. ``stream`` asks for chunked transfer (no Content-Length)."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: bool = False


class ApiError(Exception):
    """An error answer: ``body`` is JSON-encoded unless ``text`` is set."""

    def __init__(self, status: int, body: Any = None, *, text: str | None = None,
                 headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.text = text
        self.headers = list(headers)

    def response(self) -> Response:
        """Render this error."""
        if self.text is not None:
            return Response(self.status, self.text.encode(), "text/plain; charset=utf-8",
                            self.headers)
        return json_response(self.status, self.body, self.headers)


def json_response(status: int, obj: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """A JSON answer."""
    return Response(status, json.dumps(obj).encode("utf-8"), "application/json", list(headers))


def not_found() -> ApiError:
    """DRF's JSON 404."""
    return ApiError(404, {"detail": "Not found."})


def page_not_found() -> ApiError:
    """Perma's plain-text 404 for unknown paths."""
    return ApiError(404, text="Page Not Found")


def forbidden() -> ApiError:
    """DRF's 403."""
    return ApiError(403, {"detail": PERMISSION_DENIED})


def unauthorized(detail: str) -> ApiError:
    """A 401 with ``WWW-Authenticate: ApiKey``, as TokenAuthentication answers."""
    return ApiError(401, {"detail": detail}, headers=[("WWW-Authenticate", "ApiKey")])


def bad_request(body: Any) -> ApiError:
    """A 400 validation error."""
    return ApiError(400, body)


@dataclass
class Request:
    """One parsed request. ``user`` is filled in by authentication."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: Mapping[str, str]
    body: bytes
    host: str
    user: User | None = None
    _data: dict[str, Any] | None = None

    def q(self, name: str) -> str | None:
        """The last value of query parameter ``name``, or None."""
        found = [v for k, v in self.query if k == name]
        return found[-1] if found else None

    @property
    def base(self) -> str:
        """The absolute API base URL, built from the request's Host (``http://host/v1``)."""
        return f"http://{self.host}/v1"

    @property
    def content_type(self) -> str:
        """The raw Content-Type header ('' when missing)."""
        return self.headers.get("Content-Type") or ""

    def data(self) -> dict[str, Any]:
        """The body as a dict: JSON, or form-urlencoded fields. Bad JSON is a DRF 400."""
        if self._data is not None:
            return self._data
        ctype = self.content_type.split(";")[0].strip().lower()
        if not self.body.strip():
            self._data = {}
        elif ctype == "application/x-www-form-urlencoded":
            self._data = dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        elif ctype.startswith("multipart/"):
            raise ApiError(415, {"detail": "The sandbox does not accept file uploads."})
        else:
            try:
                parsed = json.loads(self.body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise bad_request({"detail": f"JSON parse error - {exc}"}) from None
            if not isinstance(parsed, dict):
                raise bad_request({"error": ["Invalid data. Expected a dictionary, but got list."]})
            self._data = parsed
        return self._data

    @property
    def auth_user(self) -> User:
        """The authenticated user (views behind auth only)."""
        assert self.user is not None
        return self.user


def authenticate(state: State, req: Request) -> User | None:
    """DRF TokenAuthentication with Perma's ``api_key`` parameter checked first (docs/perma-api.md#authentication)."""
    key = req.q("api_key")
    if key is None and req.method == "POST" and "urlencoded" in req.content_type:
        key = req.data().get("api_key")
    if key is None:
        header = (req.headers.get("Authorization") or "").split()
        if not header or header[0].lower() != "apikey":
            return None
        if len(header) == 1:
            raise unauthorized("Invalid token header. No credentials provided.")
        if len(header) > 2:
            raise unauthorized("Invalid token header. Token string should not contain spaces.")
        key = header[1]
    user = state.user_by_key(key)
    if user is None:
        raise unauthorized("Invalid token.")
    if not user.is_active:
        raise unauthorized("User inactive or deleted.")
    return user


def parse_int(value: str | None, default: int, *, minimum: int) -> int:
    """Parse a query integer, falling back to ``default`` when missing, malformed or too small."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number >= minimum else default


def _page_url(req: Request, limit: int, offset: int | None) -> str:
    params = dict(req.query)
    params["limit"] = str(limit)
    if offset is None:
        params.pop("offset", None)
    else:
        params["offset"] = str(offset)
    return f"http://{req.host}{req.path}?{urlencode(sorted(params.items()))}"


def paginate(req: Request, items: list[Any], render: Callable[[Any], Any], *,
             cap: int = PAGE_SIZE, max_pages: int | None = None) -> Response:
    """Perma's TastypiePagination: ``meta`` has ``next`` on every page (it pretends 2³¹ rows)."""
    limit = min(parse_int(req.q("limit"), PAGE_SIZE, minimum=1), cap)
    offset = parse_int(req.q("offset"), 0, minimum=0)
    if max_pages is not None and offset > limit * (max_pages - 1):
        raise bad_request({"offset": (
            f"Maximum offset is {limit * (max_pages - 1)}. Results are limited to {max_pages} "
            "pages to prevent expensive queries.")})
    if offset == 0:
        previous = None
    else:
        previous = _page_url(req, limit, offset - limit if offset - limit > 0 else None)
    meta = {
        "limit": limit,
        "next": _page_url(req, limit, offset + limit),
        "offset": offset,
        "previous": previous,
    }
    return json_response(200, {"meta": meta, "objects": [render(x) for x in items[offset:offset + limit]]})
