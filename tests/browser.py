"""The real app in Debian's Chromium: a streamlit server on a free loopback port, driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
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
    with running_streamlit(ROOT / "app.py", port, env=env) as url:
        yield url


@contextmanager
def running_streamlit(
    script: Path, port: int, *flags: str, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``streamlit run script`` on 127.0.0.1:``port`` with ``flags`` on top of the tests' own;
    yield its URL once it answers its health check; stop it afterwards."""
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script),
         "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *flags],
        cwd=ROOT, env=None if env is None else dict(env), stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
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
def browser_page(url: str, height: int = 1000, width: int = 1440) -> Iterator[object]:
    """Debian's Chromium, headless, on the app at ``url``, its first page drawn.

    The page may read and write the clipboard, as a person's paste does.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
            page = context.new_page()
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


# Installed in every page before the app loads: when the person last acted (a key, a
# click, a paste), when the front end last asked for a rerun (a BackMsg whose first
# byte is the tag of ``rerun_script``, field 11), and when the server last said a run
# finished (a ForwardMsg with ``script_finished``, field 6, not "early for a rerun").
# A quick run never shows as running on the page: React draws its start and end at once.
ACTIVITY_WATCH = """
window.__activity = {input: 0, rerun: 0, finished: 0};
for (const type of ["keydown", "mousedown", "paste"]) {
  addEventListener(type, () => { window.__activity.input = performance.now(); }, true);
}
function varint(bytes, at) {
  let value = 0, shift = 0, byte;
  do { byte = bytes[at++]; value += (byte & 127) * 2 ** shift; shift += 7; } while (byte & 128);
  return [value, at];
}
function scriptFinished(bytes) {
  let at = 0, key, value;
  while (at < bytes.length) {
    [key, at] = varint(bytes, at);
    const field = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) {
      [value, at] = varint(bytes, at);
      if (field === 6) return value !== 2;
    } else if (wire === 2) {
      [value, at] = varint(bytes, at);
      at += value;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return false;
  }
  return false;
}
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (!this.__watched) {
    this.__watched = true;
    this.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer && scriptFinished(new Uint8Array(event.data))) {
        window.__activity.finished = performance.now();
      }
    });
  }
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data)
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : null;
  if (bytes && bytes[0] === 90) window.__activity.rerun = performance.now();
  return send.call(this, data);
};
"""
# Idle: no script running, and either the rerun asked for since the last key, click or
# paste has finished with no new one asked for in the 250 ms after (a widget drawn by
# the run may report its state, a tab restored, say), or a second has passed since the
# last key, click or paste with no rerun asked for (a grid sends its edits 150 ms after
# the last key; an action that reruns nothing sends none).
_IDLE = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return false;
  const a = window.__activity, now = performance.now();
  if (a.rerun > a.input) return a.finished > a.rerun && now - a.finished > 250;
  return now - a.input > 1000;
}
"""


def wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until what the person did last has had its effect: the rerun it asked for
    has finished, or none was asked for, and no script is running."""
    page.wait_for_function(_IDLE, timeout=60_000, polling=50)


def open_app_page(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Load the app and wait until its first page and sidebar are drawn."""
    page.add_init_script(ACTIVITY_WATCH)
    page.goto(url)
    wait_idle(page)
    page.get_by_test_id("stSidebar").get_by_text("EBITDA margin").wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
    # The grids measure their text again once the web fonts have loaded, which closes a
    # cell editor a key has just opened: a fresh browser loads them after the first run.
    page.wait_for_function("document.fonts.status === 'loaded'", timeout=60_000)
    wait_idle(page)


# A spend grid's columns: 0 the channels and 1 the FY total (both pinned), then the months.
JAN = 2


def grid_cell(grid, column: int, row: int):  # type: ignore[no-untyped-def]
    """The accessible cell of a grid (column 0 is the row labels)."""
    return grid.locator(f"[data-testid='glide-cell-{column}-{row}']")


KEY_INTERVAL_MS = 60  # a person typing steadily: one key every 60 ms
HEADER_HEIGHT, ROW_HEIGHT = 35, 35


def press_keys(page, keys: str) -> None:  # type: ignore[no-untyped-def]
    """Type ``keys`` as a person does, one real key event every 60 ms.

    A newline is the Enter key and a tab the Tab key; every other character
    is typed as it is.
    """
    for key in keys:
        if key == "\n":
            page.keyboard.press("Enter")
        elif key == "\t":
            page.keyboard.press("Tab")
        else:
            page.keyboard.type(key)
        page.wait_for_timeout(KEY_INTERVAL_MS)


def selected_cell(grid) -> str | None:  # type: ignore[no-untyped-def]
    """The id of the grid's selected cell ('glide-cell-<column>-<row>'), if one is selected."""
    selected = grid.locator("td[aria-selected='true']")
    return selected.first.get_attribute("id") if selected.count() else None


def select_cell(page, grid, column: int, row: int) -> None:  # type: ignore[no-untyped-def]
    """Select a cell as a person does: click the row's label, then arrow right to the column.

    The grid may still be settling after a rerun (a dialog closing, a tab
    opening): the selection is checked on the page and made again until the
    cell is the one selected.
    """
    from playwright.sync_api import expect

    target = grid.locator(f"[data-testid='glide-cell-{column}-{row}']")
    for _ in range(5):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + HEADER_HEIGHT + ROW_HEIGHT * row + 17)
        for _ in range(column):
            page.keyboard.press("ArrowRight")
        try:
            expect(target).to_have_attribute("aria-selected", "true", timeout=3_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
            wait_idle(page)
    raise AssertionError(
        f"cell {column}, {row} could not be selected; selected: {selected_cell(grid)}"
    )


def type_into_cell(page, grid, column: int, row: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select a cell, type ``text`` at a person's pace and press Enter; wait for the rerun.

    A person reads what they typed before pressing Enter: if a redraw of the grid closed
    the editor under the first keys (a busy machine finishing the page), the editor does
    not hold the text, and the person presses Escape and types it again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    editor = page.locator("#portal textarea.gdg-input")
    for _ in range(3):
        select_cell(page, grid, column, row)
        press_keys(page, text)
        try:
            editor.wait_for(state="visible", timeout=3_000)
            if editor.input_value() == text:
                break
        except PlaywrightTimeout:
            pass
        page.keyboard.press("Escape")
        wait_idle(page)
    else:
        raise AssertionError(f"the cell editor never held {text!r}")
    press_keys(page, "\n")
    wait_idle(page)


def paste(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Put ``text`` on the clipboard and paste it with Ctrl+V into what is selected."""
    page.evaluate("text => navigator.clipboard.writeText(text)", text)
    page.keyboard.press("Control+V")
    wait_idle(page)


def choose(page, combobox, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option of a selectbox, opening it again if a rerun closed it or redrew its
    list under the click."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(4):
        combobox.click()
        try:
            choice.wait_for(state="visible", timeout=3_000)
            choice.click(timeout=5_000)
            wait_idle(page)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            wait_idle(page)
    raise AssertionError(f"the option {option!r} could not be chosen")


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
