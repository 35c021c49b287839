"""What changed between two plans, field by field: the rows of a "compare versions" table.

``diff_plans(old, new)`` walks both plans and returns one ``PlanChange`` per
changed value, in the order a planner reads a plan:

1. the plan's identity (name, fiscal year, first month, currency);
2. channels, matched by name: added and removed channels (their yearly
   spend as the old or new value), then, for channels in both, kind, cost
   driver, spend by month, every driver (CPC, CPM, CTR, conversion rate,
   AOV) and the response curve's beta, k and s (``None`` without a curve);
3. the P&L drivers by month;
4. fixed-cost lines, matched by name: added and removed lines (their yearly
   amount), then changed monthly amounts;
5. the targets.

A driver given once for the year is one value (``month`` None); when either
side gives it by month, the change is reported for each month whose value
differs, so 0.5 once and 0.5 in all 12 months are no change. A driver absent
on one side (an optional CPC, CPM, CTR, AOV or CM3 target) is ``None``.
Months are labelled with the new plan's fiscal months. Values are compared
exactly, as stored; money in the plan's currency, rates as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from budgets.errors import FIELD_LABELS
from budgets.plan import PNL_DRIVERS, Channel, FixedCostLine, Plan, as_monthly

Value = float | int | str | None

PLAN_FIELDS = ("name", "fiscal_year", "first_month", "currency")
CHANNEL_FIELDS = ("kind", "cost_driver")
CHANNEL_DRIVERS = ("spend", "cpc", "cpm", "ctr", "conversion_rate", "aov")
CURVE_PARAMETERS = ("beta", "k", "s")
TARGET_FIELDS = ("net_sales", "ebitda_margin", "cm3_margin")


class ChangeKind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


class Section(StrEnum):
    PLAN = "Plan"
    CHANNEL = "Channel"
    PNL = "P&L budget"
    FIXED_COST = "Fixed-cost line"
    TARGETS = "Targets"


@dataclass(frozen=True)
class PlanChange:
    """One changed value of a plan.

    Attributes:
        section: which part of the plan.
        item: the channel's or fixed-cost line's name; "" elsewhere.
        field: the plan field (``spend``, ``cpc``, ``organic_sessions``,
            ``net_sales``...); "" for a whole channel or line added or removed.
        month: the fiscal month's label, or None for a value given once.
        kind: added, removed or changed.
        old, new: the values before and after (None where absent). For an
            added or removed channel or fixed-cost line, its yearly total.
    """

    section: Section
    item: str
    field: str
    month: str | None
    kind: ChangeKind
    old: Value
    new: Value

    @property
    def label(self) -> str:
        """What changed, as a planner reads it: "Channel 'Search', CPC, Mar 2027"."""
        parts = [f"{self.section.value} '{self.item}'" if self.item else self.section.value]
        if self.field:
            parts.append(FIELD_LABELS.get(self.field, self.field.replace("_", " ")))
        if self.month:
            parts.append(self.month)
        return ", ".join(parts)

    def as_row(self) -> dict[str, Any]:
        """The change as one row of a table."""
        return {
            "section": self.section.value,
            "item": self.item,
            "field": FIELD_LABELS.get(self.field, self.field.replace("_", " ")),
            "month": self.month,
            "change": self.kind.value,
            "old": self.old,
            "new": self.new,
        }


def diff_plans(old: Plan, new: Plan) -> tuple[PlanChange, ...]:
    """Every value that differs between ``old`` and ``new``; empty when the plans are equal."""
    months = new.month_labels
    changes: list[PlanChange] = []
    for name in PLAN_FIELDS:
        changes += _compare(Section.PLAN, "", name, getattr(old, name), getattr(new, name), months)
    changes += _channel_changes(old.marketing.channels, new.marketing.channels, months)
    for name in PNL_DRIVERS:
        changes += _compare(
            Section.PNL, "", name, getattr(old.pnl, name), getattr(new.pnl, name), months
        )
    changes += _fixed_cost_changes(old.pnl.fixed_costs, new.pnl.fixed_costs, months)
    for name in TARGET_FIELDS:
        changes += _compare(
            Section.TARGETS,
            "",
            name,
            getattr(old.targets, name),
            getattr(new.targets, name),
            months,
        )
    return tuple(changes)


def _channel_changes(
    old: tuple[Channel, ...], new: tuple[Channel, ...], months: tuple[str, ...]
) -> list[PlanChange]:
    before = {channel.name: channel for channel in old}
    after = {channel.name: channel for channel in new}
    changes = [
        PlanChange(Section.CHANNEL, c.name, "", None, ChangeKind.ADDED, None, sum(c.spend))
        for c in new
        if c.name not in before
    ]
    changes += [
        PlanChange(Section.CHANNEL, c.name, "", None, ChangeKind.REMOVED, sum(c.spend), None)
        for c in old
        if c.name not in after
    ]
    for channel in new:
        previous = before.get(channel.name)
        if previous is None or previous == channel:
            continue
        for name in (*CHANNEL_FIELDS, *CHANNEL_DRIVERS):
            changes += _compare(
                Section.CHANNEL,
                channel.name,
                name,
                getattr(previous, name),
                getattr(channel, name),
                months,
            )
        for name in CURVE_PARAMETERS:
            changes += _compare(
                Section.CHANNEL,
                channel.name,
                name,
                getattr(previous.response, name, None),
                getattr(channel.response, name, None),
                months,
            )
    return changes


def _fixed_cost_changes(
    old: tuple[FixedCostLine, ...], new: tuple[FixedCostLine, ...], months: tuple[str, ...]
) -> list[PlanChange]:
    before = {line.name: line for line in old}
    after = {line.name: line for line in new}
    changes = [
        PlanChange(
            Section.FIXED_COST, line.name, "", None, ChangeKind.ADDED, None, sum(line.amounts)
        )
        for line in new
        if line.name not in before
    ]
    changes += [
        PlanChange(
            Section.FIXED_COST, line.name, "", None, ChangeKind.REMOVED, sum(line.amounts), None
        )
        for line in old
        if line.name not in after
    ]
    for line in new:
        previous = before.get(line.name)
        if previous is not None:
            changes += _compare(
                Section.FIXED_COST, line.name, "amounts", previous.amounts, line.amounts, months
            )
    return changes


def _compare(
    section: Section, item: str, name: str, old: Any, new: Any, months: tuple[str, ...]
) -> list[PlanChange]:
    old, new = _plain(old), _plain(new)
    if old == new:
        return []
    if not isinstance(old, tuple) and not isinstance(new, tuple):
        return [PlanChange(section, item, name, None, ChangeKind.CHANGED, old, new)]
    return [
        PlanChange(section, item, name, month, ChangeKind.CHANGED, before, after)
        for month, before, after in zip(months, _by_month(old), _by_month(new), strict=True)
        if before != after
    ]


def _plain(value: Any) -> Any:
    # Enums (kind, cost driver) compare and show as their stored text.
    return value.value if isinstance(value, StrEnum) else value


def _by_month(value: Any) -> tuple[Value, ...]:
    if value is None:
        return (None,) * len(as_monthly(0.0))
    return as_monthly(value)
