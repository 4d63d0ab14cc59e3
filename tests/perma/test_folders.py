"""Folder resolution: by id, by path of names, missing, created; resolved once per site and remembered."""

from __future__ import annotations

from pathlib import Path

import pytest

from permify.errors import ConfigError, UsageError
from permify.perma.client import PermaClient
from permify.perma.folders import FolderNotFoundError, folder_tree, plan_folder, resolve_folder
from permify.sandbox import Sandbox
from permify.site import ArchiveSite


@pytest.fixture
def client(sandbox: Sandbox):
    with PermaClient(sandbox.api_key, sandbox.base_url) as perma:
        yield perma


def test_an_id_names_that_folder(sandbox: Sandbox, client: PermaClient) -> None:
    folder = resolve_folder(client, str(sandbox.org_folder_id))
    assert folder.id == sandbox.org_folder_id and folder.name == "Demo Law Review"
    assert resolve_folder(client, sandbox.personal_folder_id).id == sandbox.personal_folder_id
    with pytest.raises(FolderNotFoundError, match="folder 987654 does not exist; run 'permify folders'"):
        resolve_folder(client, "987654")


def test_a_path_starts_at_a_top_folder(sandbox: Sandbox, client: PermaClient) -> None:
    vol = resolve_folder(client, "Demo Law Review/Vol 12")
    assert vol.name == "Vol 12" and vol.id in {f.id for f in client.list_child_folders(sandbox.org_folder_id)}
    assert resolve_folder(client, "/demo law review/VOL 12/").id == vol.id  # case folded when unambiguous
    research = resolve_folder(client, "Personal Links/Research")
    assert research.id in {f.id for f in client.list_child_folders(sandbox.personal_folder_id)}


def test_a_first_name_that_is_no_top_folder_is_an_error_with_the_closest_names(
    sandbox: Sandbox, client: PermaClient
) -> None:
    before = [f.id for _, f in folder_tree(client)]
    with pytest.raises(FolderNotFoundError) as caught:
        resolve_folder(client, "Demo Law Reveiw/Vol 12", create=True)
    message = str(caught.value)
    assert "no top-level folder 'Demo Law Reveiw' (did you mean 'Demo Law Review'?)" in message
    assert "'Personal Links', 'Demo Law Review'" in message and ".;" not in message
    with pytest.raises(FolderNotFoundError, match="did you mean 'Demo Law Review'"):
        resolve_folder(client, "DEMO LAW REVEIW")  # compared case-insensitively
    # A name that lives inside Personal Links is suggested with its full path, never used.
    with pytest.raises(FolderNotFoundError, match="did you mean 'Personal Links/Research'"):
        resolve_folder(client, "Research", create=True)
    assert [f.id for _, f in folder_tree(client)] == before  # nothing created anywhere


def test_create_folder_makes_only_the_missing_tail(sandbox: Sandbox, client: PermaClient) -> None:
    plan = plan_folder(client, "Personal Links/Research/2026/Spring")
    assert plan.existing_path == "Personal Links/Research" and plan.missing == ("2026", "Spring")
    assert plan.describe() == "would create '2026/Spring' in 'Personal Links/Research'"
    made = resolve_folder(client, "personal links/Research/2026/Spring", create=True)
    research = resolve_folder(client, "Personal Links/Research")
    assert [f.name for f in client.list_child_folders(research.id)] == ["2026"]
    assert plan_folder(client, "Personal Links/Research/2026/Spring").existing.id == made.id
    assert plan_folder(client, "Personal Links/Research/2026/Spring").complete


def test_a_missing_subfolder_suggests_the_closest(client: PermaClient) -> None:
    with pytest.raises(FolderNotFoundError, match="did you mean 'Vol 12'"):
        resolve_folder(client, "Demo Law Review/vol 21")


def test_a_missing_folder_names_what_is_there_and_the_fix(client: PermaClient) -> None:
    with pytest.raises(FolderNotFoundError) as caught:
        resolve_folder(client, "Demo Law Review/Vol 13")
    message = str(caught.value)
    assert "no folder 'Vol 13' in 'Demo Law Review'" in message
    assert "'Vol 12'" in message and "--create-folder" in message
    with pytest.raises(UsageError, match="no folder given"):
        resolve_folder(client, "  ")


def test_create_folder_makes_the_missing_folders_once(sandbox: Sandbox, client: PermaClient) -> None:
    made = resolve_folder(client, "Demo Law Review/Vol 13/Smith", create=True)
    assert made.name == "Smith"
    assert resolve_folder(client, "Demo Law Review/Vol 13/Smith").id == made.id  # found, not made again
    again = resolve_folder(client, "Demo Law Review/Vol 13/Smith", create=True)
    assert again.id == made.id
    vol13 = resolve_folder(client, "Demo Law Review/Vol 13")
    assert [f.name for f in client.list_child_folders(vol13.id)] == ["Smith"]


def test_a_site_resolves_its_folder_once_and_the_next_site_makes_no_request(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite3"
    site = ArchiveSite(folder="Demo Law Review/Vol 12", api_key=sandbox.api_key, api_url=sandbox.base_url,
                       ledger=ledger)
    with site:
        assert site.known_folder_id() is None  # a path, never resolved: offline it cannot tell
        folder_id = site.folder_id()
        sandbox.reset_log()
        assert site.folder_id() == folder_id and sandbox.count() == 0
    with ArchiveSite(folder="Demo Law Review/Vol 12", api_key=sandbox.api_key, api_url=sandbox.base_url,
                     ledger=ledger) as warm:
        assert warm.known_folder_id() == folder_id
        assert warm.folder_id() == folder_id
        assert warm.folder_ledger().folder_id == folder_id
    assert sandbox.count() == 0  # the ledger remembered the path


def test_a_site_without_a_folder_or_with_a_missing_one(sandbox: Sandbox, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PERMIFY_FOLDER", raising=False)
    monkeypatch.setenv("PERMIFY_CONFIG", str(tmp_path / "absent.ini"))
    where = {"api_key": sandbox.api_key, "api_url": sandbox.base_url, "ledger": tmp_path / "l.db"}
    with ArchiveSite(**where) as site:  # type: ignore[arg-type]
        assert site.known_folder_id() is None
        with pytest.raises(ConfigError, match="no Perma folder"):
            site.folder_id()
    with ArchiveSite(folder="4242", **where) as site:  # type: ignore[arg-type]
        assert site.known_folder_id() == 4242  # an id needs no look-up offline
    with ArchiveSite(folder="Demo Law Review/Vol 99", **where) as site:  # type: ignore[arg-type]
        with pytest.raises(FolderNotFoundError, match="--create-folder"):
            site.folder_id()
    with ArchiveSite(folder="Demo Law Review/Vol 99", create_folder=True, **where) as site:  # type: ignore[arg-type]
        made = site.folder_id()
        assert site.client.get_folder(made).name == "Vol 99"


def test_a_known_archive_lookup_never_creates_a_ledger(tmp_path: Path) -> None:
    site = ArchiveSite(folder="12", api_url="http://127.0.0.1:9/v1", ledger=tmp_path / "none.db")
    assert site.existing_ledger() is None and site.known_folder_id() == 12
    assert not (tmp_path / "none.db").exists()
