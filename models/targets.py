"""What the targets imply: ROAS hurdles and the solves for the margin target.

The formulas are section 3 of docs/financial-model.md. Each solve records
which case it found and its figures; the sentences saying so are written in
``models.target_sentences``.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from budgets import Plan
from budgets.plan import MAX_MONTHLY_AMOUNT, MAX_UNIT_PRICE, MIN_UNIT_PRICE
from models.measures import margin_shortfall, relative_change
from models.pnl import PlanArrays, line, project_arrays, ratio
from models.target_sentences import explain, headline


class SolveStatus(StrEnum):
    """Whether a solve has an answer, none, or no upper limit."""

    REACHED = "reached"
    UNREACHABLE = "unreachable"
    UNBOUNDED = "unbounded"


class Verdict(StrEnum):
    """What a solve says of the plan, as its icon and colour show it."""

    MET = "met"  # the plan meets the target already (or nothing limits it)
    SHORT = "short"  # the plan falls short of what the target takes
    UNREACHABLE = "unreachable"  # no value of the driver meets the target
    HURDLE = "hurdle"  # a threshold a channel must beat, neither met nor missed


_HURDLES = frozenset({"break_even_roas", "target_roas"})
# Factors this close to 1 are the plan itself, rounding apart.
_ON_PLAN = 1e-9


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
        reason: which case the solve found (a key of ``models.target_sentences``),
            and ``facts`` the figures that case is about; ``explanation`` is the
            sentence written from them.
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
    reason: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    factor: float | None = None

    @property
    def verdict(self) -> Verdict:
        """Met, short or unreachable: whether the plan already does what the solve asks."""
        if self.status is SolveStatus.UNREACHABLE:
            return Verdict.UNREACHABLE
        if self.key in _HURDLES:
            return Verdict.HURDLE
        if self.status is SolveStatus.UNBOUNDED or self.value is None:
            return Verdict.MET
        if self.key == "net_sales_gap":
            return Verdict.SHORT if self.value < 0 else Verdict.MET
        if self.key == "max_marketing":
            planned = self.planned or 0.0
            return Verdict.MET if planned <= self.value * (1 + _ON_PLAN) else Verdict.SHORT
        return Verdict.SHORT if (self.factor or 0.0) > 1 + _ON_PLAN else Verdict.MET

    @property
    def explanation(self) -> str:
        """One sentence with the numbers and the assumption, or "Unreachable, because ..."."""
        return explain(self)

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

    def margin_by_budget(self, points: int = 41) -> tuple[np.ndarray, np.ndarray]:
        """The year's EBITDA margin against the marketing budget, every channel's planned
        spend scaled by one factor (revenue following as the plan's channels make it).

        Budgets run from 0 to twice the plan's, or to 1.25 times the largest budget that
        meets the target when that is further. Returns (budgets, margins); a margin is NaN
        where the year has no net sales.
        """
        planned = float(line(self.lines, "marketing")[-1])
        top = 2.0
        largest = self.max_marketing
        if largest.factor is not None:
            top = max(top, 1.25 * largest.factor)
        factors = np.linspace(0.0, top, points)
        margins = np.array([_margin_at(self.arrays, spend=float(f)) for f in factors])
        return factors * planned, margins

    @property
    def headline(self) -> str:
        """One sentence: whether the plan reaches the EBITDA target, and what would reach it."""
        return headline(self)

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
        break_even=_break_even_solve(c2[-1], break_even[-1]),
        target_roas_year=_target_roas_solve(
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


def _break_even_solve(c2: float, roas: float) -> TargetSolve:
    key, label = "break_even_roas", "Break-even ROAS"
    if np.isnan(c2):
        return _none(key, label, "roas", SolveStatus.UNREACHABLE, None, "no_contribution")
    if np.isnan(roas):
        return _none(
            key, label, "roas", SolveStatus.UNREACHABLE, None, "loses_before_marketing", c2=c2
        )
    return TargetSolve(
        key, label, "roas", SolveStatus.REACHED, float(roas), None, "break_even",
        {"c2": c2, "roas": float(roas)},
    )  # fmt: skip


def _target_roas_solve(
    c2: float,
    return_rate: float,
    t: float,
    roas: float,
    implied: bool,
    m: float,
    fixed_share: float,
) -> TargetSolve:
    key, label = "target_roas", "Target ROAS"
    facts = {"c2": c2, "t": t, "return_rate": return_rate, "implied": implied, "m": m,
             "fixed_share": fixed_share}  # fmt: skip
    if np.isnan(c2):
        return _none(key, label, "roas", SolveStatus.UNREACHABLE, None, "no_contribution")
    if np.isnan(roas):
        return _none(key, label, "roas", SolveStatus.UNREACHABLE, None, "no_roas_leaves_margin",
                     **facts)  # fmt: skip
    return TargetSolve(
        key, label, "roas", SolveStatus.REACHED, float(roas), None, "target_roas",
        {**facts, "roas": float(roas)},
    )  # fmt: skip


def _none(
    key: str,
    label: str,
    unit: Literal["money", "rate", "roas"],
    status: SolveStatus,
    planned: float | None,
    reason: str,
    **facts: Any,
) -> TargetSolve:
    """A solve without a value: unreachable or unbounded, for ``reason``."""
    return TargetSolve(key, label, unit, status, None, planned, reason, facts)


def _reached(
    key: str,
    label: str,
    unit: Literal["money", "rate"],
    value: float,
    planned: float,
    reason: str,
    facts: dict[str, Any],
) -> TargetSolve:
    """A solve that scaled one group of drivers by ``facts["factor"]`` and reached the target."""
    return TargetSolve(
        key, label, unit, SolveStatus.REACHED, value, planned, reason, facts, factor=facts["factor"]
    )


_MAX_MARKETING = ("max_marketing", "Largest marketing budget at the target EBITDA margin")


def _max_marketing(
    arrays: PlanArrays, lines: np.ndarray, m: float, currency: str, names: Sequence[str]
) -> TargetSolve:
    key, label = _MAX_MARKETING
    planned = float(line(lines, "marketing")[-1])
    if planned == 0:
        return _none(key, label, "money", SolveStatus.UNREACHABLE, planned, "no_marketing")
    if arrays.has_curve.any():
        return _max_marketing_on_curves(arrays, m, currency, planned, names)
    g0, slope = _affine_root(arrays, m, "spend")
    if slope > 0:
        least = -g0 / slope * planned if g0 < 0 else None
        return _none(
            key, label, "money", SolveStatus.UNBOUNDED, planned,
            "unbounded_at_planned_efficiency", m=m, least_spend=least, currency=currency,
        )  # fmt: skip
    if g0 < 0:
        return _none(key, label, "money", SolveStatus.UNREACHABLE, planned,
                     "organic_below_target", m=m)  # fmt: skip
    if slope == 0:
        return _none(key, label, "money", SolveStatus.UNBOUNDED, planned,
                     "spend_does_not_move_margin")  # fmt: skip
    factor = _affine_factor(arrays, m, "spend", g0, slope)
    budget = factor * planned
    return _reached(
        key,
        label,
        "money",
        budget,
        planned,
        "largest_budget",
        {"m": m, "budget": budget, "factor": factor, "currency": currency},
    )


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
    key, label = _MAX_MARKETING
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
        return _none(key, label, "money", SolveStatus.UNBOUNDED, planned,
                     "unbounded_beside_curves", uncurved=tuple(linear))  # fmt: skip
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
        return _none(key, label, "money", SolveStatus.UNBOUNDED, planned,
                     "unbounded_past_search", doublings=_DOUBLINGS, m=m)  # fmt: skip
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
            return _none(
                key, label, "money", SolveStatus.UNREACHABLE, planned, "margin_peaks", m=m,
                peak_margin=_margin_at(arrays, spend=float(peak.x)), peak_factor=float(peak.x),
                peak_budget=float(peak.x) * planned, currency=currency,
            )  # fmt: skip
        factor = _root(g, float(peak.x), above)
    budget = factor * planned
    return _reached(
        key,
        label,
        "money",
        budget,
        planned,
        "largest_budget_on_curves",
        {
            "m": m,
            "budget": budget,
            "factor": factor,
            "currency": currency,
            "curves": curves,
            "uncurved": tuple(linear),
        },
    )


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
    return _none(key, label, unit, SolveStatus.UNREACHABLE, None, "no_sales")


def _thin_margin(
    key: str,
    label: str,
    unit: Literal["money", "rate"],
    planned: float,
    lines: np.ndarray,
    m: float,
) -> TargetSolve:
    cm2_share = float(ratio(line(lines, "cm2")[-1], line(lines, "net_sales")[-1]))
    return _none(key, label, unit, SolveStatus.UNREACHABLE, planned, "thin_margin",
                 cm2_share=cm2_share, m=m)  # fmt: skip


def _net_sales_needed(lines: np.ndarray, m: float, currency: str) -> TargetSolve:
    key, label = "net_sales_needed", "Net sales needed for the target EBITDA margin"
    planned = float(line(lines, "net_sales")[-1])
    if planned == 0:
        return _no_sales(key, label, "money")
    cm2_share = float(line(lines, "cm2")[-1]) / planned
    if cm2_share - m <= 0:
        return _thin_margin(key, label, "money", planned, lines, m)
    costs = float(line(lines, "marketing")[-1] + line(lines, "fixed_costs")[-1])
    needed = costs / (cm2_share - m)
    factor = needed / planned
    return _reached(
        key,
        label,
        "money",
        needed,
        planned,
        "net_sales_needed",
        {"needed": needed, "factor": factor, "m": m, "currency": currency},
    )


def _conversion_needed(arrays: PlanArrays, lines: np.ndarray, m: float) -> TargetSolve:
    key, label = "conversion_needed", "Conversion rate needed for the target EBITDA margin"
    sessions = float(line(lines, "sessions")[-1])
    planned_rate = ratio(line(lines, "orders")[-1], sessions)
    if float(line(lines, "net_sales")[-1]) == 0:
        return _no_sales(key, label, "rate")
    planned = float(planned_rate)
    factor = _order_factor(arrays, m)
    if factor is None:
        return _thin_margin(key, label, "rate", planned, lines, m)
    highest = max(
        float(arrays.site_conversion_rate.max(initial=0.0)),
        float(arrays.conversion_rate[arrays.is_cpc | arrays.is_cpm].max(initial=0.0)),
    )
    if highest * factor > 1.0:
        return _none(key, label, "rate", SolveStatus.UNREACHABLE, planned,
                     "conversion_above_100", factor=factor, highest=highest)  # fmt: skip
    if not arrays.has_curve.any():
        needed = factor * planned
        facts = {"needed": needed, "planned": planned, "factor": factor, "m": m}
        return _reached(key, label, "rate", needed, planned, "conversion_needed", facts)
    solved = project_arrays(arrays.scaled(conversion=factor))[1]
    needed = float(ratio(line(solved, "orders")[-1], line(solved, "sessions")[-1]))
    if not (math.isfinite(needed) and math.isfinite(planned)):
        return _none(key, label, "rate", SolveStatus.UNREACHABLE, None, "no_sessions")
    return _reached(
        key,
        label,
        "rate",
        needed,
        planned,
        "conversion_needed_on_curves",
        {"needed": needed, "planned": planned, "factor": factor, "m": m},
    )


_AOV = ("aov_needed", "AOV needed for the target EBITDA margin")


def _aov_needed(arrays: PlanArrays, lines: np.ndarray, m: float, currency: str) -> TargetSolve:
    key, label = _AOV
    planned = float(ratio(line(lines, "gross_sales")[-1], line(lines, "orders")[-1]))
    if float(line(lines, "net_sales")[-1]) == 0:
        return _no_sales(key, label, "money")
    if arrays.has_curve.any():
        return _aov_needed_on_curves(arrays, m, currency, planned)
    g0, slope = _affine_root(arrays, m, "aov")
    if slope <= 0:
        return _none(key, label, "money", SolveStatus.UNREACHABLE, planned,
                     "aov_never_catches_up", m=m)  # fmt: skip
    factor = max(_affine_factor(arrays, m, "aov", g0, slope), 0.0)
    needed = factor * planned
    return _reached(
        key,
        label,
        "money",
        needed,
        planned,
        "aov_needed",
        {"needed": needed, "planned": planned, "factor": factor, "m": m, "currency": currency},
    )


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
    key, label = _AOV

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
        return _none(key, label, "money", SolveStatus.UNREACHABLE, planned,
                     "aov_unreachable_on_curves", m=m)  # fmt: skip
    if factor > 0:
        solved = project_arrays(arrays.scaled(aov=factor))[1]
        needed = float(ratio(line(solved, "gross_sales")[-1], line(solved, "orders")[-1]))
    else:
        needed = 0.0
    return _reached(
        key,
        label,
        "money",
        needed,
        planned,
        "aov_needed_on_curves",
        {"needed": needed, "planned": planned, "factor": factor, "m": m, "currency": currency},
    )


def _without_answer(
    solve: TargetSolve, status: SolveStatus, reason: str, **facts: Any
) -> TargetSolve:
    """``solve`` with no value: its answer (``solve.factor``) lies past a bound a plan holds."""
    facts = {"factor": solve.factor, **facts}
    return replace(solve, status=status, value=None, factor=None, reason=reason, facts=facts)


def _spend_within_bounds(arrays: PlanArrays, currency: str, solve: TargetSolve) -> TargetSolve:
    """The largest budget, unless it takes a channel's month past the bound a plan holds."""
    highest = float(arrays.spend.max()) if arrays.spend.size else 0.0
    if solve.status is not SolveStatus.REACHED or not solve.factor:
        return solve
    if highest * solve.factor <= MAX_MONTHLY_AMOUNT:
        return solve
    return _without_answer(solve, SolveStatus.UNBOUNDED, "spend_past_monthly_bound",
                           highest=highest, currency=currency)  # fmt: skip


def _aov_within_bounds(arrays: PlanArrays, currency: str, solve: TargetSolve) -> TargetSolve:
    """The AOV needed, unless it takes an AOV past the bounds a plan holds (either way)."""
    if solve.status is not SolveStatus.REACHED or not solve.factor:
        return solve
    prices = np.concatenate([np.ravel(arrays.site_aov), np.ravel(arrays.aov)])
    lowest = float(prices[prices > 0].min(initial=np.inf))
    highest = float(prices.max(initial=0.0))
    if np.isfinite(lowest) and lowest * solve.factor < MIN_UNIT_PRICE:
        return _without_answer(solve, SolveStatus.UNREACHABLE, "aov_below_least",
                               lowest=lowest, currency=currency)  # fmt: skip
    if highest * solve.factor <= MAX_UNIT_PRICE:
        return solve
    return _without_answer(solve, SolveStatus.UNREACHABLE, "aov_past_most",
                           highest=highest, currency=currency)  # fmt: skip


def _net_sales_gap(net_sales: float, target: float, currency: str) -> TargetSolve:
    key, label = "net_sales_gap", "Gap to the net-sales target"
    gap = float(net_sales) - target
    reason = "no_net_sales_target" if target == 0 else "net_sales_gap"
    return TargetSolve(
        key, label, "money", SolveStatus.REACHED, gap, float(net_sales), reason,
        {"gap": gap, "net_sales": float(net_sales), "target": target, "currency": currency},
    )  # fmt: skip
