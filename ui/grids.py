"""Editable grids: the plan as tables, and grid edits back as plan changes.

Each grid has a builder (plan -> DataFrame, in the units a planner types:
rates in percent, money in the plan's currency) and a converter (the editor's
``edited_rows`` -> ``budgets.edits.Change`` in the plan's units). Rows and
columns are positional, so the converter maps them back through the same
plan the grid was built from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from budgets import ChannelKind, CostDriver, Plan, as_monthly
from budgets.edits import Change
from models import YEAR, Projection

EditedRows = Mapping[int | str, Mapping[str, Any]]

PNL_DRIVER_COLUMNS: dict[str, tuple[str, bool]] = {
    # column label: (plan field, shown in percent)
    "Organic sessions": ("organic_sessions", False),
    "Site conversion %": ("site_conversion_rate", True),
    "Site AOV": ("site_aov", False),
    "Return rate %": ("return_rate", True),
    "COGS %": ("cogs_rate", True),
    "Fulfilment / order": ("fulfilment_cost_per_order", False),
    "Returns cost / return": ("returns_cost_per_return", False),
    "Payment fees %": ("payment_fee_rate", True),
}
CHANNEL_DRIVER_COLUMNS: dict[str, tuple[str, bool]] = {
    "CPC": ("cpc", False),
    "CPM": ("cpm", False),
    "CTR %": ("ctr", True),
    "Conversion %": ("conversion_rate", True),
    "AOV": ("aov", False),
}
KIND_BY_LABEL = {kind.label: kind for kind in ChannelKind}
DRIVER_BY_LABEL = {driver.label: driver for driver in CostDriver}


def _from_percent(value: Any, percent: bool) -> Any:
    """A typed value in plan units: percent -> fraction; non-numbers pass through to be refused."""
    if value is None or isinstance(value, str | bool):
        return value
    number = float(value)
    return number / 100 if percent else number


def _edits(edited_rows: EditedRows) -> list[tuple[int, str, Any]]:
    return [
        (int(row), column, value)
        for row, columns in edited_rows.items()
        for column, value in columns.items()
    ]


def money_column(label: str, currency: str, **extra: Any) -> Any:
    return st.column_config.NumberColumn(label, format=f"{currency} %,.0f", **extra)


def percent_column(label: str, **extra: Any) -> Any:
    return st.column_config.NumberColumn(label, format="%.2f %%", **extra)


# --- spend: channels x months ---------------------------------------------------


def spend_grid(projection: Projection) -> pd.DataFrame:
    """Spend by channel (rows) and month, with the FY total (read-only) last."""
    return projection.channels.table("spend").rename_axis(f"Spend ({projection.plan.currency})")


def spend_columns(projection: Projection) -> dict[str, Any]:
    """Month columns in the plan's currency (named in the corner header), FY total read-only."""
    columns = {
        month: st.column_config.NumberColumn(month, format="%,.0f") for month in projection.months
    }
    columns[YEAR] = st.column_config.NumberColumn(
        "FY total", format="%,.0f", disabled=True, help="Sum of the 12 months."
    )
    columns["_index"] = st.column_config.TextColumn(pinned=True)
    return columns


def spend_changes(plan: Plan, edited_rows: EditedRows) -> list[Change]:
    months = plan.month_labels
    return [
        Change(("marketing", "channels", row, "spend", months.index(column)), value)
        for row, column, value in _edits(edited_rows)
        if column in months
    ]


# --- channel drivers --------------------------------------------------------------


def _yearly(value: float | tuple[float, ...] | None, percent: bool) -> float | None:
    if value is None:
        return None
    mean = float(np.mean(as_monthly(value)))
    return mean * 100 if percent else mean


def channel_driver_grid(plan: Plan) -> pd.DataFrame:
    """One row per channel: kind, cost driver and its rates for the year.

    A rate given per month shows its average and "by month" is ticked;
    typing a value there sets the whole year.
    """
    rows = []
    for channel in plan.marketing.channels:
        row: dict[str, Any] = {
            "Kind": channel.kind.label,
            "Cost driver": channel.cost_driver.label,
        }
        for label, (field, percent) in CHANNEL_DRIVER_COLUMNS.items():
            row[label] = _yearly(getattr(channel, field), percent)
        row["By month"] = ", ".join(
            label
            for label, (field, _) in CHANNEL_DRIVER_COLUMNS.items()
            if isinstance(getattr(channel, field), tuple)
        )
        rows.append(row)
    columns = ["Kind", "Cost driver", *CHANNEL_DRIVER_COLUMNS, "By month"]
    index = pd.Index([c.name for c in plan.marketing.channels], name="Channel")
    return pd.DataFrame(rows, index=index, columns=columns).astype(
        dict.fromkeys(CHANNEL_DRIVER_COLUMNS, float)
    )


def channel_driver_columns(currency: str) -> dict[str, Any]:
    return {
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
        "CPC": st.column_config.NumberColumn(
            f"CPC ({currency})", format="%.2f", help="Cost per click (CPC channels)."
        ),
        "CPM": st.column_config.NumberColumn(
            f"CPM ({currency})", format="%.2f", help="Cost per 1,000 impressions (CPM channels)."
        ),
        "CTR %": percent_column("CTR %", help="Clicks per impression (CPM channels)."),
        "Conversion %": percent_column("Conversion %", help="Orders per session of the channel."),
        "AOV": st.column_config.NumberColumn(
            f"AOV ({currency})",
            format="%.2f",
            help="Average order value of the channel's orders; empty = the site AOV of each month.",
        ),
        "By month": st.column_config.TextColumn(
            "Given by month",
            disabled=True,
            help="Drivers set per month (edit them below). Typing a yearly value replaces them.",
        ),
    }


def channel_driver_changes(plan: Plan, edited_rows: EditedRows) -> list[Change]:
    """Driver edits as changes; a new cost driver brings typical rates where they are missing."""
    changes = []
    for row, column, value in _edits(edited_rows):
        base: tuple[str | int, ...] = ("marketing", "channels", row)
        if column == "Kind":
            kind = KIND_BY_LABEL.get(value)
            changes.append(Change((*base, "kind"), kind.value if kind else value))
        elif column == "Cost driver":
            driver = DRIVER_BY_LABEL.get(value)
            changes.append(Change((*base, "cost_driver"), driver.value if driver else value))
            channel = plan.marketing.channels[row]
            if driver is CostDriver.CPC and channel.cpc is None:
                changes.append(Change((*base, "cpc"), 1.0))
            if driver is CostDriver.CPM and channel.cpm is None:
                changes.append(Change((*base, "cpm"), 10.0))
            if driver is CostDriver.CPM and channel.ctr is None:
                changes.append(Change((*base, "ctr"), 0.01))
        elif column in CHANNEL_DRIVER_COLUMNS:
            field, percent = CHANNEL_DRIVER_COLUMNS[column]
            changes.append(Change((*base, field), _from_percent(value, percent)))
    return changes


# --- one channel driver by month ------------------------------------------------------


def monthly_driver_grid(plan: Plan, label: str) -> pd.DataFrame:
    """One driver (a CHANNEL_DRIVER_COLUMNS label) of every channel, by month."""
    field, percent = CHANNEL_DRIVER_COLUMNS[label]
    scale = 100.0 if percent else 1.0
    rows = []
    for channel in plan.marketing.channels:
        value = getattr(channel, field)
        rows.append([np.nan] * 12 if value is None else [v * scale for v in as_monthly(value)])
    index = pd.Index([c.name for c in plan.marketing.channels], name="Channel")
    return pd.DataFrame(rows, index=index, columns=list(plan.month_labels))


def monthly_driver_columns(plan: Plan, label: str) -> dict[str, Any]:
    """Month columns for one channel driver: percent for rates, the currency in the corner."""
    _, percent = CHANNEL_DRIVER_COLUMNS[label]
    return {
        "_index": st.column_config.TextColumn(
            f"{label}" if percent else f"{label} ({plan.currency})", pinned=True
        ),
        **{
            month: st.column_config.NumberColumn(month, format="%.2f %%" if percent else "%.2f")
            for month in plan.month_labels
        },
    }


def monthly_driver_changes(plan: Plan, label: str, edited_rows: EditedRows) -> list[Change]:
    """Monthly driver edits: the channel's driver becomes 12 values, the edited months changed."""
    field, percent = CHANNEL_DRIVER_COLUMNS[label]
    months = plan.month_labels
    by_row: dict[int, list[Any]] = {}
    for row, column, value in _edits(edited_rows):
        if column not in months:
            continue
        if row not in by_row:
            current = getattr(plan.marketing.channels[row], field)
            by_row[row] = list(as_monthly(current)) if current is not None else [None] * 12
        by_row[row][months.index(column)] = _from_percent(value, percent)
    return [Change(("marketing", "channels", row, field), values) for row, values in by_row.items()]


# --- P&L drivers: months x drivers -----------------------------------------------------


def pnl_driver_grid(plan: Plan) -> pd.DataFrame:
    """The P&L drivers with months down and drivers across, rates in percent."""
    data = {
        label: [v * 100 if percent else v for v in getattr(plan.pnl, field)]
        for label, (field, percent) in PNL_DRIVER_COLUMNS.items()
    }
    return pd.DataFrame(data, index=pd.Index(plan.month_labels, name="Month"))


def pnl_driver_columns(currency: str) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for label, (_, percent) in PNL_DRIVER_COLUMNS.items():
        if percent:
            columns[label] = percent_column(label, width=115)
        elif label == "Organic sessions":
            columns[label] = st.column_config.NumberColumn(
                label, format="%,.0f", help="Sessions not bought by a channel."
            )
        else:
            columns[label] = st.column_config.NumberColumn(
                f"{label} ({currency})", format="%,.2f", width=130
            )
    return columns


def pnl_driver_changes(plan: Plan, edited_rows: EditedRows) -> list[Change]:
    changes = []
    for row, column, value in _edits(edited_rows):
        if column in PNL_DRIVER_COLUMNS:
            field, percent = PNL_DRIVER_COLUMNS[column]
            changes.append(Change(("pnl", field, row), _from_percent(value, percent)))
    return changes


# --- fixed costs: lines x months -----------------------------------------------------


def fixed_cost_grid(plan: Plan) -> pd.DataFrame:
    """Fixed-cost lines (rows) by month, with the FY total (read-only) last."""
    amounts = np.array([line.amounts for line in plan.pnl.fixed_costs], dtype=float).reshape(-1, 12)
    frame = pd.DataFrame(
        amounts,
        index=pd.Index(
            [line.name for line in plan.pnl.fixed_costs], name=f"Fixed cost ({plan.currency})"
        ),
        columns=list(plan.month_labels),
    )
    frame[YEAR] = amounts.sum(axis=1)
    return frame


def fixed_cost_changes(plan: Plan, edited_rows: EditedRows) -> list[Change]:
    months = plan.month_labels
    return [
        Change(("pnl", "fixed_costs", row, "amounts", months.index(column)), value)
        for row, column, value in _edits(edited_rows)
        if column in months
    ]
