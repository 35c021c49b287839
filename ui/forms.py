"""Form values in the units planners type (percent) to plan edits in the plan's units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgets import MONTHS, Plan
from budgets.edits import set_pnl_driver, with_settings
from ui.grids import PNL_DRIVER_COLUMNS


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
