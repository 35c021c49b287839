"""Spend edits as a person makes them, timed in Chromium against the app on loopback.

Prints:

- the median (and p90) time of a spend edit on Side by side, from the Enter key
  to the updated FY EBITDA painted beside the grid (at least 15 edits). The
  grids draw on a canvas: the moment is the frame in which the P&L table's
  canvas draws the new EBITDA text (known in advance from the engine). The
  grid's hidden accessibility copy of its cells follows some 200 ms later;
  that time is printed too, but it is not what a person sees;
- typing 12 values down a column at 60 ms a key with no pause between values:
  how long it takes, from the first key to the last EBITDA painted, and how many
  of the 12 values landed in the plan, over several runs.

Run: ``python -m benchmarks.browser_latency [--edits 15] [--columns 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from models import project_plan
from models.formatting import format_amount
from tests.browser import (
    grid_cell,
    press_keys,
    running_app_with_own_store,
    select_cell,
    wait_idle,
)

EBITDA_ROW = 14
# Before the page loads: note when a canvas draws the text awaited (window.__expect),
# at the frame that shows it, and when Enter goes down; times are performance.now() ms.
_WATCH_CANVAS = """
window.__expect = null;
window.__drawn = [];
window.__enter = [];
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
  if (window.__expect !== null && String(text) === window.__expect) {
    const at = performance.now();
    requestAnimationFrame(() => window.__drawn.push(at));
  }
  return fillText.call(this, text, ...rest);
};
window.addEventListener("keydown", (e) => {
  if (e.key === "Enter") window.__enter.push(performance.now());
}, true);
"""
# When the table's accessibility copy of the EBITDA cell changes, at the next frame.
_WATCH_DOM = """
(cell) => {
  window.__dom = [];
  new MutationObserver(() => requestAnimationFrame(() =>
      window.__dom.push([performance.now(), cell.textContent]))
  ).observe(cell, {childList: true, characterData: true, subtree: true});
}
"""


def _open(playwright, url: str, width: int = 1600, height: int = 1000):  # type: ignore[no-untyped-def]
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, open_app_page

    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(_WATCH_CANVAS)
    open_app_page(page, url)
    return browser, page


def _ebitda_cell(page):  # type: ignore[no-untyped-def]
    return grid_cell(page.get_by_test_id("stDataFrame").nth(1), 1, EBITDA_ROW)


def edit_latencies(url: str, edits: int) -> tuple[list[float], list[float]]:
    """Milliseconds from Enter to the new FY EBITDA painted, one spend edit at a time:
    on the canvas (what a person sees), and in the grid's accessibility copy."""
    from playwright.sync_api import sync_playwright

    plan = sample_plan()
    with sync_playwright() as playwright:
        browser, page = _open(playwright, url)
        try:
            page.evaluate(_WATCH_DOM, _ebitda_cell(page).element_handle())
            spend = page.get_by_test_id("stDataFrame").nth(0)
            painted, copied = [], []
            for number in range(edits):
                row, month, value = number % 12, number % 6, 20_000 + 137 * number
                change = Change(("marketing", "channels", row, "spend", month), float(value))
                plan, _ = apply_changes(plan, [change])
                expected = format_amount(project_plan(plan).year("ebitda"))
                select_cell(page, spend, 1 + month, row)
                page.evaluate(
                    "(text) => { window.__expect = text; window.__drawn = []; window.__dom = []; }",
                    expected,
                )
                press_keys(page, f"{value}\n")
                page.wait_for_function(
                    "(text) => window.__drawn.length > 0"
                    " && window.__dom.some(([, shown]) => shown === text)",
                    arg=expected,
                    timeout=30_000,
                )
                enter = page.evaluate("window.__enter[window.__enter.length - 1]")
                painted.append(page.evaluate("(enter) => window.__drawn[0] - enter", enter))
                copied.append(
                    page.evaluate(
                        "([enter, text]) => window.__dom.find(([, s]) => s === text)[0] - enter",
                        [enter, expected],
                    )
                )
                wait_idle(page)
                page.evaluate("window.__expect = null")
            return painted, copied
        finally:
            browser.close()


def type_down_a_column(url: str) -> tuple[float, int]:
    """Seconds to type 12 values down a column without a pause, and how many landed."""
    from playwright.sync_api import sync_playwright

    values = [30_000 + 1_111 * row for row in range(12)]
    changes = [
        Change(("marketing", "channels", row, "spend", 0), float(value))
        for row, value in enumerate(values)
    ]
    plan, _ = apply_changes(sample_plan(), changes)
    expected = format_amount(project_plan(plan).year("ebitda"))
    with sync_playwright() as playwright:
        browser, page = _open(playwright, url)
        try:
            spend = page.get_by_test_id("stDataFrame").nth(0)
            select_cell(page, spend, 1, 0)
            start = time.perf_counter()
            press_keys(page, "".join(f"{value}\n" for value in values))
            try:
                page.wait_for_function(
                    "(expected) => document.querySelectorAll(\"[data-testid='stDataFrame']\")[1]"
                    f".querySelector(\"[data-testid='glide-cell-1-{EBITDA_ROW}']\")"
                    ".textContent === expected",
                    arg=expected,
                    timeout=15_000,
                )
                elapsed = time.perf_counter() - start
            except Exception:  # the values did not all land: count those that did
                elapsed = float("nan")
            wait_idle(page)
            shown = [grid_cell(spend, 1, row).inner_text() for row in range(12)]
            landed = sum(text == str(value) for text, value in zip(shown, values, strict=True))
            return elapsed, landed
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--columns", type=int, default=5, help="runs of 12 values down a column")
    args = parser.parse_args()
    with running_app_with_own_store(Path(tempfile.mkdtemp(prefix="latency-"))) as url:
        painted, copied = edit_latencies(url, args.edits)
        for what, latencies in (("painted", painted), ("in the accessibility copy", copied)):
            print(
                f"spend edit, Enter to FY EBITDA {what} ({len(latencies)} edits): "
                f"median {statistics.median(latencies):.0f} ms, "
                f"p90 {statistics.quantiles(latencies, n=10)[-1]:.0f} ms, "
                f"min {min(latencies):.0f} ms, max {max(latencies):.0f} ms"
            )
        for run in range(args.columns):
            elapsed, landed = type_down_a_column(url)
            took = "EBITDA not as expected" if elapsed != elapsed else f"{elapsed:.2f} s"
            print(f"12 values down a column, 60 ms a key, run {run + 1}: {landed}/12, {took}")


if __name__ == "__main__":
    main()
