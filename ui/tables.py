"""Read-only tables: the P&L statement and the channel results, formatted for reading."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from models import PNL_LABELS, PNL_LINES, YEAR, Projection
from models.formatting import format_amount, format_count, format_rate, format_roas

COUNT_ROWS = (PNL_LABELS["sessions"], PNL_LABELS["orders"])
TOTAL_ROWS = tuple(
    PNL_LABELS[name] for name in ("net_sales", "gross_margin", "cm2", "cm3", "ebitda")
)
SHORT_LABELS = {
    PNL_LABELS["cm2"]: "CM2 (before marketing)",
    PNL_LABELS["cm3"]: "CM3 (after marketing)",
}
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


def pnl_statement(projection: Projection) -> Styler:
    """The P&L statement (costs negative) followed by margin and KPI rows, formatted per row."""
    statement = projection.statement
    ratios = projection.kpis.loc[[key for key, _ in RATIO_ROWS.values()]]
    ratios.index = pd.Index(list(RATIO_ROWS), name="line")
    table = pd.concat([statement.rename(index=SHORT_LABELS), ratios])
    currency = projection.plan.currency
    table = table.rename_axis(f"P&L ({currency})")
    styler = table.style
    money_rows = [SHORT_LABELS.get(row, row) for row in statement.index if row not in COUNT_ROWS]
    styler = styler.format(format_count, subset=pd.IndexSlice[list(COUNT_ROWS), :])
    styler = styler.format(format_amount, subset=pd.IndexSlice[money_rows, :])
    formats = {
        "rate": lambda v: format_rate(v),
        "rate2": lambda v: format_rate(v, 2),
        "money2": lambda v: format_amount(v, 2),
        "roas": format_roas,
    }
    for label, (_, kind) in RATIO_ROWS.items():
        styler = styler.format(formats[kind], subset=pd.IndexSlice[[label], :])
    styler = styler.apply(_emphasis, axis=1)
    return styler


def pnl_summary(projection: Projection) -> Styler:
    """The year's P&L, costs negative, with each line as a share of net sales."""
    currency = projection.plan.currency
    statement = projection.statement[[YEAR]].rename(columns={YEAR: f"FY ({currency})"})
    statement = statement.rename(index=SHORT_LABELS).rename_axis("P&L line")
    statement["% net sales"] = [
        projection.margin(name)[-1] if name not in ("sessions", "orders") else float("nan")
        for name in PNL_LINES
    ]
    year = statement.columns[0]
    money_rows = [row for row in statement.index if row not in COUNT_ROWS]
    return (
        statement.style.format(format_count, subset=pd.IndexSlice[list(COUNT_ROWS), [year]])
        .format(format_amount, subset=pd.IndexSlice[money_rows, [year]])
        .format(format_rate, subset=["% net sales"])
        .apply(_emphasis, axis=1)
    )


def _emphasis(row: pd.Series) -> list[str]:
    if row.name in TOTAL_ROWS or row.name in SHORT_LABELS.values():
        return ["font-weight: bold"] * len(row)
    if row.name in RATIO_ROWS:
        return ["color: #555; font-style: italic"] * len(row)
    return [""] * len(row)


def channel_result_columns(currency: str) -> dict[str, Any]:
    return {
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
            "Share of spend", format="percent", min_value=0.0, max_value=1.0, width=110
        ),
        "versus": st.column_config.TextColumn(
            "ROAS vs hurdles", help="Compared with the year's break-even and target ROAS."
        ),
    }


def roas_hurdles(projection: Projection) -> pd.DataFrame:
    """Break-even and target ROAS by month and year (rows), empty where unreachable."""
    report = projection.targets
    return pd.DataFrame(
        {
            "CM2 per unit of gross sales": report.contribution_per_gross_sale,
            "Break-even ROAS": report.break_even_roas,
            "Target ROAS": report.target_roas,
        },
        index=[*projection.months, YEAR],
    ).T
