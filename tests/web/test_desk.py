"""The desk's pieces: saving the key, the folder tree and its default, uploads, and what the
page shows of each cited URL."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from web_helpers import PageClient, desk_config

from permify.documents import scan_document
from permify.errors import UsageError
from permify.sandbox import DEMO_API_KEY, Sandbox
from permify.web.desk import Desk, save_api_key
from permify.web.security import new_token
from permify.web.views import context_of, group_label, markdown_places, plan_document

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"


def test_saving_the_key_keeps_other_settings_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "permify" / "config.ini"
    path.parent.mkdir()
    path.write_text("[permify]\nfolder = Law Review/Vol 12\napi_key = old\n", encoding="utf-8")
    path.chmod(0o644)
    save_api_key(path, "0123456789abcdef")
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    assert dict(parser["permify"]) == {"folder": "Law Review/Vol 12", "api_key": "0123456789abcdef"}
    assert path.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "new" / "config.ini"
    save_api_key(fresh, "k")
    assert fresh.stat().st_mode & 0o777 == 0o600 and fresh.parent.stat().st_mode & 0o777 == 0o700


def test_the_sandbox_key_is_never_saved_and_the_demo_button_is_sandbox_only(sandbox: Sandbox, tmp_path: Path) -> None:
    boxed = Desk(desk_config(sandbox, tmp_path, sandbox=True, sandbox_key=DEMO_API_KEY))
    plain = Desk(desk_config(sandbox, tmp_path / "plain"))
    try:
        boxed.set_key(DEMO_API_KEY, save=True)
        assert not (tmp_path / "config.ini").exists() and boxed.key_source == "kept for this session only"
        page = PageClient(plain, new_token())
        assert "only for the sandbox" in page.post("/api/key", json={"demo": True}).get_json()["error"]
        assert "demo-key" not in page.get("/").get_data(as_text=True)
        assert "empty" in page.post("/api/key", json={"api_key": "  "}).get_json()["error"]
    finally:
        boxed.close()
        plain.close()


@pytest.mark.parametrize(("spec", "name"), [("Demo Law Review/Vol 12", "Vol 12"), ("drafts", "Drafts"),
                                            ("Personal Links/Research", "Research"), ("Nope/Nothing", None)])
def test_the_default_folder_is_preselected(sandbox: Sandbox, tmp_path: Path, spec: str, name: str | None) -> None:
    desk = Desk(desk_config(sandbox, tmp_path, api_key=DEMO_API_KEY, default_folder=spec))
    try:
        choices = desk.folders()
        assert next(c.kind for c in choices) == "organization"  # organization folders first
        personal = next(c for c in choices if c.name == "Personal Links")
        assert personal.quota == 10
        chosen = desk.folder()
        assert (chosen.name if chosen else None) == name
    finally:
        desk.close()


def test_a_subfolder_is_created_and_chosen(page: PageClient, sandbox: Sandbox) -> None:
    page.post("/api/key", json={"api_key": DEMO_API_KEY})
    made = page.post("/api/folders/new", json={"parent_id": sandbox.org_folder_id, "name": "  Smith,   Vol 13 "})
    assert made.status_code == 200, made.get_json()
    chosen = page.desk.folder()
    assert chosen is not None and chosen.name == "Smith, Vol 13" and chosen.depth == 1
    assert "give the new folder a name" in page.post("/api/folders/new", json={
        "parent_id": sandbox.org_folder_id, "name": " "}).get_json()["error"]


def test_uploads_are_checked_and_a_same_name_replaces(page: PageClient, tmp_path: Path) -> None:
    pdf = tmp_path / "article.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    answer = page.upload(pdf).get_json()
    assert answer["added"] == [] and "article.pdf" in answer["errors"][0]
    first = tmp_path / "a" / "notes.md"
    first.parent.mkdir()
    first.write_text("One: https://example.com/one\n", encoding="utf-8")
    second = tmp_path / "b" / "notes.md"
    second.parent.mkdir()
    second.write_text("Two: https://example.com/two\n", encoding="utf-8")
    page.upload(first)
    page.upload(second)
    (upload,) = page.desk.uploads.values()
    assert [c.cited.url for c in upload.scan.citations] == ["https://example.com/two"]
    assert len(list((page.desk.workdir / "uploads").iterdir())) == 1
    assert page.post(f"/api/files/{upload.id}/remove").status_code == 200
    assert page.desk.uploads == {}
    assert page.post("/api/files", data={}).status_code == 400


def test_urls_are_grouped_by_place_with_their_context() -> None:
    scan = scan_document(SAMPLES / "article.md")
    groups = plan_document(scan, {}, set(), {})
    labels = [g.label for g in groups]
    assert labels[:2] == ["section “I. Introduction”", "section “II. Measuring the Problem”"]
    intro = next(g for g in groups if g.label == "section “I. Introduction”")
    item = intro.items[0]
    assert item.url == "https://www.supremecourt.gov/opinions/cited_urls/"
    assert "Internet materials cited in opinions" in item.context and "‹URL›" in item.context
    assert item.action == "archive" and item.checked and item.checkable
    bib = scan_document(SAMPLES / "references.bib")
    entry = next(c for c in bib.citations if "ftc2023policy" in c.cited.location)
    assert group_label(entry.cited.location) == "entry ftc2023policy"
    assert context_of(bib, entry)
    docx = scan_document(SAMPLES / "article.docx")
    labels = [g.label for g in plan_document(docx, {}, set(), {})]
    assert "footnote 12" in labels and "header" in labels


def test_markdown_places_follow_headings_and_footnotes() -> None:
    text = "intro\n# One\ntext\n[^a]: note\n    more note\nafter\n## Two\n"
    assert markdown_places(text) == [
        "before the first heading", "section “One”", "section “One”", "footnote a", "footnote a",
        "section “One”", "section “Two”",
    ]


def test_the_plan_says_what_will_happen(tmp_path: Path) -> None:
    from permify.archiving.outcomes import Outcome
    from permify.urls import dedupe_key

    path = tmp_path / "a.md"
    path.write_text("A https://example.com/new B https://example.com/known C http://localhost/x "
                    "D https://example.com/out E https://example.com/linked [perma](https://perma.cc/AB12-CD34)\n",
                    encoding="utf-8")
    scan = scan_document(path)
    known = {dedupe_key("https://example.com/known"): Outcome("k", "https://example.com/known", "reused", "ZZ99-YY88")}
    groups = plan_document(scan, known, {dedupe_key("https://example.com/out")}, {})
    actions = {item.url: (item.action, item.checked) for g in groups for item in g.items}
    assert actions["https://example.com/new"] == ("archive", True)
    assert actions["https://example.com/known"] == ("reuse", True)
    assert actions["http://localhost/x"] == ("skip", False)
    assert actions["https://example.com/out"] == ("leave", False)


def test_bad_input_to_the_desk_is_one_clear_error(desk: Desk) -> None:
    with pytest.raises(UsageError, match="API key first"):
        desk.connection()
    with pytest.raises(UsageError):
        desk.add_upload("../", b"")


def test_a_rejected_key_from_the_settings_is_dropped_and_asked_for(sandbox: Sandbox, tmp_path: Path) -> None:
    desk = Desk(desk_config(sandbox, tmp_path, api_key="f" * 40, key_source="from the environment (PERMA_API_KEY)"))
    try:
        html = PageClient(desk, new_token()).get("/").get_data(as_text=True)
        assert "did not accept the API key" in html and 'id="api-key"' in html
        assert not desk.has_key and "f" * 40 not in html
    finally:
        desk.close()
