"""Edits to a plan: each returns a new validated plan or says exactly what was refused.

A plan is immutable; an edit builds the changed data and validates it whole,
so an edit can never leave a plan half-valid. ``apply_changes`` takes a batch
of cell changes (a paste, several edited cells) and keeps every valid one:
nothing the planner typed correctly is lost because a neighbour was wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from budgets.errors import PlanIssue, PlanValidationError, issue_at, quoted, shown_text
from budgets.files import parse_plan
from budgets.plan import (
    MONTHS,
    NAME_MAX_LENGTH,
    ChannelKind,
    CostDriver,
    Plan,
    ResponseCurve,
)

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Change:
    """One value to set, by its path in the plan's data.

    ``("marketing", "channels", 2, "spend", 4)`` is the 5th month's spend of
    the 3rd channel; ``("pnl", "return_rate", 0)`` the first month's return rate.
    """

    path: Path
    value: Any


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain, mutable data (lists, strings), as it is stored in JSON."""
    data: dict[str, Any] = plan.model_dump(mode="json")
    return data


_ITEMS = {"channels": "channel", "fixed_costs": "fixed-cost line"}


def _no_place(data: dict[str, Any], path: Path, depth: int, problem: str) -> PlanValidationError:
    where = issue_at(data, path[:depth], None, problem).where
    return PlanValidationError([PlanIssue(where, None, None, None, problem, has_value=False)])


def _shown(part: Any) -> str:
    return quoted(part) if isinstance(part, str) else shown_text(repr(part))


def _place(data: dict[str, Any], path: Path) -> tuple[Any, str | int]:
    """The container a change's path ends in and the key or index within it.

    Every step must exist: list positions from 0 to the list's length minus
    one (a negative position never counts from the end), field names the
    data has. Only the last field may be new (an optional field the data
    leaves out, such as a channel's response curve); the plan's rules then
    refuse a name that is not a field.

    Raises:
        PlanValidationError: the path leads nowhere in the plan; nothing is changed.
    """
    if not path:
        raise _no_place(data, path, 0, "an edit must name the value it changes")
    node: Any = data
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            holder = path[depth - 1] if depth else ""
            noun = _ITEMS.get(str(holder), "month")
            if isinstance(part, bool) or not isinstance(part, int) or not 0 <= part < len(node):
                raise _no_place(
                    data, path, depth,
                    f"there is no {noun} at position {_shown(part)} (it has {len(node)}, "
                    f"at positions 0 to {len(node) - 1}); the edit was not applied",
                )  # fmt: skip
        elif isinstance(node, dict):
            if not isinstance(part, str) or (part not in node and not last):
                raise _no_place(
                    data, path, depth,
                    f"{_shown(part)} is not a field here; the edit was not applied",
                )  # fmt: skip
        else:
            raise _no_place(
                data, path, depth,
                f"the edit goes below a single value, to {_shown(part)}; "
                "it was not applied",
            )  # fmt: skip
        if last:
            return node, part
        node = node[part]
    raise AssertionError("unreachable: the loop returns at the path's last part")


def _with(plan: Plan, changes: Iterable[Change]) -> Plan:
    data = plan_data(plan)
    for change in changes:
        node, key = _place(data, tuple(change.path))
        node[key] = _plain(change.value)
    return parse_plan(data)


def _plain(value: Any) -> Any:
    """Numbers from grids arrive as numpy scalars; NaN from an emptied cell stays NaN."""
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        return value.item()
    return value


def apply_changes(plan: Plan, changes: Sequence[Change]) -> tuple[Plan, list[PlanIssue]]:
    """Apply a batch of changes, keeping every valid one.

    A change whose path does not exist in the plan (a channel or month
    beyond the last, a negative position, a field the plan does not have) is
    refused like an invalid value, with the place it names.

    Returns:
        The plan with every valid change applied, and the issues of the
        refused ones (empty when all applied). The input plan is unchanged.
    """
    if not changes:
        return plan, []
    try:
        return _with(plan, changes), []
    except PlanValidationError:
        pass
    current = plan
    issues: list[PlanIssue] = []
    for change in changes:
        try:
            current = _with(current, [change])
        except PlanValidationError as error:
            issues.extend(error.issues)
    return current, issues


def _channel_index(plan: Plan, name: str) -> int:
    for index, channel in enumerate(plan.marketing.channels):
        if channel.name == name:
            return index
    raise PlanValidationError.single(f"Channel '{name}'", "there is no channel of that name")


def _line_index(plan: Plan, name: str) -> int:
    for index, line in enumerate(plan.pnl.fixed_costs):
        if line.name == name:
            return index
    raise PlanValidationError.single(f"Fixed-cost line '{name}'", "there is no line of that name")


def channel_path(plan: Plan, name: str, *rest: str | int) -> Path:
    """The data path of a channel's field: ("marketing", "channels", i, *rest)."""
    return ("marketing", "channels", _channel_index(plan, name), *rest)


def fixed_cost_path(plan: Plan, name: str, month: int) -> Path:
    """The data path of one month's amount of a fixed-cost line."""
    return ("pnl", "fixed_costs", _line_index(plan, name), "amounts", month)


# The drivers a channel starts with for its cost driver (a new channel, or one whose cost
# driver changes and lacks them): CPC 1.00 and 2 % conversion; CPM 10.00, CTR 1 % and 1 %
# conversion.
TYPICAL_DRIVERS: dict[CostDriver, dict[str, float]] = {
    CostDriver.CPC: {"cpc": 1.0, "conversion_rate": 0.02},
    CostDriver.CPM: {"cpm": 10.0, "ctr": 0.01, "conversion_rate": 0.01},
}


def add_channel(
    plan: Plan,
    name: str,
    kind: ChannelKind = ChannelKind.OTHER,
    cost_driver: CostDriver = CostDriver.CPC,
) -> Plan:
    """A plan with a new channel at the end, no spend yet, typical drivers for its cost driver
    (``TYPICAL_DRIVERS``); the AOV is the site's."""
    data = plan_data(plan)
    channel: dict[str, Any] = {
        "name": name,
        "kind": ChannelKind(kind).value,
        "cost_driver": CostDriver(cost_driver).value,
        "spend": [0.0] * MONTHS,
    }
    channel.update(TYPICAL_DRIVERS.get(CostDriver(cost_driver), {}))
    data["marketing"]["channels"].append(channel)
    return parse_plan(data)


def rename_channel(plan: Plan, old: str, new: str) -> Plan:
    """A plan whose channel ``old`` is called ``new`` (trimmed, unique, 1-80 characters)."""
    return _with(plan, [Change(channel_path(plan, old, "name"), new)])


def remove_channel(plan: Plan, name: str) -> Plan:
    """A plan without the channel ``name``."""
    data = plan_data(plan)
    del data["marketing"]["channels"][_channel_index(plan, name)]
    return parse_plan(data)


def set_cost_driver(plan: Plan, name: str, driver: CostDriver) -> Plan:
    """A plan whose channel buys traffic by another cost driver; typical rates where missing."""
    index = _channel_index(plan, name)
    data = plan_data(plan)
    channel = data["marketing"]["channels"][index]
    channel["cost_driver"] = CostDriver(driver).value
    if driver is CostDriver.CPC and channel.get("cpc") is None:
        channel["cpc"] = 1.0
    if driver is CostDriver.CPM:
        channel["cpm"] = channel.get("cpm") or 10.0
        channel["ctr"] = channel.get("ctr") if channel.get("ctr") is not None else 0.01
    return parse_plan(data)


def set_response_curve(plan: Plan, name: str, curve: ResponseCurve | None) -> Plan:
    """A plan whose channel ``name`` follows ``curve`` (None: back to its CPC or CPM)."""
    value = None if curve is None else curve.model_dump(mode="json")
    return _with(plan, [Change(channel_path(plan, name, "response"), value)])


def set_spend(plan: Plan, spend: Mapping[str, Sequence[float]]) -> Plan:
    """A plan with the 12 monthly spend figures of the named channels replaced.

    Channels not named keep their spend. Every figure is validated as a typed
    spend would be (0 or more, finite), so the result is a plan the planner can
    keep editing.
    """
    changes = [
        Change(channel_path(plan, name, "spend"), [float(value) for value in months])
        for name, months in spend.items()
    ]
    return _with(plan, changes)


def add_fixed_cost(plan: Plan, name: str, monthly_amount: float = 0.0) -> Plan:
    """A plan with a new fixed-cost line of ``monthly_amount`` every month."""
    data = plan_data(plan)
    data["pnl"]["fixed_costs"].append({"name": name, "amounts": [monthly_amount] * MONTHS})
    return parse_plan(data)


def rename_fixed_cost(plan: Plan, old: str, new: str) -> Plan:
    """A plan whose fixed-cost line ``old`` is called ``new``."""
    return _with(plan, [Change(("pnl", "fixed_costs", _line_index(plan, old), "name"), new)])


def remove_fixed_cost(plan: Plan, name: str) -> Plan:
    """A plan without the fixed-cost line ``name``."""
    data = plan_data(plan)
    del data["pnl"]["fixed_costs"][_line_index(plan, name)]
    return parse_plan(data)


def set_fixed_cost_amounts(plan: Plan, name: str, months: Sequence[float]) -> Plan:
    """A plan with all 12 monthly amounts of one fixed-cost line replaced."""
    return _with(
        plan, [Change(("pnl", "fixed_costs", _line_index(plan, name), "amounts"), list(months))]
    )


def set_pnl_driver(plan: Plan, driver: str, months: Sequence[float]) -> Plan:
    """A plan with all 12 months of one P&L driver replaced (e.g. a yearly value or a spread)."""
    return _with(plan, [Change(("pnl", driver), list(months))])


def with_settings(plan: Plan, **settings: Any) -> Plan:
    """A plan with new top-level settings or targets.

    Accepts ``name``, ``fiscal_year``, ``first_month``, ``currency`` and the
    targets ``net_sales``, ``ebitda_margin``, ``cm3_margin`` (None clears it).
    """
    changes = []
    for key, value in settings.items():
        if key in ("net_sales", "ebitda_margin", "cm3_margin"):
            changes.append(Change(("targets", key), value))
        elif key in ("name", "fiscal_year", "first_month", "currency"):
            changes.append(Change((key,), value))
        else:
            raise ValueError(f"not a plan setting: {key}")
    return _with(plan, changes)


def empty_plan(
    name: str = "New plan", fiscal_year: int = 2027, first_month: int = 1, currency: str = "EUR"
) -> Plan:
    """A plan with no channels, no traffic and no fixed costs, its rates at typical fashion values.

    Conversion 2 %, AOV 120, returns 30 %, COGS 40 %, fulfilment 8 per order,
    returns handling 5 per return, payment fees 2 %: a starting point the
    e-commerce manager overwrites, not a forecast.
    """
    data = {
        "name": name[:NAME_MAX_LENGTH],
        "fiscal_year": fiscal_year,
        "first_month": first_month,
        "currency": currency,
        "marketing": {"channels": []},
        "pnl": {
            "organic_sessions": [0.0] * MONTHS,
            "site_conversion_rate": [0.02] * MONTHS,
            "site_aov": [120.0] * MONTHS,
            "return_rate": [0.30] * MONTHS,
            "cogs_rate": [0.40] * MONTHS,
            "fulfilment_cost_per_order": [8.0] * MONTHS,
            "returns_cost_per_return": [5.0] * MONTHS,
            "payment_fee_rate": [0.02] * MONTHS,
            "fixed_costs": [],
        },
        "targets": {"net_sales": 0.0, "ebitda_margin": 0.10},
    }
    return parse_plan(copy.deepcopy(data))
