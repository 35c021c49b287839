"""Shared builders: plans as plain dicts (as they arrive from JSON) and as validated Plans."""

from __future__ import annotations

import copy
import os
import re
import tempfile
from typing import Any

import pytest

from budgets import Plan, parse_plan
from budgets.access import EVERY_ROLE, Role, User
from budgets.samples import large_plan, sample_plan
from models import project_plan


def pytest_configure(config: pytest.Config) -> None:
    """Tests never touch the planner's own plan database (~/.budget-planner/plans.db)."""
    os.environ["BUDGET_DB_PATH"] = os.path.join(tempfile.mkdtemp(prefix="plans-"), "plans.db")
    os.environ.pop("BUDGET_DB_URL", None)


def monthly(value: float) -> list[float]:
    return [value] * 12


def smallest_plan_data() -> dict[str, Any]:
    """The smallest interesting plan: one CPC, one CPM, one non-working channel, two fixed costs.

    Search (CPC 0.50, CVR 4 %, site AOV 100): spend 1,000 a month, 2,000 in December.
    Social (CPM 10, CTR 1 %, CVR 2 %, AOV 80): spend 500 a month, nothing in January.
    Agency (non-working): 300 a month.
    Organic: 10,000 sessions at 2 % and AOV 100. Returns 25 %, COGS 40 %,
    fulfilment 5 per order, returns handling 4 per return, payment fees 2 %.
    Fixed: Team 5,000 and Rent 1,000 a month.
    """
    return {
        "name": "Smallest",
        "fiscal_year": 2027,
        "first_month": 1,
        "currency": "EUR",
        "marketing": {
            "channels": [
                {
                    "name": "Search",
                    "kind": "paid_search",
                    "cost_driver": "cpc",
                    "spend": [1000.0] * 11 + [2000.0],
                    "cpc": 0.5,
                    "conversion_rate": 0.04,
                },
                {
                    "name": "Social",
                    "kind": "paid_social",
                    "cost_driver": "cpm",
                    "spend": [0.0] + [500.0] * 11,
                    "cpm": 10.0,
                    "ctr": 0.01,
                    "conversion_rate": 0.02,
                    "aov": 80.0,
                },
                {
                    "name": "Agency",
                    "kind": "tools_agency",
                    "cost_driver": "none",
                    "spend": monthly(300.0),
                },
            ]
        },
        "pnl": {
            "organic_sessions": monthly(10_000.0),
            "site_conversion_rate": monthly(0.02),
            "site_aov": monthly(100.0),
            "return_rate": monthly(0.25),
            "cogs_rate": monthly(0.40),
            "fulfilment_cost_per_order": monthly(5.0),
            "returns_cost_per_return": monthly(4.0),
            "payment_fee_rate": monthly(0.02),
            "fixed_costs": [
                {"name": "Team", "amounts": monthly(5000.0)},
                {"name": "Rent", "amounts": monthly(1000.0)},
            ],
        },
        "targets": {"net_sales": 400_000.0, "ebitda_margin": 0.10},
    }


def with_changes(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of plan data with one value replaced; path like 'marketing.channels.0.spend.3'."""
    changed = copy.deepcopy(data)
    node: Any = changed
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return changed


_DELETE = object()
DELETE = _DELETE


@pytest.fixture
def smallest_data() -> dict[str, Any]:
    return smallest_plan_data()


@pytest.fixture
def smallest() -> Plan:
    return parse_plan(smallest_plan_data())


@pytest.fixture(scope="session")
def sample() -> Plan:
    return sample_plan()


@pytest.fixture(scope="session")
def large() -> Plan:
    return large_plan(50)


def misses_target(plan, target: float) -> float:
    """|EBITDA - target x net sales| relative to the P&L's size (gross sales plus every cost).

    A ratio such as the EBITDA margin amplifies float error when net sales are
    tiny beside fixed costs; the amounts themselves are what must agree.
    """
    projection = project_plan(plan)
    size = projection.year("gross_sales") + sum(
        projection.year(line)
        for line in ("cogs", "fulfilment", "returns_handling", "payment_fees", "marketing",
                     "fixed_costs")
    )  # fmt: skip
    gap = projection.year("ebitda") - target * projection.year("net_sales")
    return abs(gap) / max(size, 1.0)


def edge_plan_data(name: str) -> dict[str, Any]:
    """A plan at an edge, as JSON data: "empty" (no channels, no fixed costs), "no traffic
    channel" (only non-working channels) or "no sales" (no organic sessions, no spend)."""
    data = smallest_plan_data()
    data["name"] = {"empty": "Empty plan", "no traffic channel": "Fees only"}.get(
        name, "No sales yet"
    )
    if name == "empty":
        data["marketing"]["channels"] = []
        data["pnl"]["fixed_costs"] = []
    elif name == "no traffic channel":
        for channel in data["marketing"]["channels"]:
            channel.update(cost_driver="none", kind="other")
            for driver in ("cpc", "cpm", "ctr"):
                channel.pop(driver, None)
    else:
        data["pnl"]["organic_sessions"] = [0] * 12
        for channel in data["marketing"]["channels"]:
            channel["spend"] = [0] * 12
    return data


def person(name: str, *roles: Role) -> User:
    """A user called ``name`` at ``<name>@example.com`` (letters and digits of the name),
    holding ``roles``, or every role when none is given."""
    local = re.sub(r"[^a-z0-9]", "", name.lower()) or "someone"
    return User(f"{local}@example.com", name, frozenset(roles) if roles else EVERY_ROLE)
