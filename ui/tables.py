"""Read-only tables: the P&L statement and the channel results, formatted for reading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from budgets import Plan
from budgets.access import ROLE_LABELS, Role
from budgets.errors import RATE_FIELDS
from budgets.store import AuditEntry, VersionInfo
from models import PNL_LABELS, PNL_LINES, YEAR, Projection, project_plan
from models.catalogue import PNL_CATALOGUE
from models.compare import compare_plans
from models.excel.export import version_record as excel_version_record
from models.formatting import (
    amount_text,
    format_amount,
    format_change,
    format_count,
    format_rate,
    format_roas,
)
from models.pnl import COUNT_LINES, statement_sign

COUNT_ROWS = (PNL_LABELS["sessions"], PNL_LABELS["orders"])
# The compact names of the app's tables, by the statement's label (models.catalogue).
SHORT_LABELS = {line.label: line.table_label for line in PNL_CATALOGUE if line.table_label}
RATIO_ROWS = {
    "Gross margin %": ("gross_margin_margin", "rate"),
    "CM2 %": ("cm2_margin", "rate"),
    "Marketing % of net sales": ("marketing_share", "rate"),
    "CM3 %": ("cm3_margin", "rate"),
    "EBITDA %": ("ebitda_margin", "rate"),
    "Conversion rate": ("conversion_rate", "rate2"),
    "AOV (gross sales / orders)": ("aov", "money2"),
    "MER (gross sales / marketing)": ("mer", "roas"),
}


def pnl_statement(projection: Projection) -> pd.DataFrame:
    """The P&L statement (costs negative) and its margin and KPI rows, as formatted text.

    Text rather than a pandas Styler: a statement of 23 rows x 13 columns
    formats in well under a millisecond, where a Styler costs tens of
    milliseconds on every rerun.
    """
    statement = projection.statement
    rows: dict[str, list[str]] = {}
    for label, values in statement.iterrows():
        fmt = format_count if label in COUNT_ROWS else format_amount
        rows[SHORT_LABELS.get(str(label), str(label))] = [fmt(v) for v in values]
    kpis = projection.kpis
    formats = {
        "rate": format_rate,
        "rate2": lambda v: format_rate(v, 2),
        "money2": lambda v: format_amount(v, 2),
        "roas": format_roas,
    }
    for label, (key, kind) in RATIO_ROWS.items():
        rows[label] = [formats[kind](v) for v in kpis.loc[key]]
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=list(statement.columns)
    ).rename_axis(f"P&L ({projection.plan.currency})")


def pnl_summary(projection: Projection) -> pd.DataFrame:
    """The year's P&L as formatted text, costs negative, each line as a share of net sales with
    the sign of its amount (as on the workbook's P&L: returns are -43.1 % of net sales, not a
    return rate)."""
    year = projection.statement[YEAR]
    shares = [
        format_rate(statement_sign(name) * projection.margin(name)[-1])
        if name not in COUNT_LINES
        else ""
        for name in PNL_LINES
    ]
    amounts = [
        (format_count if label in COUNT_ROWS else format_amount)(value)
        for label, value in year.items()
    ]
    return pd.DataFrame(
        {f"FY ({projection.plan.currency})": amounts, "% of net sales": shares},
        index=pd.Index([SHORT_LABELS.get(str(label), str(label)) for label in year.index]),
    ).rename_axis("P&L line")


def as_arrow(frame: pd.DataFrame) -> pa.Table:
    """A read-only table as Arrow, its row labels as the first column.

    ``st.dataframe`` converts a pandas frame to Arrow on every rerun (some 3 ms
    for a P&L statement); an Arrow table built once per plan revision is sent
    as it is. Built column by column (0.06 ms for the year's P&L, against
    0.8 ms through ``pa.Table.from_pandas`` and a reset index).
    """
    names = [str(frame.index.name or " "), *(str(column) for column in frame.columns)]
    columns = [frame.index.to_numpy(), *(frame[column].to_numpy() for column in frame.columns)]
    # from_pandas: NaN and None become nulls, as pa.Table.from_pandas makes them.
    arrays = [pa.array(values, from_pandas=True) for values in columns]
    return pa.Table.from_arrays(arrays, names=names)


def text_columns(table: pd.DataFrame | pa.Table, first_width: int = 200) -> dict[str, Any]:
    """Column settings for a formatted-text table: labels pinned, figures right-aligned, and
    a table of months keeps its FY column pinned beside the labels, in view while the
    months scroll.

    For an Arrow table (``as_arrow``) the labels are its first column; for a
    frame, its index.
    """
    if isinstance(table, pa.Table):
        first, *figures = table.column_names
    else:
        first, figures = "_index", list(table.columns)
    columns: dict[str, Any] = {first: st.column_config.TextColumn(width=first_width, pinned=True)}
    months = len(figures) > 2
    for column in figures:
        pinned = months and str(column) == YEAR
        columns[column] = st.column_config.TextColumn(alignment="right", pinned=pinned)
    return columns


def channel_results(projection: Projection) -> pd.DataFrame:
    """Each channel's year: spend, traffic, orders, revenue, ROAS against the hurdles; the
    share of spend in per cent, shown to one decimal as every percentage in the app."""
    table = projection.channel_summary().rename_axis("Channel")
    table["share_of_spend"] = table["share_of_spend"] * 100
    return table


def channel_result_columns(currency: str) -> dict[str, Any]:
    return {
        "Channel": st.column_config.TextColumn(pinned=True),
        "spend": st.column_config.NumberColumn(f"Spend ({currency})", format="%,.0f"),
        "impressions": st.column_config.NumberColumn("Impressions", format="%,.0f"),
        "sessions": st.column_config.NumberColumn("Sessions", format="%,.0f"),
        "orders": st.column_config.NumberColumn("Orders", format="%,.0f"),
        "revenue": st.column_config.NumberColumn(
            f"Revenue ({currency})", format="%,.0f", help="Attributed revenue, gross of returns."
        ),
        "roas": st.column_config.NumberColumn(
            "ROAS", format="%.2f", help="Attributed revenue / spend (empty without spend)."
        ),
        "cpa": st.column_config.NumberColumn(
            f"CPA ({currency})", format="%,.2f", help="Spend / attributed orders."
        ),
        "share_of_spend": st.column_config.ProgressColumn(
            "Share of spend", format="%.1f %%", min_value=0.0, max_value=100.0, width=110
        ),
        "versus": st.column_config.TextColumn(
            "ROAS vs hurdles", help="Compared with the year's break-even and target ROAS."
        ),
    }


def roas_hurdles(projection: Projection) -> pd.DataFrame:
    """Break-even and target ROAS by month and year, as text; "unreachable" where no ROAS works."""
    report = projection.targets

    def roas(values: np.ndarray) -> list[str]:
        return [format_roas(v) if np.isfinite(v) else "unreachable" for v in values]

    rows = {
        "CM2 per unit of gross sales": [format_rate(v) for v in report.contribution_per_gross_sale],
        "Break-even ROAS": roas(report.break_even_roas),
        "Target ROAS": roas(report.target_roas),
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=[*projection.months, YEAR])


def pnl_summary_of(plan: Plan) -> pd.DataFrame:
    """``pnl_summary`` of any plan (a stored version, say), not only the session's."""
    return pnl_summary(project_plan(plan))


def versions(history: Sequence[VersionInfo]) -> pd.DataFrame:
    """A plan's versions, newest first: one row each."""
    columns = ["version", "status", "author", "saved_at", "submitted_by", "submitted_at",
               "approved_by", "approved_at", "comment", "based_on", "restored_from"]  # fmt: skip
    return pd.DataFrame([info.as_row() for info in history], columns=columns)


def version_columns() -> dict[str, Any]:
    when = "YYYY-MM-DD HH:mm"
    return {
        "version": st.column_config.NumberColumn("Version", format="%d", width=70),
        "status": st.column_config.TextColumn("Status", width=130),
        "author": st.column_config.TextColumn("Prepared by"),
        "saved_at": st.column_config.DatetimeColumn("Saved (UTC)", format=when),
        "comment": st.column_config.TextColumn("Comment", width="large"),
        "submitted_by": st.column_config.TextColumn("Submitted by"),
        "submitted_at": st.column_config.DatetimeColumn("Submitted (UTC)", format=when),
        "approved_by": st.column_config.TextColumn("Approved by"),
        "approved_at": st.column_config.DatetimeColumn("Approved (UTC)", format=when),
        "based_on": st.column_config.NumberColumn("Based on", format="%d", width=80),
        "restored_from": st.column_config.NumberColumn("Restores", format="%d", width=80),
    }


def version_record(info: VersionInfo) -> str:
    """One line on a version: which, who prepared, submitted and approved it and when (as the
    workbook's Summary says it), and its comment."""
    lines = [f"{label} {text}" for label, text in excel_version_record(info)]
    return " · ".join([*lines, info.comment or "no comment"])


def role_holders(holders: Mapping[str, frozenset[Role]]) -> pd.DataFrame:
    """Who holds which role: one row per address, a tick column per role."""
    return pd.DataFrame(
        [[email, *(role in roles for role in Role)] for email, roles in holders.items()],
        columns=["E-mail", *(ROLE_LABELS[role] for role in Role)],
    )


def audit_rows(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    """Audit-log rows, newest first, as History and People & roles show them."""
    columns = ["at", "action", "by", "plan", "version", "subject", "note"]
    return pd.DataFrame([entry.as_row() for entry in entries], columns=columns)


def audit_columns() -> dict[str, Any]:
    return {
        "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        "action": st.column_config.TextColumn("Step", width=130),
        "by": st.column_config.TextColumn("By", width=280),
        "plan": st.column_config.TextColumn("Plan"),
        "version": st.column_config.NumberColumn("Version", format="%d", width=70),
        "subject": st.column_config.TextColumn("For", width="medium"),
        "note": st.column_config.TextColumn("Note", width="large"),
    }


@dataclass(frozen=True)
class ComparisonTables:
    """Two plans compared, ready to show: the year's effects and every changed value."""

    effects: pd.DataFrame
    changes: pd.DataFrame


def comparison(old: Plan, new: Plan) -> ComparisonTables:
    """What changed from ``old`` to ``new`` (values as typed) and its effect on the year (text)."""
    compared = compare_plans(old, new)
    effects = compared.effects_table()
    currency = new.currency
    text = pd.DataFrame(
        {
            f"From ({currency})": [format_amount(v) for v in effects["old"]],
            f"To ({currency})": [format_amount(v) for v in effects["new"]],
            "Change": [format_amount(v) for v in effects["change"]],
            "Change %": [format_change(v) for v in effects["change_rate"]],
        },
        index=effects.index.rename("Year"),
    )
    changes = compared.changes_table()
    changes["old"] = [_changed_value(change.field, change.old) for change in compared.changes]
    changes["new"] = [_changed_value(change.field, change.new) for change in compared.changes]
    return ComparisonTables(text, changes.astype({"old": "string", "new": "string"}))


def _changed_value(field: str, value: object) -> str:
    """A changed value as the app shows it: rates in per cent, amounts with thousands
    separators (cents only where there are some), "-" where there is none."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if field in RATE_FIELDS:
        return format_rate(value, 2)
    return amount_text(value)


def changes_columns() -> dict[str, Any]:
    """Headings of the changed-values table."""
    return {
        "section": st.column_config.TextColumn("Section"),
        "item": st.column_config.TextColumn("Channel or line"),
        "field": st.column_config.TextColumn("Field"),
        "month": st.column_config.TextColumn("Month"),
        "change": st.column_config.TextColumn("Change"),
        "old": st.column_config.TextColumn("From", alignment="right"),
        "new": st.column_config.TextColumn("To", alignment="right"),
    }
