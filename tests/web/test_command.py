"""``permify serve`` as a person starts it: a process that prints the page's address, serves
it on 127.0.0.1, and deletes its temporary folder when stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from child_process import ctrl_c_delivered

from permify.web.security import TOKEN_HEADER


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"TMPDIR": str(tmp_path), "PERMIFY_CONFIG": str(tmp_path / "none.ini"),
                "PERMIFY_LEDGER": str(tmp_path / "ledger.sqlite3"), "PYTHONUNBUFFERED": "1"})
    env.pop("PERMA_API_KEY", None)
    return env


def test_serve_prints_the_address_serves_and_cleans_up(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "permify", "serve", "--sandbox", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path), preexec_fn=ctrl_c_delivered,
    )
    try:
        url = ""
        deadline = time.monotonic() + 60
        while not url and time.monotonic() < deadline:
            line = process.stderr.readline()  # type: ignore[union-attr]
            assert line, "permify serve ended before printing the address"
            if "the editor's page is at " in line:
                url = line.split(" is at ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("permify-serve-")]
        with requests.Session() as http:
            page = http.get(url, timeout=30)
            assert page.status_code == 200 and "Archive the sources" in page.text
            base, token = url.split("/?token=")
            assert requests.get(f"{base}/api/run", timeout=30).status_code == 403  # no token, no answer
            assert http.post(f"{base}/api/key", json={"demo": True}, headers={TOKEN_HEADER: token},
                             timeout=30).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("permify-serve-", "permify-sandbox-"))]


def test_a_bad_port_is_one_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "permify", "serve", "--no-browser", "--port", "70000"],
                          capture_output=True, text=True, env=_env(tmp_path), timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--port" in done.stderr


def test_other_commands_do_not_load_flask() -> None:
    code = ("import sys; from permify.cli.main import build_parser, main; build_parser(); "
            "main(['urls', 'sample_docs/article.md']); "
            "assert not any(m == 'flask' or m.startswith(('flask.', 'werkzeug')) for m in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=60)
    assert done.returncode == 0, done.stderr
