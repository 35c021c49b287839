"""Invariants of the projection over random valid plans, and target solves fed back in."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets import parse_plan
from models import SolveStatus, project_plan
from models.pnl import MONEY_LINES
from tests.conftest import misses_target
from tests.strategies import plans, plans_with_curves

ADDITIVE = ("sessions", "orders", *MONEY_LINES)
fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, scale)


@fast
@given(plans())
def test_the_year_is_the_sum_of_its_months(data: dict[str, Any]) -> None:
    projection = project_plan(parse_plan(data))

    for line in ADDITIVE:
        values = projection.line(line)
        assert close(values[-1], values[:-1].sum(), abs(values).max())
    for metric in ("spend", "sessions", "orders", "revenue"):
        table = projection.channels.metric(metric)
        np.testing.assert_allclose(table[:, -1], table[:, :-1].sum(axis=1), rtol=1e-12)


@fast
@given(plans())
def test_ebitda_is_net_sales_less_every_cost_line(data: dict[str, Any]) -> None:
    projection = project_plan(parse_plan(data))

    costs = sum(
        projection.line(name)
        for name in ("cogs", "fulfilment", "returns_handling", "payment_fees", "marketing",
                     "fixed_costs")
    )  # fmt: skip
    np.testing.assert_allclose(
        projection.line("ebitda"),
        projection.line("net_sales") - costs,
        atol=1e-6 * max(1.0, abs(projection.line("gross_sales")).max()),
    )


@fast
@given(plans())
def test_marketing_is_all_spend_working_and_not(data: dict[str, Any]) -> None:
    plan = parse_plan(data)

    projection = project_plan(plan)

    spend = np.array([c.spend for c in plan.marketing.channels]).reshape(-1, 12).sum(axis=0)
    np.testing.assert_allclose(projection.line("marketing")[:-1], spend, rtol=1e-12)


@fast
@given(plans())
def test_no_nan_or_infinity_in_any_additive_line(data: dict[str, Any]) -> None:
    projection = project_plan(parse_plan(data))

    for line in ADDITIVE:
        assert np.isfinite(projection.line(line)).all(), line
    for metric in ("spend", "impressions", "sessions", "orders", "revenue"):
        assert np.isfinite(projection.channels.metric(metric)).all(), metric
    assert not np.isinf(projection.kpis.to_numpy()).any()


def scaled(data: dict[str, Any], *, spend: float = 1, conversion: float = 1, aov: float = 1):
    """The plan with a driver group scaled, built from the data (not from the engine's arrays)."""
    out = copy.deepcopy(data)
    pnl = out["pnl"]
    pnl["site_conversion_rate"] = [min(1.0, v * conversion) for v in pnl["site_conversion_rate"]]
    pnl["site_aov"] = [v * aov for v in pnl["site_aov"]]
    for channel in out["marketing"]["channels"]:
        channel["spend"] = [v * spend for v in channel["spend"]]
        if "conversion_rate" in channel:
            channel["conversion_rate"] = _times(channel["conversion_rate"], conversion)
        if "aov" in channel:
            channel["aov"] = _times(channel["aov"], aov)
    return parse_plan(out)


def _times(value: Any, factor: float) -> Any:
    return [v * factor for v in value] if isinstance(value, list) else value * factor


@fast
@given(plans())
def test_solves_fed_back_give_the_target_margin(data: dict[str, Any]) -> None:
    plan = parse_plan(data)
    report = project_plan(plan).targets
    target = plan.targets.ebitda_margin
    tolerance = 1e-9

    solve = report.max_marketing
    if solve.status is SolveStatus.REACHED and solve.value and solve.planned:
        assert misses_target(scaled(data, spend=solve.value / solve.planned), target) < tolerance
    solve = report.conversion_needed
    if solve.status is SolveStatus.REACHED and solve.value and solve.planned:
        factor = solve.value / solve.planned
        assert misses_target(scaled(data, conversion=factor), target) < tolerance
        assert report.net_sales_needed.value is not None
        projection = project_plan(scaled(data, conversion=factor))
        assert projection.year("net_sales") == pytest.approx(report.net_sales_needed.value)
    solve = report.aov_needed
    if solve.status is SolveStatus.REACHED and solve.value and solve.planned:
        assert misses_target(scaled(data, aov=solve.value / solve.planned), target) < tolerance


@fast
@given(st.one_of(plans(), plans_with_curves()))
def test_every_solve_explains_itself(data: dict[str, Any]) -> None:
    report = project_plan(parse_plan(data)).targets

    for solve in report.solves:
        assert solve.explanation.endswith(".")
        if solve.status is SolveStatus.UNREACHABLE:
            assert solve.explanation.startswith("Unreachable, because")
            assert solve.value is None
        if solve.status is SolveStatus.REACHED:
            assert solve.value is not None
            assert np.isfinite(solve.value)
