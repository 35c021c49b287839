"""Why the allocator recommends what it does: each channel's role and reason, and the summary.

``models.allocator`` finds the split; this module says, for each channel, the
limit that binds or the marginal contribution it is spent to, and sums the
change up in one sentence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

import numpy as np

from budgets import MONTHS
from models.allocator_solvers import Cells
from models.curves import hill_marginal, hill_revenue
from models.formatting import a_rate, format_money_compact, format_rate
from models.measures import weighted_mean
from models.pnl import contribution_per_revenue
from models.projection import Projection


class AllocationMode(StrEnum):
    """What the allocator maximises, and under which budget."""

    FIXED_BUDGET = "fixed_budget"
    FREE_BUDGET = "free_budget"
    TARGET_MARGIN = "target_margin"

    @property
    def label(self) -> str:
        return {
            "fixed_budget": "Fixed total budget",
            "free_budget": "Free budget (maximise CM3)",
            "target_margin": "Target EBITDA margin (largest net sales)",
        }[self.value]


class Role(StrEnum):
    """Why a channel's spend is or is not moved."""

    ALLOCATED = "allocated"
    LOCKED = "locked"
    NO_CURVE = "no_curve"
    NON_WORKING = "non_working"

    @property
    def label(self) -> str:
        return {
            "allocated": "Allocated",
            "locked": "Locked",
            "no_curve": "Held, no curve",
            "non_working": "Held, non-working",
        }[self.value]


@dataclass(frozen=True)
class ChannelAdvice:
    """The recommendation for one channel, for the year.

    Attributes:
        name: the channel.
        role: allocated, or why it is held as planned.
        planned, recommended: the year's spend (currency).
        marginal_before, marginal_after: CM2 the next unit of spend earns,
            spread like the channel's spend over the months (currency per
            unit of spend; NaN for channels held without a curve).
        reason: why, in a planner's words.
    """

    name: str
    role: Role
    planned: float
    recommended: float
    marginal_before: float
    marginal_after: float
    reason: str


# --- why ----------------------------------------------------------------------------


def advice(
    before: Projection,
    after: Projection,
    roles: list[Role],
    allocated: list[int],
    cells: Cells,
    spend: np.ndarray,
    mode: AllocationMode,
    price: float,
    multiplier: float,
    target: float,
    kept: bool,
) -> tuple[ChannelAdvice, ...]:
    currency = before.plan.currency
    months = before.months
    contribution = contribution_per_revenue(before.arrays)
    advice = []
    slot = {position: j for j, position in enumerate(allocated)}
    for position, (name, role) in enumerate(zip(before.channels.names, roles, strict=True)):
        planned = float(before.channels.spend[position, -1])
        recommended = float(after.channels.spend[position, -1])
        rate = contribution[position]
        marginal = (
            _spread_marginal(before.arrays.spend[position], rate, before, position),
            _spread_marginal(after.arrays.spend[position], rate, after, position),
        )
        if role is Role.LOCKED:
            reason = "Locked at its planned spend."
        elif role is Role.NON_WORKING:
            reason = "Non-working spend (agency, tools, content): held as planned."
            marginal = (math.nan, math.nan)
        elif role is Role.NO_CURVE:
            reason = (
                "No response curve: held as planned. With constant returns an optimiser would "
                "give it all or nothing; set or fit a curve to let the allocator move it."
            )
        else:
            j = slot[position]
            where = cells.channel == j
            reason = _reason(
                cells, where, spend[where], j, mode, price, multiplier, target, months, currency
            )
            if kept:
                reason = "The plan's own split already does at least as well: kept. " + reason
        advice.append(
            ChannelAdvice(name, role, planned, recommended, marginal[0], marginal[1], reason)
        )
    return tuple(advice)


def _spread_marginal(
    spend: np.ndarray, rate: np.ndarray, projection: Projection, position: int
) -> float:
    """CM2 the next unit earns, spread like the channel's spend (the best month without spend)."""
    marginal = projection.channels.marginal_roas[position, :MONTHS] * rate
    finite = np.isfinite(marginal)
    if spend.sum() > 0:
        return float(weighted_mean(marginal, spend))
    return float(np.nanmax(np.where(finite, marginal, np.nan))) if finite.any() else math.nan


def _earns(cells: Cells, where: np.ndarray, spend: np.ndarray) -> float:
    """CM2 the channel's next unit of spend earns, spread like its spend; without spend, what
    its best first step would earn per unit."""
    value = cells.value[where]
    marginal = value * hill_marginal(spend, cells.beta[where], cells.k[where], cells.s[where])
    if spend.sum() > 0:
        return float(weighted_mean(marginal, spend))
    best = value * _best_return(cells.beta[where], cells.k[where], float(cells.s[where][0]))
    return float(best.max())


def _reason(
    cells: Cells,
    where: np.ndarray,
    spend: np.ndarray,
    channel: int,
    mode: AllocationMode,
    price: float,
    multiplier: float,
    target: float,
    months: Sequence[str],
    currency: str,
) -> str:
    """Why the channel gets its spend: the limit that binds, or the margin it is spent to."""
    total = float(spend.sum())
    planned = cells.planned[where]
    earns, earned = _earns(cells, where, spend), _earns(cells, where, planned)
    money = partial(format_money_compact, currency=currency)
    elsewhere = {
        AllocationMode.FIXED_BUDGET: f"the {price:.2f} the budget earns elsewhere",
        AllocationMode.FREE_BUDGET: "the 1.00 that pays for it",
        AllocationMode.TARGET_MARGIN: f"what the {format_rate(target)} margin allows",
    }[mode]
    upper, lower = float(cells.upper[channel]), float(cells.lower[channel])
    moves = "rises" if total >= float(planned.sum()) else "falls"
    since = f"As planned its next unit of spend earned {earned:.2f} of CM2; spend {moves} to "
    if math.isfinite(upper) and total >= upper - 0.01:
        text = (
            f"At its yearly maximum ({money(upper)}): its next unit of spend would still earn "
            f"{earns:.2f} of CM2, more than {elsewhere}."
        )
    elif lower > 0 and total <= lower + 0.01:
        text = (
            f"At its yearly minimum ({money(lower)}): its next unit of spend earns only "
            f"{earns:.2f} of CM2, less than {elsewhere}."
        )
    elif total <= 0:
        text = (
            f"No spend: even its best first step would earn only {earns:.2f} of CM2 per unit, "
            f"less than {elsewhere}."
        )
    elif mode is AllocationMode.FIXED_BUDGET:
        text = (
            f"{since}{money(total)}, where it earns {price:.2f}, as in every other channel and "
            "month: marginal contribution equalised, so no move between them earns more."
        )
    elif mode is AllocationMode.FREE_BUDGET:
        text = (
            f"{since}{money(total)}, where the next unit earns back exactly its cost (marginal "
            "contribution 1.00): beyond that, CM3 would fall."
        )
    else:
        text = (
            f"{since}{money(total)}, where each unit brings the same {multiplier:.2f} of net "
            "sales per unit of EBITDA headroom as in every other channel, with the year's "
            f"EBITDA margin at the {format_rate(target)} target (its next unit earns "
            f"{earns:.2f} of CM2)."
        )
    capped = [months[m] for m, cap, x in zip(range(MONTHS), cells.cap[where], spend, strict=True)
              if math.isfinite(cap) and x >= cap - 0.01]  # fmt: skip
    if capped and total > 0:
        text += f" At its monthly cap in {_months(capped)}."
    idle = [months[m] for m in range(MONTHS) if spend[m] <= 0]
    if idle and total > 0:
        text += f" Nothing in {_months(idle)}, where its first unit would earn less."
    if float(cells.s[where][0]) > 1 and total > 0:
        text += " Its S-shaped curve is bought in steps along its envelope."
    return text


def _best_return(beta: np.ndarray, k: np.ndarray, shape: float) -> np.ndarray:
    """Revenue per unit of spend of a curve's best first step: its slope at 0, or for an S
    its best average ROAS (at k (s - 1)^(1/s))."""
    if shape <= 1:
        return hill_marginal(np.zeros_like(beta), beta, k, shape)
    spend = k * (shape - 1.0) ** (1.0 / shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        best: np.ndarray = np.where(spend > 0, hill_revenue(spend, beta, k, shape) / spend, 0.0)
    return best


def _months(labels: list[str]) -> str:
    if len(labels) <= 4:
        return ", ".join(labels)
    return f"{', '.join(labels[:3])} and {len(labels) - 3} more"


def switched_off(advice: ChannelAdvice, crumbs: float, currency: str, mode: AllocationMode) -> str:
    """Why a channel the split left with crumbs spends nothing."""
    then = {
        AllocationMode.FIXED_BUDGET: "its share of the budget goes to the others",
        AllocationMode.FREE_BUDGET: "the budget is that much smaller",
        AllocationMode.TARGET_MARGIN: "the others carry the margin target",
    }[mode]
    return (
        f"Off: the best split left it only {format_money_compact(crumbs, currency)} for the year "
        f"({format_rate(crumbs / advice.planned)} of its plan), too little to run a channel on; "
        f"{then}."
    )


def summary(
    before: Projection, after: Projection, mode: AllocationMode, target: float, kept: bool
) -> str:
    money = partial(format_money_compact, currency=before.plan.currency)
    cm3 = after.year("cm3") - before.year("cm3")
    margin = (
        f"EBITDA margin from {format_rate(before.margin('ebitda')[-1])} to "
        f"{format_rate(after.margin('ebitda')[-1])}"
    )
    if kept:
        return "The plan's own split already does at least as well as any the allocator found."
    if mode is AllocationMode.FIXED_BUDGET:
        return (
            f"Split by marginal contribution, the same {money(after.year('marketing'))} budget "
            f"earns {money(cm3)} more CM3 ({money(after.year('cm3'))}); {margin}."
        )
    if mode is AllocationMode.FREE_BUDGET:
        return (
            f"The budget that maximises CM3 is {money(after.year('marketing'))} "
            f"(plan: {money(before.year('marketing'))}); CM3 {money(after.year('cm3'))}, "
            f"{'+' if cm3 >= 0 else ''}{money(cm3)} on plan; {margin}."
        )
    return (
        f"The most net sales at {a_rate(target)} EBITDA margin: "
        f"{money(after.year('net_sales'))} (plan: {money(before.year('net_sales'))}), with "
        f"{money(after.year('marketing'))} of marketing; {margin}."
    )
