"""Grid edits as the server receives them: typed text read exactly, crafted cells refused whole."""

from __future__ import annotations

import pytest

from budgets.samples import sample_plan
from tests.test_app import open_app, open_view, plan_of, seed_edits

SEARCH_BRAND_JAN = 16_006.74  # the sample's Google Search - Brand spend in Jan 2027


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12k", 12_000.0), ("1.234,56", 1_234.56), ("EUR 5,000", 5_000.0), ("20 000", 20_000.0)],
)
def test_typed_text_is_stored_as_the_number_it_means(typed: str, stored: float) -> None:
    at = open_app()

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": typed}})

    assert plan_of(at).marketing.channels[0].spend[0] == stored
    assert not at.error


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "12x",
            "Channel 'Google Search – Brand', spend, Jan 2027: '12x' is not a number; type an amount such as 12500, 12,500, 12.5k or 1.2M.",
        ),
        (
            "USD 5,000",
            "Channel 'Google Search – Brand', spend, Jan 2027: 'USD 5,000' is in USD, but the plan is in EUR.",
        ),
    ],
)
def test_text_that_is_not_one_number_is_refused_naming_the_cell(typed: str, message: str) -> None:
    at = open_app()

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": typed}})

    assert plan_of(at) == sample_plan()
    assert message in at.error[0].value


def test_a_rate_typed_with_a_decimal_comma_is_read_in_percent() -> None:
    at = open_app()
    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")

    at = seed_edits(at, "pnl_drivers", {0: {"Return rate %": "31,5"}})

    assert plan_of(at).pnl.return_rate[0] == 0.315


@pytest.mark.parametrize(
    ("edited_rows", "message"),
    [
        ({999: {"Jan 2027": "1"}}, "This grid has no row 999 (it has 12 rows)."),
        ({-1: {"Jan 2027": "1"}}, "This grid has no row -1 (it has 12 rows)."),
        ({0: {"Month 13": "1"}}, "This grid has no column 'Month 13'."),
        ({0: {"FY": "1"}}, "Row 1: 'FY' cannot be edited in this grid."),
        (
            {0: {"_index": "Search"}},
            "Row 1: the row labels cannot be edited in this grid; rename with the page's add, "
            "rename or remove button.",
        ),
    ],
)
def test_an_edit_for_a_cell_the_grid_does_not_have_is_refused_and_nothing_applied(
    edited_rows, message
) -> None:
    at = open_app()
    # A valid cell sent with the crafted one: the whole batch is refused.
    edited_rows = {1: {"Feb 2027": "1"}, **edited_rows}

    at = seed_edits(at, "side_spend", edited_rows)

    assert not at.exception
    assert plan_of(at) == sample_plan()
    assert message in at.error[0].value
    assert "Nothing of this edit was applied." in at.error[0].value


def test_a_refused_cell_is_named_and_the_grid_shows_the_plans_value_again() -> None:
    at = open_app()
    epoch, _ = at.session_state["_grids"]["side_spend"]

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": "abc"}, 1: {"Jan 2027": "5,000"}})

    assert plan_of(at).marketing.channels[1].spend[0] == 5_000.0
    assert plan_of(at).marketing.channels[0].spend[0] == SEARCH_BRAND_JAN
    assert "'abc' is not a number" in at.error[0].value
    assert at.session_state["_grids"]["side_spend"][0] == epoch + 1
    assert at.data_editor[0].value.iloc[0, 0] == "16,006.74"
    assert at.data_editor[0].value.iloc[1, 0] == "5,000"


def test_a_refusal_leaves_the_plan_and_the_other_widgets_as_they_are() -> None:
    at = open_app()
    generation, revision = at.session_state["widget_generation"], at.session_state["plan_revision"]

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": "-5"}})

    assert at.session_state["widget_generation"] == generation
    assert at.session_state["plan_revision"] == revision


def test_a_grids_own_edit_keeps_its_widget_and_another_change_rebuilds_it() -> None:
    at = open_app()
    epoch, _ = at.session_state["_grids"]["side_spend"]

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": "17,000"}})
    assert at.session_state["_grids"]["side_spend"][0] == epoch

    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")
    at = seed_edits(at, "pnl_drivers", {0: {"Site AOV": "101"}})
    at.switch_page("pages/side_by_side.py").run()
    assert at.session_state["_grids"]["side_spend"][0] == epoch + 1


def test_every_grid_column_of_fixed_width_shows_its_whole_header() -> None:
    from budgets.samples import sample_plan
    from models import project_plan
    from ui import grids

    plan = sample_plan()
    configs = {
        "spend": grids.spend_columns(project_plan(plan)),
        "channel drivers": grids.channel_driver_columns(plan.currency),
        "P&L drivers": grids.pnl_driver_columns(plan.currency),
        "CPC by month": grids.monthly_driver_columns(plan, "CPC"),
    }
    narrow = [
        (grid, column["label"], column["width"])
        for grid, columns in configs.items()
        for column in columns.values()
        if isinstance(column, dict) and isinstance(column.get("width"), int)
        if column["width"] < grids.header_width(column["label"])
    ]
    assert not narrow
