"""The projection as plain data and as a readable statement (the command line's output)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from models.formatting import format_count, format_money, format_rate, format_roas
from models.pnl import COUNT_LINES, PNL_LABELS, PNL_LINES, statement_sign
from models.projection import Projection
from models.targets import TargetSolve

CHANNEL_KEYS = ("spend", "impressions", "sessions", "orders", "revenue", "roas", "cpa")


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _series(values: np.ndarray) -> dict[str, Any]:
    return {"months": [_number(v) for v in values[:-1]], "year": _number(values[-1])}


def _solve(solve: TargetSolve) -> dict[str, Any]:
    return {
        "label": solve.label,
        "status": solve.status.value,
        "unit": solve.unit,
        "value": solve.value,
        "planned": solve.planned,
        "explanation": solve.explanation,
    }


def summary_dict(projection: Projection) -> dict[str, Any]:
    """The projection as JSON-ready data.

    ``{"plan": {...}, "months": [...], "pnl": {line: {"months": [12], "year": x}},
    "kpis": {...}, "channels": {name: {metric: {"months", "year"}}}, "targets": {...}}``.
    Money in the plan's currency, rates as fractions; undefined ratios are ``None``.
    """
    plan = projection.plan
    channels = projection.channels
    report = projection.targets
    return {
        "plan": {
            "name": plan.name,
            "fiscal_year": plan.fiscal_year,
            "first_month": plan.first_month,
            "currency": plan.currency,
        },
        "months": list(projection.months),
        "pnl": {name: _series(projection.line(name)) for name in PNL_LINES},
        "kpis": {name: _series(row.to_numpy()) for name, row in projection.kpis.iterrows()},
        "channels": {
            name: {key: _series(channels.metric(key)[index]) for key in CHANNEL_KEYS}
            for index, name in enumerate(channels.names)
        },
        "targets": {
            "net_sales": plan.targets.net_sales,
            "ebitda_margin": report.ebitda_margin_target,
            "cm3_margin": report.cm3_margin_target,
            "cm3_margin_implied": report.cm3_target_implied,
            "break_even_roas": _series(report.break_even_roas),
            "target_roas": _series(report.target_roas),
            "solves": {solve.key: _solve(solve) for solve in report.solves},
        },
    }


def summary_text(projection: Projection) -> str:
    """A readable P&L for the year: every line with its FY total and margin, then the targets."""
    plan = projection.plan
    currency = plan.currency
    width = max(len(label) for label in PNL_LABELS.values())
    out = [
        f"{plan.name} - FY{plan.fiscal_year} ({projection.months[0]} to {projection.months[-1]}),"
        f" {currency}",
        "",
        f"{'':{width}}  {'FY':>18}  {'% of net sales':>14}",
    ]
    for name in PNL_LINES:
        value = projection.year(name)
        if name in COUNT_LINES:
            shown, share = format_count(value), ""
        else:
            shown = format_money(statement_sign(name) * value, currency)
            share = format_rate(projection.margin(name)[-1])
        out.append(f"{PNL_LABELS[name]:{width}}  {shown:>18}  {share:>14}")
    out += [
        "",
        f"Conversion rate {format_rate(projection.conversion_rate[-1], 2)}, "
        f"AOV {format_money(projection.aov[-1], currency, 2)}, "
        f"marketing {format_rate(projection.marketing_share[-1])} of net sales, "
        f"MER {format_roas(projection.mer[-1])}",
        "",
        f"Targets: net sales {format_money(plan.targets.net_sales, currency)}, "
        f"EBITDA margin {format_rate(plan.targets.ebitda_margin)}"
        + (
            f", CM3 margin {format_rate(plan.targets.cm3_margin)}"
            if plan.targets.cm3_margin is not None
            else ""
        ),
    ]
    out += [f"- {solve.label}: {solve.explanation}" for solve in projection.targets.solves]
    return "\n".join(out) + "\n"
