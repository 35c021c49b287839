"""Response curves in the plan, the engine and the target solves."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from budgets import ResponseCurve, parse_plan, plan_from_json, plan_to_json
from budgets.edits import set_response_curve, set_spend
from budgets.errors import PlanValidationError
from budgets.samples import SAMPLE_PLAN_PATH, sample_plan
from models import SolveStatus, project_plan
from models.pnl import PlanArrays, contribution_per_revenue
from tests.conftest import misses_target, smallest_plan_data
from tests.strategies import plans_with_curves

fast = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEARCH_CURVE = {"beta": 6_000.0, "k": 1_000.0, "s": 1.0}


def with_curve(data: dict[str, Any], channel: int, curve: dict[str, float]) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    changed["marketing"]["channels"][channel]["response"] = curve
    return changed


# --- the plan -------------------------------------------------------------------------


def test_a_plan_without_curves_saves_exactly_as_before() -> None:
    assert plan_to_json(sample_plan()) == SAMPLE_PLAN_PATH.read_text(encoding="utf-8")


def test_a_plan_with_curves_round_trips_through_json() -> None:
    plan = parse_plan(with_curve(smallest_plan_data(), 0, {"beta": 6000.5, "k": 999.25, "s": 1.5}))

    assert plan_from_json(plan_to_json(plan)) == plan
    assert plan.marketing.channels[0].response == ResponseCurve(beta=6000.5, k=999.25, s=1.5)


def test_setting_and_removing_a_curve_gives_back_the_same_plan() -> None:
    plan = sample_plan()
    name = plan.marketing.channels[1].name

    curved = set_response_curve(plan, name, ResponseCurve(beta=1e5, k=2e4))
    back = set_response_curve(curved, name, None)

    assert curved.marketing.channels[1].response is not None
    assert back == plan
    np.testing.assert_array_equal(project_plan(back).lines, project_plan(plan).lines)


def test_a_curve_set_changed_or_removed_shows_in_the_plan_diff() -> None:
    from budgets.diff import diff_plans

    plan = parse_plan(smallest_plan_data())
    curved = set_response_curve(plan, "Search", ResponseCurve(beta=6_000.0, k=1_000.0))
    steeper = set_response_curve(curved, "Search", ResponseCurve(beta=6_000.0, k=800.0, s=2.0))

    added, changed = diff_plans(plan, curved), diff_plans(curved, steeper)

    assert [(c.field, c.old, c.new) for c in added] == [
        ("beta", None, 6_000.0), ("k", None, 1_000.0), ("s", None, 1.0)
    ]  # fmt: skip
    assert [(c.label, c.old, c.new) for c in changed] == [
        ("Channel 'Search', half-saturation spend (k)", 1_000.0, 800.0),
        ("Channel 'Search', shape (s)", 1.0, 2.0),
    ]
    assert [(c.field, c.new) for c in diff_plans(curved, plan)] == [
        ("beta", None),
        ("k", None),
        ("s", None),
    ]


@pytest.mark.parametrize(
    ("channel", "curve", "message"),
    [
        (
            0, {"beta": 6000.0, "k": 1000.0, "s": 7.0},
            "Channel 'Search', response curve, shape (s): 7 is not allowed; it must be between "
            "0.5 and 5 (1 is the plain saturating curve, above 1 an S-shape).",
        ),
        (
            0, {"beta": -1.0, "k": 1000.0},
            "Channel 'Search', response curve, maximum monthly revenue (beta): -1 is not allowed; "
            "it must be more than 0.",
        ),
        (
            0, {"beta": 6000.0, "k": 0.0},
            "Channel 'Search', response curve, half-saturation spend (k): 0 is not allowed; it "
            "must be more than 0.",
        ),
        (
            2, {"beta": 6000.0, "k": 1000.0},
            "Channel 'Agency': a non-working channel (cost driver none) brings no revenue, so it "
            "cannot have a response curve.",
        ),
    ],
)  # fmt: skip
def test_an_invalid_curve_is_refused_naming_channel_field_and_value(
    channel, curve, message
) -> None:
    with pytest.raises(PlanValidationError) as refused:
        parse_plan(with_curve(smallest_plan_data(), channel, curve))

    assert str(refused.value) == message


# --- the engine -------------------------------------------------------------------------


def test_a_curve_channels_revenue_orders_and_sessions_worked_by_hand() -> None:
    # Search: beta 6,000, k 1,000, s 1, organic sessions even (demand index 1).
    # Jan spend 1,000: revenue 6,000 x 1,000 / 2,000 = 3,000; orders 3,000 / AOV 100 = 30;
    # sessions 30 / 4 % = 750. Dec spend 2,000: revenue 4,000, orders 40, sessions 1,000.
    # Marginal ROAS beta k / (x + k)^2: Jan 1.5, Dec 6e6 / 9e6; the year spend-weighted:
    # (11 x 1,000 x 1.5 + 2,000 x 2/3) / 13,000
    plan = parse_plan(with_curve(smallest_plan_data(), 0, SEARCH_CURVE))

    channels = project_plan(plan).channels

    assert channels.revenue[0, [0, 11]] == pytest.approx([3_000.0, 4_000.0])
    assert channels.orders[0, [0, 11]] == pytest.approx([30.0, 40.0])
    assert channels.sessions[0, [0, 11]] == pytest.approx([750.0, 1_000.0])
    assert channels.marginal_roas[0, [0, 11]] == pytest.approx([1.5, 2 / 3])
    assert channels.marginal_roas[0, -1] == pytest.approx((16_500 + 4_000 / 3) / 13_000)


def test_a_cpm_channel_on_a_curve_still_buys_impressions_at_its_cpm() -> None:
    # Social: CPM 10, spend 500 -> 50,000 impressions; revenue 4,000 x 500 / 1,500
    plan = parse_plan(with_curve(smallest_plan_data(), 1, {"beta": 4_000.0, "k": 1_000.0}))

    channels = project_plan(plan).channels

    assert channels.impressions[1, 1] == pytest.approx(50_000.0)
    assert channels.revenue[1, 1] == pytest.approx(4_000 * 500 / 1_500)
    assert channels.orders[1, 1] == pytest.approx(4_000 * 500 / 1_500 / 80)


def test_a_curve_channel_without_a_conversion_rate_brings_revenue_but_no_sessions() -> None:
    data = with_curve(smallest_plan_data(), 0, SEARCH_CURVE)
    data["marketing"]["channels"][0]["conversion_rate"] = 0.0

    channels = project_plan(parse_plan(data)).channels

    assert channels.revenue[0, 0] == pytest.approx(3_000.0)
    assert channels.sessions[0, 0] == 0.0


def test_a_month_with_more_demand_stretches_the_curve_so_proportional_spend_keeps_its_roas() -> (
    None
):
    # Organic sessions 5,000 then 15,000: demand index 0.5 then 1.5. Spend 500 then 1,500 is
    # 1,000 per unit of demand: revenue d x 3,000, ROAS 3 in every month.
    data = with_curve(smallest_plan_data(), 0, SEARCH_CURVE)
    data["pnl"]["organic_sessions"] = [5_000.0] * 6 + [15_000.0] * 6
    data["marketing"]["channels"][0]["spend"] = [500.0] * 6 + [1_500.0] * 6

    channels = project_plan(parse_plan(data)).channels

    assert channels.revenue[0, :12] == pytest.approx([1_500.0] * 6 + [4_500.0] * 6)
    assert channels.roas[0, :12] == pytest.approx([3.0] * 12)


def test_marginal_roas_of_a_channel_without_a_curve_is_its_roas_even_without_spend() -> None:
    # Search: 1 / CPC 0.5 x 4 % x AOV 100 = 8; Social: 1,000 / 10 x 1 % x 2 % x 80 = 1.6
    channels = project_plan(parse_plan(smallest_plan_data())).channels

    assert channels.marginal_roas[0, :12] == pytest.approx([8.0] * 12)
    assert channels.marginal_roas[1, 0] == pytest.approx(1.6)  # January: no spend
    assert channels.marginal_roas[2, :12] == pytest.approx([0.0] * 12)


def test_contribution_per_revenue_worked_by_hand() -> None:
    # Search (site AOV 100): 0.75 x 0.6 - 2 % - (5 + 0.25 x 4) / 100 = 0.37
    # Social (AOV 80): 0.45 - 0.02 - 6 / 80 = 0.355
    rates = contribution_per_revenue(PlanArrays.of(parse_plan(smallest_plan_data())))

    assert rates[0] == pytest.approx([0.37] * 12)
    assert rates[1] == pytest.approx([0.355] * 12)


def test_contribution_per_revenue_is_what_cm2_gains_per_unit_of_channel_revenue() -> None:
    plan = sample_plan()
    before = project_plan(plan)
    channel = plan.marketing.channels[3]
    spend = list(channel.spend)
    spend[4] += 1_000.0

    after = project_plan(set_spend(plan, {channel.name: spend}))

    gained = after.line("cm2")[4] - before.line("cm2")[4]
    revenue = after.channels.revenue[3, 4] - before.channels.revenue[3, 4]
    assert gained / revenue == pytest.approx(before.contribution_per_revenue[3, 4])


# --- target solves on curves --------------------------------------------------------------


def one_curve_plan() -> dict[str, Any]:
    """Organic plus Search on a curve, 1,000 of spend every month (the smallest plan's P&L)."""
    data = with_curve(smallest_plan_data(), 0, SEARCH_CURVE)
    data["marketing"]["channels"] = data["marketing"]["channels"][:1]
    data["marketing"]["channels"][0]["spend"] = [1_000.0] * 12
    return data


def test_the_largest_budget_on_a_curve_worked_by_hand() -> None:
    # A month without spend: CM2 7,400 - fixed 6,000 - 10 % x net 15,000 = -100.
    # Search revenue is worth w' = 0.37 - 10 % x 0.75 = 0.295 of headroom, so with y spent:
    # -100 + 0.295 x 6,000 y / (y + 1,000) - y = 0  <=>  y^2 - 670 y + 100,000 = 0,
    # y = (670 + sqrt(48,900)) / 2 = 445.567 a month (the larger root), 5,346.80 a year.
    report = project_plan(parse_plan(one_curve_plan())).targets

    solve = report.max_marketing

    assert solve.status is SolveStatus.REACHED
    assert solve.value == pytest.approx(12 * (670 + 48_900**0.5) / 2, rel=1e-9)
    assert "with response curves earn less on each extra unit" in solve.explanation


def test_a_margin_no_budget_reaches_on_a_curve_is_unreachable() -> None:
    data = one_curve_plan()
    data["targets"]["ebitda_margin"] = 0.5

    solve = project_plan(parse_plan(data)).targets.max_marketing

    assert solve.status is SolveStatus.UNREACHABLE
    assert solve.explanation.startswith("Unreachable, because no budget reaches a 50.0 % EBITDA")


def test_a_channel_without_a_curve_above_the_target_roas_leaves_the_budget_unbounded() -> None:
    # Search on its CPC earns ROAS 8, far above the hurdles; Social is on a curve.
    data = with_curve(smallest_plan_data(), 1, {"beta": 4_000.0, "k": 1_000.0})

    solve = project_plan(parse_plan(data)).targets.max_marketing

    assert solve.status is SolveStatus.UNBOUNDED
    assert "the channels without response curves (Search)" in solve.explanation


def scaled(data: dict[str, Any], *, spend: float = 1, conversion: float = 1, aov: float = 1):
    """The plan with one driver group scaled, built from the data (not the engine's arrays)."""
    out = copy.deepcopy(data)
    pnl = out["pnl"]
    pnl["site_conversion_rate"] = [min(1.0, v * conversion) for v in pnl["site_conversion_rate"]]
    pnl["site_aov"] = [v * aov for v in pnl["site_aov"]]
    for channel in out["marketing"]["channels"]:
        channel["spend"] = [v * spend for v in channel["spend"]]
        for key, factor in (("conversion_rate", conversion), ("aov", aov)):
            if key in channel:
                value = channel[key]
                channel[key] = (
                    [v * factor for v in value] if isinstance(value, list) else value * factor
                )
    return parse_plan(out)


@fast
@given(plans_with_curves())
def test_solves_on_curves_fed_back_give_the_target_margin(data: dict[str, Any]) -> None:
    plan = parse_plan(data)
    report = project_plan(plan).targets
    target = plan.targets.ebitda_margin

    for solve, driver in (
        (report.max_marketing, "spend"),
        (report.conversion_needed, "conversion"),
        (report.aov_needed, "aov"),
    ):
        if solve.status is SolveStatus.REACHED and solve.factor:
            assert misses_target(scaled(data, **{driver: solve.factor}), target) < 1e-8, solve.key


@fast
@given(plans_with_curves())
def test_no_nan_or_infinity_escapes_a_projection_with_curves(data: dict[str, Any]) -> None:
    projection = project_plan(parse_plan(data))

    for metric in ("spend", "impressions", "sessions", "orders", "revenue"):
        assert np.isfinite(projection.channels.metric(metric)).all(), metric
    assert np.isfinite(projection.lines).all()
    assert not np.isinf(projection.channels.marginal_roas).any()
