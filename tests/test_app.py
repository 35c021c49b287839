"""The dashboard in-process (AppTest): every page, edits, refusals, uploads, page switches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from budgets import Plan
from budgets.samples import large_plan, sample_plan
from models import project_plan
from models.formatting import format_amount
from tests.conftest import smallest_plan_data
from tests.test_app_history import sidebar_and_page
from ui.views import PAGE_TABS, TABS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = [
    "pages/side_by_side.py",
    "pages/marketing_plan.py",
    "pages/pnl_budget.py",
    "pages/targets.py",
    "pages/allocator.py",
    "pages/history.py",
]


def open_view(at: AppTest, name: str, label: str) -> AppTest:
    """Open a page's tab as a click on it would, for the next run."""
    at.session_state[f"_{name}_view"] = label
    return at.run()


def open_app(plan: Plan | None = None, *, open_plan_box: bool = False) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if open_plan_box:
        at.session_state["open_plan_box"] = True
    if plan is not None:
        at.session_state["plan"] = plan
        at.session_state["plan_revision"] = 0
        at.session_state["widget_generation"] = 0
        at.session_state["plan_issues"] = {}
        at.session_state["plan_source"] = "Test"
    return at.run()


def open_sidebar_app() -> AppTest:
    """The sidebar and a page on every run (AppTest reruns only the page after the first run)."""
    root = str(Path(APP).parent)
    at = AppTest.from_function(sidebar_and_page, args=(root, "side_by_side"), default_timeout=60)
    at.session_state["open_plan_box"] = True
    return at.run()


def grid_key(at: AppTest, editor: str) -> str:
    """The widget key of a grid as it is drawn now (see ``ui.state.grid_key``)."""
    epoch, _ = at.session_state["_grids"][editor]
    return f"{editor}_grid_{epoch}"


def seed_edits(at: AppTest, editor: str, edited_rows: dict[int, dict[str, Any]]) -> AppTest:
    key = grid_key(at, editor)
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    return at.run()


def plan_of(at: AppTest) -> Plan:
    plan: Plan = at.session_state["plan"]
    return plan


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("plan_name", ["sample", "large"])
def test_every_page_renders_without_exception(page: str, plan_name: str, large) -> None:
    plan = sample_plan() if plan_name == "sample" else large

    at = open_app(plan)
    at.switch_page(page).run()

    assert not at.exception
    assert not at.error
    assert at.caption[0].value


@pytest.mark.parametrize(
    ("page", "name", "label"),
    [(f"pages/{page}.py", name, label) for page, name in PAGE_TABS.items() for label in TABS[name]],
)
@pytest.mark.parametrize("plan_name", ["sample", "large"])
def test_every_tab_of_a_page_renders_when_open(
    page: str, name: str, label: str, plan_name: str, large
) -> None:
    at = open_app(sample_plan() if plan_name == "sample" else large)
    at.switch_page(page).run()

    at = open_view(at, name, label)

    assert not at.exception
    assert not at.error
    assert at.session_state[f"{name}_view"] == label


def test_the_app_opens_the_sample_plan_on_the_side_by_side_page() -> None:
    at = open_app()

    assert plan_of(at) == sample_plan()
    assert at.title[0].value == "Side by side"
    assert "Maison Nord" in at.sidebar.markdown[0].value


def test_a_plan_name_with_markdown_is_shown_as_typed() -> None:
    plan = sample_plan().model_copy(update={"name": "*Spring* [sale] :red[now]"})

    at = open_app(plan)

    heading = at.sidebar.markdown[0].value.splitlines()[0]
    assert heading == r"### \*Spring\* \[sale\] \:red\[now\]"


def test_a_spend_edit_moves_marketing_and_ebitda_by_the_right_amount() -> None:
    at = open_app()
    plan = plan_of(at)
    # Google Search - Brand, January: CPC 0.62, CVR 5.2 %, site AOV 98; +4,000 of spend buys
    # 4,000 / 0.62 sessions x 5.2 % orders x 98 revenue; January: returns 33 %, COGS 47 %,
    # fulfilment 8.60, returns handling 5.80 per return, payment fees 2.1 %
    extra = 4_000.0
    orders = extra / 0.62 * 0.052
    revenue = orders * 98
    cm2 = revenue * (1 - 0.33) * (1 - 0.47) - orders * 8.6 - orders * 0.33 * 5.8 - revenue * 0.021
    before = project_plan(plan)
    new_spend = plan.marketing.channels[0].spend[0] + extra

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": new_spend}})

    after = project_plan(plan_of(at))
    assert after.year("marketing") - before.year("marketing") == pytest.approx(extra, abs=0.005)
    assert after.year("ebitda") - before.year("ebitda") == pytest.approx(cm2 - extra, abs=0.005)
    shown = at.dataframe[-1].value
    shown = shown.set_index(shown.columns[0])
    assert shown.loc["EBITDA"].iloc[0] == format_amount(after.year("ebitda"))
    assert shown.loc["Marketing"].iloc[0] == format_amount(-after.year("marketing"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            -5.0,
            "Channel 'Google Search – Generic', spend, Feb 2027: -5 is not allowed; it must be 0 or more.",
        ),
        (
            "abc",
            "Channel 'Google Search – Generic', spend, Feb 2027: 'abc' is not a number; type an amount such as 12500, 12,500, 12.5k or 1.2M.",
        ),
    ],
)
def test_an_invalid_spend_edit_is_refused_with_a_message_and_the_plan_kept(value, message) -> None:
    at = open_app()
    before = plan_of(at)

    at = seed_edits(at, "side_spend", {1: {"Feb 2027": value}})

    assert plan_of(at) == before
    assert len(at.error) == 1
    assert message in at.error[0].value


def test_a_rate_over_100_percent_is_refused_naming_driver_and_month() -> None:
    at = open_app()
    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")
    before = plan_of(at)

    at = seed_edits(at, "pnl_drivers", {6: {"Return rate %": 120.0}})

    assert plan_of(at) == before
    assert "P&L budget, return rate, Jul 2027: 1.2 (120 %) is not allowed" in at.error[0].value


def test_valid_cells_of_a_mixed_batch_land_and_the_invalid_one_is_reported() -> None:
    at = open_app()

    at = seed_edits(at, "side_spend", {0: {"Jan 2027": 1_000.0, "Feb 2027": -1.0}})

    assert plan_of(at).marketing.channels[0].spend[0] == 1_000.0
    assert (
        plan_of(at).marketing.channels[0].spend[1] == sample_plan().marketing.channels[0].spend[1]
    )
    assert "Feb 2027: -1 is not allowed" in at.error[0].value


def test_an_edit_survives_page_switches_and_other_edits() -> None:
    at = open_app()
    at = seed_edits(at, "side_spend", {0: {"Jan 2027": 12_345.0}})

    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")
    at = seed_edits(at, "pnl_drivers", {0: {"Site AOV": 101.0}})
    at.switch_page("pages/marketing_plan.py").run()
    at.switch_page("pages/side_by_side.py").run()

    plan = plan_of(at)
    assert plan.marketing.channels[0].spend[0] == 12_345.0
    assert plan.pnl.site_aov[0] == 101.0
    assert at.data_editor[0].value.iloc[0, 0] == "12,345"


def test_channel_driver_edits_change_the_plan_in_plan_units() -> None:
    at = open_app()
    at.switch_page("pages/marketing_plan.py").run()
    open_view(at, "marketing", "Cost drivers, conversion and AOV")

    at = seed_edits(at, "channel_drivers", {0: {"Conversion %": 6.0, "Kind": "Affiliates"}})

    channel = plan_of(at).marketing.channels[0]
    assert channel.conversion_rate == pytest.approx(0.06)
    assert channel.kind.value == "affiliates"


def test_switching_a_channel_to_cpm_brings_typical_cpm_and_ctr() -> None:
    at = open_app()
    at.switch_page("pages/marketing_plan.py").run()
    open_view(at, "marketing", "Cost drivers, conversion and AOV")

    at = seed_edits(at, "channel_drivers", {0: {"Cost driver": "CPM + CTR"}})

    channel = plan_of(at).marketing.channels[0]
    assert channel.cost_driver.value == "cpm"
    assert channel.cpm == 10.0
    assert channel.ctr == 0.01


def test_a_monthly_driver_edit_turns_a_yearly_cpc_into_twelve_months() -> None:
    at = open_app()
    at.switch_page("pages/marketing_plan.py").run()
    open_view(at, "marketing", "Cost drivers, conversion and AOV")
    open_boxes(at, "monthly_drivers_box")

    at = seed_edits(at, "monthly_CPC", {0: {"Nov 2027": 0.9}})

    cpc = plan_of(at).marketing.channels[0].cpc
    assert isinstance(cpc, tuple)
    assert cpc[10] == 0.9
    assert cpc[0] == 0.62


# Popovers of actions on the plan: they close after acting (their key follows the generation).
ACTION_BOXES = frozenset({"channels_box", "lines_box", "whole_year_box", "spread_box"})


def open_boxes(at: AppTest, *keys: str) -> AppTest:
    """Open popovers or expanders that render their content only while open."""
    for key in keys:
        if key in ACTION_BOXES:
            key = f"{key}_{at.session_state['widget_generation']}"
        at.session_state[key] = True
    return at.run()


def test_adding_renaming_and_removing_a_channel() -> None:
    at = open_app()
    at.switch_page("pages/marketing_plan.py").run()
    open_boxes(at, "channels_box")

    form_inputs = [t for t in at.text_input if t.label == "New channel"]
    form_inputs[0].set_value("Pinterest Ads")
    at.button(key="FormSubmitter:add_channel-Add channel").click().run()
    assert plan_of(at).marketing.channels[-1].name == "Pinterest Ads"

    open_boxes(at, "channels_box")
    at.selectbox(key="rename_channel_old").select("Pinterest Ads")
    next(t for t in at.text_input if t.label == "New name").set_value("Pinterest")
    at.button(key="FormSubmitter:rename_channel-Rename").click().run()
    assert plan_of(at).marketing.channels[-1].name == "Pinterest"

    open_boxes(at, "channels_box")
    at.selectbox(key="remove_channel_name").select("Pinterest")
    at.button(key="FormSubmitter:remove_channel-Remove").click().run()
    assert "Pinterest" not in [c.name for c in plan_of(at).marketing.channels]


def test_a_duplicate_channel_name_is_refused() -> None:
    at = open_app()
    at.switch_page("pages/marketing_plan.py").run()
    open_boxes(at, "channels_box")

    next(t for t in at.text_input if t.label == "New channel").set_value("email & crm")
    at.button(key="FormSubmitter:add_channel-Add channel").click().run()

    assert plan_of(at) == sample_plan()
    assert "duplicate channel name" in at.error[0].value


def test_uploading_an_invalid_plan_shows_its_problems_and_keeps_the_current_plan(large) -> None:
    at = open_app(large, open_plan_box=True)
    bad = smallest_plan_data()
    bad["pnl"]["return_rate"][2] = 1.5

    at.sidebar.file_uploader[0].upload("broken.json", json.dumps(bad).encode())
    at.run()

    assert plan_of(at) == large
    message = at.error[0].value
    assert "File 'broken.json' is not a valid plan; the current plan is unchanged." in message
    assert "P&L budget, return rate, Mar 2027: 1.5 (150 %) is not allowed" in message


def test_uploading_a_valid_plan_opens_it() -> None:
    at = open_app(open_plan_box=True)

    at.sidebar.file_uploader[0].upload("smallest.json", json.dumps(smallest_plan_data()).encode())
    at.run()

    assert plan_of(at).name == "Smallest"
    assert not at.error


def test_the_targets_form_changes_targets_and_the_solves() -> None:
    at = open_app()
    at.switch_page("pages/targets.py").run()

    ebitda = next(n for n in at.number_input if n.label == "Target EBITDA margin (%)")
    ebitda.set_value(5.0)
    at.button(key=next(b.key for b in at.button if "Save targets" in b.key)).click().run()

    assert plan_of(at).targets.ebitda_margin == pytest.approx(0.05)
    assert any("The plan reaches the 5.0 % EBITDA margin target" in m.value for m in at.markdown)


def test_a_new_empty_plan_opens_with_no_channels() -> None:
    at = open_sidebar_app()

    at.sidebar.button(key="new_plan_open").click().run()
    at.button(key="new_plan_submit").click().run()

    assert plan_of(at).marketing.channels == ()
    assert plan_of(at).name == "New plan"
    assert not at.exception


def test_the_large_plan_side_by_side_page_edits_the_last_channel() -> None:
    plan = large_plan(50)
    at = open_app(plan)

    at = seed_edits(at, "side_spend", {49: {plan.month_labels[3]: 0.0}})

    assert plan_of(at).marketing.channels[49].spend[3] == 0.0


def test_plan_settings_change_the_fiscal_calendar() -> None:
    at = open_sidebar_app()

    at.sidebar.button(key="settings_open").click().run()
    next(n for n in at.number_input if n.label == "Fiscal year").set_value(2028)
    next(s for s in at.selectbox if s.label == "First month").select(4)
    at.button(key="settings_submit").click().run()

    plan = plan_of(at)
    assert (plan.fiscal_year, plan.first_month) == (2028, 4)
    assert plan.month_labels[0] == "Apr 2028"
    assert not at.exception


def test_a_yearly_figure_spreads_over_the_months_by_the_fashion_profile() -> None:
    at = open_app()
    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")
    open_boxes(at, "spread_box")

    next(s for s in at.selectbox if s.label == "Figure").select("Rent & overheads")
    next(n for n in at.text_input if n.label == "Total for the year").set_value("480,000")
    at.button(key="FormSubmitter:spread-Spread over the months").click().run()

    amounts = plan_of(at).pnl.fixed_costs[2].amounts
    assert sum(amounts) == pytest.approx(480_000.0, abs=0.005)
    assert max(amounts) == amounts[11]  # the December peak
    assert not at.error


def test_a_driver_set_for_the_whole_year() -> None:
    at = open_app()
    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Monthly drivers")
    open_boxes(at, "whole_year_box")

    next(s for s in at.selectbox if s.label == "Driver").select("Return rate %")
    next(n for n in at.number_input if "Value every month" in n.label).set_value(31.0)
    at.button(key="FormSubmitter:whole_year-Set all 12 months").click().run()

    assert plan_of(at).pnl.return_rate == (0.31,) * 12


def test_adding_renaming_and_removing_a_fixed_cost_line() -> None:
    at = open_app()
    at.switch_page("pages/pnl_budget.py").run()
    open_view(at, "pnl", "Fixed costs")
    open_boxes(at, "lines_box")

    next(t for t in at.text_input if t.label == "New line").set_value("Insurance")
    next(n for n in at.number_input if n.label == "Amount every month").set_value(2_500.0)
    at.button(key="FormSubmitter:add_line-Add line").click().run()
    line = plan_of(at).pnl.fixed_costs[-1]
    assert (line.name, line.amounts) == ("Insurance", (2_500.0,) * 12)

    open_boxes(at, "lines_box")
    next(s for s in at.selectbox if s.label == "Line to rename").select("Insurance")
    next(t for t in at.text_input if t.label == "New name").set_value("Insurance & legal")
    at.button(key="FormSubmitter:rn_line-Rename").click().run()
    assert plan_of(at).pnl.fixed_costs[-1].name == "Insurance & legal"

    open_boxes(at, "lines_box")
    next(s for s in at.selectbox if s.label == "Line to remove").select("Insurance & legal")
    at.button(key="FormSubmitter:rm_line-Remove").click().run()
    assert plan_of(at).pnl.fixed_costs == sample_plan().pnl.fixed_costs
    assert not at.error


def test_an_exported_workbook_uploads_back_as_the_same_plan(large) -> None:
    from models.excel.export import plan_workbook

    at = open_app(large, open_plan_box=True)

    at.sidebar.file_uploader[0].upload("plan.xlsx", plan_workbook(sample_plan()))
    at.run()

    assert plan_of(at) == sample_plan()
    assert not at.error


def test_a_file_that_is_not_a_workbook_is_refused_and_the_plan_kept(large) -> None:
    at = open_app(large, open_plan_box=True)

    at.sidebar.file_uploader[0].upload("numbers.xlsx", b"month,channel,spend\n1,Search,100\n")
    at.run()

    assert plan_of(at) == large
    assert "File 'numbers.xlsx' is not a valid plan; the current plan is unchanged." in (
        at.error[0].value
    )


@pytest.mark.parametrize(("typed", "stored"), [("18,000,000", 18e6), ("18.5M", 18.5e6), ("", 0.0)])
def test_the_net_sales_target_reads_with_thousands_separators_as_typed(typed, stored) -> None:
    at = open_app()
    at.switch_page("pages/targets.py").run()
    target = next(t for t in at.text_input if t.label.startswith("Net-sales target"))
    assert target.value == "17,500,000"

    target.set_value(typed)
    at.button(key=next(b.key for b in at.button if "Save targets" in b.key)).click().run()

    assert plan_of(at).targets.net_sales == stored


def test_a_net_sales_target_that_is_not_a_number_is_refused_by_name() -> None:
    at = open_app()
    at.switch_page("pages/targets.py").run()
    target = next(t for t in at.text_input if t.label.startswith("Net-sales target"))

    target.set_value("lots")
    at.button(key=next(b.key for b in at.button if "Save targets" in b.key)).click().run()

    assert plan_of(at).targets.net_sales == 17_500_000
    assert "Targets, net-sales target: 'lots' is not a number" in at.error[0].value
