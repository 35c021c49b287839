"""Plotly figures of a projection. Figures only: the numbers come from models/."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from models import Projection

LARGEST_CHANNELS = 10
_LAYOUT = {
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    "hovermode": "x unified",
    "font": {"size": 12},
}


def _money_axis(currency: str) -> dict[str, object]:
    return {"tickprefix": f"{currency} ", "tickformat": "~s", "separatethousands": True}


def spend_by_channel(projection: Projection) -> go.Figure:
    """Monthly spend stacked by channel; beyond the 10 largest, channels are grouped as "Other"."""
    channels = projection.channels
    spend = channels.spend
    order = np.argsort(-spend[:, -1])
    shown, rest = order[:LARGEST_CHANNELS], order[LARGEST_CHANNELS:]
    figure = go.Figure()
    currency = projection.plan.currency
    hover = f"%{{fullData.name}}: {currency} %{{y:,.0f}}<extra></extra>"
    for index in shown:
        figure.add_bar(
            x=list(projection.months), y=spend[index, :-1], name=channels.names[index],
            hovertemplate=hover,
        )  # fmt: skip
    if len(rest):
        figure.add_bar(
            x=list(projection.months), y=spend[rest, :-1].sum(axis=0),
            name=f"Other {len(rest)} channels", hovertemplate=hover,
        )  # fmt: skip
    figure.update_layout(
        barmode="stack",
        title="Monthly spend by channel",
        yaxis=_money_axis(currency),
        height=420,
        **{**_LAYOUT, "legend": {"orientation": "v", "x": 1.02, "y": 1}},
    )
    return figure


def roas_by_channel(projection: Projection) -> go.Figure:
    """Each traffic channel's ROAS for the year against the break-even and target ROAS."""
    summary = projection.channel_summary()
    traffic = summary[projection.channels.brings_traffic & summary["roas"].notna()]
    traffic = traffic.sort_values("roas")
    colours = (
        traffic["versus"]
        .map({"At or above target": "#1a7f37", "Above break-even": "#4c78a8"})
        .fillna("#d1242f")
    )
    figure = go.Figure(
        go.Bar(
            x=traffic["roas"],
            y=traffic.index,
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: ROAS %{x:.2f}<extra></extra>",
        )
    )
    report = projection.targets
    for value, label, dash in (
        (report.break_even_roas[-1], "Break-even", "dash"),
        (report.target_roas[-1], "Target", "dot"),
    ):
        if np.isfinite(value):
            figure.add_vline(
                x=value, line_dash=dash, line_color="#333",
                annotation_text=f"{label} {value:.2f}", annotation_position="top",
            )  # fmt: skip
    figure.update_layout(
        title="ROAS by channel (year) against the hurdles",
        xaxis_title="ROAS (attributed revenue / spend)",
        height=max(320, 28 * len(traffic) + 120),
        **{**_LAYOUT, "hovermode": "closest"},
    )
    return figure


def pnl_waterfall(projection: Projection) -> go.Figure:
    """The year from gross sales to EBITDA, costs as steps down."""
    steps = [
        ("Gross sales", projection.year("gross_sales"), "absolute"),
        ("Returns", -projection.year("returns"), "relative"),
        ("Net sales", projection.year("net_sales"), "total"),
        ("COGS", -projection.year("cogs"), "relative"),
        ("Fulfilment", -projection.year("fulfilment"), "relative"),
        ("Returns handling", -projection.year("returns_handling"), "relative"),
        ("Payment fees", -projection.year("payment_fees"), "relative"),
        ("CM2", projection.year("cm2"), "total"),
        ("Marketing", -projection.year("marketing"), "relative"),
        ("CM3", projection.year("cm3"), "total"),
        ("Fixed costs", -projection.year("fixed_costs"), "relative"),
        ("EBITDA", projection.year("ebitda"), "total"),
    ]
    currency = projection.plan.currency
    figure = go.Figure(
        go.Waterfall(
            x=[label for label, _, _ in steps],
            y=[value for _, value, _ in steps],
            measure=[measure for _, _, measure in steps],
            text=[f"{value / 1e6:,.2f} M" for _, value, _ in steps],
            textposition="outside",
            connector={"line": {"color": "#bbb"}},
            decreasing={"marker": {"color": "#d1242f"}},
            increasing={"marker": {"color": "#1a7f37"}},
            totals={"marker": {"color": "#4c78a8"}},
            hovertemplate=f"%{{x}}: {currency} %{{y:,.0f}}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"FY{projection.plan.fiscal_year}: gross sales to EBITDA",
        yaxis=_money_axis(currency),
        showlegend=False,
        **{**_LAYOUT, "hovermode": "closest"},
    )
    return figure


def net_sales_and_ebitda_margin(projection: Projection) -> go.Figure:
    """Monthly net sales (bars) and EBITDA margin (line, right axis) against the target margin."""
    currency = projection.plan.currency
    months = list(projection.months)
    figure = go.Figure()
    figure.add_bar(
        x=months, y=projection.line("net_sales")[:-1], name="Net sales", marker_color="#4c78a8",
        hovertemplate=f"Net sales: {currency} %{{y:,.0f}}<extra></extra>",
    )  # fmt: skip
    figure.add_scatter(
        x=months, y=projection.margin("ebitda")[:-1], name="EBITDA margin", yaxis="y2",
        mode="lines+markers", line={"color": "#e45756", "width": 3},
        hovertemplate="EBITDA margin: %{y:.1%}<extra></extra>",
    )  # fmt: skip
    target = projection.plan.targets.ebitda_margin
    figure.add_scatter(
        x=months, y=[target] * len(months), name="Target EBITDA margin", yaxis="y2",
        mode="lines", line={"color": "#e45756", "dash": "dot", "width": 1},
        hovertemplate="Target: %{y:.1%}<extra></extra>",
    )  # fmt: skip
    figure.update_layout(
        title="Monthly net sales and EBITDA margin",
        yaxis=_money_axis(currency),
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "showgrid": False,
            "zeroline": True,
            "zerolinecolor": "#e45756",
        },
        **_LAYOUT,
    )
    return figure


def roas_hurdles_by_month(projection: Projection) -> go.Figure:
    """Break-even and target ROAS by month, with each traffic channel's monthly ROAS as dots."""
    months = list(projection.months)
    report = projection.targets
    figure = go.Figure()
    figure.add_scatter(
        x=months, y=report.break_even_roas[:-1], name="Break-even ROAS", mode="lines+markers",
        line={"color": "#333", "dash": "dash"},
    )  # fmt: skip
    figure.add_scatter(
        x=months, y=report.target_roas[:-1], name="Target ROAS", mode="lines+markers",
        line={"color": "#e45756"},
    )  # fmt: skip
    figure.add_scatter(
        x=months, y=projection.mer[:-1], name="MER (blended ROAS)", mode="lines",
        line={"color": "#4c78a8", "width": 1},
    )  # fmt: skip
    figure.update_layout(
        title="ROAS hurdles by month", yaxis_title="ROAS", yaxis_rangemode="tozero", **_LAYOUT
    )
    return figure
