"""A loopback HTTP server that misbehaves on purpose, to prove the Perma client's defences.

One :class:`HostileServer` answers every request with one behaviour, a function of the
request (:class:`Request`) that writes whatever it likes to the socket: invalid GUIDs,
redirect loops, endless pages, bodies trickled a byte at a time, silence, huge bodies, error
pages that echo the ``Authorization`` header. The factories below build the behaviours.

Everything is bounded so that a test can never hang on the server: silent and slow
behaviours stop when the server stops (or after ``MAX_STALL`` seconds), and the server's
threads are daemons.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: The longest any behaviour stalls, whatever happens to the test.
MAX_STALL = 30.0


@dataclass
class Request:
    """One request as the server saw it, and the handle to answer it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    handler: BaseHTTPRequestHandler
    stop: threading.Event

    def send(self, status: int, body: bytes | str | Any = b"", headers: dict[str, str] | None = None) -> None:
        """Answer at once: bytes/str as text, anything else as JSON."""
        if isinstance(body, str):
            data, ctype = body.encode(), "text/plain; charset=utf-8"
        elif isinstance(body, bytes):
            data, ctype = body, "text/plain"
        else:
            data, ctype = json.dumps(body).encode(), "application/json"
        all_headers = {"Content-Type": ctype, "Content-Length": str(len(data)), **(headers or {})}
        self.handler.send_response(status)
        for name, value in all_headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()
        self.handler.wfile.write(data)

    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` of this server."""
        host, port = self.handler.server.server_address[:2]
        return f"http://{host}:{port}"


Behaviour = Callable[[Request], None]


class HostileServer:
    """A threaded loopback server answering every request with ``behaviour``.

    ``seen`` holds every request (method, path, headers), ``peers`` the client address (host,
    port) each came from: one port per connection. Use as a context manager.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.peers: list[tuple[str, int]] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                headers = dict(self.headers.items())
                outer.seen.append((self.command, parts.path, headers))
                outer.peers.append(self.client_address[:2])
                request = Request(self.command, parts.path, parse_qs(parts.query), headers, body, self, outer.stop)
                try:
                    outer.behaviour(request)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up: as intended
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


# ---------------------------------------------------------------------- answers


def archive_json(guid: Any, **fields: Any) -> dict[str, Any]:
    """An authenticated archive object with the given GUID (any value, valid or not)."""
    return {
        "guid": guid,
        "url": "https://example.com/",
        "title": "Example",
        "creation_timestamp": "2026-01-02T03:04:05Z",
        "captures": [{"role": "primary", "status": "success"}],
        **fields,
    }


def job_json(guid: Any, url: str, status: str = "completed", **fields: Any) -> dict[str, Any]:
    """A capture job object inside a batch."""
    return {"guid": guid, "status": status, "submitted_url": url, "message": None, **fields}


def answering(status: int, body: Any, headers: dict[str, str] | None = None) -> Behaviour:
    """Always the same answer."""

    def behave(request: Request) -> None:
        request.send(status, body, headers)

    return behave


def batch_with_jobs(jobs: list[dict[str, Any]]) -> Behaviour:
    """A batch create (POST) or detail (GET) answer holding ``jobs``."""
    return answering(201, {"id": 7, "target_folder": 25, "capture_jobs": jobs, "links_remaining": 5})


def redirecting(status: int, to: str | None = None) -> Behaviour:
    """A redirect with ``status`` to ``to`` (absolute or relative), or to the request's own path (a loop)."""

    def behave(request: Request) -> None:
        request.send(status, b"", {"Location": to or request.path})

    return behave


def endless_pages(*, repeat: bool = False, count_field: int | None = None) -> Behaviour:
    """List pages that are always full (``meta.limit`` items) with a ``next``; fresh items each
    time, or the same page every time with ``repeat``; ``count_field`` announces a count."""
    fresh: Iterator[int] = count(1)

    def behave(request: Request) -> None:
        limit = int((request.query.get("limit") or ["10"])[0])
        offset = int((request.query.get("offset") or ["0"])[0])
        ids = range(1, limit + 1) if repeat else [next(fresh) for _ in range(limit)]
        objects = [{"id": i, "name": f"folder {i}"} for i in ids]
        meta = {"limit": limit, "offset": offset, "next": f"{request.origin()}{request.path}?offset={offset + limit}"}
        body: dict[str, Any] = {"meta": meta, "objects": objects}
        if count_field is not None:
            body["count"] = count_field
        request.send(200, body)

    return behave


def trickling(interval: float, *, size: int = 100_000, headers_too: bool = False) -> Behaviour:
    """A 200 whose body (or, with ``headers_too``, its headers) arrives one byte per ``interval`` s."""

    def behave(request: Request) -> None:
        out = request.handler.wfile
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n".encode()
        if headers_too:
            head += b"X-Slow: " + b"a" * 10_000 + b"\r\n"
        head += b"\r\n"
        slow_part = head if headers_too else b"{" + b" " * (size - 1)
        if not headers_too:
            out.write(head)
            out.flush()
        for byte in slow_part:
            out.write(bytes([byte]))
            out.flush()
            if request.stop.wait(interval):
                return
        request.handler.close_connection = True

    return behave


def silent(request: Request) -> None:
    """Read the request and never answer (until the server stops)."""
    request.stop.wait(MAX_STALL)
    request.handler.close_connection = True


def huge_body(size: int, status: int = 200, content_type: str = "application/json") -> Behaviour:
    """An answer of ``size`` bytes (a JSON list of strings for 2xx, an HTML page otherwise), sent fast."""

    def behave(request: Request) -> None:
        handler = request.handler
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * 800
        sent = 0
        while sent < size and not request.stop.is_set():
            piece = chunk[: size - sent]
            handler.wfile.write(piece)
            sent += len(piece)
        handler.close_connection = True

    return behave


def echoing_error(status: int, form: str) -> Behaviour:
    """An error answer that echoes the request's Authorization header, as JSON, text or a long HTML page."""

    def behave(request: Request) -> None:
        auth = request.headers.get("Authorization", "")
        if form == "json":
            request.send(status, {"detail": f"Invalid token header {auth}. \x1b[31mNo credentials\x1b[0m"})
        elif form == "text":
            request.send(status, f"Forbidden for {auth}\nline two\nline three")
        else:
            lines = [f"<p>line {n}: your header was {auth}</p>" for n in range(55)]
            page = (
                "<!DOCTYPE html>\n<html><head><title>403 Forbidden \x1b]0;pwned\x07</title>"
                "<style>p {}</style></head>\n<body>\n" + "\n".join(lines) + "\n</body></html>\n"
            )
            request.handler.send_response(status)
            data = page.encode()
            request.handler.send_header("Content-Type", "text/html; charset=utf-8")
            request.handler.send_header("Content-Length", str(len(data)))
            request.handler.end_headers()
            request.handler.wfile.write(data)

    return behave
