"""Editable grids: the plan as tables of text cells, and typed cells back as plan changes.

Each grid has a builder (plan -> DataFrame, in the units a planner types:
rates in percent, money in the plan's currency) and a cell converter (one
edited cell -> a ``budgets.edits.Change`` in the plan's units). Number cells
are text: what the planner typed reaches the converter as typed and is read
by ``budgets.typed.read_number``, exactly or not at all, so nothing is ever
stored as a different number than the one meant (a number column in the
browser would drop the "k" of "12k" on its own). Rows and columns are
positional, so the converter maps them back through the same plan the grid
was built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from budgets import ChannelKind, CostDriver, Plan, PlanIssue, PlanValidationError, as_monthly
from budgets.edits import TYPICAL_DRIVERS, Change
from budgets.errors import FIELD_LABELS
from budgets.fields import FIELDS, FieldGroup, fields_of
from budgets.typed import TypedNumberError, as_text, read_number
from models import YEAR, Projection

# Grid column: (plan field, shown in percent), from the fields' catalogue (budgets.fields).
PNL_DRIVER_COLUMNS: dict[str, tuple[str, bool]] = {
    field.column: (field.key, field.rate) for field in fields_of(FieldGroup.PNL_DRIVER)
}
CHANNEL_DRIVER_COLUMNS: dict[str, tuple[str, bool]] = {
    field.column: (field.key, field.rate) for field in fields_of(FieldGroup.CHANNEL_DRIVER)
}
KIND_BY_LABEL = {kind.label: kind for kind in ChannelKind}
DRIVER_BY_LABEL = {driver.label: driver for driver in CostDriver}
# Fields counted in whole units (sessions), shown without decimals.
_WHOLE = frozenset(field.key for field in FIELDS if field.whole)
# Longest text a number cell accepts; longer text is refused, and quoted cut short.
CELL_MAX_CHARS = 60
_QUOTED_CHARS = 40


@dataclass(frozen=True)
class Cell:
    """One edited cell as the editor reports it: its row position, column label and value."""

    row: int
    column: str
    value: Any


def _quoted(text: str) -> str:
    shown = text if len(text) <= _QUOTED_CHARS else text[: _QUOTED_CHARS - 1] + "…"
    return f"'{shown}'"


def _refuse(where: str, field: str, month: str | None, value: Any, problem: str) -> None:
    raise PlanValidationError([PlanIssue(where, field, month, value, problem, has_value=False)])


def typed_value(
    value: Any, *, plan: Plan, where: str, field: str, month: str | None, percent: bool
) -> float | None:
    """A typed cell in the plan's units: percent -> fraction, empty -> None.

    Raises:
        PlanValidationError: the text is not exactly one number; the issue
            names ``where``, the field, the month and the text as typed.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        _refuse(where, field, month, value, f"{_quoted(str(value))} is not a number")
    if isinstance(value, int | float):
        number = Decimal(repr(float(value)))
    elif not value.strip():
        return None
    else:
        try:
            number = read_number(value, percent=percent, currency=plan.currency)
        except TypedNumberError as error:
            _refuse(where, field, month, value, f"{_quoted(value)} {error}")
    return float(number / 100) if percent else float(number)


def _where(subject: str, field: str, month: str | None) -> str:
    label = FIELD_LABELS.get(field, field)
    return ", ".join(part for part in (subject, label, month) if part)


def text_column(label: str, **extra: Any) -> Any:
    """A number typed as text: right-aligned like numbers, read by ``read_number``."""
    return st.column_config.TextColumn(label, alignment="right", max_chars=CELL_MAX_CHARS, **extra)


def _texts(values: Any, *, percent: bool = False, decimals: int = 2) -> list[str]:
    return [as_text(float(v), percent=percent, decimals=decimals) for v in values]


def _channel_subject(plan: Plan, row: int) -> str:
    return f"Channel '{plan.marketing.channels[row].name}'"


# --- spend: channels x months ---------------------------------------------------


def spend_grid(projection: Projection) -> pd.DataFrame:
    """Spend by channel (rows) and month as text, with the FY total (read-only) last."""
    table = projection.channels.table("spend")
    frame = pd.DataFrame(
        {column: _texts(table[column]) for column in table.columns},
        index=table.index,
        columns=table.columns,
        dtype=object,
    )
    return frame.rename_axis(f"Spend ({projection.plan.currency})")


def spend_columns(projection: Projection) -> dict[str, Any]:
    """Month columns in the plan's currency (named in the corner header), FY total read-only."""
    columns = {month: text_column(month) for month in projection.months}
    # Pinned beside the channel names, so the year's total stays in view while the months
    # scroll.
    columns[YEAR] = st.column_config.TextColumn(
        "FY total", disabled=True, alignment="right", help="Sum of the 12 months.", pinned=True
    )
    columns["_index"] = st.column_config.TextColumn(pinned=True, disabled=True)
    return columns


def spend_change(plan: Plan, row: int, column: str, value: Any) -> Change:
    month = plan.month_labels.index(column)
    amount = typed_value(
        value, plan=plan, where=_where(_channel_subject(plan, row), "spend", column),
        field="spend", month=column, percent=False,
    )  # fmt: skip
    return Change(("marketing", "channels", row, "spend", month), amount)


# --- channel drivers --------------------------------------------------------------


def _yearly(value: float | tuple[float, ...] | None) -> float | None:
    if value is None:
        return None
    months = as_monthly(value)
    # The same value every month is that value, not a mean with float noise in it.
    return months[0] if len(set(months)) == 1 else float(np.mean(months))


def channel_driver_grid(plan: Plan) -> pd.DataFrame:
    """One row per channel: kind, cost driver and its rates for the year, as text.

    A rate given per month shows its average and "by month" is ticked;
    typing a value there sets the whole year. A non-working channel (fees, tools) uses none
    of the drivers: they show "-", as an unused CPC does, not a conversion of 0.00 %.
    """
    rows = []
    for channel in plan.marketing.channels:
        row: dict[str, Any] = {
            "Kind": channel.kind.label,
            "Cost driver": channel.cost_driver.label,
        }
        working = channel.cost_driver is not CostDriver.NONE
        for label, (field, percent) in CHANNEL_DRIVER_COLUMNS.items():
            value = _yearly(getattr(channel, field)) if working else None
            row[label] = as_text(value, percent=percent)
        row["By month"] = ", ".join(
            label
            for label, (field, _) in CHANNEL_DRIVER_COLUMNS.items()
            if isinstance(getattr(channel, field), tuple)
        )
        rows.append(row)
    columns = ["Kind", "Cost driver", *CHANNEL_DRIVER_COLUMNS, "By month"]
    index = pd.Index([c.name for c in plan.marketing.channels], name="Channel")
    return pd.DataFrame(rows, index=index, columns=columns, dtype=object)


def channel_driver_columns(currency: str) -> dict[str, Any]:
    return {
        "_index": st.column_config.TextColumn(pinned=True, disabled=True),
        "Kind": st.column_config.SelectboxColumn(
            "Kind", options=list(KIND_BY_LABEL), required=True, width=120
        ),
        "Cost driver": st.column_config.SelectboxColumn(
            "Cost driver",
            options=list(DRIVER_BY_LABEL),
            required=True,
            width=140,
            help="CPC: sessions = spend / CPC. CPM + CTR: sessions = spend / CPM x 1,000 x CTR. "
            "None: non-working spend (agency, tools, content) that brings no sessions.",
        ),
        "CPC": text_column(f"CPC ({currency})", help="Cost per click (CPC channels)."),
        "CPM": text_column(f"CPM ({currency})", help="Cost per 1,000 impressions (CPM channels)."),
        "CTR %": text_column("CTR %", help="Clicks per impression (CPM channels)."),
        "Conversion %": text_column("Conversion %", help="Orders per session of the channel."),
        "AOV": text_column(
            f"AOV ({currency})",
            help="Average order value of the channel's orders; empty = the site AOV of each month.",
        ),
        "By month": st.column_config.TextColumn(
            "Given by month",
            disabled=True,
            help="Drivers set per month (edit them below). Typing a yearly value replaces them.",
        ),
    }


CHANNEL_DRIVER_EDITABLE = ("Kind", "Cost driver", *CHANNEL_DRIVER_COLUMNS)


def channel_driver_changes(plan: Plan, row: int, column: str, value: Any) -> list[Change]:
    """One driver cell as changes; a new cost driver brings typical rates where they are missing."""
    base: tuple[str | int, ...] = ("marketing", "channels", row)
    channel = plan.marketing.channels[row]
    if column == "Kind":
        kind = KIND_BY_LABEL.get(value)
        return [Change((*base, "kind"), kind.value if kind else value)]
    if column == "Cost driver":
        driver = DRIVER_BY_LABEL.get(value)
        changes = [Change((*base, "cost_driver"), driver.value if driver else value)]
        # Its prices where the channel has none; the conversion rate it has stays.
        typical = TYPICAL_DRIVERS.get(driver, {}) if driver else {}
        changes += [
            Change((*base, key), number)
            for key, number in typical.items()
            if key != "conversion_rate" and getattr(channel, key) is None
        ]
        return changes
    field, percent = CHANNEL_DRIVER_COLUMNS[column]
    number = typed_value(
        value, plan=plan, where=_where(_channel_subject(plan, row), field, None), field=field,
        month=None, percent=percent,
    )  # fmt: skip
    return [Change((*base, field), number)]


# --- one channel driver by month ------------------------------------------------------


def monthly_driver_grid(plan: Plan, label: str) -> pd.DataFrame:
    """One driver (a CHANNEL_DRIVER_COLUMNS label) of every channel, by month, as text."""
    field, percent = CHANNEL_DRIVER_COLUMNS[label]
    rows = []
    for channel in plan.marketing.channels:
        value = getattr(channel, field)
        rows.append([""] * 12 if value is None else _texts(as_monthly(value), percent=percent))
    index = pd.Index([c.name for c in plan.marketing.channels], name="Channel")
    return pd.DataFrame(rows, index=index, columns=list(plan.month_labels), dtype=object)


def monthly_driver_columns(plan: Plan, label: str) -> dict[str, Any]:
    """Month columns for one channel driver: percent for rates, the currency in the corner."""
    _, percent = CHANNEL_DRIVER_COLUMNS[label]
    return {
        "_index": st.column_config.TextColumn(
            f"{label}" if percent else f"{label} ({plan.currency})", pinned=True, disabled=True
        ),
        **{month: text_column(month) for month in plan.month_labels},
    }


def monthly_driver_change(plan: Plan, label: str, row: int, column: str, value: Any) -> Change:
    """A monthly driver cell: the channel's driver becomes 12 values, the edited month changed."""
    field, percent = CHANNEL_DRIVER_COLUMNS[label]
    month = plan.month_labels.index(column)
    number = typed_value(
        value, plan=plan, where=_where(_channel_subject(plan, row), field, column), field=field,
        month=column, percent=percent,
    )  # fmt: skip
    current = getattr(plan.marketing.channels[row], field)
    values: list[float | None] = list(as_monthly(current)) if current is not None else [None] * 12
    values[month] = number
    return Change(("marketing", "channels", row, field), values)


# --- P&L drivers: months x drivers -----------------------------------------------------


def pnl_driver_grid(plan: Plan) -> pd.DataFrame:
    """The P&L drivers with months down and drivers across, as text, rates in percent."""
    data = {
        label: _texts(
            getattr(plan.pnl, field), percent=percent, decimals=0 if field in _WHOLE else 2
        )
        for label, (field, percent) in PNL_DRIVER_COLUMNS.items()
    }
    return pd.DataFrame(data, index=pd.Index(plan.month_labels, name="Month"), dtype=object)


def header_width(header: str) -> int:
    """A column's width in pixels that shows its whole header, the edit mark beside it."""
    return max(110, round(7.6 * len(header)) + 40)


def pnl_driver_columns(currency: str) -> dict[str, Any]:
    columns: dict[str, Any] = {"_index": st.column_config.TextColumn(pinned=True, disabled=True)}
    for label, (_, percent) in PNL_DRIVER_COLUMNS.items():
        if percent:
            columns[label] = text_column(label, width=header_width(label))
        elif label == "Organic sessions":
            columns[label] = text_column(
                label, help="Sessions not bought by a channel.", width=header_width(label)
            )
        else:
            header = f"{label} ({currency})"
            columns[label] = text_column(header, width=header_width(header))
    return columns


def pnl_driver_change(plan: Plan, row: int, column: str, value: Any) -> Change:
    field, percent = PNL_DRIVER_COLUMNS[column]
    month = plan.month_labels[row]
    number = typed_value(
        value, plan=plan, where=_where("P&L budget", field, month), field=field, month=month,
        percent=percent,
    )  # fmt: skip
    return Change(("pnl", field, row), number)


# --- fixed costs: lines x months -----------------------------------------------------


def fixed_cost_grid(plan: Plan) -> pd.DataFrame:
    """Fixed-cost lines (rows) by month as text, with the FY total (read-only) last."""
    amounts = np.array([line.amounts for line in plan.pnl.fixed_costs], dtype=float).reshape(-1, 12)
    frame = pd.DataFrame(
        [_texts(row) for row in amounts],
        index=pd.Index(
            [line.name for line in plan.pnl.fixed_costs], name=f"Fixed cost ({plan.currency})"
        ),
        columns=list(plan.month_labels),
        dtype=object,
    )
    frame[YEAR] = _texts(amounts.sum(axis=1))
    return frame


def fixed_cost_change(plan: Plan, row: int, column: str, value: Any) -> Change:
    month = plan.month_labels.index(column)
    subject = f"Fixed-cost line '{plan.pnl.fixed_costs[row].name}'"
    amount = typed_value(
        value, plan=plan, where=_where(subject, "amounts", column), field="amounts",
        month=column, percent=False,
    )  # fmt: skip
    return Change(("pnl", "fixed_costs", row, "amounts", month), amount)
