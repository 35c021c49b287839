"""End to end in Chromium: edit, see the P&L move, switch pages, upload a bad plan."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from budgets import plan_from_json
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from models import project_plan
from models.formatting import format_amount, format_compact
from tests.browser import (
    CHROMIUM,
    JAN,
    browser_page,
    click_until,
    grid_cell,
    running_app,
    type_into_cell,
    wait_idle,
)
from tests.conftest import smallest_plan_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
EBITDA_ROW = 14


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture
def page(app_url):  # type: ignore[no-untyped-def]
    with browser_page(app_url, height=1000) as page:
        yield page


def grids(page):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid='stDataFrame']")


def test_a_spend_edit_changes_the_ebitda_shown_beside_it(page) -> None:
    plan = sample_plan()
    new_spend = plan.marketing.channels[0].spend[0] + 4_000
    edited, _ = apply_changes(plan, [Change(("marketing", "channels", 0, "spend", 0), new_spend)])
    expected = project_plan(edited).year("ebitda")
    spend, pnl = grids(page).nth(0), grids(page).nth(1)
    before = grid_cell(pnl, 1, EBITDA_ROW).inner_text()
    assert before == format_amount(project_plan(plan).year("ebitda"))

    type_into_cell(page, spend, JAN, 0, f"{new_spend:.2f}")

    pnl = grids(page).nth(1)
    expect(grid_cell(pnl, 1, EBITDA_ROW)).to_have_text(format_amount(expected), timeout=30_000)
    assert float(grid_cell(grids(page).nth(0), JAN, 0).inner_text()) == pytest.approx(new_spend)
    main = page.get_by_test_id("stMain").inner_text()
    assert f"EBITDA ({plan.currency})" in main
    assert format_compact(expected) in main


def test_an_edit_is_still_there_after_switching_pages(page) -> None:
    type_into_cell(page, grids(page).nth(0), JAN + 1, 1, "777")

    page.get_by_role("link", name="E-commerce P&L").click()
    wait_idle(page)
    page.get_by_role("link", name="Side by side").click()
    wait_idle(page)

    expect(grid_cell(grids(page).nth(0), JAN + 1, 1)).to_have_text("777", timeout=30_000)


def test_the_open_tab_and_its_edit_are_still_there_after_switching_pages(page) -> None:
    plan = sample_plan()
    edited, _ = apply_changes(plan, [Change(("pnl", "site_aov", 0), 120.0)])
    net_sales = format_compact(project_plan(edited).year("net_sales"))
    page.get_by_role("link", name="E-commerce P&L").click()
    wait_idle(page)
    drivers = page.get_by_role("tab", name="Monthly drivers")
    click_until(page, drivers, page.get_by_text("Set a driver for the whole year"))

    type_into_cell(page, grids(page).nth(0), 3, 0, "120")  # Site AOV, first month
    page.get_by_role("link", name="Targets").click()
    wait_idle(page)
    page.get_by_role("link", name="E-commerce P&L").click()
    wait_idle(page)

    expect(drivers).to_have_attribute("aria-selected", "true", timeout=30_000)
    expect(grid_cell(grids(page).nth(0), 3, 0)).to_have_text("120", timeout=30_000)
    assert net_sales in page.get_by_test_id("stMain").inner_text()


def test_a_negative_spend_is_refused_and_the_message_stays_on_its_page(page) -> None:
    type_into_cell(page, grids(page).nth(0), JAN, 2, "-50")

    alert = page.get_by_test_id("stAlertContentError")
    assert "Channel 'Google Shopping (PMax)', spend, Jan 2027: -50 is not allowed" in (
        alert.inner_text()
    )
    assert grid_cell(grids(page).nth(0), JAN, 2).inner_text() != "-50"

    page.get_by_role("link", name="Targets").click()
    wait_idle(page)
    assert page.get_by_test_id("stAlertContentError").count() == 0


def test_uploading_an_invalid_plan_shows_the_error_and_keeps_the_plan(page, tmp_path) -> None:
    bad = smallest_plan_data()
    bad["marketing"]["channels"][0]["spend"][3] = -10
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(bad))

    page.get_by_text("Open a plan").click()
    page.locator("[data-testid='stSidebar'] input[type='file']").set_input_files(str(path))
    wait_idle(page)

    alert = page.get_by_test_id("stAlertContentError")
    alert.wait_for(timeout=20_000)
    text = alert.inner_text()
    assert "File 'broken.json' is not a valid plan; the current plan is unchanged." in text
    assert "Channel 'Search', spend, Apr 2027: -10 is not allowed" in text
    assert "Maison Nord" in page.locator("[data-testid='stSidebar']").inner_text()


def test_the_workbook_downloads_from_the_app_and_opens(page, tmp_path) -> None:
    from openpyxl import load_workbook

    page.get_by_role("button", name="Download...").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Workbook (Excel)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)

    assert download.value.suggested_filename == "Maison-Nord-Online_FY2027.xlsx"
    workbook = load_workbook(path)
    assert {"Summary", "Assumptions", "Marketing plan", "P&L"} <= set(workbook.sheetnames)
    assert workbook.properties.title == "Maison Nord – Online – FY2027 budget plan"
    assert workbook["Summary"]["A1"].value == "=PlanName"


def test_the_plan_downloads_as_json_and_the_pnl_as_csv(page, tmp_path) -> None:
    page.get_by_role("button", name="Download...").click()
    with page.expect_download() as plan_file:
        page.get_by_role("button", name="Plan (JSON)").click()
    with page.expect_download() as pnl_file:
        page.get_by_role("button", name="P&L (CSV)").click()

    assert plan_file.value.suggested_filename == "Maison-Nord-Online_FY2027.json"
    plan_path = tmp_path / "plan.json"
    plan_file.value.save_as(plan_path)
    assert plan_from_json(plan_path.read_text(encoding="utf-8")) == sample_plan()
    assert pnl_file.value.suggested_filename == "Maison-Nord-Online_FY2027_PnL.csv"
    pnl_path = tmp_path / "pnl.csv"
    pnl_file.value.save_as(pnl_path)
    assert "EBITDA" in pnl_path.read_text(encoding="utf-8-sig")
