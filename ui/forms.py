"""Form values in the units planners type (percent) to plan edits in the plan's units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgets import MONTHS, Plan
from budgets.edits import set_fixed_cost_amounts, set_pnl_driver, with_settings
from models import project_plan
from models.seasonality import profile_weights, spread
from ui.grids import PNL_DRIVER_COLUMNS

ORGANIC_SESSIONS = "Organic sessions"


def as_percent(fraction: float) -> float:
    """A rate as typed in a form: 0.09 -> 9.0."""
    return fraction * 100


def targets_from_form(plan: Plan, values: Mapping[str, Any], prefix: str) -> Plan:
    """The plan with the targets form's values: money as typed, margins typed in percent."""
    return with_settings(
        plan,
        net_sales=float(values[f"{prefix}_net_sales"]),
        ebitda_margin=float(values[f"{prefix}_ebitda"]) / 100,
        cm3_margin=float(values[f"{prefix}_cm3"]) / 100 if values[f"{prefix}_has_cm3"] else None,
    )


def driver_for_year(plan: Plan, label: str, value: float) -> Plan:
    """The plan with one P&L driver (a grid column label) at ``value`` in all 12 months."""
    field, percent = PNL_DRIVER_COLUMNS[label]
    return set_pnl_driver(plan, field, [value / 100 if percent else value] * MONTHS)


def spread_by_profile(plan: Plan, series: str, total: float, profile: str) -> Plan:
    """The plan with organic sessions (whole sessions) or a fixed-cost line spread by a profile."""
    projection = project_plan(plan)
    if series == ORGANIC_SESSIONS:
        weights = profile_weights(profile, projection, plan.pnl.organic_sessions)
        return set_pnl_driver(plan, "organic_sessions", spread(total, weights, decimals=0))
    line = next(line for line in plan.pnl.fixed_costs if line.name == series)
    weights = profile_weights(profile, projection, line.amounts)
    return set_fixed_cost_amounts(plan, series, spread(total, weights))
