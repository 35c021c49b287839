"""Plotly figures of a projection, and ``show``, which puts one on the page under its title.
The numbers come from models/.

Each figure is built in one go from a plain spec (one validation pass by
plotly), which keeps a page rerun cheap; pages also cache figures per plan
revision (``ui.state.cached``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from models import Projection
from models.formatting import a_rate, format_amount, format_change, format_compact, format_rate

# Twenty colours told apart at a glance, none of them grey: one per channel, in the plan's
# order, the same on every chart. Beyond twenty channels the smallest are "Other", in grey.
CHANNEL_COLOURS = (
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#eeca3b", "#b279a2", "#ff9da6",
    "#9d755d", "#1f77b4", "#bcbd22", "#17becf", "#8c564b", "#d62728", "#2ca02c", "#9467bd",
    "#aec7e8", "#ffbb78", "#98df8a", "#c5b0d5",
)  # fmt: skip
OTHER_COLOUR = "#9e9e9e"
RED, GREEN, BLUE, GREY = "#d1242f", "#1a7f37", "#4c78a8", "#333333"
_MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0}


def _money_axis(currency: str) -> dict[str, Any]:
    return {"tickprefix": f"{currency} ", "tickformat": "~s"}


def _figure(data: list[dict[str, Any]], summary: str = "", **layout: Any) -> go.Figure:
    """A figure whose title (and ``summary``, what it shows in words) ``show`` writes as text
    beside it, not in the plot."""
    title = layout.pop("title", None)
    base: dict[str, Any] = {"margin": _MARGIN, "font": {"size": 12}, "legend": _LEGEND_BELOW}
    base["meta"] = {"title": title["text"] if title else "", "summary": summary}
    return go.Figure({"data": data, "layout": {**base, **layout}})


def show(figure: go.Figure, where: Any = None) -> None:
    """A chart under its title written as text, in ``where`` (a column; the page by default).

    Text wraps where a plot's own title would be cut in a narrow column, and it names the
    chart for a screen reader, which reads no SVG.
    """
    target = where if where is not None else st
    meta = figure.layout.meta or {}
    if meta.get("title"):
        target.markdown(f"**{meta['title']}**")
    target.plotly_chart(figure)
    if meta.get("summary"):
        target.caption(meta["summary"])


def _list(values: np.ndarray) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in values]


def channel_colours(projection: Projection) -> tuple[dict[str, str], list[int], list[int]]:
    """Each shown channel's colour, the channels shown (largest spend first) and the rest.

    Up to twenty channels are all shown, each in its own colour by its place in the plan;
    beyond twenty, the nineteen that spend most are, and the others are grouped as "Other".
    """
    channels = projection.channels
    order = [int(i) for i in np.argsort(-channels.spend[:, -1], kind="stable")]
    if len(order) <= len(CHANNEL_COLOURS):
        shown, rest = order, []
    else:
        shown, rest = order[: len(CHANNEL_COLOURS) - 1], order[len(CHANNEL_COLOURS) - 1 :]
    colours = {
        channels.names[index]: CHANNEL_COLOURS[place] for place, index in enumerate(sorted(shown))
    }
    return colours, shown, rest


def spend_by_channel(projection: Projection) -> go.Figure:
    """Monthly spend stacked by channel, the largest at the bottom; the legend reads as the
    stack does, top to bottom. Beyond twenty channels the smallest are grouped as "Other"."""
    channels = projection.channels
    spend = channels.spend
    colours, shown, rest = channel_colours(projection)
    months = list(projection.months)
    hover = f"%{{fullData.name}}: {projection.plan.currency} %{{y:,.0f}}<extra></extra>"
    data = [
        {"type": "bar", "x": months, "y": _list(spend[index, :-1]),
         "name": channels.names[index], "hovertemplate": hover,
         "marker": {"color": colours[channels.names[index]]}}
        for index in shown
    ]  # fmt: skip
    if rest:
        data.append(
            {"type": "bar", "x": months, "y": _list(spend[rest, :-1].sum(axis=0)),
             "name": f"Other {len(rest)} channels", "hovertemplate": hover,
             "marker": {"color": OTHER_COLOUR}}
        )  # fmt: skip
    currency = projection.plan.currency
    total = channels.spend[:, :-1].sum(axis=0)
    peak = int(np.argmax(total)) if len(total) and total.max() > 0 else None
    summary = (
        f"The year's {currency} {format_compact(channels.spend[:, -1].sum())} peaks in "
        f"{months[peak]} ({currency} {format_compact(total[peak])}); the largest channel is "
        f"{channels.names[shown[0]]} ({currency} {format_compact(spend[shown[0], -1])})."
        if peak is not None and shown
        else "No spend planned."
    )
    return _figure(
        data,
        summary,
        barmode="stack",
        title={"text": "Monthly spend by channel"},
        yaxis=_money_axis(projection.plan.currency),
        height=480,
        hovermode="x unified",
        # Beside the stack, top to bottom as the stack reads.
        legend={"traceorder": "reversed", "orientation": "v", "x": 1.02, "y": 1},
    )


def roas_by_channel(projection: Projection) -> go.Figure:
    """Each traffic channel's ROAS for the year against the break-even and target ROAS."""
    summary = projection.channel_summary()
    traffic = summary[projection.channels.brings_traffic & summary["roas"].notna()]
    traffic = traffic.sort_values("roas")
    colours = (
        traffic["versus"]
        .map({"At or above target": GREEN, "Above break-even": BLUE})
        .fillna(RED)
        .tolist()
    )
    report = projection.targets
    shapes, notes = [], []
    for value, label, dash in (
        (report.break_even_roas[-1], "Break-even", "dash"),
        (report.target_roas[-1], "Target", "dot"),
    ):
        if np.isfinite(value):
            shapes.append(
                {"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value,
                 "y0": 0, "y1": 1, "line": {"color": GREY, "dash": dash}}
            )  # fmt: skip
            notes.append(
                {"xref": "x", "yref": "paper", "x": value, "y": 1.02, "showarrow": False,
                 "text": f"{label} {value:.2f}", "yanchor": "bottom"}
            )  # fmt: skip
    bars = {
        "type": "bar",
        "orientation": "h",
        "x": _list(traffic["roas"].to_numpy()),
        "y": list(traffic.index),
        "marker": {"color": colours},
        "hovertemplate": "%{y}: ROAS %{x:.2f}<extra></extra>",
    }
    counts = traffic["versus"].value_counts()
    said = (
        f"{counts.get('At or above target', 0)} of {len(traffic)} traffic channels at or above "
        f"the target ROAS, {counts.get('Above break-even', 0)} between break-even and target, "
        f"{counts.get('Below break-even', 0)} below break-even."
        if len(traffic)
        else "No traffic channel has spend yet."
    )
    return _figure(
        [bars],
        said,
        title={"text": "ROAS by channel (year) against the hurdles"},
        xaxis={"title": {"text": "ROAS (attributed revenue / spend)"}},
        yaxis={"automargin": True},
        height=max(320, 26 * len(traffic) + 120),
        shapes=shapes,
        annotations=notes,
        showlegend=False,
    )


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
    waterfall = {
        "type": "waterfall",
        "x": [label for label, _, _ in steps],
        "y": [value for _, value, _ in steps],
        "measure": [measure for _, _, measure in steps],
        "text": [format_compact(value) for _, value, _ in steps],
        "textposition": "outside",
        "connector": {"line": {"color": "#bbbbbb"}},
        "decreasing": {"marker": {"color": RED}},
        "increasing": {"marker": {"color": GREEN}},
        "totals": {"marker": {"color": BLUE}},
        "hovertemplate": f"%{{x}}: {currency} %{{y:,.0f}}<extra></extra>",
    }
    return _figure(
        [waterfall],
        title={"text": f"FY{projection.plan.fiscal_year}: gross sales to EBITDA"},
        yaxis=_money_axis(currency),
        showlegend=False,
    )


def net_sales_and_ebitda_margin(projection: Projection) -> go.Figure:
    """Monthly net sales (bars) and EBITDA margin (line, right axis) against the target margin."""
    currency = projection.plan.currency
    months = list(projection.months)
    target = projection.plan.targets.ebitda_margin
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": months, "y": _list(projection.line("net_sales")[:-1]),
         "name": "Net sales", "marker": {"color": BLUE},
         "hovertemplate": f"Net sales: {currency} %{{y:,.0f}}<extra></extra>"},
        {"type": "scatter", "x": months, "y": _list(projection.margin("ebitda")[:-1]),
         "name": "EBITDA margin", "yaxis": "y2", "mode": "lines+markers",
         "line": {"color": "#e45756", "width": 3},
         "hovertemplate": "EBITDA margin: %{y:.1%}<extra></extra>"},
        {"type": "scatter", "x": months, "y": [target] * len(months),
         "name": "Target EBITDA margin", "yaxis": "y2", "mode": "lines",
         "line": {"color": "#e45756", "dash": "dot", "width": 1},
         "hovertemplate": "Target: %{y:.1%}<extra></extra>"},
    ]  # fmt: skip
    margins = projection.margin("ebitda")[:-1]
    said = "No net sales yet."
    if np.isfinite(margins).any():
        low, high = int(np.nanargmin(margins)), int(np.nanargmax(margins))
        said = (
            f"The EBITDA margin runs from {format_rate(margins[low])} in {months[low]} to "
            f"{format_rate(margins[high])} in {months[high]}, against {a_rate(target)} "
            f"target; {int((margins >= target).sum())} of 12 months reach it."
        )
    return _figure(
        data,
        said,
        title={"text": "Monthly net sales and EBITDA margin"},
        yaxis=_money_axis(currency),
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "showgrid": False,
                "dtick": 0.05,
                "zeroline": True, "zerolinecolor": "#e45756"},
        hovermode="x unified",
    )  # fmt: skip


def roas_hurdles_by_month(projection: Projection) -> go.Figure:
    """Break-even and target ROAS by month, against the channels' blended ROAS (attributed
    revenue / marketing): the figure the hurdles apply to. MER would count organic sales."""
    months = list(projection.months)
    report = projection.targets
    data = [
        {"type": "scatter", "x": months, "y": _list(report.break_even_roas[:-1]),
         "name": "Break-even ROAS", "mode": "lines+markers",
         "line": {"color": GREY, "dash": "dash"}},
        {"type": "scatter", "x": months, "y": _list(report.target_roas[:-1]),
         "name": "Target ROAS", "mode": "lines+markers", "line": {"color": "#e45756"}},
        {"type": "scatter", "x": months, "y": _list(projection.paid_roas[:-1]),
         "name": "Channels' ROAS (attributed revenue / marketing)", "mode": "lines+markers",
         "line": {"color": BLUE, "width": 2}},
    ]  # fmt: skip
    return _figure(
        data,
        title={"text": "ROAS hurdles by month"},
        yaxis={"title": {"text": "ROAS"}, "rangemode": "tozero"},
        hovermode="x unified",
    )


def margin_against_budget(projection: Projection) -> go.Figure:
    """The year's EBITDA margin as the marketing budget scales, with the target, the plan's
    own point and the largest budget that still meets the target."""
    report = projection.targets
    currency = projection.plan.currency
    budgets, margins = report.margin_by_budget()
    target = report.ebitda_margin_target
    planned = projection.year("marketing")
    money = f"{currency} %{{x:,.0f}}"
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": _list(budgets), "y": _list(margins), "mode": "lines",
         "name": "EBITDA margin", "line": {"color": BLUE, "width": 3},
         "hovertemplate": f"Budget {money}: margin %{{y:.1%}}<extra></extra>"},
        {"type": "scatter", "x": [0.0, float(budgets[-1])], "y": [target, target],
         "mode": "lines", "name": f"Target {target:.1%}",
         "line": {"color": RED, "dash": "dot", "width": 2}, "hoverinfo": "skip"},
        {"type": "scatter", "x": [planned], "y": _list(projection.margin("ebitda")[-1:]),
         "mode": "markers", "name": "The plan",
         "marker": {"color": GREY, "size": 12, "symbol": "circle"},
         "hovertemplate": f"The plan: {money}, margin %{{y:.1%}}<extra></extra>"},
    ]  # fmt: skip
    largest = report.max_marketing
    if largest.value is not None:
        data.append(
            {"type": "scatter", "x": [largest.value], "y": [target], "mode": "markers",
             "name": "Largest budget at the target",
             "marker": {"color": GREEN, "size": 13, "symbol": "diamond"},
             "hovertemplate": f"Largest budget at the target: {money}<extra></extra>"}
        )  # fmt: skip
    said = (
        f"At the plan's {currency} {format_compact(planned)} of marketing the EBITDA margin is "
        f"{format_rate(projection.margin('ebitda')[-1])}; "
        + (
            f"the {format_rate(target)} target holds up to {currency} "
            f"{format_compact(largest.value)}."
            if largest.value is not None
            else largest.explanation
        )
    )
    return _figure(
        data,
        said,
        title={"text": "EBITDA margin against the marketing budget"},
        xaxis={**_money_axis(currency), "title": {"text": "Marketing budget for the year"},
               "rangemode": "tozero"},
        yaxis={"tickformat": ".0%", "title": {"text": "EBITDA margin"}},
        legend={"x": 1, "xanchor": "right", "y": 1, "bgcolor": "rgba(255,255,255,0.8)"},
        height=380,
    )  # fmt: skip


def needed_against_plan(projection: Projection) -> go.Figure:
    """Net sales, conversion and AOV as the plan has them and as the margin target needs them
    (each alone), as an index on the plan (plan = 100)."""
    report = projection.targets
    solves = [
        ("Net sales", report.net_sales_needed),
        ("Conversion rate", report.conversion_needed),
        ("AOV", report.aov_needed),
    ]
    names = [name for name, _ in solves]
    needed = [100 * solve.factor if solve.factor is not None else None for _, solve in solves]
    shown = ["unreachable" if value is None else format_amount(value, 1) for value in needed]
    data: list[dict[str, Any]] = [
        {"type": "bar", "x": names, "y": [100.0] * len(names), "name": "Plan",
         "marker": {"color": "#bab0ac"}, "hovertemplate": "Plan: 100<extra></extra>"},
        {"type": "bar", "x": names, "y": needed, "name": "Needed for the target margin",
         "marker": {"color": BLUE}, "text": shown, "textposition": "outside",
         "hovertemplate": "%{x} needed: %{y:.1f} (plan = 100)<extra></extra>"},
    ]  # fmt: skip
    said = "; ".join(
        f"{name} {'unreachable' if value is None else format_change(value / 100 - 1)}"
        for name, value in zip(names, needed, strict=True)
    )
    return _figure(
        data,
        f"Each alone, on plan: {said}.",
        barmode="group",
        title={"text": "What the target margin needs, each alone (plan = 100)"},
        yaxis={"rangemode": "tozero", "title": {"text": "Index, plan = 100"}},
        height=380,
    )
