"""``permify serve``: start the editor's page on 127.0.0.1 and open it in the browser.

The command line (:mod:`permify.cli.main`) declares the subcommand's arguments and imports this
module only to run it; even then Flask loads in :func:`serve_page`, not at import time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from ..errors import UsageError

__all__ = ["Serving", "cmd_serve", "serve_page"]


@dataclass(frozen=True)
class Serving:
    """A page being served: its ``url`` (with the token), the ``desk``, the WSGI ``server``
    (``server.shutdown()`` stops it from another thread) and, with ``--sandbox``, the ``sandbox``."""

    url: str
    desk: Any
    server: Any
    sandbox: Any = None


def _key_source(config_path: Path) -> str:
    if os.environ.get("PERMA_API_KEY", "").strip():
        return "from the environment (PERMA_API_KEY)"
    from ..config import read_config_file

    if read_config_file(config_path).get("api_key"):
        return "from your permify settings file"
    return "given"


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so the temporary folder is deleted either way."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_serve(args: argparse.Namespace) -> int:
    """``permify serve``: serve the page until Ctrl-C; uploads and outputs are deleted at stop."""
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be between 0 and 65535")
    serve_page(
        port=args.port, sandbox=args.sandbox, open_browser=not args.no_browser,
        folder=args.folder, ledger=args.ledger, api_url=args.api_url, timeout=getattr(args, "timeout", None),
    )
    return 0


def serve_page(
    *,
    port: int = 0,
    sandbox: bool = False,
    open_browser: bool = True,
    folder: str | None = None,
    ledger: str | None = None,
    api_url: str | None = None,
    timeout: float | None = None,
    out: TextIO | None = None,
    ready: Callable[[Serving], None] | None = None,
) -> None:
    """Serve the page in the foreground until Ctrl-C (or SIGTERM). ``ready``, when given, is
    called with the :class:`Serving` once the server listens (tests and benchmarks use it)."""
    import tempfile  # what serving needs loads here, so that --help stays light
    import threading
    import webbrowser

    from werkzeug.serving import WSGIRequestHandler, make_server

    from .app import create_app
    from .desk import Desk, DeskConfig
    from .security import LOOPBACK, check_bind_host, new_token

    out = out or sys.stderr

    class QuietHandler(WSGIRequestHandler):
        """No request log: request lines are nobody's business, and the first one holds the token."""

        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            return

    with contextlib.ExitStack() as stack:
        from ..archiving.ledger import default_ledger_path  # loaded when the page is served, not by --help
        from ..config import load_settings

        settings = load_settings(api_url=api_url, folder=folder, ledger=ledger, timeout=timeout)
        box = None
        if sandbox:
            from ..sandbox import Sandbox, SandboxConfig

            box = stack.enter_context(Sandbox(SandboxConfig(capture_seconds=1.0)))
            scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="permify-sandbox-")))
            config = DeskConfig(
                api_url=box.base_url, ledger_path=scratch / "ledger.sqlite3", config_path=settings.config_path,
                default_folder=folder or str(box.org_folder_id), sandbox=True, sandbox_key=box.api_key,
                timeout=settings.timeout,
            )
            print(f"permify: using the built-in Perma sandbox at {box.base_url}", file=out)
        else:
            config = DeskConfig(
                api_url=settings.api_url, ledger_path=settings.ledger or default_ledger_path(),
                config_path=settings.config_path, api_key=settings.api_key,
                key_source=_key_source(settings.config_path) if settings.api_key else None,
                default_folder=settings.folder, timeout=settings.timeout,
            )
        desk = Desk(config)
        stack.callback(desk.close)
        token = new_token()
        app = create_app(desk, token=token, port=port)
        try:
            server = make_server(check_bind_host(LOOPBACK), port, app, threaded=True, request_handler=QuietHandler)
        except OSError as error:
            raise UsageError(f"cannot listen on {LOOPBACK}:{port} ({error.strerror}); pass another --port") from None
        stack.callback(server.server_close)
        app.config["PERMIFY_PORT"] = server.port
        url = f"http://{LOOPBACK}:{server.port}/?token={token}"
        print(f"permify: the editor's page is at {url}", file=out)
        print("permify: press Ctrl-C to stop (uploads and outputs are then deleted)", file=out, flush=True)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        if ready is not None:
            ready(Serving(url, desk, server, box))
        with _stop_on_sigterm():
            try:
                server.serve_forever(poll_interval=0.2)
            except KeyboardInterrupt:
                print("\npermify: stopping; the ledger keeps everything archived", file=out, flush=True)
