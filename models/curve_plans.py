"""Response curves for a whole plan: anchored on the plan, summarised, charted and fitted.

Builds on ``models.curves`` (the curve arithmetic) and the engine: a curve
"from the plan" passes through a channel's planned average month and yearly
ROAS; the curve table and chart data show each channel's curve against the
marginal ROAS at which its next unit of spend pays for itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from budgets import MONTHS, Plan, PlanValidationError, ResponseCurve
from budgets.edits import set_response_curve
from models.curve_history import CurveFit, History, calendar_demand, fit_curve
from models.curves import CurveError, curve_from_knowledge, curve_points, demand_index, hill_revenue
from models.measures import weighted_mean
from models.projection import Projection, project_plan


def plan_anchor(projection: Projection, channel: str) -> tuple[float, float]:
    """(average monthly spend, yearly ROAS) of a channel as planned: where a curve starts.

    Raises:
        CurveError: when the channel has no planned spend or no revenue to anchor a curve on.
    """
    index = projection.channels.names.index(channel)
    spend = float(projection.channels.spend[index, -1]) / MONTHS
    roas = float(projection.channels.roas[index, -1])
    if spend <= 0:
        raise CurveError(
            f"Channel '{channel}', planned spend", 0.0, "a curve needs today's spend to start from"
        )
    if not math.isfinite(roas) or roas <= 0:
        raise CurveError(
            f"Channel '{channel}', planned ROAS",
            None if not math.isfinite(roas) else roas,
            "a curve needs the revenue today's spend brings",
        )
    return spend, roas


def plan_curve(
    projection: Projection, channel: str, halving_multiple: float = 2.0, shape: float = 1.0
) -> ResponseCurve:
    """A curve through the channel's planned average month and ROAS, returns halving at a multiple.

    E.g. ``halving_multiple=2``: the next unit of spend brings half as much
    once the channel's monthly spend is twice its planned average.
    """
    spend, roas = plan_anchor(projection, channel)
    return curve_from_knowledge(spend, roas, spend * halving_multiple, shape)


def with_plan_curves(
    plan: Plan,
    halving_multiple: float = 2.0,
    shape: float = 1.0,
    projection: Projection | None = None,
) -> Plan:
    """The plan with a curve from the plan (``plan_curve``) on every traffic channel without one.

    Channels without planned spend or revenue are left as they are.

    Raises:
        PlanValidationError: when no channel could be given a curve, or the
            multiple or shape cannot make one (the message says which).
    """
    if projection is None:
        projection = project_plan(plan)
    changed = plan
    for channel in plan.marketing.channels:
        if not channel.brings_traffic or channel.response is not None:
            continue
        try:
            curve = plan_curve(projection, channel.name, halving_multiple, shape)
        except CurveError as error:
            if error.field_label.startswith("Channel"):
                continue
            raise PlanValidationError.single(
                "Curves from the plan", str(error).rstrip(".")
            ) from None
        changed = set_response_curve(changed, channel.name, curve)
    if changed == plan:
        raise PlanValidationError.single(
            "Curves from the plan",
            "every traffic channel already has a curve or has no planned spend and revenue to "
            "start one from",
        )
    return changed


def calendar_demand_of(plan: Plan) -> np.ndarray:
    """The plan's demand index by calendar month (January first), for fitting last year's months."""
    return calendar_demand(demand_index(plan.pnl.organic_sessions), plan.first_month)


def fit_for_plan(plan: Plan, history: History, channel: str, fit_shape: bool = False) -> CurveFit:
    """``fit_curve`` for a plan's channel, deseasonalised by the plan's demand.

    The shape s is 1 unless ``fit_shape``.
    """
    return fit_curve(history, channel, calendar_demand_of(plan), None if fit_shape else 1.0)


def _break_even_marginal(projection: Projection, position: int) -> float:
    """1 / the channel's CM2 per unit of revenue (its months weighted by planned revenue)."""
    rates = projection.contribution_per_revenue[position]
    revenue = projection.channels.revenue[position, :MONTHS]
    rate = float(weighted_mean(rates, revenue)) if revenue.sum() > 0 else float(rates.mean())
    return 1.0 / rate if rate > 0 else math.nan


def curve_table(projection: Projection) -> pd.DataFrame:
    """Every traffic channel's response: its curve (if any) and its returns as planned.

    Index: channel. Columns: response (text), beta, k, s (NaN without a
    curve), spend_month (planned average monthly spend), roas (the year's),
    marginal_roas (the year's, spend-weighted), break_even_marginal_roas (the
    marginal ROAS at which the next unit of spend earns back its cost in CM2).
    """
    rows = []
    channels = projection.channels
    for position, channel in enumerate(projection.plan.marketing.channels):
        if not channel.brings_traffic:
            continue
        curve = channel.response
        driver = channel.cost_driver.label
        rows.append(
            {
                "channel": channel.name,
                "response": "Curve" if curve is not None else f"Constant ({driver})",
                "beta": math.nan if curve is None else curve.beta,
                "k": math.nan if curve is None else curve.k,
                "s": math.nan if curve is None else curve.s,
                "spend_month": float(channels.spend[position, -1]) / MONTHS,
                "roas": float(channels.roas[position, -1]),
                "marginal_roas": float(channels.marginal_roas[position, -1]),
                "break_even_marginal_roas": _break_even_marginal(projection, position),
            }
        )
    columns = [
        "channel", "response", "beta", "k", "s", "spend_month", "roas", "marginal_roas",
        "break_even_marginal_roas",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).set_index("channel")


@dataclass(frozen=True)
class CurveChart:
    """What a channel's response chart shows, for a month of average demand (currency).

    Attributes:
        channel: the channel.
        points: the curve; columns spend, revenue, roas, marginal_roas.
        planned: (average monthly spend, its revenue on the curve) as planned.
        recommended: the same for a recommendation; None without one.
        break_even: the marginal ROAS at which the next unit pays for itself in CM2.
        break_even_spend: the monthly spend where the curve's marginal ROAS
            falls to ``break_even`` (NaN when it never reaches it).
    """

    channel: str
    currency: str
    points: pd.DataFrame
    planned: tuple[float, float]
    recommended: tuple[float, float] | None
    break_even: float
    break_even_spend: float


def curve_chart(
    projection: Projection, channel: str, recommended: Sequence[float] | None = None
) -> CurveChart:
    """The chart data of a channel with a curve; ``recommended``: 12 months of spend.

    Raises:
        ValueError: when the channel has no curve.
    """
    position = projection.channels.names.index(channel)
    curve = projection.plan.marketing.channels[position].response
    if curve is None:
        raise ValueError(f"Channel '{channel}' has no response curve")
    planned_spend = float(projection.channels.spend[position, -1]) / MONTHS
    recommended_spend = None if recommended is None else float(np.sum(recommended)) / MONTHS
    break_even = _break_even_marginal(projection, position)
    reach = max(planned_spend, recommended_spend or 0.0, curve.k)
    dense = curve_points(curve, upto=4.0 * reach, points=2001)
    paying = dense["spend"][dense["marginal_roas"] >= break_even]
    break_even_spend = float(paying.max()) if paying.size and paying.max() > 0 else math.nan
    shown = [planned_spend, recommended_spend or 0.0, curve.k]
    if not math.isnan(break_even_spend):
        shown.append(break_even_spend)
    upto = 1.3 * max(shown)

    def on_curve(spend: float) -> tuple[float, float]:
        return spend, float(hill_revenue(spend, curve.beta, curve.k, curve.s))

    return CurveChart(
        channel=channel,
        currency=projection.plan.currency,
        points=curve_points(curve, upto=upto),
        planned=on_curve(planned_spend),
        recommended=None if recommended_spend is None else on_curve(recommended_spend),
        break_even=break_even,
        break_even_spend=break_even_spend,
    )


def example_history_csv(projection: Projection, seed: int = 2026) -> str:
    """An example history file for the plan's traffic channels with spend: last year, 12 months.

    Spend varies around the plan's (50-150 %), revenue follows a curve through
    each channel's planned ROAS, returns halving at twice its average monthly
    spend, stretched by the plan's demand index, with 4 % noise: a file that
    fits well, to show the format.
    """
    plan = projection.plan
    rng = np.random.default_rng(seed)
    index = demand_index(plan.pnl.organic_sessions)
    months = pd.period_range(
        start=pd.Period(year=plan.fiscal_year - 1, month=plan.first_month, freq="M"),
        periods=MONTHS,
        freq="M",
    )
    lines = ["month,channel,spend,revenue"]
    for channel in plan.marketing.channels:
        if not channel.brings_traffic:
            continue
        try:
            curve = channel.response or plan_curve(projection, channel.name)
        except CurveError:
            continue
        spend = np.array(channel.spend) * rng.uniform(0.5, 1.5, size=MONTHS)
        revenue = index * hill_revenue(spend / index, curve.beta, curve.k, curve.s)
        revenue *= 1 + rng.normal(0.0, 0.04, size=MONTHS)
        name = channel.name.replace('"', '""')
        for month, x, r in zip(months, spend, revenue, strict=True):
            lines.append(f'{month.strftime("%Y-%m")},"{name}",{x:.2f},{max(r, 0.0):.2f}')
    return "\n".join(lines) + "\n"
