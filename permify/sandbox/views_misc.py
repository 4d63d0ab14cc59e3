"""User, organizations, capture jobs, batches and the CSV exports."""

from __future__ import annotations

import csv
import io
import json
import time
from typing import Any

from permify.sandbox.actions import submit
from permify.sandbox.model import Batch, Link
from permify.sandbox.serialize import batch_obj, folder_obj, job_obj, org_obj, ts
from permify.sandbox.state import State
from permify.sandbox.views_archives import get_folder
from permify.sandbox.web import (
    Request,
    Response,
    bad_request,
    forbidden,
    json_response,
    not_found,
    paginate,
)

_ORDERINGS = {"name": lambda o: o.name.lower(), "registrar": lambda o: o.registrar.lower()}


def api_root(state: State, req: Request) -> Response:
    """GET /v1/: the endpoint listing (public)."""
    names = ("public/archives", "archives", "archives/batches", "folders", "capture_jobs",
             "organizations", "user")
    return json_response(200, {name: f"{req.base}/{name}" for name in names})


def current_user(state: State, req: Request) -> Response:
    """GET /v1/user: not paginated; includes the top-level folders."""
    user = req.auth_user
    return json_response(200, {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "full_name": user.full_name,
        "short_name": user.short_name,
        "top_level_folders": [folder_obj(state, f) for f in state.top_level(user)],
    })


def organizations(state: State, req: Request) -> Response:
    """GET /v1/organizations: the caller's orgs; ``order_by`` honoured here only."""
    orgs = [state.orgs[i] for i in req.auth_user.org_ids if i in state.orgs]
    order = req.q("order_by") or ""
    key = _ORDERINGS.get(order.lstrip("-"))
    if key is not None:
        orgs.sort(key=key, reverse=order.startswith("-"))
    return paginate(req, orgs, lambda o: org_obj(state, o))


def organization(state: State, req: Request, org_id: str) -> Response:
    """GET /v1/organizations/:id: 403 for non-members."""
    org = state.orgs.get(int(org_id))
    if org is None:
        raise not_found()
    if org.id not in req.auth_user.org_ids:
        raise forbidden()
    return json_response(200, org_obj(state, org))


# ---------------------------------------------------------------------- capture jobs


def capture_jobs(state: State, req: Request) -> Response:
    """GET /v1/capture_jobs: the caller's pending and in-progress jobs."""
    now = state.now()
    jobs = [j for j in sorted(state.jobs.values(), key=lambda j: j.id)
            if j.created_by == req.auth_user.id and j.guid is not None
            and state.job_status(j, now)[0] in ("pending", "in_progress")]
    return paginate(req, jobs, lambda j: job_obj(state, j, now))


def capture_job_by_id(state: State, req: Request, job_id: str) -> Response:
    """GET /v1/capture_jobs/:id (numeric)."""
    job = state.jobs.get(int(job_id))
    if job is None:
        raise not_found()
    link = state.links.get(job.guid) if job.guid else None
    allowed = (state.link_accessible(req.auth_user, link) if link is not None
               else job.created_by == req.auth_user.id)
    if not allowed:
        raise forbidden()
    return json_response(200, job_obj(state, job))


def capture_job_by_guid(state: State, req: Request, guid: str) -> Response:
    """GET /v1/capture_jobs/:guid: any status, still 200 after the link was deleted."""
    link = state.links.get(guid)
    if link is None:
        raise not_found()
    if not state.link_accessible(req.auth_user, link):
        raise forbidden()
    return json_response(200, job_obj(state, state.jobs[link.job_id]))


# ---------------------------------------------------------------------- batches


def _get_batch(state: State, req: Request, batch_id: str) -> Batch:
    batch = state.batches.get(int(batch_id))
    if batch is None:
        raise not_found()
    if batch.created_by != req.auth_user.id:
        raise forbidden()
    return batch


def batches_list(state: State, req: Request) -> Response:
    """GET /v1/archives/batches: the caller's batches, newest first."""
    mine = [b for b in state.batches.values() if b.created_by == req.auth_user.id]
    mine.sort(key=lambda b: (b.started_on, b.id), reverse=True)
    return paginate(req, mine, lambda b: batch_obj(state, b))


def batch_detail(state: State, req: Request, batch_id: str) -> Response:
    """GET /v1/archives/batches/:id."""
    return json_response(200, batch_obj(state, _get_batch(state, req, batch_id)))


def _target_folder(state: State, req: Request, data: dict[str, Any]) -> int:
    if "target_folder" not in data or data["target_folder"] in (None, ""):
        raise bad_request({"target_folder": ["This field is required."]})
    value = data["target_folder"]
    folder = None
    if isinstance(value, int) and not isinstance(value, bool):
        folder = state.folders.get(value)
    elif isinstance(value, str) and value.strip().isdigit():
        folder = state.folders.get(int(value))
    # As newer servers do: an inaccessible folder is refused too, without leaking its name.
    if folder is None or not state.can_access(req.auth_user, folder):
        raise bad_request({"target_folder": [f'Invalid pk "{value}" - object does not exist.']})
    return folder.id


def batch_create(state: State, req: Request) -> Response:
    """POST /v1/archives/batches: validate each URL synchronously; runs without the global lock."""
    if req.content_type != "application/json":
        raise bad_request({"detail": "content-type must be aplication/json"})
    data = req.data()
    urls = data.get("urls") or []
    if not isinstance(urls, list):
        urls = [urls]
    with state.lock:
        folder_id = _target_folder(state, req, data)
        batch = Batch(state.next_id("batch"), state.now(), req.auth_user.id, folder_id)
        state.batches[batch.id] = batch
    for url in urls:
        if state.config.validation_seconds > 0:
            time.sleep(state.config.validation_seconds)
        with state.lock:
            body = {"url": url, "folder": folder_id, "human": data.get("human", False)}
            job, _link, _errors = submit(state, req.auth_user, body, default_folder=None,
                                         batch_id=batch.id)
            if job is not None:
                batch.job_ids.append(job.id)
    with state.lock:
        out = batch_obj(state, batch)
        remaining = state.links_remaining(req.auth_user.id)
        out["links_remaining"] = "Infinity" if remaining is None else remaining
        out["links_remaining_period"] = "once"
        return json_response(201, out)


# ---------------------------------------------------------------------- CSV exports


def _csv(rows: list[list[Any]], header: list[str], filename: str) -> Response:
    buf = io.StringIO()
    if rows:
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return Response(200, buf.getvalue().encode("utf-8"), "text/csv",
                    [("Content-Disposition", f'attachment; filename="{filename}"')])


def _link_row(state: State, link: Link) -> list[Any]:
    status = state.link_status(link)
    if status not in ("pending", "in_progress"):
        status = "success" if status == "completed" else "failure"
    message = json.dumps({"error": ["Failed during capture."]}) if status == "failure" else ""
    created = ts(link.created_at) or ""
    return [link.url, status, message, link.title, f"https://perma.cc/{link.guid}", created,
            link.notes]


_LINK_HEADER = ["url", "status", "error_message", "title", "perma_link", "created_on", "notes"]


def archives_export(state: State, req: Request, folder_id: str | None = None) -> Response:
    """GET /v1/archives/export and /v1/folders/:id/archives/export (not paginated or filtered)."""
    if folder_id is None:
        links = [lk for lk in state.live_links() if state.link_accessible(req.auth_user, lk)]
        name = "perma-archives.csv"
    else:
        folder = get_folder(state, req, folder_id)
        links = [lk for lk in state.live_links() if lk.folder_id == folder.id]
        name = f"perma-folder-{folder.id}-archives.csv"
    return _csv([_link_row(state, lk) for lk in links], _LINK_HEADER, name)


def batch_export(state: State, req: Request, batch_id: str) -> Response:
    """GET /v1/archives/batches/:id/export: ``success`` only for completed jobs."""
    batch = _get_batch(state, req, batch_id)
    rows = []
    for job_id in batch.job_ids:
        job = job_obj(state, state.jobs[job_id])
        ok = job["status"] == "completed"
        link = f"https://perma.cc/{job['guid']}" if job["guid"] else ""
        rows.append([job["submitted_url"], "success" if ok else "error",
                     "" if ok else (job["message"] or ""), job["title"], link])
    return _csv(rows, ["url", "status", "error_message", "title", "perma_link"],
                f"perma-batch-{batch.id}.csv")
