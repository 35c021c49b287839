"""The real app in Debian's Chromium: a streamlit server on a free loopback port, driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running_app(env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``streamlit run app.py`` on loopback; yield its URL; stop it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(15)


@contextmanager
def browser_page(url: str, height: int = 1000) -> Iterator[object]:
    """Debian's Chromium, headless, on the app at ``url``, its first page drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1440, "height": height})
            open_app_page(page, url)
            yield page
        finally:
            browser.close()


@contextmanager
def running_app_with_own_store(folder: Path) -> Iterator[str]:
    """``running_app`` whose plan database is a fresh SQLite file in ``folder``."""
    env = {**os.environ, "BUDGET_DB_PATH": str(folder / "plans.db")}
    env.pop("BUDGET_DB_URL", None)
    with running_app(env=env) as url:
        yield url


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the app's script has finished its run."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(
        state="attached", timeout=60_000
    )


def open_app_page(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Load the app and wait until its first page and sidebar are drawn."""
    page.goto(url)
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("EBITDA margin").wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    wait_idle(page)


def grid_cell(grid, column: int, row: int):  # type: ignore[no-untyped-def]
    """The accessible cell of a grid (column 0 is the row labels)."""
    return grid.locator(f"[data-testid='glide-cell-{column}-{row}']")


def type_into_cell(page, grid, column: int, row: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select a cell with the keyboard from the row's label, open its editor, type and commit.

    The grid may still be settling after a rerun (a dialog closing, a toast):
    selection is retried until the cell's editor opens.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    header, row_height = 35, 35
    editor = page.locator(".gdg-input, #portal textarea, #portal input").first
    for _ in range(4):
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + header + row_height * row + row_height / 2)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Enter")
        try:
            editor.wait_for(state="visible", timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    editor.fill(text)
    editor.press("Enter")
    wait_idle(page)


def choose(page, combobox, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a selectbox, opening it again if a rerun closed it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        combobox.click()
        try:
            choice.wait_for(state="visible", timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
    choice.click()
    wait_idle(page)


def click_until(page, target, outcome, tries: int = 3) -> None:  # type: ignore[no-untyped-def]
    """Click ``target`` until ``outcome`` shows, for a click that lands while a rerun redraws
    the page; fail with what the page shows instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        target.click()
        wait_idle(page)
        try:
            outcome.first.wait_for(state="visible", timeout=15_000)
            return
        except PlaywrightTimeout:
            if not target.is_visible():
                break
    shown = page.get_by_test_id("stMain").inner_text()
    raise AssertionError(
        f"{outcome} did not show after clicking {target}; the page shows:\n{shown}"
    )
