"""Every page as a laptop and a narrow window show it, in Chromium: nothing cut, no nan, inf or
-0 on the sample, an empty plan and a plan without sales, the year of a grid reachable with
its channel names and FY total in view, and no serious accessibility fault (axe-core)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import (
    JAN,
    browser_page,
    click_until,
    grid_cell,
    running_app,
    select_cell,
    wait_idle,
)
from tests.conftest import edge_plan_data
from ui.views import PAGE_TABS, TABS

PAGES = {
    "Side by side": "side_by_side",
    "Marketing plan": "marketing_plan",
    "E-commerce P&L": "pnl_budget",
    "Targets": "targets",
    "Curves & allocator": "allocator",
    "History": "history",
}
SIZES = {"laptop": (1280, 800), "narrow": (800, 900)}
# A figure no one should read: nan, inf, a zero with a minus sign, or "-" said as a figure.
UNREADABLE = re.compile(
    r"\bnan\b|\binf\b|(?<![\w.,])-0(?:[.,]0+)?(?![\d.,])|\bis -[,. ]", re.IGNORECASE
)
# Elements whose text is cut when they are narrower than it: metric values and labels, and
# the titles of text tiles and tabs.
CLIPPED = """() => [...document.querySelectorAll(
    '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [role="tab"]'
  )].flatMap(e => [e, ...e.querySelectorAll('*')])
   .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
   .map(e => e.innerText)"""
# Chart titles drawn wider than their chart.
CHART_TITLES_CUT = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(plot => plot.offsetParent !== null)
  .flatMap(plot => {
    const title = plot.querySelector('.gtitle');
    if (!title) return [];
    const box = title.getBBox(), width = plot.getBoundingClientRect().width;
    return box.x < -1 || box.x + box.width > width + 1 ? [title.textContent] : [];
  })"""


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


def open_page(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if name != "Side by side":
        page.get_by_role("link", name=name).click()
        wait_idle(page)


def tabs_of(name: str) -> tuple[str, ...]:
    group = PAGE_TABS.get(PAGES[name])
    return TABS[group] if group else ("",)


def open_tab(page, tab: str) -> None:  # type: ignore[no-untyped-def]
    if tab:
        target = page.get_by_role("tab", name=tab, exact=True)
        click_until(page, target, target.and_(page.locator("[aria-selected='true']")))
        wait_idle(page)


def shown_text(page) -> str:  # type: ignore[no-untyped-def]
    main = page.get_by_test_id("stMain").inner_text()
    return main + "\n" + page.get_by_test_id("stSidebar").inner_text()


def open_plan_file(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text("Open a plan").click()
    page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(path))
    wait_idle(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text(
        json.loads(path.read_text())["name"], timeout=30_000
    )


def _plan_file(folder: Path, name: str) -> Path:
    path = folder / "plan.json"
    path.write_text(json.dumps(edge_plan_data(name)))
    return path


@pytest.mark.parametrize("size", list(SIZES))
def test_no_page_or_tab_cuts_a_figure_label_or_chart_title(app_url, size) -> None:
    width, height = SIZES[size]
    with browser_page(app_url, height=height, width=width) as page:
        cut: dict[str, list[str]] = {}
        for name in PAGES:
            open_page(page, name)
            for tab in tabs_of(name):
                open_tab(page, tab)
                found = page.evaluate(CLIPPED) + page.evaluate(CHART_TITLES_CUT)
                if found:
                    cut[f"{name} / {tab}"] = found
        assert not cut


@pytest.mark.parametrize("plan", ["sample", "empty", "no traffic channel", "no sales"])
def test_no_page_shows_nan_inf_or_minus_zero(app_url, plan, tmp_path) -> None:
    with browser_page(app_url, height=900, width=1440) as page:
        if plan != "sample":
            open_plan_file(page, _plan_file(tmp_path, plan))
        seen: dict[str, list[str]] = {}
        for name in PAGES:
            open_page(page, name)
            for tab in tabs_of(name):
                open_tab(page, tab)
                found = [line for line in shown_text(page).splitlines() if UNREADABLE.search(line)]
                if found:
                    seen[f"{name} / {tab}"] = found
        assert not seen


def test_an_empty_plan_says_where_channels_are_added(app_url, tmp_path) -> None:
    with browser_page(app_url, height=900, width=1440) as page:
        open_plan_file(page, _plan_file(tmp_path, "empty"))

        expect(page.get_by_test_id("stMain")).to_contain_text(
            "No marketing channels yet", timeout=30_000
        )
        assert "Add the first channel on the Marketing plan page" in shown_text(page)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_whole_year_of_the_spend_grid_is_reachable_with_names_and_fy_in_view(
    app_url, size
) -> None:
    width, height = SIZES[size]
    with browser_page(app_url, height=height, width=width) as page:
        grid = page.get_by_test_id("stDataFrame").first
        select_cell(page, grid, JAN, 0)
        for _ in range(11):  # to the twelfth month, as a person would with the arrow key
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(60)
        december = grid.locator(f"[data-testid='glide-cell-{JAN + 11}-0']")
        expect(december).to_have_attribute("aria-selected", "true", timeout=10_000)
        # The grid scrolled to December and still shows the channel and its FY total.
        assert grid_cell(grid, 0, 0).inner_text() == "Google Search – Brand"
        assert grid_cell(grid, 1, 0).inner_text() == "190,000"
        assert grid.bounding_box()["width"] <= width

        open_page(page, "E-commerce P&L")
        open_tab(page, "Fixed costs")
        costs = page.get_by_test_id("stDataFrame").first
        select_cell(page, costs, JAN, 0)
        for _ in range(11):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(60)
        december = costs.locator(f"[data-testid='glide-cell-{JAN + 11}-0']")
        expect(december).to_have_attribute("aria-selected", "true", timeout=10_000)
        assert grid_cell(costs, 0, 0).inner_text() == "Personnel"
        assert grid_cell(costs, 1, 0).inner_text() == "2,238,000"


def test_the_first_screen_of_a_laptop_shows_spend_the_linked_figures_and_ebitda(app_url) -> None:
    with browser_page(app_url, height=800, width=1280) as page:
        main = page.get_by_test_id("stMain")
        expect(main).to_contain_text("EBITDA (EUR)", timeout=30_000)
        ebitda = page.get_by_text("EBITDA (EUR)", exact=True).first
        grid = page.get_by_test_id("stDataFrame").first
        for element in (ebitda, grid):
            top = element.bounding_box()["y"]
            assert 0 <= top < 800
        # At least the first eight channels' spend without scrolling.
        assert grid.bounding_box()["y"] + 38 + 8 * 35 <= 800


def test_every_page_passes_axe_without_serious_or_critical_faults(app_url) -> None:
    axe = Axe()
    with browser_page(app_url, height=800, width=1280) as page:
        faults: dict[str, list[str]] = {}
        for name in PAGES:
            open_page(page, name)
            for tab in tabs_of(name):
                open_tab(page, tab)
                results = axe.run(page)
                serious = [
                    f"{v['id']}: {v['help']} ({len(v['nodes'])})"
                    for v in results.response["violations"]
                    if v["impact"] in ("serious", "critical")
                ]
                if serious:
                    faults[f"{name} / {tab}"] = serious
        assert not faults
