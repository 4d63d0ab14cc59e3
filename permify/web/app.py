"""The Flask app of the editor's page: :func:`create_app` and its routes.

The page is one HTML document made of server-rendered parts (Jinja templates, escaped by
default); a small script posts the editor's actions and redraws the parts. Every request is
checked by :mod:`permify.web.security`'s rules before it reaches a route.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, jsonify, make_response, redirect, render_template, request, send_file
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..errors import AuthenticationError, PermifyError
from .desk import Desk
from .engine import linked_in_documents
from .runs import STATE_HELP
from .security import TOKEN_HEADER, cookie_name, host_allowed, same_token
from .views import plan_document

__all__ = ["create_app"]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_PARTS = ("key", "folders", "files", "summary", "run")


def _error(message: str, status: int = 400) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def create_app(desk: Desk, *, token: str, port: int) -> Flask:
    """The page's app for ``desk``, answering only requests that carry ``token`` and name
    ``127.0.0.1:port`` (or ``localhost:port``) as their host. When the server binds port 0,
    set ``app.config["PERMIFY_PORT"]`` to the port it got before serving."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = desk.config.upload_cap
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    app.config["PERMIFY_PORT"] = port

    # ------------------------------------------------------------------ the guard

    @app.before_request
    def guard() -> Any:
        port = app.config["PERMIFY_PORT"]
        cookie = cookie_name(port)
        if not host_allowed(request.host, port):
            return _refuse("this page answers only on its own loopback address")
        if request.method == "GET" and request.path == "/" and "token" in request.args:
            if not same_token(request.args.get("token"), token):
                return _refuse("this link's token is not this server's")
            response = redirect("/", code=303)  # the token leaves the address bar and the history
            response.set_cookie(cookie, token, httponly=True, samesite="Strict", path="/")
            return response
        header = request.headers.get(TOKEN_HEADER)
        if request.method in ("GET", "HEAD"):
            if same_token(header, token) or same_token(request.cookies.get(cookie), token):
                return None
            return _refuse("open the address that permify serve printed (it carries this server's token)")
        if not same_token(header, token):
            return _refuse("a change needs this page's token in its header")
        origin = request.headers.get("Origin")
        if origin is not None and not (origin.startswith("http://") and host_allowed(origin[7:], port)):
            return _refuse("a change must come from this page")
        return None

    def _refuse(message: str) -> Response:
        response = make_response(f"permify: forbidden: {message}\n", 403)
        response.mimetype = "text/plain"
        return response

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = _CSP
        return response

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_: RequestEntityTooLarge) -> Response:
        cap = desk.config.upload_cap // (1024 * 1024)
        return _error(f"the files are too large for the page (at most {cap} MB at once); add them one by one", 413)

    @app.errorhandler(AuthenticationError)
    def bad_key(_: AuthenticationError) -> Response:
        return _error("Perma did not accept this API key; copy it again from your Perma account's settings page")

    @app.errorhandler(PermifyError)
    def permify_error(error: PermifyError) -> Response:
        return _error(str(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        return _error(error.description or error.name, error.code or 500)

    # ------------------------------------------------------------------ the page

    def run_context() -> dict[str, Any]:
        run = desk.run
        return {
            "desk": desk,
            "run": run,
            "rows": run.snapshot() if run else [],
            "counts": run.counts() if run else {},
            "state_help": STATE_HELP,
        }

    def context() -> dict[str, Any]:
        folders, folder_error, key_error = [], None, None
        if desk.has_key:
            try:
                desk.ensure_account()
                folders = desk.folders()
            except AuthenticationError:
                key_error = "Perma did not accept the API key; copy it again from your Perma account's settings"
            except PermifyError as error:
                folder_error = str(error)
        scans = desk.scans()
        known = desk.known()
        linked = {k: o.perma_url or "" for k, o in linked_in_documents([s for _, s in scans]).items()}
        documents = [
            (upload, plan_document(upload.scan, known, desk.excluded, linked)) for upload in desk.uploads.values()
        ]
        planned = [item for _, groups in documents for group in groups for item in group.items]
        to_archive = {p.key for p in planned if p.action == "archive"}
        to_reuse = {p.key for p in planned if p.action == "reuse"}
        left_out = {p.key for p in planned if p.action == "leave"}
        return {
            **run_context(),
            "folders": folders,
            "folder_error": folder_error,
            "key_error": key_error,
            "chosen": desk.folder(),
            "documents": documents,
            "summary": {"archive": len(to_archive), "reuse": len(to_reuse), "leave": len(left_out)},
            "token": token,
        }

    @app.get("/")
    def page() -> str:
        return render_template("page.html", **context())

    @app.get("/part/<name>")
    def part(name: str) -> str:
        if name not in _PARTS:
            abort(404)
        # the run's part is redrawn twice a second while archiving: it needs the run only
        return render_template(f"_{name}.html", **(run_context() if name == "run" else context()))

    @app.get("/api/run")
    def run_status() -> Response:
        run = desk.run
        if run is None:
            return jsonify(status="none", version=0)
        return jsonify(status=run.status, version=run.version, number=run.number, message=run.message,
                       counts=run.counts(), error=run.error, reviewing=run.reviewing)

    # ------------------------------------------------------------------ actions (POST, token in the header)

    def form() -> dict[str, Any]:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else dict(request.form)

    @app.post("/api/key")
    def set_key() -> Response:
        data = form()
        if data.get("demo"):
            name = desk.use_sandbox_key()
        else:
            name = desk.set_key(str(data.get("api_key") or ""), save=bool(data.get("save")))
        return jsonify(ok=True, message=f"Connected to Perma as {name}.")

    @app.post("/api/folders/reload")
    def reload_folders() -> Response:
        desk.folders(reload=True)
        return jsonify(ok=True)

    @app.post("/api/folder")
    def choose_folder() -> Response:
        choice = desk.select_folder(_int(form().get("folder_id")))
        return jsonify(ok=True, message=f"Archiving into “{choice.name}”.")

    @app.post("/api/folders/new")
    def new_folder() -> Response:
        data = form()
        choice = desk.create_folder(_int(data.get("parent_id")), str(data.get("name") or ""))
        return jsonify(ok=True, message=f"Created “{choice.name}” and chose it.")

    @app.post("/api/files")
    def add_files() -> Response:
        files = request.files.getlist("files")
        if not files:
            return _error("choose one or more .docx, .md or .bib files")
        added, problems = [], []
        for item in files:
            try:
                upload = desk.add_upload(item.filename or "", item.read())
                added.append(upload.name)
            except PermifyError as error:
                problems.append(str(error))
        return jsonify(ok=not problems, added=added, errors=problems)

    @app.post("/api/files/<upload_id>/remove")
    def remove_file(upload_id: str) -> Response:
        desk.remove_upload(upload_id)
        return jsonify(ok=True)

    @app.post("/api/select")
    def select() -> Response:
        data = form()
        desk.set_selected(str(data.get("key") or ""), bool(data.get("selected")))
        return jsonify(ok=True)

    @app.post("/api/archive")
    def archive() -> Response:
        run, started = desk.start_run(retry_failed=bool(form().get("retry_failed")))
        message = "Archiving started." if started else "Archiving is already going (in another tab); showing it."
        return jsonify(ok=True, started=started, number=run.number, message=message)

    @app.post("/api/cancel")
    def cancel() -> Response:
        return jsonify(ok=desk.cancel_run())

    # ------------------------------------------------------------------ downloads

    @app.get("/download/<int:number>/<name>")
    def download(number: int, name: str) -> Response:
        run = desk.run
        if run is None or run.number != number:
            abort(404, "that run's files are gone; archive again to make them")
        item = next((d for d in run.downloads if d.name == name), None)
        if item is None:
            abort(404, "no such file")
        return send_file(item.path, as_attachment=True, download_name=item.name)

    return app


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        from ..errors import UsageError

        raise UsageError("choose a folder from the list") from None
