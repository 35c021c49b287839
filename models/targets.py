"""What the targets imply: ROAS hurdles and the solves for the margin target.

The formulas are section 3 of docs/financial-model.md.

Notation, per period (month or year): c2 = CM2 / gross sales, r = returns /
gross sales (the return rate), m = the target EBITDA margin, t = the target
CM3 margin.

Decisions this module makes (documented in the README):

* With no CM3 target set, the target ROAS uses the CM3 margin the EBITDA
  target needs: t = m + fixed costs / net sales of the planned year.
* The solves scale one group of drivers by one factor, everything else as
  planned: every channel's spend (revenue following at planned efficiency,
  non-working spend included), every conversion rate (organic and paid), or
  every AOV (site and channel). With constant efficiency the year's
  EBITDA - m x net sales is affine in each factor, so two projections (factor
  0 and 1) give the exact root, refined by one secant step.
* With response curves (``models.curves``) a channel's revenue follows its
  curve of spend, whatever its conversion rate or AOV. The spend solve is then
  no longer affine: it is a one-dimensional search (a doubling grid of
  factors, then Brent's method on the last bracket where the margin is met).
  The conversion solve stays affine (curve channels' revenue does not move
  with conversion; only their sessions do) and reports the blended rate of
  the solved plan. The AOV solve is not (curve channels' orders are revenue /
  AOV, so their fulfilment falls as 1 / factor): a search for the smallest
  factor that meets the margin.
* Net sales needed keep every variable cost at its planned share of net
  sales (more orders at the planned AOV): (marketing + fixed costs) /
  (CM2 / net sales - m), without curves the conversion solve's net sales.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Literal

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from budgets import Plan
from budgets.plan import MAX_MONTHLY_AMOUNT, MAX_UNIT_PRICE, MIN_UNIT_PRICE
from models.formatting import (
    format_change,
    format_money_compact,
    format_rate,
    format_roas,
)
from models.measures import margin_shortfall, relative_change
from models.pnl import PlanArrays, line, project_arrays, ratio


class SolveStatus(StrEnum):
    """Whether a solve has an answer, none, or no upper limit."""

    REACHED = "reached"
    UNREACHABLE = "unreachable"
    UNBOUNDED = "unbounded"


@dataclass(frozen=True)
class TargetSolve:
    """One answer to "what would it take", with its assumption in words.

    Attributes:
        key: stable identifier ("max_marketing", "net_sales_needed", ...).
        label: what is solved for, as a planner says it.
        unit: "money" (plan currency), "rate" (fraction) or "roas" (multiple).
        status: reached (``value`` is the answer), unreachable (no value works)
            or unbounded (no upper limit).
        value: the answer for the year; None unless reached.
        planned: the plan's own figure for the year, to compare with.
        explanation: one sentence with the numbers and the assumption, or
            "Unreachable, because ...".
        factor: for a solve that scales one group of drivers (spend,
            conversion, AOV, net sales), the factor on the plan's drivers
            that reaches the target; None otherwise. With response curves the
            blended conversion rate or AOV moves by other than this factor.
    """

    key: str
    label: str
    unit: Literal["money", "rate", "roas"]
    status: SolveStatus
    value: float | None
    planned: float | None
    explanation: str
    factor: float | None = None

    @property
    def change(self) -> float | None:
        """The relative change from planned to value, where both are defined and planned is
        not 0."""
        if self.value is None or not self.planned:
            return None
        return relative_change(self.value, self.planned)


@dataclass(frozen=True)
class TargetReport:
    """The targets and what they imply, per month (12 values then the year).

    ``break_even_roas`` and ``target_roas`` are NaN in a period where no ROAS
    works (c2 <= 0, resp. c2 <= t x (1 - r)) or the period has no sales.
    """

    currency: str
    ebitda_margin_planned: float
    ebitda_margin_target: float
    cm3_margin_target: float
    cm3_target_implied: bool
    contribution_per_gross_sale: np.ndarray
    break_even_roas: np.ndarray
    target_roas: np.ndarray
    break_even: TargetSolve
    target_roas_year: TargetSolve
    net_sales_gap: TargetSolve
    # What the year's solves start from; each solve runs when it is first read.
    arrays: PlanArrays = field(repr=False, compare=False)
    lines: np.ndarray = field(repr=False, compare=False)
    channel_names: tuple[str, ...] = field(repr=False, compare=False)

    @cached_property
    def max_marketing(self) -> TargetSolve:
        """The largest marketing budget (every channel's spend scaled) that keeps the margin."""
        margin, currency = self.ebitda_margin_target, self.currency
        solve = _max_marketing(self.arrays, self.lines, margin, currency, list(self.channel_names))
        return _spend_within_bounds(self.arrays, currency, solve)

    @cached_property
    def net_sales_needed(self) -> TargetSolve:
        """The net sales that reach the margin with every variable cost at its planned share."""
        return _net_sales_needed(self.lines, self.ebitda_margin_target, self.currency)

    @cached_property
    def conversion_needed(self) -> TargetSolve:
        """The conversion rate (every rate scaled) that reaches the margin."""
        return _conversion_needed(self.arrays, self.lines, self.ebitda_margin_target)

    @cached_property
    def aov_needed(self) -> TargetSolve:
        """The AOV (every AOV scaled) that reaches the margin."""
        margin, currency = self.ebitda_margin_target, self.currency
        solve = _aov_needed(self.arrays, self.lines, margin, currency)
        return _aov_within_bounds(self.arrays, currency, solve)

    @property
    def headline(self) -> str:
        """One sentence: whether the plan reaches the EBITDA target, and what would reach it."""
        target = format_rate(self.ebitda_margin_target)
        planned = format_rate(self.ebitda_margin_planned)
        if self.ebitda_margin_planned >= self.ebitda_margin_target:
            return f"The plan reaches the {target} EBITDA margin target, at {planned}."
        options = []
        net_sales = self.net_sales_needed
        if net_sales.status is SolveStatus.REACHED and net_sales.value is not None:
            options.append(
                f"net sales must be {format_money_compact(net_sales.value, self.currency)}, "
                f"{format_change(net_sales.change)} on plan"
            )
        conversion = self.conversion_needed
        if conversion.status is SolveStatus.REACHED:
            options.append(
                f"conversion {format_rate(conversion.value, 2)} instead of "
                f"{format_rate(conversion.planned, 2)}"
            )
        aov = self.aov_needed
        if aov.status is SolveStatus.REACHED:
            options.append(
                f"AOV {format_money_compact(aov.value, self.currency)} instead of "
                f"{format_money_compact(aov.planned, self.currency)}"
            )
        if not options:
            return (
                f"The plan's EBITDA margin is {planned}, and no change of sales, conversion or "
                f"AOV alone reaches the {target} target."
            )
        return (
            f"To reach a {target} EBITDA margin (plan: {planned}) with this spend, "
            + "; or ".join(options)
            + "."
        )

    @property
    def solves(self) -> tuple[TargetSolve, ...]:
        """Every year-level answer, in the order a planner reads them."""
        return (
            self.net_sales_gap,
            self.break_even,
            self.target_roas_year,
            self.max_marketing,
            self.net_sales_needed,
            self.conversion_needed,
            self.aov_needed,
        )


def solve_targets(plan: Plan, arrays: PlanArrays, lines: np.ndarray) -> TargetReport:
    """Break-even and target ROAS per month and year, and the year's target solves.

    The hurdles are computed at once; each solve that projects the plan again
    (the largest budget, the sales, conversion or AOV needed) when first read.

    Args:
        plan: the plan (for its targets and currency).
        arrays: the plan's drivers as arrays.
        lines: its P&L lines with the year column, from ``project_arrays``.
    """
    targets = plan.targets
    currency = plan.currency
    gross = line(lines, "gross_sales")
    net = line(lines, "net_sales")
    c2 = ratio(line(lines, "cm2"), gross)
    return_rate = ratio(line(lines, "returns"), gross)
    m = targets.ebitda_margin
    implied = targets.cm3_margin is None
    fixed_share = ratio(line(lines, "fixed_costs")[-1], net[-1])
    t = m + float(np.nan_to_num(fixed_share)) if targets.cm3_margin is None else targets.cm3_margin

    break_even = _positive_inverse(c2)
    target_roas = _positive_inverse(c2 - t * (1 - return_rate))
    return TargetReport(
        currency=currency,
        ebitda_margin_planned=float(ratio(line(lines, "ebitda")[-1], net[-1])),
        ebitda_margin_target=m,
        cm3_margin_target=t,
        cm3_target_implied=implied,
        contribution_per_gross_sale=c2,
        break_even_roas=break_even,
        target_roas=target_roas,
        break_even=_break_even_sentence(c2[-1], break_even[-1]),
        target_roas_year=_target_roas_sentence(
            c2[-1], return_rate[-1], t, target_roas[-1], implied, m, float(fixed_share)
        ),
        net_sales_gap=_net_sales_gap(net[-1], targets.net_sales, currency),
        arrays=arrays,
        lines=lines,
        channel_names=tuple(c.name for c in plan.marketing.channels),
    )


def _positive_inverse(values: np.ndarray) -> np.ndarray:
    """1 / x where x > 0, NaN elsewhere (no ROAS works, or no sales)."""
    return np.where(np.nan_to_num(values) > 0, ratio(1.0, values), np.nan)


def _shortfall_at(arrays: PlanArrays, margin: float, **factor: float) -> float:
    """The shortfall with one driver group scaled (``spend=``, ``conversion=`` or ``aov=``)."""
    return margin_shortfall(project_arrays(arrays.scaled(**factor))[1], margin)


def _affine_root(arrays: PlanArrays, margin: float, driver: str) -> tuple[float, float]:
    """(g(0), slope) of g(x) = the shortfall with one driver group scaled by x.

    g is affine in x for every driver group ``PlanArrays.scaled`` knows, so
    its values at 0 and 1 determine it exactly.
    """
    g0 = margin_shortfall(project_arrays(arrays.scaled(**{driver: 0.0}))[1], margin)
    g1 = margin_shortfall(project_arrays(arrays)[1], margin)
    return g0, g1 - g0


def _affine_factor(
    arrays: PlanArrays, margin: float, driver: str, g0: float, slope: float
) -> float:
    """The root -g0 / slope of the affine shortfall, refined by one secant step through it.

    ``slope`` = g(1) - g(0) loses digits when the driver group moves the
    shortfall by far less than its size (cents of spend in a business of
    thousands); the secant from g(0) to the first estimate, where the group has
    moved the shortfall by all of g(0), restores them.
    """
    factor = -g0 / slope
    if factor > 0 and math.isfinite(factor):
        moved = _shortfall_at(arrays, margin, **{driver: factor}) - g0
        if moved != 0 and math.isfinite(moved):
            factor = -g0 * factor / moved
    return factor


def _root(g: Callable[[float], float], low: float, high: float) -> float:
    """Brent's method on a bracket where g changes sign."""
    root: float = brentq(g, low, high, xtol=1e-14 * high, rtol=1e-14, maxiter=200)
    return root


# How far the searches on curves go: doubling from the plan up to 2^60 times
# it, halving down to 2^-40 (below which a factor counts as 0).
_DOUBLINGS = 60
_SMALLEST = 2.0**-40


def _break_even_sentence(c2: float, roas: float) -> TargetSolve:
    label = "Break-even ROAS"
    if np.isnan(c2):
        return TargetSolve(
            "break_even_roas", label, "roas", SolveStatus.UNREACHABLE, None, None,
            "Unreachable, because the plan has no sales to earn contribution from.",
        )  # fmt: skip
    if np.isnan(roas):
        return TargetSolve(
            "break_even_roas", label, "roas", SolveStatus.UNREACHABLE, None, None,
            f"Unreachable, because contribution before marketing is {format_rate(c2)} of gross "
            "sales: every sale loses money before any marketing, so no ROAS pays back its spend.",
        )  # fmt: skip
    return TargetSolve(
        "break_even_roas", label, "roas", SolveStatus.REACHED, float(roas), None,
        f"Each unit of gross sales leaves {format_rate(c2)} as contribution before marketing, "
        f"so a channel must bring {format_roas(roas)} of gross revenue per unit of spend "
        "to pay for itself.",
    )  # fmt: skip


def _target_roas_sentence(
    c2: float,
    return_rate: float,
    t: float,
    roas: float,
    implied: bool,
    m: float,
    fixed_share: float,
) -> TargetSolve:
    label = "Target ROAS"
    why_t = (
        f"the CM3 margin the {format_rate(m)} EBITDA target needs once fixed costs "
        f"({format_rate(fixed_share)} of net sales) are paid"
        if implied
        else "the target CM3 margin"
    )
    if np.isnan(c2):
        return TargetSolve(
            "target_roas", label, "roas", SolveStatus.UNREACHABLE, None, None,
            "Unreachable, because the plan has no sales to earn contribution from.",
        )  # fmt: skip
    if np.isnan(roas):
        return TargetSolve(
            "target_roas", label, "roas", SolveStatus.UNREACHABLE, None, None,
            f"Unreachable, because contribution before marketing ({format_rate(c2)} of gross "
            f"sales) is not above {format_rate(t)} CM3 on net sales after "
            f"{format_rate(return_rate)} returns, {why_t}: no ROAS leaves that margin.",
        )  # fmt: skip
    return TargetSolve(
        "target_roas", label, "roas", SolveStatus.REACHED, float(roas), None,
        f"A channel returning {format_roas(roas)} per unit of spend keeps CM3 at "
        f"{format_rate(t)} of the net sales it brings, {why_t}.",
    )  # fmt: skip


def _max_marketing(
    arrays: PlanArrays, lines: np.ndarray, m: float, currency: str, names: Sequence[str]
) -> TargetSolve:
    label = "Largest marketing budget at the target EBITDA margin"
    key = "max_marketing"
    planned = float(line(lines, "marketing")[-1])
    target = format_rate(m)
    if planned == 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNREACHABLE, None, planned,
            "Unreachable, because the plan has no marketing spend whose efficiency could be "
            "scaled.",
        )  # fmt: skip
    if arrays.has_curve.any():
        return _max_marketing_on_curves(arrays, m, currency, planned, names)
    g0, slope = _affine_root(arrays, m, "spend")
    if slope > 0:
        floor = (
            f" At least {format_money_compact(-g0 / slope * planned, currency)} of spend is needed "
            "to reach it."
            if g0 < 0
            else ""
        )
        return TargetSolve(
            key, label, "money", SolveStatus.UNBOUNDED, None, planned,
            "No upper limit from the margin: at the channels' planned efficiency every extra "
            f"unit of spend raises the EBITDA margin towards the {target} target and beyond, so "
            "the limit is demand, which only diminishing-returns curves model." + floor,
        )  # fmt: skip
    if g0 < 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNREACHABLE, None, planned,
            f"Unreachable, because even with no marketing at all the EBITDA margin stays "
            f"below {target}: organic contribution does not cover fixed costs at that margin.",
        )  # fmt: skip
    if slope == 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNBOUNDED, None, planned,
            "No upper limit from the margin: spend neither raises nor lowers the margin.",
        )  # fmt: skip
    factor = _affine_factor(arrays, m, "spend", g0, slope)
    budget = factor * planned
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, budget, planned,
        f"The largest budget that still reaches a {target} EBITDA margin is "
        f"{format_money_compact(budget, currency)} ({format_change(factor - 1)} on plan), "
        "scaling every channel's planned spend by one factor with revenue following at "
        "planned efficiency.",
        factor=factor,
    )  # fmt: skip


def _max_marketing_on_curves(
    arrays: PlanArrays, m: float, currency: str, planned: float, names: Sequence[str]
) -> TargetSolve:
    """The largest spend factor meeting the margin when some channels follow response curves.

    Far out, every curve is flat, so the margin moves only with the channels
    without curves: if those still raise it, there is no upper limit.
    Otherwise the factor doubles from 1 until the shortfall is negative and
    falling past every curve's half-saturation spend (from there on the
    curves are concave, so it stays negative), halves back to the last factor
    that meets the margin, and Brent's method closes that bracket. When no
    factor tried meets it, the best one found is refined; below the target,
    the margin is unreachable.
    """
    label = "Largest marketing budget at the target EBITDA margin"
    key = "max_marketing"
    target = format_rate(m)
    curves = int(arrays.has_curve.sum())
    tried: dict[float, float] = {}

    def g(factor: float) -> float:
        if factor not in tried:
            tried[factor] = _shortfall_at(arrays, m, spend=factor)
        return tried[factor]

    flat = replace(arrays, curve_beta=np.zeros_like(arrays.curve_beta))
    far_slope = _shortfall_at(flat, m) - _shortfall_at(flat, m, spend=0.0)
    linear = [
        name
        for name, curved, revenue in zip(
            names, arrays.has_curve, (arrays.is_cpc | arrays.is_cpm), strict=True
        )
        if revenue and not curved
    ]
    if far_slope > 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNBOUNDED, None, planned,
            "No upper limit from the margin: the channels without response curves ("
            + ", ".join(linear)
            + ") earn at planned efficiency however much they spend, so beyond what the curves "
            "absorb every extra unit of spend still raises the EBITDA margin. Their limit is "
            "demand, which a response curve for each would model.",
        )  # fmt: skip
    spending = arrays.has_curve[:, None] & (arrays.spend > 0) & (arrays.curve_beta > 0)
    # Far past 2^50 the search would only chase months of a few 1e-300 of spend.
    with np.errstate(over="ignore"):
        stretch = float((arrays.curve_k[spending] / arrays.spend[spending]).max(initial=1.0))
    concave_from = min(stretch, 2.0 ** (_DOUBLINGS - 10))
    high = 1.0
    for _ in range(_DOUBLINGS):
        previous = g(high)
        high *= 2
        if g(high) < 0 and high >= concave_from and g(high) < previous:
            break
    else:
        return TargetSolve(
            key, label, "money", SolveStatus.UNBOUNDED, None, planned,
            f"No upper limit from the margin: even at 2^{_DOUBLINGS} times the planned spend "
            f"the EBITDA margin stays at or above {target}.",
        )  # fmt: skip
    low = high / 2
    while g(low) < 0 and low > _SMALLEST:
        low /= 2
    if g(low) >= 0:
        factor = _root(g, low, 2 * low)
    elif g(0.0) >= 0:
        factor = _root(g, 0.0, low)
    else:
        best = max(tried, key=tried.__getitem__)
        above = min((f for f in tried if f > best), default=high)
        below = max((f for f in tried if f < best), default=0.0)
        peak = minimize_scalar(lambda f: -g(f), bounds=(below, above), method="bounded")
        if -peak.fun < 0:
            margin = _margin_at(arrays, spend=float(peak.x))
            return TargetSolve(
                key, label, "money", SolveStatus.UNREACHABLE, None, planned,
                f"Unreachable, because no budget reaches a {target} EBITDA margin: scaling "
                f"the planned spend, the margin peaks at {format_rate(margin)} with "
                f"{format_money_compact(peak.x * planned, currency)} "
                f"({format_change(peak.x - 1)} on plan), where the channels' next unit of "
                "spend stops paying for itself.",
            )  # fmt: skip
        factor = _root(g, float(peak.x), above)
    budget = factor * planned
    others = "the others at planned efficiency" if linear else "no other channel brings revenue"
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, budget, planned,
        f"The largest budget that still reaches a {target} EBITDA margin is "
        f"{format_money_compact(budget, currency)} ({format_change(factor - 1)} on plan), "
        "scaling every channel's planned spend by one factor: the "
        f"{curves} channel{'s' if curves > 1 else ''} with response curves earn less on each "
        f"extra unit, {others}.",
        factor=factor,
    )  # fmt: skip


def _margin_at(arrays: PlanArrays, **factor: float) -> float:
    lines = project_arrays(arrays.scaled(**factor))[1]
    return float(ratio(line(lines, "ebitda")[-1], line(lines, "net_sales")[-1]))


def _order_factor(arrays: PlanArrays, m: float) -> float | None:
    """The factor on every conversion rate that meets the margin target; None if none does.

    Affine with or without curves: a curve channel's revenue does not move
    with its conversion rate (its sessions do).
    """
    g0, slope = _affine_root(arrays, m, "conversion")
    if slope <= 0:
        return None
    return max(_affine_factor(arrays, m, "conversion", g0, slope), 0.0)


def _no_sales(key: str, label: str, unit: Literal["money", "rate"]) -> TargetSolve:
    return TargetSolve(
        key, label, unit, SolveStatus.UNREACHABLE, None, None,
        "Unreachable, because the plan has no sales to scale.",
    )  # fmt: skip


def _thin_margin(lines: np.ndarray, m: float) -> str:
    cm2_share = ratio(line(lines, "cm2")[-1], line(lines, "net_sales")[-1])
    return (
        f"Unreachable, because contribution before marketing is {format_rate(float(cm2_share))} "
        f"of net sales, not above the {format_rate(m)} EBITDA target: more sales at these "
        "margins never cover marketing and fixed costs."
    )


def _net_sales_needed(lines: np.ndarray, m: float, currency: str) -> TargetSolve:
    key, label = "net_sales_needed", "Net sales needed for the target EBITDA margin"
    planned = float(line(lines, "net_sales")[-1])
    if planned == 0:
        return _no_sales(key, label, "money")
    cm2_share = float(line(lines, "cm2")[-1]) / planned
    if cm2_share - m <= 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNREACHABLE, None, planned, _thin_margin(lines, m)
        )
    costs = float(line(lines, "marketing")[-1] + line(lines, "fixed_costs")[-1])
    needed = costs / (cm2_share - m)
    factor = needed / planned
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, needed, planned,
        f"Net sales of {format_money_compact(needed, currency)} ({format_change(factor - 1)} on "
        f"plan) reach a {format_rate(m)} EBITDA margin, with marketing and fixed costs as "
        "planned and every variable cost at its planned share of net sales.",
        factor=factor,
    )  # fmt: skip


def _conversion_needed(arrays: PlanArrays, lines: np.ndarray, m: float) -> TargetSolve:
    key, label = "conversion_needed", "Conversion rate needed for the target EBITDA margin"
    sessions = float(line(lines, "sessions")[-1])
    planned_rate = ratio(line(lines, "orders")[-1], sessions)
    if float(line(lines, "net_sales")[-1]) == 0:
        return _no_sales(key, label, "rate")
    planned = float(planned_rate)
    factor = _order_factor(arrays, m)
    if factor is None:
        return TargetSolve(
            key, label, "rate", SolveStatus.UNREACHABLE, None, planned, _thin_margin(lines, m)
        )
    highest = max(
        float(arrays.site_conversion_rate.max(initial=0.0)),
        float(arrays.conversion_rate[arrays.is_cpc | arrays.is_cpm].max(initial=0.0)),
    )
    if highest * factor > 1.0:
        return TargetSolve(
            key, label, "rate", SolveStatus.UNREACHABLE, None, planned,
            f"Unreachable, because conversion would have to rise {format_change(factor - 1)}, "
            f"taking the highest planned rate ({format_rate(highest, 2)}) above 100 %.",
        )  # fmt: skip
    if not arrays.has_curve.any():
        needed = factor * planned
        return TargetSolve(
            key, label, "rate", SolveStatus.REACHED, needed, planned,
            f"Conversion of {format_rate(needed, 2)} instead of {format_rate(planned, 2)} "
            f"({format_change(factor - 1)} on every session, organic and paid) reaches a "
            f"{format_rate(m)} EBITDA margin, with traffic, AOV, marketing and fixed costs as "
            "planned.",
            factor=factor,
        )  # fmt: skip
    solved = project_arrays(arrays.scaled(conversion=factor))[1]
    needed = float(ratio(line(solved, "orders")[-1], line(solved, "sessions")[-1]))
    if not (math.isfinite(needed) and math.isfinite(planned)):
        return TargetSolve(
            key, label, "rate", SolveStatus.UNREACHABLE, None, None,
            "Unreachable, because the plan has no sessions: its sales come from channels on "
            "response curves, whose revenue no conversion rate changes.",
        )  # fmt: skip
    return TargetSolve(
        key, label, "rate", SolveStatus.REACHED, needed, planned,
        f"Conversion of {format_rate(needed, 2)} instead of {format_rate(planned, 2)} "
        f"({format_change(factor - 1)} on every conversion rate, organic and paid) reaches a "
        f"{format_rate(m)} EBITDA margin, with traffic, AOV, marketing and fixed costs as "
        "planned; channels on response curves keep the revenue their curves give, from fewer "
        "sessions.",
        factor=factor,
    )  # fmt: skip


def _aov_needed(arrays: PlanArrays, lines: np.ndarray, m: float, currency: str) -> TargetSolve:
    key, label = "aov_needed", "AOV needed for the target EBITDA margin"
    planned = float(ratio(line(lines, "gross_sales")[-1], line(lines, "orders")[-1]))
    if float(line(lines, "net_sales")[-1]) == 0:
        return _no_sales(key, label, "money")
    if arrays.has_curve.any():
        return _aov_needed_on_curves(arrays, m, currency, planned)
    g0, slope = _affine_root(arrays, m, "aov")
    if slope <= 0:
        return TargetSolve(
            key, label, "money", SolveStatus.UNREACHABLE, None, planned,
            f"Unreachable, because after returns, COGS and payment fees each unit of gross sales "
            f"leaves no more than the {format_rate(m)} EBITDA target asks of it: a higher AOV "
            "never catches up with marketing and fixed costs.",
        )  # fmt: skip
    factor = max(_affine_factor(arrays, m, "aov", g0, slope), 0.0)
    needed = factor * planned
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, needed, planned,
        f"An AOV of {format_money_compact(needed, currency)} instead of "
        f"{format_money_compact(planned, currency)} ({format_change(factor - 1)} on every "
        f"order, organic and paid) reaches a {format_rate(m)} EBITDA margin, with traffic, "
        "conversion, marketing and fixed costs as planned.",
        factor=factor,
    )  # fmt: skip


def _aov_needed_on_curves(
    arrays: PlanArrays, m: float, currency: str, planned: float
) -> TargetSolve:
    """The smallest AOV factor meeting the margin when some channels follow response curves.

    A curve channel's revenue does not move with its AOV; its orders (revenue /
    AOV) and their fulfilment and returns handling fall as the AOV rises. The
    shortfall is then a + b x factor - c / factor with c >= 0: concave, so
    doubling from 1 either meets the margin or turns down short of it
    (unreachable), and halving from a factor that meets it finds the bracket
    Brent's method closes.
    """
    key, label = "aov_needed", "AOV needed for the target EBITDA margin"

    def g(factor: float) -> float:
        return _shortfall_at(arrays, m, aov=factor)

    factor = 1.0
    if g(factor) >= 0:
        while g(factor / 2) >= 0 and factor > _SMALLEST:
            factor /= 2
        factor = 0.0 if factor <= _SMALLEST else _root(g, factor / 2, factor)
    else:
        for _ in range(_DOUBLINGS):
            if g(2 * factor) >= 0:
                factor = _root(g, factor, 2 * factor)
                break
            if g(2 * factor) <= g(factor):
                factor = math.nan
                break
            factor *= 2
        else:
            factor = math.nan
    if math.isnan(factor):
        return TargetSolve(
            key, label, "money", SolveStatus.UNREACHABLE, None, planned,
            f"Unreachable, because no AOV reaches a {format_rate(m)} EBITDA margin: channels on "
            "response curves keep the revenue their curves give whatever the AOV, and the "
            "sales that do grow with it leave too little after returns, COGS and payment fees "
            "to catch up with marketing and fixed costs.",
        )  # fmt: skip
    if factor > 0:
        solved = project_arrays(arrays.scaled(aov=factor))[1]
        needed = float(ratio(line(solved, "gross_sales")[-1], line(solved, "orders")[-1]))
    else:
        needed = 0.0
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, needed, planned,
        f"An AOV of {format_money_compact(needed, currency)} instead of "
        f"{format_money_compact(planned, currency)} ({format_change(factor - 1)} on every "
        f"order's value, organic and paid) reaches a {format_rate(m)} EBITDA margin, with "
        "traffic, conversion, marketing and fixed costs as planned; channels on response "
        "curves keep the revenue their curves give, in fewer, larger orders.",
        factor=factor,
    )  # fmt: skip


def _without_answer(solve: TargetSolve, status: SolveStatus, explanation: str) -> TargetSolve:
    """``solve`` with no value: its answer lies past a bound a plan holds, as explained."""
    return replace(solve, status=status, value=None, factor=None, explanation=explanation)


def _spend_within_bounds(arrays: PlanArrays, currency: str, solve: TargetSolve) -> TargetSolve:
    """The largest budget, unless it takes a channel's month past the bound a plan holds."""
    highest = float(arrays.spend.max()) if arrays.spend.size else 0.0
    if solve.status is not SolveStatus.REACHED or not solve.factor:
        return solve
    if highest * solve.factor <= MAX_MONTHLY_AMOUNT:
        return solve
    return _without_answer(
        solve,
        SolveStatus.UNBOUNDED,
        "No upper limit within what a plan holds: the margin stays at the target until "
        f"spend rises {format_change(solve.factor - 1)}, which takes the largest planned "
        f"month ({format_money_compact(highest, currency)}) past "
        f"{format_money_compact(MAX_MONTHLY_AMOUNT, currency)}, the most a channel may "
        "spend in a month.",
    )


def _aov_within_bounds(arrays: PlanArrays, currency: str, solve: TargetSolve) -> TargetSolve:
    """The AOV needed, unless it takes an AOV past the bounds a plan holds (either way)."""
    if solve.status is not SolveStatus.REACHED or not solve.factor:
        return solve
    prices = np.concatenate([np.ravel(arrays.site_aov), np.ravel(arrays.aov)])
    lowest = float(prices[prices > 0].min(initial=np.inf))
    highest = float(prices.max(initial=0.0))
    if np.isfinite(lowest) and lowest * solve.factor < MIN_UNIT_PRICE:
        return _without_answer(
            solve,
            SolveStatus.UNREACHABLE,
            f"Unreachable, because the AOV would have to fall {format_change(solve.factor - 1)},"
            f" taking the lowest planned AOV ({format_money_compact(lowest, currency)}) below "
            f"{format_money_compact(MIN_UNIT_PRICE, currency)}, the least an AOV may be.",
        )
    if highest * solve.factor <= MAX_UNIT_PRICE:
        return solve
    return _without_answer(
        solve,
        SolveStatus.UNREACHABLE,
        f"Unreachable, because the AOV would have to rise {format_change(solve.factor - 1)},"
        f" taking the highest planned AOV ({format_money_compact(highest, currency)}) past "
        f"{format_money_compact(MAX_UNIT_PRICE, currency)}, the most an AOV may be.",
    )


def _net_sales_gap(net_sales: float, target: float, currency: str) -> TargetSolve:
    key, label = "net_sales_gap", "Gap to the net-sales target"
    gap = float(net_sales) - target
    if target == 0:
        return TargetSolve(
            key, label, "money", SolveStatus.REACHED, gap, float(net_sales),
            "No net-sales target is set, so the whole projection counts as headroom.",
        )  # fmt: skip
    if gap < 0:
        side = "short of"
    elif gap > 0:
        side = "above"
    else:
        side = "exactly on"
    amount = f"{format_money_compact(abs(gap), currency)} ({format_change(gap / target)}) "
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, gap, float(net_sales),
        f"Projected net sales of {format_money_compact(net_sales, currency)} are "
        f"{amount if gap else ''}{side} the {format_money_compact(target, currency)} target.",
    )  # fmt: skip
