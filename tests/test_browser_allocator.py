"""End to end in Chromium: give the sample plan's channels curves, run the allocator, apply it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from budgets.samples import sample_plan
from models.allocator import AllocationLimits, AllocationMode, allocate
from models.curve_plans import with_plan_curves
from models.formatting import format_rate
from tests.browser import (
    CHROMIUM,
    JAN,
    browser_page,
    click_until,
    grid_cell,
    press_keys,
    running_app_with_own_store,
    select_cell,
    wait_idle,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory) -> Iterator[str]:
    with running_app_with_own_store(tmp_path_factory.mktemp("store")) as url:
        yield url


@pytest.fixture
def page(app_url):  # type: ignore[no-untyped-def]
    with browser_page(app_url, height=1400) as page:
        yield page


def _allocator_with_plan_curves(page):  # type: ignore[no-untyped-def]
    """Give every channel a curve from its plan, open the Allocator tab; its Run button."""
    page.get_by_role("link", name="Curves & allocator").click()
    wait_idle(page)
    set_curves = page.get_by_role("button", name="Set the curves")
    run = page.get_by_role("button", name="Run the allocator")
    click_until(
        page, page.get_by_text("Start every channel without a curve from its plan"), set_curves
    )
    click_until(page, set_curves, page.get_by_role("button", name="Remove the curve of"))
    click_until(page, page.get_by_role("tab", name="Allocator"), run)
    return run


def test_the_allocator_splits_the_sample_budget_and_the_plan_takes_it(page) -> None:
    expected = allocate(with_plan_curves(sample_plan()), AllocationMode.FIXED_BUDGET)
    first = expected.recommended_plan.marketing.channels[0]

    run = _allocator_with_plan_curves(page)
    run.click()
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    main.get_by_text("Split by marginal contribution").wait_for(timeout=30_000)
    assert expected.summary in main.inner_text()
    page.get_by_role("button", name="Apply to plan").click()
    wait_idle(page)

    margin = format_rate(expected.after.margin("ebitda")[-1])
    expect(page.get_by_test_id("stSidebar")).to_contain_text(margin, timeout=30_000)
    page.get_by_role("link", name="Side by side").click()
    wait_idle(page)
    expect(page.get_by_test_id("stMain")).to_contain_text("Marketing spend plan", timeout=30_000)
    shown = grid_cell(page.get_by_test_id("stDataFrame").first, JAN, 0).inner_text()
    assert float(shown.replace(",", "")) == pytest.approx(first.spend[0], abs=0.5)


def test_limits_are_typed_like_amounts_and_text_is_refused(page) -> None:
    limits = AllocationLimits(yearly_max={"Google Search – Brand": 12_000.0})
    expected = allocate(with_plan_curves(sample_plan()), AllocationMode.FIXED_BUDGET, limits=limits)
    run = _allocator_with_plan_curves(page)
    main = page.get_by_test_id("stMain")
    grid = main.get_by_test_id("stDataFrame").first
    refusal = main.get_by_test_id("stAlertContentError")

    select_cell(page, grid, 5, 0)
    press_keys(page, "lots\n")
    wait_idle(page)
    expect(grid_cell(grid, 5, 0)).to_have_text("lots", timeout=30_000)
    select_cell(page, grid, 4, 0)
    press_keys(page, "12k\t")
    wait_idle(page)
    expect(grid_cell(grid, 4, 0)).to_have_text("12k", timeout=30_000)
    expect(run).to_be_visible(timeout=30_000)
    click_until(page, run, refusal)
    expect(refusal).to_contain_text(
        "Not run: Channel 'Google Search – Brand', monthly cap: 'lots' ", timeout=30_000
    )

    # Delete, as a person does, until the cell is empty: on a busy machine the grid may
    # still be taking the refusal's rerun when the key comes, and the key then does nothing.
    for _ in range(3):
        select_cell(page, grid, 5, 0)
        page.keyboard.press("Delete")
        wait_idle(page)
        if grid_cell(grid, 5, 0).inner_text() == "":
            break
    expect(grid_cell(grid, 5, 0)).to_have_text("", timeout=30_000)  # empty: no cap
    click_until(page, run, main.get_by_text("Split by marginal contribution"))
    main.get_by_text("Split by marginal contribution").wait_for(timeout=30_000)
    assert expected.summary in main.inner_text()
    assert grid_cell(grid, 4, 0).inner_text() == "12k"
