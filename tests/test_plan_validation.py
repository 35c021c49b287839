"""Every rule of a plan, and the message a planner gets when it is broken."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from budgets import PlanValidationError, parse_plan, plan_from_json, plan_to_json
from tests.conftest import DELETE, smallest_plan_data, with_changes


def messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanValidationError) as caught:
        parse_plan(data)
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "marketing.channels.0.spend.2",
            -250.0,
            "Channel 'Search', spend, Mar 2027: -250 is not allowed; it must be 0 or more.",
        ),
        (
            "pnl.return_rate.6",
            1.2,
            "P&L budget, return rate, Jul 2027: 1.2 (120 %) is not allowed; "
            "a rate must be between 0 % and 100 %.",
        ),
        (
            "pnl.site_conversion_rate.0",
            -0.01,
            "P&L budget, site conversion rate, Jan 2027: -0.01 (-1 %) is not allowed; "
            "a rate must be between 0 % and 100 %.",
        ),
        (
            "marketing.channels.1.ctr",
            1.5,
            "Channel 'Social', CTR: 1.5 (150 %) is not allowed; a rate must be between 0 % and 100 %.",
        ),
        (
            "pnl.fixed_costs.1.amounts.11",
            math.nan,
            "Fixed-cost line 'Rent', amount, Dec 2027: nan is not allowed; "
            "it must be a finite number, not NaN or infinity.",
        ),
        (
            "marketing.channels.0.spend.4",
            math.inf,
            "Channel 'Search', spend, May 2027: inf is not allowed; "
            "it must be a finite number, not NaN or infinity.",
        ),
        (
            "marketing.channels.0.spend.1",
            "lots",
            "Channel 'Search', spend, Feb 2027: 'lots' is not allowed; it must be a number.",
        ),
        (
            "pnl.site_aov.3",
            "120",
            "P&L budget, site AOV, Apr 2027: '120' is not allowed; it must be a number.",
        ),
        (
            "marketing.channels.0.cpc",
            0.0,
            "Channel 'Search', CPC: 0 is not allowed; it must be more than 0.",
        ),
        (
            "currency",
            "EUX",
            "Currency: 'EUX' is not allowed; it must be an ISO 4217 currency code "
            "such as EUR, GBP or USD.",
        ),
        (
            "marketing.channels.2.name",
            "   ",
            "Channel #3, name: '   ' is not allowed; "
            "a name must be 1 to 80 characters after trimming spaces (it has 0).",
        ),
        (
            "marketing.channels.2.name",
            "x" * 81,
            f"Channel '{'x' * 81}', name: '{'x' * 81}' is not allowed; "
            "a name must be 1 to 80 characters after trimming spaces (it has 81).",
        ),
        (
            "marketing.channels.2.name",
            "Agency\x00",
            "Channel 'Agency\x00', name: 'Agency\\x00' is not allowed; "
            "a name must not contain control characters.",
        ),
        (
            "marketing.channels.0.spend",
            [1000.0] * 11,
            "Channel 'Search', spend: has 11 values; it must have 12, one per month.",
        ),
        (
            "pnl.organic_sessions",
            [1.0] * 13,
            "P&L budget, organic sessions: has 13 values; it must have 12, one per month.",
        ),
        (
            "targets.ebitda_margin",
            1.5,
            "Targets, target EBITDA margin: 1.5 (150 %) is not allowed; it must be at most 1 (100 %).",
        ),
        (
            "marketing.channels.1.kind",
            "billboards",
            "Channel 'Social', kind: 'billboards' is not allowed; it must be one of 'paid_search', "
            "'paid_social', 'display', 'affiliates', 'email_crm', 'seo', 'content', "
            "'influencers', 'digital_pr', 'marketplace_ads', 'tools_agency' or 'other'.",
        ),
    ],
)
def test_a_broken_rule_names_field_channel_month_value_and_what_is_allowed(
    path: str, value: Any, expected: str
) -> None:
    data = with_changes(smallest_plan_data(), path, value)

    found = messages(data)

    assert found == [expected]


def test_months_are_named_in_the_fiscal_calendar() -> None:
    data = with_changes(smallest_plan_data(), "first_month", 4)
    data = with_changes(data, "marketing.channels.0.spend.11", -1.0)

    found = messages(data)

    assert found == ["Channel 'Search', spend, Mar 2028: -1 is not allowed; it must be 0 or more."]


def test_duplicate_channel_names_are_refused_whatever_their_case() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels.2.name", " search ")

    found = messages(data)

    assert found == [
        "Marketing plan: duplicate channel name 'search' (channels 1 and 3); names must be unique."
    ]


def test_duplicate_fixed_cost_lines_are_refused() -> None:
    data = with_changes(smallest_plan_data(), "pnl.fixed_costs.1.name", "Team")

    found = messages(data)

    assert found == [
        "P&L budget: duplicate fixed-cost line name 'Team' (fixed-cost lines 1 and 2); "
        "names must be unique."
    ]


def test_a_cpc_channel_without_a_cpc_is_refused() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels.0.cpc", DELETE)

    found = messages(data)

    assert found == ["Channel 'Search': a CPC channel needs a cost per click (cpc)."]


def test_every_problem_is_reported_at_once() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels.0.spend.0", -1.0)
    data = with_changes(data, "pnl.cogs_rate.5", 2.0)

    found = messages(data)

    assert len(found) == 2
    assert "Jan 2027" in found[0]
    assert "COGS rate, Jun 2027" in found[1]


def test_a_missing_section_is_named() -> None:
    data = with_changes(smallest_plan_data(), "targets", DELETE)

    found = messages(data)

    assert found == ["Targets: is required."]


def test_a_plan_with_no_channels_is_valid() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels", [])

    plan = parse_plan(data)

    assert plan.marketing.channels == ()


def test_a_channel_with_zero_spend_all_year_is_valid() -> None:
    data = with_changes(smallest_plan_data(), "marketing.channels.0.spend", [0.0] * 12)

    plan = parse_plan(data)

    assert sum(plan.marketing.channels[0].spend) == 0


def test_driver_rates_may_be_given_once_or_per_month() -> None:
    per_month = [0.5 + i / 100 for i in range(12)]
    data = with_changes(smallest_plan_data(), "marketing.channels.0.cpc", per_month)

    plan = parse_plan(data)

    assert plan.marketing.channels[0].cpc == tuple(per_month)
    assert plan.marketing.channels[1].cpm == 10.0


def test_names_are_trimmed() -> None:
    data = with_changes(smallest_plan_data(), "name", "  Spring plan  ")

    plan = parse_plan(data)

    assert plan.name == "Spring plan"


def test_a_file_that_is_not_json_says_so() -> None:
    with pytest.raises(PlanValidationError, match=r"^File: it is not valid JSON"):
        plan_from_json(b"{not json")


def test_json_that_is_not_an_object_says_so() -> None:
    with pytest.raises(PlanValidationError, match="a plan must be a JSON object"):
        plan_from_json(b"[1, 2, 3]")


def test_json_round_trip_is_identity(sample, large, smallest) -> None:
    for plan in (sample, large, smallest):
        text = plan_to_json(plan)

        again = plan_from_json(text)

        assert again == plan
        assert plan_to_json(again) == text


def test_saved_json_keeps_the_twelve_months_on_one_line(smallest) -> None:
    text = plan_to_json(smallest)

    assert '"spend": [1000.0, 1000.0,' in text
    assert json.loads(text)["marketing"]["channels"][0]["spend"][-1] == 2000.0
