"""End to end in Chromium: save, edit, save again, open the history, compare and restore."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from budgets.samples import sample_plan
from budgets.typed import read_number
from tests.browser import (
    CHROMIUM,
    JAN,
    browser_page,
    choose,
    grid_cell,
    running_app_with_own_store,
    type_into_cell,
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
    with browser_page(app_url, height=1100) as page:
        yield page


def save_version(page, comment: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Save version...").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_role("textbox", name="Comment").fill(comment)
    dialog.get_by_role("button", name="Save version").click()
    wait_idle(page)
    dialog.wait_for(state="detached")


def test_save_edit_save_again_compare_and_restore(page) -> None:
    original = sample_plan().marketing.channels[0].spend[0]
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Not saved yet", timeout=30_000)

    save_version(page, "First draft")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Version 1 · draft", timeout=30_000)
    type_into_cell(page, page.get_by_test_id("stDataFrame").first, JAN, 0, "25000")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Unsaved edits", timeout=30_000)
    save_version(page, "More brand search in January")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Version 2 · draft", timeout=30_000)

    page.get_by_role("link", name="History").click()
    wait_idle(page)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("More brand search in January", timeout=30_000)
    expect(main).to_contain_text("1 changed values", timeout=30_000)

    choose(page, main.get_by_role("combobox", name="Version", exact=True), "Version 1")
    page.get_by_role("button", name="Restore version 1 as a new version").click()
    wait_idle(page)

    expect(page.get_by_test_id("stSidebar")).to_contain_text("Version 3 · draft", timeout=30_000)
    page.get_by_role("link", name="Side by side").click()
    wait_idle(page)
    cell = grid_cell(page.get_by_test_id("stDataFrame").first, JAN, 0)
    expect(cell).not_to_have_text("25000", timeout=30_000)
    assert float(read_number(cell.inner_text())) == pytest.approx(original)
