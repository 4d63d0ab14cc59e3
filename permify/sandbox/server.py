"""The HTTP server (loopback only), fault handling, and the :class:`Sandbox` facade tests use."""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TextIO
from urllib.parse import parse_qsl, urlsplit

from permify.errors import ConfigError, UsageError
from permify.sandbox.config import DEMO_API_KEY, SandboxConfig
from permify.sandbox.faults import ERROR_TEXT, FaultInjector, RequestLog, RequestRecord
from permify.sandbox.routes import dispatch
from permify.sandbox.seed import DEMO_ORG_NAME, seed
from permify.sandbox.state import State
from permify.sandbox.urlcheck import canonical
from permify.sandbox.web import Request, Response, json_response

LOOPBACK = "127.0.0.1"
_MUTATING = ("POST", "PUT", "PATCH", "DELETE")


@dataclasses.dataclass(frozen=True)
class LinkRecord:
    """A server-side view of one live archive, for assertions."""

    guid: str
    url: str
    folder_id: int
    status: str
    created_by: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet when a client hangs up mid-answer (a capped WARC download does that)."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr line; :attr:`Sandbox.requests` records requests."""

    # Headers and body go out in separate writes: without TCP_NODELAY each answer waits on
    # the client's delayed ACK (about 40 ms a request).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Handle GET."""
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        host = self.headers.get("Host") or f"{LOOPBACK}:{self.server.server_address[1]}"
        req = Request(self.command, split.path, query, self.headers, body, host)  # type: ignore[arg-type]
        fault = sandbox.faults.pick(self.command, split.path)
        if fault in ERROR_TEXT:
            resp = Response(int(fault or 500), ERROR_TEXT[fault or "500"].encode(),
                            "text/plain; charset=utf-8")
        elif fault == "429":
            retry = sandbox.config.faults.retry_after
            resp = json_response(429, {"detail": "Request was throttled."},
                                 [("Retry-After", f"{retry:g}")])
        else:
            if fault == "slow":
                time.sleep(sandbox.config.faults.slow_seconds)
            resp = sandbox.handle(req)
        sandbox.log.add(RequestRecord(
            self.command, split.path, dict(query), 0 if fault == "drop" else resp.status,
            any(k == "api_key" for k, _ in query), "Authorization" in self.headers, len(body),
            fault))
        if fault == "drop":
            # The work is committed; the client gets no answer at all.
            self.close_connection = True
            return
        self._send(resp, split.path)

    def _send(self, resp: Response, path: str) -> None:
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        for name, value in resp.headers:
            self.send_header(name, value)
        if path.startswith("/v1/"):
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
            self.send_header("Access-Control-Allow-Headers", "Authorization,Content-Type")
            self.send_header("Access-Control-Allow-Methods", "*")
        chunked = resp.stream and self.command != "HEAD"
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif resp.status != 204 and not resp.stream:
            self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command == "HEAD" or resp.status == 204:
            return
        if chunked:
            self.wfile.write(f"{len(resp.body):x}\r\n".encode() + resp.body + b"\r\n0\r\n\r\n")
        else:
            self.wfile.write(resp.body)


class Sandbox:
    """A local Perma.cc-compatible API server for tests and demos.

    Use ``with Sandbox(SandboxConfig(...)) as sb:`` or :meth:`start`/:meth:`stop`. The API is
    at :attr:`base_url` and the demo user's key is :attr:`api_key`. :attr:`requests`,
    :meth:`count` and :meth:`links` expose what the server saw and holds.
    """

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.state = State(self.config)
        path = self.config.state_path
        if path and os.path.exists(path):
            try:
                self.state.load(path)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(
                    f"sandbox state {path} cannot be loaded ({exc}); move it aside") from None
        else:
            seed(self.state)
        self.faults = FaultInjector(self.config.faults)
        self.log = RequestLog()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def _bind(self) -> _Server:
        try:
            server = _Server((LOOPBACK, self.config.port), _Handler)
        except OSError as exc:
            raise UsageError(
                f"cannot serve on {LOOPBACK}:{self.config.port} ({exc.strerror}); "
                "choose another port") from None
        server.sandbox = self
        self._server = server
        if self.config.state_path:
            self.state.save(self.config.state_path)
        return server

    def start(self) -> Sandbox:
        """Bind 127.0.0.1 and serve on a background thread. Returns self."""
        server = self._bind()
        # A short poll interval keeps stop() fast (shutdown waits for one poll).
        self._thread = threading.Thread(target=server.serve_forever, args=(0.005,),
                                        name="perma-sandbox", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Bind and serve in the calling thread until :meth:`stop` or KeyboardInterrupt."""
        server = self._server or self._bind()
        try:
            server.serve_forever()
        finally:
            server.server_close()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses and ids

    @property
    def port(self) -> int:
        """The bound port (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` (no trailing slash)."""
        return f"http://{LOOPBACK}:{self.port}/v1"

    @property
    def api_key(self) -> str:
        """The demo user's API key."""
        return DEMO_API_KEY

    @property
    def demo_user_id(self) -> int:
        """The demo user's id."""
        user = self.state.user_by_key(DEMO_API_KEY)
        assert user is not None
        return user.id

    @property
    def personal_folder_id(self) -> int:
        """The demo user's Personal Links root folder."""
        return self.state.users[self.demo_user_id].root_folder_id

    @property
    def org_folder_id(self) -> int:
        """The shared folder of "Demo Law Review" (no quota there)."""
        org = next(o for o in self.state.orgs.values() if o.name == DEMO_ORG_NAME)
        return org.shared_folder_id

    # ------------------------------------------------------------------ request handling

    def handle(self, req: Request) -> Response:
        """Dispatch one request; persist after mutating ones. Unexpected errors become 500."""
        try:
            resp = dispatch(self.state, req)
        except Exception:  # a bug in the sandbox: answer like Django, keep serving
            traceback.print_exc(file=sys.stderr)
            resp = Response(500, b"Internal Server Error", "text/plain; charset=utf-8")
        if req.method in _MUTATING and self.config.state_path:
            self.state.save(self.config.state_path)
        return resp

    # ------------------------------------------------------------------ test helpers

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request seen so far (a snapshot)."""
        return self.log.snapshot()

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """How many requests matched ``method`` and a path prefix (``archives`` = ``/v1/archives``)."""
        if path_prefix is not None and not path_prefix.startswith("/"):
            path_prefix = "/v1/" + path_prefix
        return sum(
            1 for r in self.log.snapshot()
            if (method is None or r.method == method.upper())
            and (path_prefix is None or r.path.startswith(path_prefix))
        )

    def reset_log(self) -> None:
        """Forget the request log."""
        self.log.clear()

    def links(self, folder_id: int | None = None, url: str | None = None) -> list[LinkRecord]:
        """Live (non-deleted) archives, newest first; ``url`` matches like Perma's ``url=``."""
        with self.state.lock:
            key = canonical(url) if url is not None else None
            return [
                LinkRecord(lk.guid, lk.url, lk.folder_id, self.state.link_status(lk), lk.created_by)
                for lk in self.state.live_links()
                if (folder_id is None or lk.folder_id == folder_id)
                and (key is None or canonical(lk.url) == key)
            ]

    def set_link_limit(self, user: str | int, limit: int | None) -> None:
        """Set a user's personal link limit (by API key or id; None: unlimited)."""
        with self.state.lock:
            found = self.state.user_by_key(user) if isinstance(user, str) else self.state.users.get(user)
            if found is None:
                raise KeyError(f"no sandbox user {user!r}")
            self.state.link_limits[found.id] = limit

    def upload_file(self, guid: str, content_type: str = "application/pdf") -> None:
        """Act out a user uploading a file to an archive ("Upload file" in Perma's record details).

        From now on the archive's ``captures`` is one primary capture with ``user_upload: true``
        and status ``success``, as Perma shows after a replacement. Raises KeyError for an
        unknown or deleted GUID.
        """
        with self.state.lock:
            link = self.state.links.get(guid)
            if link is None or link.deleted:
                raise KeyError(f"no live sandbox archive {guid!r}")
            link.upload_content_type = content_type
            if self.config.state_path:
                self.state.save(self.config.state_path)

    def inject_fault(self, kind: str, *, method: str | None = None,
                     path_contains: str | None = None, times: int = 1) -> None:
        """Give the next ``times`` matching requests fault ``kind`` (see :class:`FaultConfig`)."""
        self.faults.inject(kind, method=method, path_contains=path_contains, times=times)


def serve(host: str = LOOPBACK, port: int = 0, config: SandboxConfig | None = None,
          out: TextIO | None = None) -> None:
    """Serve the sandbox in the foreground until Ctrl-C, printing its URL, key and a curl example."""
    if host not in (LOOPBACK, "localhost"):
        raise UsageError(f"the sandbox binds {LOOPBACK} only (got host {host!r})")
    out = out or sys.stdout
    config = dataclasses.replace(config or SandboxConfig(), port=port or (config.port if config else 0))
    sandbox = Sandbox(config)
    sandbox._bind()
    print(f"Perma sandbox serving at {sandbox.base_url}", file=out)
    print(f"API key: {sandbox.api_key}", file=out)
    print(f"  export PERMA_API_URL={sandbox.base_url} PERMA_API_KEY={sandbox.api_key}", file=out)
    print(f'  curl -H "Authorization: ApiKey {sandbox.api_key}" {sandbox.base_url}/folders', file=out)
    print("Press Ctrl-C to stop.", file=out, flush=True)
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        print("Sandbox stopped.", file=out)
