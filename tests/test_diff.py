"""Comparing two plans: which values changed, and what that did to the year's P&L."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings

from budgets import Plan, parse_plan
from budgets.diff import ChangeKind, PlanChange, Section, diff_plans
from models.compare import compare_plans
from tests.conftest import DELETE, monthly, smallest_plan_data, with_changes
from tests.strategies import plans


def changed(*edits: tuple[str, Any]) -> Plan:
    data = smallest_plan_data()
    for path, value in edits:
        data = with_changes(data, path, value)
    return parse_plan(data)


def rows(old: Plan, new: Plan) -> list[tuple[Any, ...]]:
    return [
        (c.section.value, c.item, c.field, c.month, c.kind.value, c.old, c.new)
        for c in diff_plans(old, new)
    ]


def test_equal_plans_have_no_changes(smallest: Plan) -> None:
    assert diff_plans(smallest, changed()) == ()


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("marketing.channels.0.spend.2", 1_500.0),
            ("Channel", "Search", "spend", "Mar 2027", "changed", 1_000.0, 1_500.0),
        ),
        (
            ("marketing.channels.0.cpc", 0.6),
            ("Channel", "Search", "cpc", None, "changed", 0.5, 0.6),
        ),
        (
            ("marketing.channels.1.kind", "display"),
            ("Channel", "Social", "kind", None, "changed", "paid_social", "display"),
        ),
        (
            ("marketing.channels.1.aov", DELETE),
            ("Channel", "Social", "aov", None, "changed", 80.0, None),
        ),
        (
            ("pnl.return_rate.11", 0.3),
            ("P&L budget", "", "return_rate", "Dec 2027", "changed", 0.25, 0.3),
        ),
        (
            ("pnl.fixed_costs.1.amounts.0", 1_200.0),
            ("Fixed-cost line", "Rent", "amounts", "Jan 2027", "changed", 1_000.0, 1_200.0),
        ),
        (
            ("targets.net_sales", 450_000.0),
            ("Targets", "", "net_sales", None, "changed", 400_000.0, 450_000.0),
        ),
        (
            ("targets.cm3_margin", 0.35),
            ("Targets", "", "cm3_margin", None, "changed", None, 0.35),
        ),
        (
            ("currency", "GBP"),
            ("Plan", "", "currency", None, "changed", "EUR", "GBP"),
        ),
        (
            ("name", "Smallest v2"),
            ("Plan", "", "name", None, "changed", "Smallest", "Smallest v2"),
        ),
    ],
)
def test_one_changed_value_is_one_change_with_old_and_new(
    smallest: Plan, edit: tuple[str, Any], expected: tuple[Any, ...]
) -> None:
    assert rows(smallest, changed(edit)) == [expected]


def test_a_driver_set_by_month_reports_only_the_months_that_differ(smallest: Plan) -> None:
    # CPC 0.50 for the year becomes 0.50 by month except April 0.70 and May 0.80.
    cpc = [0.5] * 3 + [0.7, 0.8] + [0.5] * 7

    result = rows(smallest, changed(("marketing.channels.0.cpc", cpc)))

    assert result == [
        ("Channel", "Search", "cpc", "Apr 2027", "changed", 0.5, 0.7),
        ("Channel", "Search", "cpc", "May 2027", "changed", 0.5, 0.8),
    ]


def test_the_same_driver_given_once_or_by_month_is_no_change(smallest: Plan) -> None:
    assert diff_plans(smallest, changed(("marketing.channels.0.cpc", monthly(0.5)))) == ()


def test_switching_a_channel_from_cpm_to_cpc_shows_every_driver_that_moved(
    smallest: Plan,
) -> None:
    new = changed(
        ("marketing.channels.1.cost_driver", "cpc"),
        ("marketing.channels.1.cpc", 0.4),
        ("marketing.channels.1.cpm", DELETE),
        ("marketing.channels.1.ctr", DELETE),
    )

    result = rows(smallest, new)

    assert result == [
        ("Channel", "Social", "cost_driver", None, "changed", "cpm", "cpc"),
        ("Channel", "Social", "cpc", None, "changed", None, 0.4),
        ("Channel", "Social", "cpm", None, "changed", 10.0, None),
        ("Channel", "Social", "ctr", None, "changed", 0.01, None),
    ]


def test_added_and_removed_channels_show_their_yearly_spend(smallest_data: dict) -> None:
    # Social's spend: 0 in January, then 11 x 500 = 5,500. The new TikTok: 12 x 250 = 3,000.
    old = parse_plan(smallest_data)
    data = with_changes(smallest_data, "marketing.channels.1", {
        "name": "TikTok", "kind": "paid_social", "cost_driver": "cpm",
        "spend": monthly(250.0), "cpm": 6.0, "ctr": 0.008,
    })  # fmt: skip

    result = rows(old, parse_plan(data))

    assert result == [
        ("Channel", "TikTok", "", None, "added", None, 3_000.0),
        ("Channel", "Social", "", None, "removed", 5_500.0, None),
    ]


def test_added_and_removed_fixed_cost_lines_show_their_yearly_amount(smallest_data: dict) -> None:
    # Rent 12 x 1,000 = 12,000 goes; Tools 12 x 400 = 4,800 comes.
    old = parse_plan(smallest_data)
    data = with_changes(
        smallest_data, "pnl.fixed_costs.1", {"name": "Tools", "amounts": monthly(400.0)}
    )

    result = rows(old, parse_plan(data))

    assert result == [
        ("Fixed-cost line", "Tools", "", None, "added", None, 4_800.0),
        ("Fixed-cost line", "Rent", "", None, "removed", 12_000.0, None),
    ]


def test_months_are_labelled_with_the_new_plans_fiscal_months(smallest: Plan) -> None:
    # From April, fiscal month 3 (index 2) is June.
    new = changed(("first_month", 4), ("pnl.organic_sessions.2", 12_000.0))

    result = rows(smallest, new)

    assert result == [
        ("Plan", "", "first_month", None, "changed", 1, 4),
        ("P&L budget", "", "organic_sessions", "Jun 2027", "changed", 10_000.0, 12_000.0),
    ]


def test_changes_read_as_a_planner_says_them(smallest: Plan) -> None:
    change = PlanChange(Section.CHANNEL, "Search", "cpc", "Mar 2027", ChangeKind.CHANGED, 0.5, 0.6)

    assert change.label == "Channel 'Search', CPC, Mar 2027"
    assert change.as_row() == {
        "section": "Channel",
        "item": "Search",
        "field": "CPC",
        "month": "Mar 2027",
        "change": "changed",
        "old": 0.5,
        "new": 0.6,
    }


# --- the effect on the year ---------------------------------------------------
# The smallest plan's year (tests/test_projection_golden.py): net sales 264,600,
# marketing 22,100, CM3 108,304, EBITDA 36,304.


@pytest.mark.parametrize(
    ("edit", "net_sales", "marketing", "cm3", "ebitda"),
    [
        # Search +1,000 in March at CPC 0.50: 2,000 sessions x 4 % = 80 orders x 100 = 8,000
        # gross; returns 25 % -> net +6,000; COGS 40 % 2,400; fulfilment 80 x 5 = 400;
        # handling 80 x 25 % x 4 = 80; fees 2 % x 8,000 = 160 -> CM2 +2,960; CM3 +1,960.
        (("marketing.channels.0.spend.2", 2_000.0), 270_600, 23_100, 110_264, 38_264),
        # Agency (no traffic) +100 a month: marketing +1,200, CM3 and EBITDA -1,200.
        (("marketing.channels.2.spend", monthly(400.0)), 264_600, 23_300, 107_104, 35_104),
        # Team +1,000 in January: a fixed cost, so only EBITDA moves.
        (("pnl.fixed_costs.0.amounts.0", 6_000.0), 264_600, 22_100, 108_304, 35_304),
        # A target is not a driver: nothing moves.
        (("targets.net_sales", 1.0), 264_600, 22_100, 108_304, 36_304),
    ],
)
def test_the_effect_on_net_sales_marketing_cm3_and_ebitda_for_the_year(
    smallest: Plan,
    edit: tuple[str, Any],
    net_sales: float,
    marketing: float,
    cm3: float,
    ebitda: float,
) -> None:
    comparison = compare_plans(smallest, changed(edit))

    table = comparison.effects_table()

    assert list(table.index) == [
        "Net sales",
        "Marketing",
        "Contribution after marketing (CM3)",
        "EBITDA",
    ]
    assert table["old"].tolist() == pytest.approx([264_600, 22_100, 108_304, 36_304])
    assert table["new"].tolist() == pytest.approx([net_sales, marketing, cm3, ebitda])
    assert table["change"].tolist() == pytest.approx(
        [net_sales - 264_600, marketing - 22_100, cm3 - 108_304, ebitda - 36_304], abs=1e-6
    )
    assert table["change_rate"].iloc[3] == pytest.approx((ebitda - 36_304) / 36_304)
    assert len(comparison.changes) >= 1


def test_a_change_from_zero_has_an_undefined_rate(smallest_data: dict) -> None:
    # No channels and no fixed costs on the old side: marketing goes from 0 to 3,600.
    old = parse_plan(
        with_changes(with_changes(smallest_data, "marketing.channels", []), "pnl.fixed_costs", [])
    )
    new_data = with_changes(
        smallest_data, "marketing.channels", [smallest_data["marketing"]["channels"][2]]
    )
    new = parse_plan(with_changes(new_data, "pnl.fixed_costs", []))

    marketing = compare_plans(old, new).effects[1]

    assert (marketing.line, marketing.old, marketing.new) == ("marketing", 0.0, 3_600.0)
    assert math.isnan(marketing.change_rate)


def test_comparing_equal_plans_gives_an_empty_table_and_no_effect(smallest: Plan) -> None:
    comparison = compare_plans(smallest, changed())

    assert comparison.changes_table().empty
    assert list(comparison.changes_table().columns) == [
        "section", "item", "field", "month", "change", "old", "new",
    ]  # fmt: skip
    assert comparison.effects_table()["change"].tolist() == [0.0, 0.0, 0.0, 0.0]


# --- properties ---------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(data=plans())
def test_any_plan_compared_with_itself_has_no_changes(data: dict[str, Any]) -> None:
    plan = parse_plan(data)

    assert diff_plans(plan, parse_plan(data)) == ()


@settings(max_examples=50, deadline=None)
@given(old=plans(), new=plans())
def test_every_change_has_different_old_and_new_values_and_a_month_of_the_new_plan(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    before, after = parse_plan(old), parse_plan(new)

    changes = diff_plans(before, after)

    assert all(change.old != change.new for change in changes)
    assert {c.month for c in changes} <= {None, *after.month_labels}
