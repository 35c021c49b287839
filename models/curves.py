"""Diminishing returns: a channel's attributed revenue as a Hill curve of its monthly spend.

In a month of average demand a channel with a response curve brings

    revenue(x) = beta * x^s / (x^s + k^s)

of attributed (gross) revenue for a month's spend x, in the plan's currency:
``beta`` is the most the channel can bring in such a month, ``k`` the spend
that brings half of it, ``s`` the shape (1: every extra unit brings less than
the one before; above 1: an S whose first units bring little). Marginal ROAS
is d revenue / dx.

**Demand by month.** A month's demand index d is its organic sessions
divided by the mean of the 12 months' organic sessions (1 in an average
month; 1 in every month when the plan has no organic traffic). A month with
index d behaves like d average months side by side:
revenue_m(x) = d * revenue(x / d) = (d beta) x^s / (x^s + (d k)^s). Both the
ceiling and the half-saturation spend stretch with demand, so spending d times
as much in a month with d times the demand earns the same ROAS.

**A curve from what the manager knows.** Today's monthly spend x0 (in a month
of average demand), the ROAS at that spend, and the spend h at which *returns
have halved*: the marginal ROAS at h is half the marginal ROAS at x0 (the next
unit of spend at h brings half of what the next unit brings today). With the
shape s, h fixes k in closed form (``curve_from_knowledge``) and the ROAS
fixes beta.

**A curve fitted to last year** is in ``models.curve_history``: monthly
spend and revenue of a channel from a CSV file, deseasonalised and fitted.

Nothing here imports the engine: ``models.pnl`` uses the curve arithmetic;
curves for a whole plan are in ``models.curve_plans``.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from budgets import ResponseCurve
from budgets.plan import (
    MAX_CURVE_AMOUNT,
    MIN_UNIT_PRICE,
    SHAPE_MAX,
    SHAPE_MIN,
)
from models.formatting import format_amount, format_money


class CurveError(ValueError):
    """A curve the inputs cannot define: which input, its value, and what would work."""

    def __init__(self, field_label: str, value: float | None, problem: str) -> None:
        self.field_label = field_label
        self.value = value
        self.problem = problem
        shown = "An empty value" if value is None else f"{value:,.6g}"
        super().__init__(f"{field_label}: {shown} is not allowed; {problem}.")


# --- the curve ----------------------------------------------------------------


def demand_index(organic_sessions: np.ndarray | list[float] | tuple[float, ...]) -> np.ndarray:
    """Each month's organic sessions over their monthly mean (12 values, mean 1).

    Every month is 1 when the plan has no organic sessions at all.
    """
    sessions = np.asarray(organic_sessions, dtype=float)
    mean = float(sessions.mean()) if sessions.size else 0.0
    if mean <= 0:
        return np.ones_like(sessions)
    index: np.ndarray = sessions / mean
    return index


def _shape_term(
    spend: np.ndarray | float, k: np.ndarray | float, s: np.ndarray | float
) -> np.ndarray:
    """z = s (log x - log k), so that x^s / (x^s + k^s) = expit(z); -inf at no spend."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.asarray(s, dtype=float) * (np.log(spend) - np.log(k))
    result: np.ndarray = np.where(np.isnan(z), -np.inf, z)  # x = 0 with k = 0: no revenue
    return result


def hill_revenue(
    spend: np.ndarray | float,
    beta: np.ndarray | float,
    k: np.ndarray | float,
    s: np.ndarray | float,
) -> np.ndarray:
    """Attributed revenue beta * x^s / (x^s + k^s) of a month's spend x (arrays broadcast).

    0 at no spend, and 0 wherever beta is 0 (a month without demand).
    Computed as beta * expit(s (log x - log k)), which neither overflows nor
    loses digits for any spend.
    """
    b = np.asarray(beta, dtype=float)
    revenue: np.ndarray = np.where(b > 0, b * expit(_shape_term(spend, k, s)), 0.0)
    return revenue


def hill_marginal(
    spend: np.ndarray | float,
    beta: np.ndarray | float,
    k: np.ndarray | float,
    s: np.ndarray | float,
) -> np.ndarray:
    """Marginal ROAS d revenue / dx = beta * s * w * (1 - w) / x, w = x^s / (x^s + k^s).

    At no spend it is beta / k for s = 1, 0 for s > 1 and infinite for s < 1
    (the first unit of spend is worth the most); 0 wherever beta is 0.
    """
    x = np.asarray(spend, dtype=float)
    b = np.asarray(beta, dtype=float)
    kk = np.asarray(k, dtype=float)
    ss = np.asarray(s, dtype=float)
    z = _shape_term(x, kk, ss)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = b * ss * expit(z) * expit(-z) / x
        at_zero = np.where(ss < 1, np.inf, np.where(ss > 1, 0.0, b / kk))
    marginal: np.ndarray = np.where(b > 0, np.where(x > 0, inside, at_zero), 0.0)
    return marginal


def roas_at(curve: ResponseCurve, spend: float) -> float:
    """ROAS (revenue / spend) in a month of average demand; NaN at no spend."""
    if spend <= 0:
        return math.nan
    return float(hill_revenue(spend, curve.beta, curve.k, curve.s)) / spend


def marginal_roas_at(curve: ResponseCurve, spend: float) -> float:
    """Marginal ROAS in a month of average demand (infinite at no spend when s < 1)."""
    return float(hill_marginal(spend, curve.beta, curve.k, curve.s))


# --- a curve from what the manager knows ----------------------------------------


def halving_spend(curve: ResponseCurve, spend: float) -> float:
    """The monthly spend above ``spend`` at which the curve's marginal ROAS is half of what it
    is at ``spend``: what ``curve_from_knowledge`` reads as "returns have halved at", so a
    curve's own figures give it back. NaN where the marginal ROAS at ``spend`` is 0 or
    undefined.
    """
    today = marginal_roas_at(curve, spend)
    if spend <= 0 or not math.isfinite(today) or today <= 0:
        return math.nan

    def excess(ratio: float) -> float:
        return marginal_roas_at(curve, ratio * spend) / today - 0.5

    high = 2.0
    while excess(high) > 0 and high < 2.0**60:
        high *= 2
    return float(brentq(excess, 1.0, high, xtol=1e-12)) * spend if excess(high) <= 0 else math.nan


def halving_limits(shape: float) -> tuple[float, float]:
    """The (lowest, highest) ratio of "returns halved" spend to today's spend for a ``shape``.

    Marginal returns of a Hill curve of shape s fall at most like x^-(s+1)
    (far past k), so they cannot halve before 2^(1/(s+1)) times today's
    spend; with s < 1 they fall at least like x^(s-1) (far below k), so they
    have halved by 2^(1/(1-s)) times today's spend at the latest.
    """
    low = 2.0 ** (1.0 / (shape + 1.0))
    # Close to s = 1 the bound passes the largest float: no finite spend is too far.
    exponent = 1.0 / (1.0 - shape) if shape < 1 else math.inf
    high = 2.0**exponent if exponent < sys.float_info.max_exp else math.inf
    return low, high


def curve_from_knowledge(
    spend: float, roas: float, halved_at: float, shape: float = 1.0
) -> ResponseCurve:
    """The curve through today's spend and ROAS whose marginal ROAS halves at ``halved_at``.

    Args:
        spend: today's monthly spend in a month of average demand (currency, > 0).
        roas: attributed revenue / spend at that spend (> 0).
        halved_at: the monthly spend at which the next unit of spend brings
            half of what it brings today (marginal ROAS halved), in currency.
        shape: s, from 0.5 to 5 (1 unless the manager knows better).

    With q = 1 / sqrt(2 (h/x0)^(s-1)) and kappa = (q (h/x0)^s - 1) / (1 - q),
    k = x0 kappa^(1/s) and beta = ROAS x0 (1 + kappa): the ratio of marginal
    ROAS at h and x0 does not depend on beta, and rises with k, so it is 1/2
    for exactly one k.

    Raises:
        CurveError: naming the input that makes the curve impossible.
    """
    for label, value in (("Today's monthly spend", spend), ("ROAS at that spend", roas)):
        if not math.isfinite(value) or value <= 0:
            raise CurveError(label, value, "it must be a number more than 0")
    if not math.isfinite(shape) or not SHAPE_MIN <= shape <= SHAPE_MAX:
        raise CurveError("Shape (s)", shape, f"it must be between {SHAPE_MIN:g} and {SHAPE_MAX:g}")
    label = "Half-return spend"
    if not math.isfinite(halved_at):
        raise CurveError(label, halved_at, "it must be a number")
    low, high = halving_limits(shape)
    ratio = halved_at / spend
    if ratio <= low * (1 + 1e-9):
        raise CurveError(
            label,
            halved_at,
            f"with shape {shape:g} it must be more than {format_amount(low * spend)} "
            f"({low:.2f} x today's spend): the marginal return of a curve of this shape "
            "cannot halve sooner",
        )
    if ratio >= high * (1 - 1e-9):
        raise CurveError(
            label,
            halved_at,
            f"with shape {shape:g} it must be less than {format_amount(high * spend)} "
            f"({high:.2f} x today's spend): a curve of this shape has halved its marginal "
            "return by then even without saturating",
        )
    q = 1.0 / math.sqrt(2.0 * ratio ** (shape - 1.0))
    kappa = (q * ratio**shape - 1.0) / (1.0 - q)
    beta, k = roas * spend * (1.0 + kappa), spend * kappa ** (1.0 / shape)
    for name, value in (("revenue ceiling", beta), ("half-way spend", k)):
        if not MIN_UNIT_PRICE <= value <= MAX_CURVE_AMOUNT:
            raise CurveError(
                label,
                halved_at,
                f"the curve it gives has a {name} of {value:,.6g}, outside the "
                f"{MIN_UNIT_PRICE:g} to {MAX_CURVE_AMOUNT:,.0f} a plan's curves may have",
            )
    return ResponseCurve(beta=beta, k=k, s=shape)


def curve_points(
    curve: ResponseCurve, upto: float, index: float = 1.0, points: int = 121
) -> pd.DataFrame:
    """The curve sampled from no spend to ``upto``, in a month of demand ``index``.

    Columns: spend, revenue, roas (NaN at no spend), marginal_roas (NaN where infinite).
    """
    spend = np.linspace(0.0, max(upto, 0.0), points)
    beta, k = curve.beta * index, curve.k * index
    revenue = hill_revenue(spend, beta, k, curve.s)
    marginal = hill_marginal(spend, beta, k, curve.s)
    with np.errstate(divide="ignore", invalid="ignore"):
        roas = np.where(spend > 0, revenue / np.where(spend > 0, spend, 1.0), np.nan)
    return pd.DataFrame(
        {
            "spend": spend,
            "revenue": revenue,
            "roas": roas,
            "marginal_roas": np.where(np.isfinite(marginal), marginal, np.nan),
        }
    )


def describe_curve(curve: ResponseCurve, currency: str) -> str:
    """One line: the curve's parameters as a planner reads them."""
    return (
        f"revenue at most {format_money(curve.beta, currency)} a month of average demand, "
        f"half of it at {format_money(curve.k, currency)} of spend, shape {curve.s:g}"
    )
