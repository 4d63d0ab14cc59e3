"""Helpers for the editor's page tests: a desk on the sandbox, and a client that plays the page."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from permify.archiving.outcomes import ArchiveOptions
from permify.sandbox import Sandbox
from permify.web.app import create_app
from permify.web.desk import Desk, DeskConfig
from permify.web.security import TOKEN_HEADER

#: The port the test client says it talks to (nothing is bound: Flask's test client).
PORT = 50123
BASE = f"http://127.0.0.1:{PORT}"
#: Quick polls: the sandbox finishes a capture in 0.05 s.
FAST = ArchiveOptions(folder_id=0, poll_initial=0.02, poll_max=0.1)


def desk_config(box: Sandbox, tmp_path: Path, **overrides: Any) -> DeskConfig:
    """A desk on the sandbox ``box`` with its ledger and config file in ``tmp_path`` and no key yet."""
    values: dict[str, Any] = {
        "api_url": box.base_url,
        "ledger_path": tmp_path / "ledger.sqlite3",
        "config_path": tmp_path / "config.ini",
        "options": FAST,
    }
    values.update(overrides)
    return DeskConfig(**values)


class PageClient:
    """Flask's test client, carrying the token as the page's script does."""

    def __init__(self, desk: Desk, token: str) -> None:
        self.desk = desk
        self.token = token
        self.app = create_app(desk, token=token, port=PORT)
        self.client = self.app.test_client()
        self.responses: list[Any] = []

    def get(self, path: str, *, token: bool = True, **kw: Any) -> Any:
        headers = {TOKEN_HEADER: self.token} if token else {}
        headers.update(kw.pop("headers", {}))
        response = self.client.get(path, base_url=BASE, headers=headers, **kw)
        self.responses.append(response)
        return response

    def post(self, path: str, *, token: bool = True, **kw: Any) -> Any:
        headers = {TOKEN_HEADER: self.token} if token else {}
        headers.update(kw.pop("headers", {}))
        response = self.client.post(path, base_url=BASE, headers=headers, **kw)
        self.responses.append(response)
        return response

    def upload(self, *paths: Path) -> Any:
        files = [(path.open("rb"), path.name) for path in paths]
        try:
            return self.post("/api/files", data={"files": files}, content_type="multipart/form-data")
        finally:
            for handle, _ in files:
                handle.close()

    def wait_for_run(self, timeout: float = 30.0, *, review: bool = True) -> dict[str, Any]:
        """The run's state once it has finished (and, with ``review``, once its review has too)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.get("/api/run").get_json()
            if state["status"] != "running" and not (review and state.get("reviewing")):
                return state
            assert time.monotonic() < deadline, f"the run did not finish: {state}"
            time.sleep(0.02)

    def downloads(self) -> list[str]:
        return re.findall(r'href="(/download/[^"]+)"', self.get("/part/run").get_data(as_text=True))


