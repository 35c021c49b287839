"""Form values in the units planners type (percent) to plan edits in the plan's units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgets import MONTHS, Plan, fiscal_month_labels
from budgets.edits import set_fixed_cost_amounts, set_pnl_driver, with_settings
from budgets.errors import FIELD_LABELS
from budgets.fiscal import with_first_month
from models import Projection, project_plan
from models.seasonality import profile_weights, spread
from ui.grids import PNL_DRIVER_COLUMNS, typed_value

ORGANIC_SESSIONS = "Organic sessions"


def as_percent(fraction: float) -> float:
    """A rate as typed in a form: 0.09 -> 9.0."""
    return fraction * 100


def targets_from_form(plan: Plan, values: Mapping[str, Any], prefix: str) -> Plan:
    """The plan with the targets form's values: money as typed (any way ``read_number``
    reads), margins typed in percent.

    Raises:
        PlanValidationError: the net-sales target is not one number (named, as typed).
    """
    net_sales = typed_value(
        values[f"{prefix}_net_sales"], plan=plan, where=f"Targets, {FIELD_LABELS['net_sales']}",
        field="net_sales",
        month=None, percent=False,
    )  # fmt: skip
    return with_settings(
        plan,
        net_sales=net_sales if net_sales is not None else 0.0,
        ebitda_margin=float(values[f"{prefix}_ebitda"]) / 100,
        cm3_margin=float(values[f"{prefix}_cm3"]) / 100 if values[f"{prefix}_has_cm3"] else None,
    )


def driver_for_year(plan: Plan, label: str, value: float) -> Plan:
    """The plan with one P&L driver (a grid column label) at ``value`` in all 12 months."""
    field, percent = PNL_DRIVER_COLUMNS[label]
    return set_pnl_driver(plan, field, [value / 100 if percent else value] * MONTHS)


def spread_by_profile(
    plan: Plan,
    series: str,
    typed: str | float,
    profile: str,
    projection: Projection | None = None,
) -> Plan:
    """The plan with organic sessions (whole sessions) or a fixed-cost line spread by a profile.

    ``typed`` is the year's total as typed (read as amounts are everywhere: 1,200,000,
    1.2M); ``projection`` is the plan's, when the caller holds it already.

    Raises:
        PlanValidationError: the total is not one number of 0 or more (named, as typed).
    """
    field = "organic_sessions" if series == ORGANIC_SESSIONS else "fixed_costs"
    total = typed_value(
        typed, plan=plan, where=f"Spread, {series}, total for the year", field=field,
        month=None, percent=False,
    )  # fmt: skip
    total = total if total is not None else 0.0
    if projection is None:
        projection = project_plan(plan)
    if series == ORGANIC_SESSIONS:
        weights = profile_weights(profile, projection, plan.pnl.organic_sessions)
        return set_pnl_driver(plan, "organic_sessions", spread(total, weights, decimals=0))
    line = next(line for line in plan.pnl.fixed_costs if line.name == series)
    weights = profile_weights(profile, projection, line.amounts)
    return set_fixed_cost_amounts(plan, series, spread(total, weights))


def with_plan_settings(
    plan: Plan, name: str, year: int, month: int, currency: str, keep_calendar_months: bool
) -> Plan:
    """The plan with the settings dialog's name, fiscal year, first month and currency.

    A new first month moves every figure with its calendar month, or keeps
    it at its fiscal position (``keep_calendar_months`` False).
    """
    moved = with_first_month(plan, month, keep_calendar_months=keep_calendar_months)
    return with_settings(moved, name=name, fiscal_year=year, currency=currency)


def first_month_effects(plan: Plan, year: int, month: int) -> tuple[str, str]:
    """What each way of moving the first month does, in words: (move figures, keep order)."""
    old = plan.month_labels
    new = fiscal_month_labels(year, month)
    first_name = old[0].split()[0]
    moved_to = next(label for label in new if label.split()[0] == first_name)
    return (
        f"Every month keeps its own figures: those of {old[0]} move to {moved_to}, "
        f"month {new.index(moved_to) + 1} of the new year.",
        f"Each figure keeps its place in the year: those of {old[0]} now stand under {new[0]}.",
    )


def settings_notice(
    plan: Plan, name: str, year: int, month: int, currency: str, keep_calendar_months: bool
) -> str:
    """The confirmation shown once the settings are saved."""
    labels = fiscal_month_labels(year, month)
    notice = f"Plan settings saved: '{name}' FY{year} runs {labels[0]} - {labels[-1]}"
    if month != plan.first_month:
        notice += (
            "; every month kept its own figures"
            if keep_calendar_months
            else "; the figures kept their fiscal order"
        )
    return notice + f", in {currency}."
