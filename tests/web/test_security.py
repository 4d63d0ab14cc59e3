"""The page's safety rules: token on every request, POST with the token header, loopback only,
the Host check, the upload cap, and an API key that never comes back out."""

from __future__ import annotations

import io
import logging
import threading
import zipfile
from pathlib import Path

import pytest
import requests
from web_helpers import BASE, PORT, PageClient, desk_config

from permify.sandbox import DEMO_API_KEY, Sandbox
from permify.web.command import Serving, serve_page
from permify.web.desk import Desk
from permify.web.security import TOKEN_HEADER, check_bind_host, cookie_name, new_token

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"


def test_every_request_needs_the_token(page: PageClient) -> None:
    for path in ("/", "/part/run", "/api/run", "/static/desk.css", "/download/1/permify-report.csv"):
        response = page.get(path, token=False)
        assert response.status_code == 403, path
        assert b"forbidden" in response.data
    wrong = page.client.get("/api/run", base_url=BASE, headers={TOKEN_HEADER: new_token()})
    assert wrong.status_code == 403
    assert page.get("/api/run").status_code == 200


def test_the_first_visit_trades_the_token_in_the_address_for_a_strict_cookie(page: PageClient) -> None:
    bad = page.client.get(f"/?token={new_token()}", base_url=BASE)
    assert bad.status_code == 403 and "set-cookie" not in {k.lower() for k in bad.headers.keys()}
    first = page.client.get(f"/?token={page.token}", base_url=BASE)
    assert first.status_code == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith(f"{cookie_name(PORT)}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    # the cookie now opens the page, the static files and the state, with no header
    for path in ("/", "/static/desk.js", "/api/run"):
        assert page.client.get(path, base_url=BASE).status_code == 200, path
    html = page.client.get("/", base_url=BASE).get_data(as_text=True)
    assert f'content="{page.token}"' in html  # the page's script reads it from here


def test_a_change_needs_the_header_not_just_the_cookie(page: PageClient) -> None:
    page.client.get(f"/?token={page.token}", base_url=BASE)  # the browser now holds the cookie
    for path in ("/api/key", "/api/archive", "/api/cancel", "/api/select", "/api/folder", "/api/files"):
        response = page.client.post(path, base_url=BASE, json={"demo": True})
        assert response.status_code == 403, path
    assert not page.desk.has_key
    # a GET cannot change anything: the actions answer only POST
    assert page.get("/api/key").status_code == 405
    assert page.get("/api/archive").status_code == 405


def test_a_change_from_another_origin_is_refused(page: PageClient) -> None:
    evil = page.post("/api/cancel", headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    ours = page.post("/api/cancel", headers={"Origin": f"http://127.0.0.1:{PORT}"})
    assert ours.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:1", f"192.168.1.2:{PORT}"])
def test_another_host_name_is_refused(page: PageClient, host: str) -> None:
    # DNS rebinding: another site's name pointed at 127.0.0.1 still sends its own Host
    response = page.client.get("/api/run", base_url=f"http://{host}", headers={TOKEN_HEADER: page.token})
    assert response.status_code == 403
    assert page.client.get("/api/run", base_url=f"http://localhost:{PORT}",
                           headers={TOKEN_HEADER: page.token}).status_code == 200


def test_the_server_binds_loopback_only(sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        check_bind_host("0.0.0.0")
    with pytest.raises(ValueError):
        check_bind_host("")
    seen: dict[str, object] = {}
    out = io.StringIO()
    listening = threading.Event()

    def ready(serving: Serving) -> None:
        seen.update(url=serving.url, desk=serving.desk, server=serving.server,
                    address=serving.server.socket.getsockname())
        listening.set()

    thread = threading.Thread(target=serve_page, kwargs={"sandbox": True, "open_browser": False, "ready": ready,
                                                          "out": out})
    thread.start()
    assert listening.wait(30)
    seen["server"].shutdown()  # type: ignore[attr-defined]
    thread.join(30)
    assert not thread.is_alive()
    assert seen["address"][0] == "127.0.0.1"  # type: ignore[index]
    assert str(seen["url"]).startswith("http://127.0.0.1:")
    desk = seen["desk"]
    assert isinstance(desk, Desk) and not desk.workdir.exists()  # deleted at stop
    assert DEMO_API_KEY not in out.getvalue()


def test_uploads_are_capped(sandbox: Sandbox, tmp_path: Path) -> None:
    desk = Desk(desk_config(sandbox, tmp_path, upload_cap=4096))
    try:
        page = PageClient(desk, new_token())
        big = tmp_path / "big.md"
        big.write_text("See https://example.com/a.\n" + "x" * 8000, encoding="utf-8")
        response = page.upload(big)
        assert response.status_code == 413
        assert "too large" in response.get_json()["error"]
        assert desk.uploads == {} and list((desk.workdir / "uploads").iterdir()) == []
        small = tmp_path / "small.md"
        small.write_text("See https://example.com/a.\n", encoding="utf-8")
        assert page.upload(small).get_json()["added"] == ["small.md"]
    finally:
        desk.close()


def test_uploads_are_private_copies_deleted_at_stop(page: PageClient, tmp_path: Path) -> None:
    original = tmp_path / "article.md"
    original.write_bytes((SAMPLES / "article.md").read_bytes())
    before = original.read_bytes()
    assert page.upload(original).get_json()["added"] == ["article.md"]
    workdir = page.desk.workdir
    assert workdir.stat().st_mode & 0o077 == 0
    (copy,) = (workdir / "uploads").iterdir()
    assert copy.stat().st_mode & 0o077 == 0 and copy.read_bytes() == before
    page.desk.close()
    assert not workdir.exists()
    assert original.read_bytes() == before


def test_the_key_never_comes_back_out(
    sandbox: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    desk = Desk(desk_config(sandbox, tmp_path))
    page = PageClient(desk, new_token())
    try:
        wrong = page.post("/api/key", json={"api_key": "0" * 40})
        assert wrong.status_code == 400 and "did not accept" in wrong.get_json()["error"]
        assert page.post("/api/key", json={"api_key": DEMO_API_KEY, "save": True}).status_code == 200
        assert oct((tmp_path / "config.ini").stat().st_mode & 0o777) == "0o600"
        page.get("/")
        for part in ("key", "folders", "files", "summary", "run"):
            page.get(f"/part/{part}")
        page.post("/api/folder", json={"folder_id": sandbox.org_folder_id})
        page.upload(SAMPLES / "article.md", SAMPLES / "references.bib", SAMPLES / "article.docx")
        page.post("/api/archive", json={})
        page.wait_for_run()
        bodies = []
        for link in page.downloads():
            response = page.get(link)
            assert response.status_code == 200
            bodies.append(response.data)
            if link.endswith(".zip"):
                with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
                    bodies.extend(zf.read(name) for name in zf.namelist())
        page.get("/part/run")
        assert len(page.responses) > 20
        for response in page.responses:
            assert DEMO_API_KEY.encode() not in response.data, response.request.path
            assert DEMO_API_KEY not in str(response.headers), response.request.path
        assert all(DEMO_API_KEY.encode() not in body for body in bodies)
        assert DEMO_API_KEY not in repr(desk.config) + repr(desk.connection())
        captured = capsys.readouterr()
        assert DEMO_API_KEY not in caplog.text + captured.out + captured.err
        # requests to the sandbox carry it in the Authorization header, never in the address
        assert all(not record.had_api_key_query for record in sandbox.requests)
    finally:
        desk.close()


def test_the_served_page_logs_no_request_lines(sandbox: Sandbox) -> None:
    out = io.StringIO()
    seen: dict[str, object] = {}
    ready_event = threading.Event()

    def ready(serving: Serving) -> None:
        seen.update(url=serving.url, server=serving.server)
        ready_event.set()

    thread = threading.Thread(target=serve_page, kwargs={"sandbox": True, "open_browser": False, "ready": ready,
                                                          "out": out})
    thread.start()
    try:
        assert ready_event.wait(30)
        url = str(seen["url"])
        with requests.Session() as session:
            assert session.get(url, timeout=10).status_code == 200
            token = url.split("token=", 1)[1]
            base = url.split("/?", 1)[0]
            response = session.post(f"{base}/api/key", json={"api_key": DEMO_API_KEY},
                                    headers={TOKEN_HEADER: token}, timeout=10)
            assert response.status_code == 200
    finally:
        seen["server"].shutdown()  # type: ignore[attr-defined]
        thread.join(30)
    printed = out.getvalue()
    assert "GET /" not in printed and "POST" not in printed and DEMO_API_KEY not in printed
