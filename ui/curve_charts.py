"""Plotly figures of response curves: a channel's curve against its break-even, and a fit.

Figures only, built in one go from plain specs; the numbers come from
``models.curve_plans`` and ``models.curves``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import plotly.graph_objects as go

from models.curve_history import CurveFit
from models.curve_plans import CurveChart
from models.curves import curve_points
from ui.charts import BLUE, GREEN, GREY, RED

_MARGIN = {"l": 10, "r": 10, "t": 20, "b": 10}
_LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}
ORANGE = "#e45756"


def _list(values: Any) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def _money_axis(currency: str, title: str, **extra: Any) -> dict[str, Any]:
    return {"tickprefix": f"{currency} ", "tickformat": "~s", "title": {"text": title}, **extra}


def response_curve(chart: CurveChart) -> go.Figure:
    """Revenue (top) and marginal ROAS (bottom) of a month's spend, for a month of average demand.

    Marks the plan's and the recommendation's average month, and the break-even
    marginal ROAS: where the curve's slope falls below it, the next unit of
    spend no longer earns back its cost in CM2.
    """
    currency = chart.currency
    points = chart.points
    spend = _list(points["spend"])
    money = f"{currency} %{{x:,.0f}}"
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": spend, "y": _list(points["revenue"]), "mode": "lines",
         "name": "Revenue (average month)", "line": {"color": BLUE, "width": 3},
         "hovertemplate": f"Spend {money}: revenue {currency} %{{y:,.0f}}<extra></extra>"},
        {"type": "scatter", "x": spend, "y": _list(points["marginal_roas"]), "mode": "lines",
         "name": "Marginal ROAS", "yaxis": "y2", "line": {"color": BLUE, "width": 2},
         "hovertemplate": f"Spend {money}: marginal ROAS %{{y:.2f}}<extra></extra>",
         "showlegend": False},
    ]  # fmt: skip
    marks = [("Planned", chart.planned, GREY, "circle")]
    if chart.recommended is not None:
        marks.append(("Recommended", chart.recommended, GREEN, "diamond"))
    for label, (x, y), colour, symbol in marks:
        data.append(
            {"type": "scatter", "x": [x], "y": [y], "mode": "markers+text", "name": label,
             "text": [label], "textposition": "top left" if label == "Planned" else "bottom right",
             "marker": {"color": colour, "size": 13, "symbol": symbol,
                        "line": {"color": "white", "width": 1}},
             "hovertemplate": f"{label}: {currency} %{{x:,.0f}} a month, revenue "
             f"{currency} %{{y:,.0f}}<extra></extra>"}
        )  # fmt: skip
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    if math.isfinite(chart.break_even):
        shapes.append(
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y2",
             "y0": chart.break_even, "y1": chart.break_even,
             "line": {"color": RED, "dash": "dash", "width": 2}}
        )  # fmt: skip
        notes.append(
            {"xref": "paper", "x": 1, "yref": "y2", "y": chart.break_even, "xanchor": "right",
             "yanchor": "bottom", "showarrow": False, "font": {"color": RED},
             "text": f"Break-even marginal ROAS {chart.break_even:.2f}"}
        )  # fmt: skip
    if math.isfinite(chart.break_even_spend):
        shapes.append(
            {"type": "line", "xref": "x", "x0": chart.break_even_spend,
             "x1": chart.break_even_spend, "yref": "paper", "y0": 0, "y1": 1,
             "line": {"color": RED, "dash": "dot", "width": 1}}
        )  # fmt: skip
        notes.append(
            {"xref": "x", "x": chart.break_even_spend, "yref": "paper", "y": 1.0,
             "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"color": RED},
             "text": " Next unit stops paying"}
        )  # fmt: skip
    top = max(float(np.nanmax(points["marginal_roas"].to_numpy())), chart.break_even * 1.5)
    layout = {
        "meta": {"title": f"{chart.channel}: response in a month of average demand"},
        "margin": _MARGIN,
        "font": {"size": 12},
        "legend": _LEGEND_BELOW,
        "height": 480,
        "xaxis": _money_axis(currency, "Monthly spend", anchor="y2"),
        "yaxis": _money_axis(currency, "Attributed revenue", domain=[0.42, 1.0]),
        "yaxis2": {"domain": [0.0, 0.32], "title": {"text": "Marginal ROAS"},
                   "range": [0, top if math.isfinite(top) else None]},
        "shapes": shapes,
        "annotations": notes,
        "hovermode": "closest",
    }  # fmt: skip
    return go.Figure({"data": data, "layout": layout})


def fit_chart(fit: CurveFit, currency: str) -> go.Figure:
    """Last year's months (points) and the fitted curve (line, a month of average demand)."""
    points = fit.points
    data: list[dict[str, Any]] = [
        {"type": "scatter", "x": _list(points["spend"]), "y": _list(points["revenue"]),
         "mode": "markers", "name": "Last year's months", "text": list(points["month"]),
         "marker": {"color": GREY, "size": 10},
         "hovertemplate": f"%{{text}}: spend {currency} %{{x:,.0f}}, revenue {currency} "
         "%{y:,.0f}<extra></extra>"},
    ]  # fmt: skip
    if fit.curve is not None:
        line = curve_points(fit.curve, upto=1.3 * float(points["spend"].max()))
        data += [
            {"type": "scatter", "x": _list(line["spend"]), "y": _list(line["revenue"]),
             "mode": "lines", "name": "Fitted curve (average month)",
             "line": {"color": BLUE, "width": 3}, "hoverinfo": "skip"},
            {"type": "scatter", "x": _list(points["spend"]), "y": _list(points["fitted"]),
             "mode": "markers", "name": "Fitted, with each month's demand",
             "text": list(points["month"]),
             "marker": {"color": ORANGE, "size": 8, "symbol": "x"},
             "hovertemplate": f"%{{text}}: fitted {currency} %{{y:,.0f}}<extra></extra>"},
        ]  # fmt: skip
    title = (
        f"{fit.channel}: last year's months and the fitted curve"
        if fit.curve is not None
        else f"{fit.channel}: last year's months (no curve fitted)"
    )
    layout = {
        "meta": {"title": title},
        "margin": _MARGIN,
        "font": {"size": 12},
        "legend": {**_LEGEND_BELOW, "y": -0.22},
        "height": 420,
        "xaxis": _money_axis(currency, "Monthly spend", rangemode="tozero"),
        "yaxis": _money_axis(currency, "Attributed revenue", rangemode="tozero"),
    }
    return go.Figure({"data": data, "layout": layout})
