"""Moving a plan's fiscal year to start in another month.

A plan's monthly figures are stored in fiscal order: position 0 is the
fiscal year's first month. When the first month changes, a planner means
one of two things, and ``with_first_month`` does either:

- the figures belong to their calendar months (the Black Friday spend is
  November's, whichever fiscal month November is): every monthly series is
  rotated so that each calendar month keeps its figures;
- the figures belong to their fiscal positions (a plan drafted for "month 1
  to month 12"): the series stay as they are and their calendar months
  change.
"""

from __future__ import annotations

from typing import Any

from budgets.edits import plan_data
from budgets.files import parse_plan
from budgets.plan import MONTHS, PNL_DRIVERS, Plan

# Channel fields that may be given per month (a list of 12) or once for the year.
_CHANNEL_MONTHLY = ("spend", "cpc", "cpm", "ctr", "conversion_rate", "aov")


def _rotated(values: Any, shift: int) -> Any:
    if isinstance(values, list) and len(values) == MONTHS:
        return values[shift:] + values[:shift]
    return values


def with_first_month(plan: Plan, first_month: int, *, keep_calendar_months: bool = True) -> Plan:
    """The plan with its fiscal year starting in ``first_month`` (1 = January).

    Args:
        plan: the plan as it is.
        first_month: the new first month of the fiscal year, 1 to 12.
        keep_calendar_months: True (the default) keeps every figure with its
            calendar month, so figures move to other fiscal positions (and
            the months before the new start move to the next calendar year);
            False keeps every figure at its fiscal position.

    Raises:
        PlanValidationError: ``first_month`` is not a month.
    """
    data = plan_data(plan)
    data["first_month"] = first_month
    if keep_calendar_months and isinstance(first_month, int) and 1 <= first_month <= MONTHS:
        shift = (first_month - plan.first_month) % MONTHS
        for channel in data["marketing"]["channels"]:
            for field in _CHANNEL_MONTHLY:
                channel[field] = _rotated(channel.get(field), shift)
        for driver in PNL_DRIVERS:
            data["pnl"][driver] = _rotated(data["pnl"][driver], shift)
        for line in data["pnl"]["fixed_costs"]:
            line["amounts"] = _rotated(line["amounts"], shift)
    return parse_plan(data)
