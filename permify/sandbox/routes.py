"""The URL map of Perma's API v1 and the dispatcher that authenticates and calls the views.

Order matters: ``archives/export`` and ``archives/batches`` come before ``archives/:guid``
(the GUID pattern would match them), and numeric capture-job ids before GUIDs (docs/perma-api.md#paths).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from permify.sandbox import views_archives as arch
from permify.sandbox import views_folders as fold
from permify.sandbox import views_misc as misc
from permify.sandbox.state import State
from permify.sandbox.web import (
    ApiError,
    Request,
    Response,
    authenticate,
    json_response,
    page_not_found,
    unauthorized,
)

Handler = Callable[..., Response]
GUID = r"(?P<guid>[A-Za-z0-9-]{6,11})"
FOLDER = r"(?P<folder_id>\d+)"


@dataclass(frozen=True)
class Route:
    """One URL pattern: its handlers by method, whether it is public, legacy ``user/`` form."""

    pattern: str
    handlers: dict[str, Handler]
    public: bool = False
    legacy: bool = False
    unlocked: frozenset[str] = field(default_factory=frozenset)
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Anchored, with the optional trailing slash and, for legacy routes, ``user/``.
        prefix = "(?:user/)?" if self.legacy else ""
        object.__setattr__(self, "regex", re.compile(f"^{prefix}{self.pattern}/?$"))


ROUTES: tuple[Route, ...] = (
    Route("", {"GET": misc.api_root}, public=True),
    Route("user", {"GET": misc.current_user}),
    Route("public/archives", {"GET": arch.public_list}, public=True),
    Route(f"public/archives/{GUID}", {"GET": arch.public_detail}, public=True),
    Route(f"public/archives/{GUID}/download", {"GET": arch.public_download}, public=True),
    Route("archives", {"GET": arch.archives_list, "POST": arch.create}, legacy=True,
          unlocked=frozenset({"POST"})),
    Route("archives/export", {"GET": misc.archives_export}, legacy=True),
    Route("archives/batches", {"GET": misc.batches_list, "POST": misc.batch_create}, legacy=True,
          unlocked=frozenset({"POST"})),
    Route(r"archives/batches/(?P<batch_id>\d+)", {"GET": misc.batch_detail}, legacy=True),
    Route(r"archives/batches/(?P<batch_id>\d+)/export", {"GET": misc.batch_export}, legacy=True),
    Route(f"archives/{GUID}", {"GET": arch.detail, "PATCH": arch.patch, "DELETE": arch.delete},
          legacy=True),
    Route(f"archives/{GUID}/download", {"GET": arch.download}, legacy=True),
    Route("folders", {"GET": fold.top_level, "POST": fold.create}, legacy=True),
    Route(f"folders/{FOLDER}", {"GET": fold.detail, "PATCH": fold.patch, "PUT": fold.put,
                                 "DELETE": fold.delete}, legacy=True),
    Route(r"folders/(?P<parent_id>\d+)/folders", {"GET": fold.children, "POST": fold.create}),
    Route(r"folders/(?P<parent_id>\d+)/folders/" + FOLDER,
          {"GET": fold.detail, "PATCH": fold.patch, "PUT": fold.put, "DELETE": fold.delete}),
    Route(f"folders/{FOLDER}/archives", {"GET": arch.folder_archives_list, "POST": arch.create},
          unlocked=frozenset({"POST"})),
    Route(f"folders/{FOLDER}/archives/export", {"GET": misc.archives_export}),
    Route(f"folders/{FOLDER}/archives/{GUID}", {"PUT": arch.move}),
    Route("capture_jobs", {"GET": misc.capture_jobs}, legacy=True),
    Route(r"capture_jobs/(?P<job_id>\d+)", {"GET": misc.capture_job_by_id}, legacy=True),
    Route(f"capture_jobs/{GUID}", {"GET": misc.capture_job_by_guid}, legacy=True),
    Route("organizations", {"GET": misc.organizations}, legacy=True),
    Route(r"organizations/(?P<org_id>\d+)", {"GET": misc.organization}, legacy=True),
)


def _find(path: str) -> tuple[Route, dict[str, str]]:
    if not path.startswith("/v1/"):
        raise page_not_found()
    rest = path[len("/v1/"):]
    for route in ROUTES:
        match = route.regex.match(rest)
        if match:
            return route, {k: v for k, v in match.groupdict().items() if v is not None}
    raise page_not_found()


def dispatch(state: State, req: Request) -> Response:
    """Route, authenticate (before the method check, as DRF does) and run one request."""
    try:
        route, params = _find(req.path)
        method = "GET" if req.method == "HEAD" else req.method
        if method == "OPTIONS":
            # Perma's CORS middleware turns a pre-flight's 401 into a 200.
            return json_response(200, {"name": "Perma API", "renders": ["application/json"]})
        with state.lock:
            req.user = authenticate(state, req)
        if not route.public and req.user is None:
            raise unauthorized("Authentication credentials were not provided.")
        handler = route.handlers.get(method)
        if handler is None:
            raise ApiError(405, {"detail": f'Method "{req.method}" not allowed.'})
        if method in route.unlocked:
            return handler(state, req, **params)
        with state.lock:
            return handler(state, req, **params)
    except ApiError as exc:
        return exc.response()
