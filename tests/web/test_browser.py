"""End to end in real headless Chromium against ``permify serve --sandbox``: key, folder,
three sample manuscripts, one URL unticked, archive, every row final, downloads checked
like the command line's outputs, and a rerun that creates nothing."""

from __future__ import annotations

import csv
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_browser import chromium, clipped_screenshot, require_browser, screenshot, wait_until

import permify
from permify.sandbox import DEMO_API_KEY
from permify.web.command import Serving, serve_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLES = Path(__file__).resolve().parents[2] / "sample_docs"
DOCUMENTS = ("article.md", "references.bib", "article.docx")
LEFT_OUT = "https://case.law/"


@pytest.fixture
def served() -> Iterator[Serving]:
    """``permify serve --sandbox --no-browser`` on a thread, stopped after the test."""
    require_browser()
    found: list[Serving] = []
    listening = threading.Event()

    def ready(serving: Serving) -> None:
        found.append(serving)
        listening.set()

    thread = threading.Thread(target=serve_page, kwargs={"sandbox": True, "open_browser": False, "ready": ready,
                                                          "out": io.StringIO()}, daemon=True)
    thread.start()
    assert listening.wait(30), "the page did not start"
    yield found[0]
    found[0].server.shutdown()
    thread.join(30)
    assert not found[0].desk.workdir.exists()


def _rows(driver) -> list[tuple[str, str]]:
    """The results table's (url, state) rows, read in one go (the page redraws it as it goes)."""
    return [tuple(row) for row in driver.execute_script(
        "return Array.from(document.querySelectorAll('table.results tbody tr'))"
        ".map(tr => [tr.dataset.url, tr.dataset.state]);")]


def test_an_editor_archives_three_manuscripts(served: Serving, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path / "screenshots"
    shots.mkdir()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    sandbox = served.sandbox
    with chromium(tmp_path / "profile", downloads) as driver:
        driver.get(served.url)
        wait_until(lambda: driver.find_element(By.ID, "api-key"), "the key field")
        assert "token=" not in driver.current_url  # traded for a cookie at once
        screenshot(driver, shots / "1-start.png")

        # 1. the key, typed once
        driver.find_element(By.ID, "api-key").send_keys(DEMO_API_KEY)
        driver.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
        wait_until(lambda: "Connected" in driver.find_element(By.CSS_SELECTOR, "[data-part=key]").text, "connected")
        assert DEMO_API_KEY not in driver.page_source
        folder_names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".tree li")]
        assert folder_names[0].startswith("Demo Law Review")  # organization folders first
        assert any("Personal Links" in n and "links left" in n for n in folder_names)

        # 2. the folder
        vol12 = driver.find_element(By.XPATH, "//label[normalize-space()='Vol 12']")
        vol12.click()
        wait_until(lambda: "Vol 12" in driver.find_element(By.CSS_SELECTOR, "[data-part=summary]").text
                   or "Vol 12" in driver.find_element(By.CSS_SELECTOR, ".new-folder").text, "Vol 12 chosen")
        screenshot(driver, shots / "2-folder.png")

        # 3. the files, scanned at once
        driver.find_element(By.ID, "file-input").send_keys("\n".join(str(SAMPLES / n) for n in DOCUMENTS))
        wait_until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "details.doc")) == 3, "three documents")
        page_text = driver.find_element(By.CSS_SELECTOR, "[data-part=files]").text
        assert "footnote 12" in page_text and "new archive" in page_text and "already has a Perma link" in page_text
        screenshot(driver, shots / "3-files.png")

        # 4. untick one URL
        box = driver.find_element(By.CSS_SELECTOR, f"input.pick[data-key='{permify.dedupe_key(LEFT_OUT)}']")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
        wait_until(lambda: served.desk.excluded == {permify.dedupe_key(LEFT_OUT)}, "the URL left out")
        wait_until(lambda: "1 left out" in driver.find_element(By.CSS_SELECTOR, "[data-part=summary]").text,
                   "the summary")
        screenshot(driver, shots / "4-unticked.png")
        clipped_screenshot(driver, shots / "readme-files.png", "section[aria-labelledby=h-files]")

        # 5. archive, with live progress; every row reaches its final state
        driver.find_element(By.ID, "archive").click()
        wait_until(lambda: _rows(driver), "the progress table")
        screenshot(driver, shots / "5-progress.png")
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".run").get_attribute("data-run-status") == "done",
                   "the run to finish", timeout=60)
        rows = _rows(driver)
        assert rows and all(state in ("captured", "reused", "linked", "left out") for _, state in rows), rows
        assert (LEFT_OUT, "left out") in rows
        wait_until(lambda: not served.desk.run.reviewing, "the capture review", timeout=60)
        wait_until(lambda: driver.find_element(By.ID, "run-live").text.startswith("Finished:"), "the summary")
        verdicts = wait_until(lambda: driver.execute_script(
            "const t = document.querySelector('table.results');"
            "return t.textContent.includes('checking…') ? null :"
            " Array.from(t.querySelectorAll('.c-review .badge')).map(b => b.textContent.trim());"),
            "every verdict shown")
        assert set(verdicts) <= {"ok", "suspect", "failed"} and "ok" in verdicts
        screenshot(driver, shots / "6-results.png")
        clipped_screenshot(driver, shots / "readme-results.png", "section[aria-labelledby=h-archive]")

        # 6. download everything as one zip, through the browser
        driver.find_element(By.CSS_SELECTOR, ".dl-zip a").click()
        bundle = wait_until(lambda: (downloads / "permify-outputs.zip").exists()
                            and not list(downloads.glob("*.crdownload")) and downloads / "permify-outputs.zip",
                            "the zip download")
        created = len(sandbox.links())

        # 7. a rerun from the page creates nothing new
        sandbox.reset_log()
        driver.find_element(By.ID, "archive").click()
        wait_until(lambda: served.desk.run.number == 2 and not served.desk.run.busy, "the rerun", timeout=60)
        wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".run").get_attribute("data-run-status") == "done"
                   and "Finished" in driver.find_element(By.ID, "run-live").text, "the rerun shown")
        assert sandbox.count("POST") == 0
        assert len(sandbox.links()) == created
        assert {state for _, state in _rows(driver)} <= {"reused", "linked", "left out"}
        screenshot(driver, shots / "7-rerun.png")

    # the outputs pass the command line's checks
    out = tmp_path / "outputs"
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        zf.extractall(out)
    assert names == {"article.perma.md", "references.perma.bib", "article.perma.docx", "article.perma-tracked.docx",
                     "permify-report.csv", "permify-report.json"}
    for name in DOCUMENTS:  # the originals are untouched: they were uploaded copies
        assert (SAMPLES / name).stat().st_size > 0
    clean = [out / "article.perma.md", out / "references.perma.bib", out / "article.perma.docx"]
    missing = {citation.cited.url for _, citation in permify.check_documents(clean)}
    # archived, but in a reference-manager field permify leaves alone (the page says to add it by hand)
    by_hand = {c.cited.url for name in DOCUMENTS for c in permify.scan_document(SAMPLES / name).citations
               if c.cited.note}
    assert missing == {LEFT_OUT} | by_hand
    tracked = {c.cited.url for _, c in permify.check_documents([out / "article.perma-tracked.docx"])}
    assert tracked == by_hand
    report = list(csv.DictReader((out / "permify-report.csv").read_text(encoding="utf-8-sig").splitlines()))
    by_url = {row["url"]: row for row in report}
    assert by_url[LEFT_OUT]["status"] == "skipped" and not by_url[LEFT_OUT]["perma_url"]
    assert not sandbox.links(url=LEFT_OUT)
    archived = [row for row in report if row["status"] in ("archived", "reused")]
    assert archived and all(row["perma_url"].startswith("https://perma.cc/") for row in archived)
    assert by_hand and all(by_url[url]["perma_url"] for url in by_hand)
    assert DEMO_API_KEY not in (out / "permify-report.json").read_text(encoding="utf-8")
