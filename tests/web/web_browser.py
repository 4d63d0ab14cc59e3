"""Headless Chromium for the page's end-to-end tests: Debian's chromium and chromium-driver,
driven by selenium (which must not try to download a driver or a browser)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def require_browser() -> None:
    """Skip when selenium, Chromium or its driver is missing (``.ci/run`` installs them)."""
    pytest.importorskip("selenium")
    for path in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(path) is None:
            pytest.skip(f"{path} is not installed (apt-get install chromium chromium-driver)")


@contextmanager
def chromium(profile: Path, downloads: Path, *, width: int = 1280, height: int = 900) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, saving downloads into ``downloads``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        f"--user-data-dir={profile}", f"--window-size={width},{height}", "--lang=en-US",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads),
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    })
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()


def wait_until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something true; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
        except Exception as error:  # a redraw can replace an element between two calls
            last_error = error
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def screenshot(driver: Any, path: Path, *, width: int = 1280) -> Path:
    """Save the whole page (the window is stretched to the page's height) as ``path``."""
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
    driver.set_window_size(width, min(int(height) + 40, 7000))
    driver.save_screenshot(str(path))
    driver.set_window_size(width, 900)
    return path


def clipped_screenshot(driver: Any, path: Path, css: str, *, width: int = 900, height: int = 760) -> Path:
    """Save the top ``height`` pixels of the element matching ``css``, with the window ``width``
    wide (for the README: small pictures of one step)."""
    import base64

    driver.set_window_size(width, 1000)
    element = driver.find_element("css selector", css)
    x, y, w, h = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];", element)
    clip = {"x": max(x - 12, 0), "y": max(y - 12, 0), "width": min(w + 24, width), "height": min(h + 24, height),
            "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "clip": clip,
                                                             "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))
    driver.set_window_size(1280, 900)
    return path
