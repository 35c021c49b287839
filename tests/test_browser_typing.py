"""End to end in Chromium, typing as a person does: real key events 60 ms apart, Enter and Tab,
pastes through the clipboard, and what the page then shows; at a laptop's size and a desktop's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from budgets.store import DB_PATH_ENV, VersionStatus, store_from_env
from budgets.typed import as_text
from models import project_plan
from models.formatting import format_amount
from tests.browser import (
    CHROMIUM,
    JAN,
    browser_page,
    choose,
    grid_cell,
    paste,
    press_keys,
    running_app_with_own_store,
    select_cell,
    type_into_cell,
    wait_idle,
)
from tests.conftest import person

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
VIEWPORTS = {"1600x1000": (1600, 1000), "1280x800": (1280, 800)}
MARKETING_ROW, EBITDA_ROW = 11, 14  # rows of the P&L for the year on Side by side
MONTHS = sample_plan().month_labels


@pytest.fixture(scope="module")
def store_folder(tmp_path_factory):  # type: ignore[no-untyped-def]
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def app_url(store_folder) -> Iterator[str]:
    with running_app_with_own_store(store_folder) as url:
        yield url


@pytest.fixture(params=list(VIEWPORTS))
def page(request, app_url):  # type: ignore[no-untyped-def]
    width, height = VIEWPORTS[request.param]
    with browser_page(app_url, height=height, width=width) as page:
        yield page


def grids(page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stDataFrame")


def spend_after(cells: dict[tuple[int, int], float]):  # type: ignore[no-untyped-def]
    """The sample's projection with spend cells (channel, month) set."""
    changes = [
        Change(("marketing", "channels", row, "spend", month), value)
        for (row, month), value in cells.items()
    ]
    plan, issues = apply_changes(sample_plan(), changes)
    assert not issues
    return project_plan(plan)


def expect_pnl(page, projection) -> None:  # type: ignore[no-untyped-def]
    """The P&L beside the spend plan shows this projection's marketing and EBITDA."""
    pnl = grids(page).nth(1)
    marketing = format_amount(-projection.year("marketing"))
    expect(grid_cell(pnl, 1, MARKETING_ROW)).to_have_text(marketing, timeout=30_000)
    expect(grid_cell(pnl, 1, EBITDA_ROW)).to_have_text(
        format_amount(projection.year("ebitda")), timeout=30_000
    )


def go(page, link: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name=link).click()
    wait_idle(page)


# --- 1. typing down a column, Tab, arrows, pasting a block ------------------------------


def type_down(page, values) -> None:  # type: ignore[no-untyped-def]
    """Each value typed at 60 ms a key and Enter, no click between; the P&L is let to
    follow each one before the next, as a person glancing at it would."""
    for value in values:
        press_keys(page, f"{value}\n")
        wait_idle(page)


def test_twelve_values_typed_down_a_column_all_land(page) -> None:
    values = {(row, 0): 10_000.0 + 1_111 * row for row in range(12)}
    spend = grids(page).nth(0)

    select_cell(page, spend, JAN, 0)
    type_down(page, [f"{value:.0f}" for value in values.values()])

    # Back up the column as a person checking it would; the grid scrolls to each row.
    for row in range(11, -1, -1):
        expect(grid_cell(spend, JAN, row)).to_have_text(f"{values[row, 0]:.0f}")
        page.keyboard.press("ArrowUp")
    expect_pnl(page, spend_after(values))


def test_tab_moves_right_enter_down_and_arrows_anywhere(page) -> None:
    spend = grids(page).nth(0)

    select_cell(page, spend, JAN, 0)
    press_keys(page, "5000\t")
    wait_idle(page)
    type_down(page, ["6000"])  # Enter after Tab: the row below, in the column left last
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowLeft")
    type_down(page, ["8000"])

    expect_pnl(page, spend_after({(0, 0): 5_000, (0, 1): 6_000, (2, 0): 8_000}))
    expect(grid_cell(spend, JAN, 2)).to_have_text("8000")


def test_a_block_pasted_from_a_spreadsheet_lands_every_cell(page) -> None:
    spend = grids(page).nth(0)

    select_cell(page, spend, JAN, 3)
    # As Excel or LibreOffice put two rows of two cells on the clipboard, in three locales.
    paste(page, "1.234,56\t2,000\n3 000\t12k")

    cells = {(3, 0): 1_234.56, (3, 1): 2_000.0, (4, 0): 3_000.0, (4, 1): 12_000.0}
    expect_pnl(page, spend_after(cells))


# --- 2. numbers are never silently changed ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"), [("12k", 12_000.0), ("EUR 5,000", 5_000.0), ("1.5M", 1_500_000.0)]
)
def test_an_amount_typed_in_any_accepted_form_is_stored_as_meant(page, typed, stored) -> None:
    type_into_cell(page, grids(page).nth(0), JAN, 2, typed)

    expect_pnl(page, spend_after({(2, 0): stored}))


@pytest.mark.parametrize("typed", ["abc", "12x", "1_000"])
def test_text_that_is_not_a_number_is_refused_with_its_cell_named(page, typed) -> None:
    spend = grids(page).nth(0)
    before = spend.bounding_box()

    type_into_cell(page, spend, JAN, 2, typed)

    alert = page.get_by_test_id("stAlertContentError")
    expect(alert).to_contain_text(
        f"Channel 'Google Shopping (PMax)', spend, Jan 2027: '{typed}' is not a number",
        timeout=30_000,
    )
    original = sample_plan().marketing.channels[2].spend[0]
    expect(grid_cell(grids(page).nth(0), JAN, 2)).to_have_text(as_text(original))
    expect_pnl(page, project_plan(sample_plan()))
    # The message is under the grid: the grid did not move.
    assert grids(page).nth(0).bounding_box()["y"] == pytest.approx(before["y"], abs=1)


# --- 3. the first keys after the page loads ---------------------------------------------


def test_keys_typed_right_after_the_page_loads_all_land(page) -> None:
    page.reload()
    spend = grids(page).nth(0)
    spend.wait_for()

    select_cell(page, spend, JAN, 5)
    press_keys(page, "98765\n")
    wait_idle(page)

    expect_pnl(page, spend_after({(5, 0): 98_765.0}))


# --- 4. row labels ---------------------------------------------------------------------


def test_a_row_label_cannot_be_edited_and_the_page_settles(page) -> None:
    spend = grids(page).nth(0)
    select_cell(page, spend, 0, 1)

    press_keys(page, "\nSearch\n")
    wait_idle(page)

    expect(grid_cell(spend, 0, 1)).to_have_text("Google Search – Generic")
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=30_000
    )
    expect_pnl(page, project_plan(sample_plan()))


# --- 5. dialogs close, confirm and show the new state; refusals stay open -----------------


def test_plan_settings_close_confirm_and_show_the_new_name_at_once(page) -> None:
    page.get_by_role("button", name="Plan settings...").click()
    dialog = page.get_by_role("dialog")
    name = dialog.get_by_role("textbox", name="Plan name")
    name.fill("Maison Nord – Budget 2027")

    dialog.get_by_role("button", name="Save settings").click()
    wait_idle(page)

    expect(dialog).to_be_hidden(timeout=30_000)
    expect(page.get_by_test_id("stToast")).to_contain_text("Plan settings saved")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Maison Nord – Budget 2027")


def test_plan_settings_refused_stay_open_and_keep_what_was_typed(page) -> None:
    page.get_by_role("button", name="Plan settings...").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Plan name").fill("Plan B")
    dialog.get_by_role("textbox", name="Currency (ISO 4217)").fill("XX")

    dialog.get_by_role("button", name="Save settings").click()
    wait_idle(page)

    expect(dialog).to_contain_text("Currency", timeout=30_000)
    expect(dialog.get_by_test_id("stAlertContentError")).to_be_visible()
    expect(dialog.get_by_role("textbox", name="Plan name")).to_have_value("Plan B")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Maison Nord – Online")


def save_version(page, comment: str):  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Save version...").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox", name="Comment").fill(comment)
    dialog.get_by_role("button", name="Save version").click()
    wait_idle(page)
    return dialog


def test_a_refused_save_says_who_saved_first_keeps_the_comment_and_offers_compare(
    page, store_folder, request
) -> None:
    plan = sample_plan().model_copy(update={"name": f"Conflict {request.node.callspec.id}"})
    store = store_from_env({DB_PATH_ENV: str(store_folder / "plans.db")})
    first = store.save(
        plan, base_version=None, by=person("Omar"), comment="", status=VersionStatus.DRAFT
    )
    page.get_by_text("Open a plan").click()
    choose(
        page, page.get_by_role("combobox", name="Stored plans"), f"{plan.name} FY2027 · v1 draft"
    )
    # Someone else saves version 2 while this session edits version 1.
    store.save(plan, base_version=first.version, by=person("Omar (finance)"), comment="",
               status=VersionStatus.DRAFT)  # fmt: skip
    type_into_cell(page, grids(page).nth(0), JAN, 0, "20000")

    dialog = save_version(page, "January push")

    expect(dialog.get_by_test_id("stAlertContentError")).to_contain_text(
        "Not saved. Version 2 of the plan", timeout=30_000
    )
    expect(dialog).to_contain_text("was saved by Omar (finance)")
    expect(dialog.get_by_role("textbox", name="Comment")).to_have_value("January push")
    dialog.get_by_role("button", name="Compare on History").click()
    wait_idle(page)
    expect(page.get_by_test_id("stMain")).to_contain_text(
        "Version 2 was saved by Omar (finance)", timeout=30_000
    )


# --- 6. restoring sets unsaved edits aside ----------------------------------------------


def test_restoring_a_version_sets_unsaved_edits_aside(page, request) -> None:
    name = f"Restore {request.node.callspec.id}"
    page.get_by_role("button", name="Plan settings...").click()
    page.get_by_role("dialog").get_by_role("textbox", name="Plan name").fill(name)
    page.get_by_role("dialog").get_by_role("button", name="Save settings").click()
    wait_idle(page)
    save_version(page, "First draft")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Version 1", timeout=30_000)
    type_into_cell(page, grids(page).nth(0), JAN, 0, "25000")

    go(page, "History")
    page.get_by_role("button", name="Restore version 1 as a new version").click()
    wait_idle(page)

    expect(page.get_by_test_id("stToast")).to_contain_text(
        "Your unsaved edits are set aside", timeout=30_000
    )
    main = page.get_by_test_id("stMain")
    choose(page, main.get_by_role("combobox", name="To"), "Your edits set aside")
    expect(main).to_contain_text("1 changed values", timeout=30_000)


# --- 7. rates reopen as typed -------------------------------------------------------------


def test_a_typed_rate_reopens_as_typed_and_the_sample_shows_no_float_noise(page) -> None:
    go(page, "Marketing plan")
    page.get_by_role("tab", name="Cost drivers, conversion and AOV").click()
    wait_idle(page)
    drivers = grids(page).nth(0)
    conversion = 6  # row label, kind, cost driver, CPC, CPM, CTR, conversion

    type_into_cell(page, drivers, conversion, 0, "1.8")
    go(page, "Targets")
    go(page, "Marketing plan")

    expect(grid_cell(grids(page).nth(0), conversion, 0)).to_have_text("1.8", timeout=30_000)
    go(page, "E-commerce P&L")
    page.get_by_role("tab", name="Monthly drivers").click()
    wait_idle(page)
    expect(grid_cell(grids(page).nth(0), 2, 11)).to_have_text("2.2", timeout=30_000)


# --- 8. a new first month asks what it means --------------------------------------------


def test_a_new_first_month_keeps_each_calendar_months_figures_by_default(page) -> None:
    april = sample_plan().marketing.channels[0].spend[3]
    page.get_by_role("button", name="Plan settings...").click()
    dialog = page.get_by_role("dialog")

    choose(page, dialog.get_by_role("combobox", name="First month"), "Apr")

    expect(dialog).to_contain_text("Move each calendar month's figures with it", timeout=30_000)
    expect(dialog).to_contain_text("those of Jan 2027 move to Jan 2028, month 10 of the new year")
    dialog.get_by_role("button", name="Save settings").click()
    wait_idle(page)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Apr 2027 - Mar 2028", timeout=30_000)
    # The year's first column is now April, with April's figures.
    expect(grid_cell(grids(page).nth(0), JAN, 0)).to_have_text(as_text(april))


# --- 9. popovers close after acting; refusals keep the fields -----------------------------


def test_a_popover_closes_after_adding_and_keeps_its_fields_after_a_refusal(page) -> None:
    go(page, "Marketing plan")
    page.get_by_role("button", name="Add, rename or remove a channel").click()
    field = page.get_by_role("textbox", name="New channel")
    field.fill("Email & CRM")
    page.get_by_role("button", name="Add channel").click()
    wait_idle(page)
    expect(page.get_by_test_id("stPopoverBody")).to_contain_text(
        "duplicate channel name", timeout=30_000
    )
    expect(field).to_have_value("Email & CRM")

    field.fill("Pinterest Ads")
    page.get_by_role("button", name="Add channel").click()
    wait_idle(page)

    expect(page.get_by_role("textbox", name="New channel")).to_be_hidden(timeout=30_000)
    expect(page.get_by_test_id("stToast")).to_contain_text("Added the channel 'Pinterest Ads'")
    expect(grid_cell(grids(page).nth(0), 0, 12)).to_have_text("Pinterest Ads")
