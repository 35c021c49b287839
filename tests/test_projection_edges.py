"""Plans at the edges: empty, all returned, only non-working spend, the sample's realism."""

from __future__ import annotations

import numpy as np
import pytest

from budgets import parse_plan
from models import SolveStatus, project_plan
from tests.conftest import smallest_plan_data, with_changes


def test_an_empty_plan_projects_the_organic_business_alone() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels", [])

    projection = project_plan(parse_plan(data))

    assert projection.year("marketing") == 0
    assert projection.year("orders") == pytest.approx(12 * 200)
    assert np.isnan(projection.mer[-1])
    assert projection.channels.year_summary().empty
    assert projection.targets.max_marketing.status is SolveStatus.UNREACHABLE


def test_a_month_with_every_order_returned_has_no_net_sales_and_undefined_margins() -> None:
    data = with_changes(smallest_plan_data(), "pnl.return_rate.3", 1.0)

    projection = project_plan(parse_plan(data))

    assert projection.line("net_sales")[3] == 0
    assert projection.line("returns")[3] == projection.line("gross_sales")[3]
    assert np.isnan(projection.margin("ebitda")[3])
    assert np.isfinite(projection.margin("ebitda")[-1])
    assert np.isfinite(projection.line("ebitda")).all()


def test_only_non_working_channels_bring_no_traffic_but_cost_money() -> None:
    data = smallest_plan_data()
    data["marketing"]["channels"] = [data["marketing"]["channels"][2]]

    projection = project_plan(parse_plan(data))

    assert projection.year("marketing") == 3_600
    assert projection.year("sessions") == 12 * 10_000
    assert projection.channels.year_summary().loc["Agency", "roas"] == 0


def test_a_channel_aov_given_per_month_values_its_orders_each_month() -> None:
    aov = [80.0 + i for i in range(12)]
    data = with_changes(smallest_plan_data(), "marketing.channels.1.aov", aov)

    projection = project_plan(parse_plan(data))

    revenue = projection.channels.table("revenue").loc["Social"].to_numpy()
    # Social orders: 0 in January, 10 a month after
    np.testing.assert_allclose(revenue[:-1], [0.0] + [10 * a for a in aov[1:]])


def test_the_sample_plan_is_a_believable_fashion_brand(sample) -> None:
    projection = project_plan(sample)
    kinds = {c.cost_driver.value for c in sample.marketing.channels}

    assert 8 <= len(sample.marketing.channels) <= 12
    assert "none" in kinds
    assert 10e6 <= projection.year("net_sales") <= 20e6
    assert 0.25 <= projection.year("returns") / projection.year("gross_sales") <= 0.35
    assert 0.10 <= projection.marketing_share[-1] <= 0.15
    assert 0.015 <= projection.conversion_rate[-1] <= 0.025
    # close to, but short of, the EBITDA target, so the solves have something to say
    margin = projection.margin("ebitda")[-1]
    assert sample.targets.ebitda_margin - 0.03 < margin < sample.targets.ebitda_margin
    # December is the peak month, February the trough
    net = projection.line("net_sales")[:-1]
    assert net.argmax() == 11
    assert net.argmin() == 1


def test_the_large_plan_has_fifty_valid_channels(large) -> None:
    projection = project_plan(large)

    assert len(large.marketing.channels) == 50
    assert np.isfinite(projection.line("ebitda")).all()
