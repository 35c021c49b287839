"""A new first month of the fiscal year: figures move with their calendar month, or stay put."""

from __future__ import annotations

import pytest

from budgets import PlanValidationError
from budgets.fiscal import with_first_month
from budgets.samples import sample_plan


def test_moving_the_first_month_keeps_each_calendar_months_figures() -> None:
    plan = sample_plan()  # FY2027 from January: position 10 is Nov 2027 (Black Friday)

    moved = with_first_month(plan, 4)

    # From April, November is fiscal month 8 and January is month 10, in 2028.
    assert moved.month_labels[7] == "Nov 2027"
    assert moved.month_labels[9] == "Jan 2028"
    channel, before = moved.marketing.channels[0], plan.marketing.channels[0]
    assert channel.spend[7] == before.spend[10]
    assert channel.spend[9] == before.spend[0]
    assert moved.pnl.organic_sessions[7] == plan.pnl.organic_sessions[10]
    assert moved.pnl.fixed_costs[0].amounts[9] == plan.pnl.fixed_costs[0].amounts[0]


def test_a_monthly_channel_driver_moves_and_a_yearly_one_stays() -> None:
    plan = sample_plan()
    monthly = next(c for c in plan.marketing.channels if isinstance(c.cpc, tuple))
    index = plan.marketing.channels.index(monthly)

    moved = with_first_month(plan, 11).marketing.channels[index]

    assert isinstance(monthly.cpc, tuple)
    assert isinstance(moved.cpc, tuple)
    assert moved.cpc[0] == monthly.cpc[10]  # November first
    if not isinstance(monthly.conversion_rate, tuple):
        assert moved.conversion_rate == monthly.conversion_rate


def test_keeping_the_fiscal_order_leaves_the_figures_in_place() -> None:
    plan = sample_plan()

    kept = with_first_month(plan, 4, keep_calendar_months=False)

    assert kept.month_labels[0] == "Apr 2027"
    assert kept.marketing.channels[0].spend == plan.marketing.channels[0].spend
    assert kept.pnl == plan.pnl


def test_moving_there_and_back_is_the_same_plan() -> None:
    plan = sample_plan()

    assert with_first_month(with_first_month(plan, 7), 1) == plan


def test_a_first_month_that_is_not_a_month_is_refused() -> None:
    with pytest.raises(PlanValidationError) as refused:
        with_first_month(sample_plan(), 13)

    assert (
        str(refused.value)
        == "First month of the fiscal year: 13 is not allowed; it must be at most 12."
    )
