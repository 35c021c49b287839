"""The budget allocator: how to split next year's spend across channels and months.

**Decision.** Spend per channel and month of every channel with a response
curve that is not locked. Held as planned: locked channels, non-working
channels (agency, tools, content: they bring no revenue to weigh), and
channels without a curve. A channel without a curve has constant returns: an
optimiser would give it everything the limits allow or nothing, an answer
that comes from the missing saturation rather than from the data, so it
waits for a curve (set or fitted on the same page).

**Objective.** The year's CM3. The P&L is linear in a channel's revenue, so a
unit of revenue of channel c in month m is worth its contribution rate w (CM2
per unit of revenue after returns, COGS, fulfilment and returns handling of
its 1 / AOV orders, and payment fees: ``models.pnl.contribution_per_revenue``)
and CM3 = constant + sum(w * revenue(x) - x) over the decision cells.

**Modes.**

1. Fixed budget: the year's total marketing (held channels included) is given;
   its decision part is split to maximise CM3.
2. Free budget: every decision cell gets the spend that maximises CM3, where
   the next unit of spend earns back exactly its cost (marginal contribution
   w * revenue'(x) = 1).
3. Target margin: the largest net sales while the year's EBITDA stays at or
   above the target margin of net sales. With EBITDA - m * net sales =
   G0 + sum(w' * revenue(x) - x), w' = w - m * (1 - return rate), this is
   "maximise net sales subject to G >= 0", solved through its Lagrangian:
   for a multiplier L, each cell maximises (w' + (1 - r) / L) revenue(x) - x,
   a free-budget problem with other weights, and L is searched (Brent's
   method) until G = 0.

**Limits.** Per channel a yearly minimum and maximum and a monthly cap; locked
channels at planned spend.

**Methods.** All curves concave (s <= 1): the problem is a separable concave
maximisation with linear coupling constraints, so the KKT conditions are
necessary and sufficient and the exact optimum is found through one
dimensional searches on the multipliers: each month's spend makes its
marginal contribution equal to the channel's price (closed form for s = 1,
Newton's method on log spend otherwise); a channel's price is raised or
lowered (Brent's method) until its yearly minimum or maximum holds; the
budget's price is found by Brent's method until the budget is spent. This is
scipy.optimize at work, but on the 1-D multipliers rather than on the 240
spends of 20 channels x 12 months: SLSQP on the full problem took 7 to 20 s
(a dense QP of 240 variables per iteration) against a target below 1 s, and
gives the same optimum (the tests compare them on small problems).

Any curve with s > 1 (an S): the problem is no longer concave (the first
units of an S-curve's spend earn little), gradient methods stall at zero
spend and a greedy on raw marginal returns never starts such a channel. So a
marginal-return greedy on a grid: each month's curve is sampled on a
geometric grid of spend and replaced by its concave envelope (for an S, a
straight line from zero to the spend with the best average ROAS, then the
curve), and the grid's steps are bought in order of marginal contribution per
unit of spend until the budget is spent (fixed), the next step no longer pays
(free) or, for the target, at the multiplier found by bisection. The result
is within a grid step of the envelope's optimum; at most a step of one month
sits on the rising part of an S.

Every recommendation is projected by the engine; where the plan itself
already does better under the same limits (possible only within the grid's
precision or the rounding to cents), the plan's spend is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from budgets import MONTHS, Plan
from budgets.edits import set_spend
from models.allocator_advice import (
    AllocationMode,
    ChannelAdvice,
    Role,
    advice,
    summary,
    switched_off,
)
from models.allocator_solvers import LOG_RANGE, Cells, Exact, Grid, Solver, to_cents
from models.formatting import a_rate, format_money_compact
from models.measures import margin_shortfall, relative_changes
from models.pnl import YEAR, contribution_per_revenue, project_arrays
from models.projection import Projection, project_plan

__all__ = [
    "EXACT",
    "GREEDY",
    "Allocation",
    "AllocationError",
    "AllocationLimits",
    "AllocationMode",
    "ChannelAdvice",
    "Role",
    "allocate",
]

ProgressCallback = Callable[[float, str], None]
EXACT = "exact: marginal contributions equalised (Brent's method on the multipliers)"
GREEDY = "greedy on a grid: steps bought by marginal contribution along each curve's envelope"
_SATURATED = 99.0  # the grid's top: where a curve reaches 99 % of its ceiling


class AllocationError(ValueError):
    """Limits or a budget the allocator cannot work with, or a target no split reaches."""


@dataclass(frozen=True)
class AllocationLimits:
    """What the allocator must respect, by channel name (currency, excluding VAT).

    Attributes:
        locked: channels held at their planned spend.
        yearly_min: the least a channel may spend in the year.
        yearly_max: the most a channel may spend in the year.
        monthly_cap: the most a channel may spend in a month: one figure for
            every month, or 12 in fiscal order.
    """

    locked: frozenset[str] = frozenset()
    yearly_min: Mapping[str, float] = field(default_factory=dict)
    yearly_max: Mapping[str, float] = field(default_factory=dict)
    monthly_cap: Mapping[str, float | Sequence[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Allocation:
    """A recommended split of the year's spend, and what it does to the P&L.

    Attributes:
        mode: what was maximised.
        method: how (``EXACT`` or ``GREEDY``).
        before: the plan's projection.
        after: the projection of the plan with the recommended spend (what
            "apply to plan" gives).
        channels: one advice per channel, in the plan's order.
        summary: one sentence on the outcome.
        kept_plan: True when the plan's own split was kept (nothing better found).
    """

    mode: AllocationMode
    method: str
    before: Projection
    after: Projection
    channels: tuple[ChannelAdvice, ...]
    summary: str
    kept_plan: bool = False

    @property
    def plan(self) -> Plan:
        return self.before.plan

    @property
    def recommended_plan(self) -> Plan:
        return self.after.plan

    @property
    def recommended_spend(self) -> dict[str, tuple[float, ...]]:
        """The 12 monthly spend figures of every allocated channel (what applying changes)."""
        return {
            advice.name: self.recommended_plan.marketing.channel(advice.name).spend
            for advice in self.channels
            if advice.role is Role.ALLOCATED
        }

    def by_channel(self) -> pd.DataFrame:
        """The year per channel.

        Columns: role (label), planned, recommended, change (currency),
        change_share (fraction of planned, NaN without planned spend),
        marginal_before, marginal_after (CM2 per unit of spend), reason.
        """
        frame = pd.DataFrame(
            {
                "role": [a.role.label for a in self.channels],
                "planned": [a.planned for a in self.channels],
                "recommended": [a.recommended for a in self.channels],
                "marginal_before": [a.marginal_before for a in self.channels],
                "marginal_after": [a.marginal_after for a in self.channels],
                "reason": [a.reason for a in self.channels],
            },
            index=pd.Index([a.name for a in self.channels], name="channel"),
        )
        frame.insert(3, "change", frame["recommended"] - frame["planned"])
        share = relative_changes(frame["recommended"].to_numpy(), frame["planned"].to_numpy())
        frame.insert(4, "change_share", share)
        return frame

    def by_month(self, which: str = "recommended") -> pd.DataFrame:
        """Spend by channel (rows) and month, then FY.

        ``which``: "recommended", "planned" or "change" (recommended - planned).
        """
        before = self.before.channels.spend
        after = self.after.channels.spend
        values = {"recommended": after, "planned": before, "change": after - before}[which]
        return pd.DataFrame(
            values,
            index=pd.Index(self.before.channels.names, name="channel"),
            columns=[*self.before.months, YEAR],
        )

    def effects(self) -> pd.DataFrame:
        """The year's P&L effect: rows channel revenue, net sales, marketing, CM3, EBITDA
        (currency) and EBITDA margin (fraction); columns plan, recommended, change."""
        rows = {}
        for label, key in (
            ("Channel revenue", "channel_revenue"),
            ("Net sales", "net_sales"),
            ("Marketing", "marketing"),
            ("CM3", "cm3"),
            ("EBITDA", "ebitda"),
        ):
            rows[label] = (_year(self.before, key), _year(self.after, key))
        rows["EBITDA margin"] = (
            float(self.before.margin("ebitda")[-1]),
            float(self.after.margin("ebitda")[-1]),
        )
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=["plan", "recommended"])
        frame["change"] = frame["recommended"] - frame["plan"]
        return frame


def _year(projection: Projection, key: str) -> float:
    if key == "channel_revenue":
        return float(projection.channel_total("revenue")[-1])
    return projection.year(key)


# --- the allocator ----------------------------------------------------------------


# A channel left with less than this share of its planned year, and of the budget, is
# switched off: a few hundred a year cannot run a channel (an optimum of the curves, but
# not a plan anyone would follow).
CRUMB_SHARE = 0.02
CRUMB_OF_BUDGET = 0.01


def allocate(
    plan: Plan,
    mode: AllocationMode,
    *,
    budget: float | None = None,
    limits: AllocationLimits | None = None,
    progress: ProgressCallback | None = None,
    projection: Projection | None = None,
) -> Allocation:
    """Recommend the spend of every channel with a response curve, month by month.

    Args:
        plan: the plan (its curves, P&L drivers and target margin).
        mode: fixed budget, free budget or target margin.
        budget: the year's total marketing for a fixed budget (held channels
            included; default the plan's).
        limits: locked channels, yearly minimum and maximum, monthly caps.
        progress: called with (fraction done, what is being done).
        projection: the plan's projection, when the caller holds it already.

    A channel the split would leave with crumbs (under ``CRUMB_SHARE`` of its planned
    year and ``CRUMB_OF_BUDGET`` of the budget; no yearly minimum of its own) is switched
    off and the split made again without it, so its budget goes to the others.

    Returns:
        The recommendation, projected by the engine.

    Raises:
        AllocationError: nothing to allocate, limits that contradict each
            other or the budget, or a target margin no split reaches.
    """
    limits = limits or AllocationLimits()
    first = _allocate(plan, mode, budget=budget, limits=limits, progress=progress,
                      projection=projection)  # fmt: skip
    total = first.after.year("marketing")
    crumbs = {
        advice.name: advice.recommended
        for advice in first.channels
        if advice.role is Role.ALLOCATED
        and 0 < advice.recommended < CRUMB_SHARE * advice.planned
        and advice.recommended < CRUMB_OF_BUDGET * total
        and limits.yearly_min.get(advice.name, 0.0) <= 0
    }
    if not crumbs or first.kept_plan:
        return first
    capped = {**limits.yearly_max, **dict.fromkeys(crumbs, 0.0)}
    second = _allocate(plan, mode, budget=budget, limits=replace(limits, yearly_max=capped),
                       progress=progress, projection=first.before)  # fmt: skip
    currency = plan.currency
    channels = tuple(
        replace(
            advice,
            reason=switched_off(advice, crumbs[advice.name], currency, mode),
        )
        if advice.name in crumbs
        else advice
        for advice in second.channels
    )
    return replace(second, channels=channels)


def _allocate(
    plan: Plan,
    mode: AllocationMode,
    *,
    budget: float | None = None,
    limits: AllocationLimits | None = None,
    progress: ProgressCallback | None = None,
    projection: Projection | None = None,
) -> Allocation:
    """The split itself, its arguments as ``allocate``'s."""
    report = progress or (lambda fraction, message: None)
    limits = limits or AllocationLimits()
    report(0.02, "Reading the plan's curves and P&L drivers")
    before = projection if projection is not None else project_plan(plan)
    names = before.channels.names
    roles = _roles(plan, limits)
    allocated = [i for i, role in enumerate(roles) if role is Role.ALLOCATED]
    if not allocated:
        raise AllocationError(
            "Nothing to allocate: no unlocked channel has a response curve. Set or fit a curve "
            "for a channel first; channels without one are held as planned."
        )
    cells = _cells(before, allocated, limits)
    held = float(before.year("marketing")) - float(cells.planned.sum())
    curved = cells.s > 1
    report(0.08, "Checking the limits")
    target = plan.targets.ebitda_margin
    margin_value = cells.value - target * cells.net
    decision_budget = None
    if mode is AllocationMode.FIXED_BUDGET:
        total = float(before.year("marketing")) if budget is None else float(budget)
        decision_budget = _check_budget(total, held, cells, plan.currency)
    if curved.any():
        method = GREEDY
        # The grid reaches where the curve is 99 % saturated, or further where the plan, a
        # channel's minimum or the budget asks for more; never past a cap or maximum.
        wide = np.maximum(cells.k * _SATURATED ** (1.0 / cells.s), cells.planned)
        wide = np.maximum(wide, np.maximum(cells.lower[cells.channel], decision_budget or 0.0))
        top = np.minimum(np.minimum(cells.cap, cells.upper[cells.channel]), wide)
        solver: Solver = Grid(cells, top)
    else:
        method = EXACT
        solver = Exact(cells)
    report(0.15, "Equalising marginal contributions" if method == EXACT else "Buying steps")
    price = 1.0
    multiplier = math.nan
    if mode is AllocationMode.FIXED_BUDGET:
        assert decision_budget is not None
        spend, price = solver.fixed(cells.value, decision_budget)
    elif mode is AllocationMode.FREE_BUDGET:
        spend = solver.free(cells.value)
    else:
        base = _shortfall_without(before, allocated, target)
        spend, multiplier = _target_spend(
            solver, cells, margin_value, base, method, report, plan.currency, target
        )
    report(0.9, "Projecting the recommendation")
    rounded = to_cents(spend, cells, decision_budget)
    months = {
        names[position]: tuple(float(v) for v in rounded[cells.channel == j])
        for j, position in enumerate(allocated)
    }
    after = project_plan(set_spend(plan, months))
    kept = _plan_is_better(before, after, cells, mode, decision_budget, target)
    if kept:
        after = before
        rounded = cells.planned
    channels = advice(
        before, after, roles, allocated, cells, rounded, mode, price, multiplier, target, kept
    )
    report(1.0, "Done")
    return Allocation(
        mode, method, before, after, channels, summary(before, after, mode, target, kept), kept
    )


def _roles(plan: Plan, limits: AllocationLimits) -> list[Role]:
    names = {channel.name for channel in plan.marketing.channels}
    for mapping in (limits.locked, limits.yearly_min, limits.yearly_max, limits.monthly_cap):
        for name in mapping:
            if name not in names:
                raise AllocationError(f"Channel '{name}': there is no channel of that name.")
    roles = []
    for channel in plan.marketing.channels:
        if not channel.brings_traffic:
            roles.append(Role.NON_WORKING)
        elif channel.name in limits.locked:
            roles.append(Role.LOCKED)
        elif channel.response is None:
            roles.append(Role.NO_CURVE)
        else:
            roles.append(Role.ALLOCATED)
    return roles


def _limit(value: float, name: str, what: str) -> float:
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise AllocationError(
            f"Channel '{name}', {what}: {value} is not allowed; it must be a number, 0 or more."
        )
    return float(value)


def _cells(before: Projection, allocated: list[int], limits: AllocationLimits) -> Cells:
    arrays = before.arrays
    names = before.channels.names
    rows = np.array(allocated)
    lower = np.zeros(len(rows))
    upper = np.full(len(rows), np.inf)
    cap = np.full((len(rows), MONTHS), np.inf)
    for j, position in enumerate(rows):
        name = names[position]
        if name in limits.yearly_min:
            lower[j] = _limit(limits.yearly_min[name], name, "yearly minimum")
        if name in limits.yearly_max:
            upper[j] = _limit(limits.yearly_max[name], name, "yearly maximum")
        if name in limits.monthly_cap:
            given = limits.monthly_cap[name]
            values = [given] * MONTHS if isinstance(given, int | float) else list(given)
            if len(values) != MONTHS:
                raise AllocationError(
                    f"Channel '{name}', monthly cap: give one figure or 12, one per month."
                )
            cap[j] = [_limit(v, name, "monthly cap") for v in values]
        if lower[j] > upper[j]:
            raise AllocationError(
                f"Channel '{name}': its yearly minimum ({lower[j]:,.0f}) is above its yearly "
                f"maximum ({upper[j]:,.0f})."
            )
        if lower[j] > cap[j].sum():
            raise AllocationError(
                f"Channel '{name}': its yearly minimum ({lower[j]:,.0f}) cannot be spent under "
                f"its monthly caps (at most {cap[j].sum():,.0f} in the year)."
            )
    value = contribution_per_revenue(arrays)[rows]
    net = np.broadcast_to(1.0 - arrays.return_rate, (len(rows), MONTHS))
    return Cells(
        channel=np.repeat(np.arange(len(rows)), MONTHS),
        month=np.tile(np.arange(MONTHS), len(rows)),
        beta=arrays.curve_beta[rows].ravel(),
        k=arrays.curve_k[rows].ravel(),
        s=np.repeat(arrays.curve_s[rows, 0], MONTHS),
        value=value.ravel(),
        net=np.array(net).ravel(),
        cap=cap.ravel(),
        planned=arrays.spend[rows].ravel(),
        lower=lower,
        upper=upper,
    )


def _check_budget(total: float, held: float, cells: Cells, currency: str) -> float:
    if not math.isfinite(total) or total < 0:
        raise AllocationError(f"Budget: {total} is not allowed; it must be a number, 0 or more.")
    money = partial(format_money_compact, currency=currency)
    left = total - held
    least = float(cells.lower.sum())
    most = float(cells.room.sum())
    if left < least - 0.005:
        raise AllocationError(
            f"The budget of {money(total)} is less than the spend held as planned ({money(held)}) "
            f"plus the allocated channels' yearly minimums ({money(least)})."
        )
    if left > most + 0.005:
        raise AllocationError(
            f"The budget of {money(total)} is more than the channels can take: "
            f"{money(held)} held as planned plus at most {money(most)} under the allocated "
            "channels' yearly maximums and monthly caps."
        )
    return max(left, 0.0)


def _shortfall_without(before: Projection, allocated: list[int], margin: float) -> float:
    """EBITDA - margin x net sales of the year with the allocated channels spending nothing."""
    arrays = before.arrays
    spend = arrays.spend.copy()
    spend[allocated] = 0.0
    return margin_shortfall(project_arrays(replace(arrays, spend=spend))[1], margin)


def _target_spend(
    solver: Solver,
    cells: Cells,
    margin_value: np.ndarray,
    base: float,
    method: str,
    report: ProgressCallback,
    currency: str,
    target: float,
) -> tuple[np.ndarray, float]:
    """The spend with the most net sales whose year still meets the target margin.

    For a multiplier L the best spend for net sales + L x (EBITDA - m x net
    sales) is a free-budget spend with revenue weights w' + (1 - r) / L; the
    headroom it leaves rises with L, so L is searched until the headroom is 0.
    """

    def headroom(spend: np.ndarray) -> float:
        return base + float((margin_value * cells.revenue(spend) - spend).sum())

    def spend_for(log_multiplier: float) -> np.ndarray:
        weight = margin_value + cells.net / math.exp(log_multiplier)
        return solver.free(weight)

    best_margin = solver.free(margin_value)
    if headroom(best_margin) < 0:
        spent = format_money_compact(float(best_margin.sum()), currency)
        raise AllocationError(
            f"Unreachable, because no split reaches {a_rate(target)} EBITDA margin: even "
            f"the one that leaves the most margin ({spent} on the allocated channels) falls "
            "short of it, with the other channels as planned."
        )
    most = spend_for(-LOG_RANGE)
    if headroom(most) >= 0:
        return most, math.exp(-LOG_RANGE)
    calls = [0]

    def gap(log_multiplier: float) -> float:
        calls[0] += 1
        report(min(0.15 + 0.7 * calls[0] / 60, 0.85), "Searching the margin's limit")
        return headroom(spend_for(log_multiplier))

    if method == EXACT:
        high = LOG_RANGE if gap(LOG_RANGE) >= 0 else math.inf
        if math.isinf(high):
            return best_margin, math.inf
        root = brentq(gap, -LOG_RANGE, high, xtol=1e-12, rtol=1e-14)
        spend = spend_for(root)
        nudge = 0
        while headroom(spend) < 0 and nudge < 60:
            root += 1e-9 * 2**nudge
            spend = spend_for(root)
            nudge += 1
        return spend, math.exp(root)
    low, high = -LOG_RANGE, LOG_RANGE
    if gap(high) < 0:
        return best_margin, math.inf
    for _ in range(60):
        middle = (low + high) / 2
        if gap(middle) >= 0:
            high = middle
        else:
            low = middle
    return spend_for(high), math.exp(high)


def _plan_is_better(
    before: Projection,
    after: Projection,
    cells: Cells,
    mode: AllocationMode,
    budget: float | None,
    target: float,
) -> bool:
    """Whether the plan's own split meets the same limits and beats the recommendation."""
    planned = cells.planned
    totals = cells.totals(planned)
    tolerance = 1e-6
    within = bool(
        (planned <= cells.cap + tolerance).all()
        and (totals >= cells.lower - tolerance).all()
        and (totals <= cells.upper + tolerance).all()
    )
    if not within:
        return False
    if mode is AllocationMode.FIXED_BUDGET:
        assert budget is not None
        if abs(float(planned.sum()) - budget) > 0.005:
            return False
        return before.year("cm3") > after.year("cm3")
    if mode is AllocationMode.FREE_BUDGET:
        return before.year("cm3") > after.year("cm3")
    if before.year("ebitda") < target * before.year("net_sales"):
        return False
    return before.year("net_sales") > after.year("net_sales")
