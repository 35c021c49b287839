"""What the target solves mean, in words: every sentence the planner writes about a solve.

A solve (``models.targets``) computes; it records which case it found (its
``reason``) and the figures that case is about (its ``facts``). The sentences
are written here from those, so the app, the workbook's Summary and the text
summary say the same, and a solve's wording changes in one place.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from budgets.plan import MAX_MONTHLY_AMOUNT, MAX_UNIT_PRICE, MIN_UNIT_PRICE
from models.formatting import (
    a_rate,
    format_change,
    format_money_compact,
    format_rate,
    format_roas,
)

if TYPE_CHECKING:
    from models.targets import TargetReport, TargetSolve

Facts = Mapping[str, Any]


def explain(solve: TargetSolve) -> str:
    """The solve's sentence: the answer with its numbers and assumption, or why there is none."""
    return _SENTENCES[solve.reason](solve.facts)


def headline(report: TargetReport) -> str:
    """One sentence: whether the plan reaches the EBITDA target, and what would reach it."""
    from models.targets import SolveStatus

    target = format_rate(report.ebitda_margin_target)
    planned = format_rate(report.ebitda_margin_planned)
    if not math.isfinite(report.ebitda_margin_planned):
        return (
            f"No sales yet, so no EBITDA margin to hold against the {target} target: plan "
            "organic sessions on the E-commerce P&L or channels on the Marketing plan first."
        )
    if report.ebitda_margin_planned >= report.ebitda_margin_target:
        return f"The plan reaches the {target} EBITDA margin target, at {planned}."
    options = []
    currency = report.currency
    net_sales = report.net_sales_needed
    if net_sales.status is SolveStatus.REACHED and net_sales.value is not None:
        options.append(
            f"net sales must be {format_money_compact(net_sales.value, currency)}, "
            f"{format_change(net_sales.change)} on plan"
        )
    conversion = report.conversion_needed
    if conversion.status is SolveStatus.REACHED:
        options.append(
            f"conversion {format_rate(conversion.value, 2)} instead of "
            f"{format_rate(conversion.planned, 2)}"
        )
    aov = report.aov_needed
    if aov.status is SolveStatus.REACHED:
        options.append(
            f"AOV {format_money_compact(aov.value, currency)} instead of "
            f"{format_money_compact(aov.planned, currency)}"
        )
    if not options:
        return (
            f"The plan's EBITDA margin is {planned}, and no change of sales, conversion or "
            f"AOV alone reaches the {target} target."
        )
    return (
        f"To reach {a_rate(report.ebitda_margin_target)} EBITDA margin (plan: {planned}) with "
        "this spend, " + "; or ".join(options) + "."
    )


def _money(facts: Facts, name: str) -> str:
    return format_money_compact(facts[name], facts["currency"])


def _on_plan(facts: Facts) -> str:
    """The solve's factor as a change on plan: '+5.4 %'."""
    return format_change(facts["factor"] - 1)


def _why_cm3(facts: Facts) -> str:
    """Where the CM3 margin the target ROAS keeps comes from."""
    if facts["implied"]:
        return (
            f"the CM3 margin the {format_rate(facts['m'])} EBITDA target needs once fixed costs "
            f"({format_rate(facts['fixed_share'])} of net sales) are paid"
        )
    return "the target CM3 margin"


def _break_even(f: Facts) -> str:
    return (
        f"Each unit of gross sales leaves {format_rate(f['c2'])} as contribution before "
        f"marketing, so a channel must bring {format_roas(f['roas'])} of gross revenue per unit "
        "of spend to pay for itself."
    )


def _target_roas(f: Facts) -> str:
    return (
        f"A channel returning {format_roas(f['roas'])} per unit of spend keeps CM3 at "
        f"{format_rate(f['t'])} of the net sales it brings, {_why_cm3(f)}."
    )


def _no_roas_leaves_margin(f: Facts) -> str:
    return (
        f"Unreachable, because contribution before marketing ({format_rate(f['c2'])} of gross "
        f"sales) is not above {format_rate(f['t'])} CM3 on net sales after "
        f"{format_rate(f['return_rate'])} returns, {_why_cm3(f)}: no ROAS leaves that margin."
    )


def _unbounded_at_planned_efficiency(f: Facts) -> str:
    floor = (
        f" At least {_money(f, 'least_spend')} of spend is needed to reach it."
        if f.get("least_spend") is not None
        else ""
    )
    return (
        "No upper limit from the margin: at the channels' planned efficiency every extra "
        f"unit of spend raises the EBITDA margin towards the {format_rate(f['m'])} target and "
        "beyond, so the limit is demand, which only diminishing-returns curves model." + floor
    )


def _largest_budget(f: Facts) -> str:
    return (
        f"The largest budget that still reaches {a_rate(f['m'])} EBITDA margin is "
        f"{_money(f, 'budget')} ({_on_plan(f)} on plan), scaling every channel's planned spend "
        "by one factor with revenue following at planned efficiency."
    )


def _largest_budget_on_curves(f: Facts) -> str:
    curves = f["curves"]
    others = (
        "the others at planned efficiency" if f["uncurved"] else "no other channel brings revenue"
    )
    return (
        f"The largest budget that still reaches {a_rate(f['m'])} EBITDA margin is "
        f"{_money(f, 'budget')} ({_on_plan(f)} on plan), scaling every channel's planned spend "
        f"by one factor: the {curves} channel{'s' if curves > 1 else ''} with response curves "
        f"earn less on each extra unit, {others}."
    )


def _unbounded_beside_curves(f: Facts) -> str:
    return (
        "No upper limit from the margin: the channels without response curves ("
        + ", ".join(f["uncurved"])
        + ") earn at planned efficiency however much they spend, so beyond what the curves "
        "absorb every extra unit of spend still raises the EBITDA margin. Their limit is "
        "demand, which a response curve for each would model."
    )


def _margin_peaks(f: Facts) -> str:
    return (
        f"Unreachable, because no budget reaches {a_rate(f['m'])} EBITDA margin: scaling "
        f"the planned spend, the margin peaks at {format_rate(f['peak_margin'])} with "
        f"{_money(f, 'peak_budget')} ({format_change(f['peak_factor'] - 1)} on plan), where the "
        "channels' next unit of spend stops paying for itself."
    )


def _thin_margin(f: Facts) -> str:
    return (
        f"Unreachable, because contribution before marketing is {format_rate(f['cm2_share'])} "
        f"of net sales, not above the {format_rate(f['m'])} EBITDA target: more sales at these "
        "margins never cover marketing and fixed costs."
    )


def _net_sales_needed(f: Facts) -> str:
    return (
        f"Net sales of {_money(f, 'needed')} ({_on_plan(f)} on plan) reach "
        f"{a_rate(f['m'])} EBITDA margin, with marketing and fixed costs as planned and "
        "every variable cost at its planned share of net sales."
    )


def _conversion_needed(f: Facts) -> str:
    return (
        f"Conversion of {format_rate(f['needed'], 2)} instead of {format_rate(f['planned'], 2)} "
        f"({_on_plan(f)} on every session, organic and paid) reaches {a_rate(f['m'])} "
        "EBITDA margin, with traffic, AOV, marketing and fixed costs as planned."
    )


def _conversion_needed_on_curves(f: Facts) -> str:
    return (
        f"Conversion of {format_rate(f['needed'], 2)} instead of {format_rate(f['planned'], 2)} "
        f"({_on_plan(f)} on every conversion rate, organic and paid) reaches "
        f"{a_rate(f['m'])} EBITDA margin, with traffic, AOV, marketing and fixed costs as "
        "planned; channels on response curves keep the revenue their curves give, from fewer "
        "sessions."
    )


def _aov_needed(f: Facts) -> str:
    return (
        f"An AOV of {_money(f, 'needed')} instead of {_money(f, 'planned')} ({_on_plan(f)} on "
        f"every order, organic and paid) reaches {a_rate(f['m'])} EBITDA margin, with "
        "traffic, conversion, marketing and fixed costs as planned."
    )


def _aov_needed_on_curves(f: Facts) -> str:
    return (
        f"An AOV of {_money(f, 'needed')} instead of {_money(f, 'planned')} ({_on_plan(f)} on "
        f"every order's value, organic and paid) reaches {a_rate(f['m'])} EBITDA margin, "
        "with traffic, conversion, marketing and fixed costs as planned; channels on response "
        "curves keep the revenue their curves give, in fewer, larger orders."
    )


def _net_sales_gap(f: Facts) -> str:
    gap, target = f["gap"], f["target"]
    side = "short of" if gap < 0 else "above" if gap > 0 else "exactly on"
    amount = f"{format_money_compact(abs(gap), f['currency'])} ({format_change(gap / target)}) "
    return (
        f"Projected net sales of {_money(f, 'net_sales')} are {amount if gap else ''}{side} the "
        f"{_money(f, 'target')} target."
    )


_SENTENCES: dict[str, Callable[[Facts], str]] = {
    # ROAS hurdles
    "break_even": _break_even,
    "target_roas": _target_roas,
    "no_contribution": lambda f: (
        "Unreachable, because the plan has no sales to earn contribution from."
    ),
    "loses_before_marketing": lambda f: (
        f"Unreachable, because contribution before marketing is {format_rate(f['c2'])} of gross "
        "sales: every sale loses money before any marketing, so no ROAS pays back its spend."
    ),
    "no_roas_leaves_margin": _no_roas_leaves_margin,
    # the largest marketing budget
    "largest_budget": _largest_budget,
    "largest_budget_on_curves": _largest_budget_on_curves,
    "no_marketing": lambda f: (
        "Unreachable, because the plan has no marketing spend whose efficiency could be scaled."
    ),
    "unbounded_at_planned_efficiency": _unbounded_at_planned_efficiency,
    "organic_below_target": lambda f: (
        f"Unreachable, because even with no marketing at all the EBITDA margin stays below "
        f"{format_rate(f['m'])}: organic contribution does not cover fixed costs at that margin."
    ),
    "spend_does_not_move_margin": lambda f: (
        "No upper limit from the margin: spend neither raises nor lowers the margin."
    ),
    "unbounded_beside_curves": _unbounded_beside_curves,
    "unbounded_past_search": lambda f: (
        f"No upper limit from the margin: even at 2^{f['doublings']} times the planned spend "
        f"the EBITDA margin stays at or above {format_rate(f['m'])}."
    ),
    "margin_peaks": _margin_peaks,
    "spend_past_monthly_bound": lambda f: (
        "No upper limit within what a plan holds: the margin stays at the target until "
        f"spend rises {_on_plan(f)}, which takes the largest planned month "
        f"({_money(f, 'highest')}) past {format_money_compact(MAX_MONTHLY_AMOUNT, f['currency'])}"
        ", the most a channel may spend in a month."
    ),
    # sales, conversion and AOV needed
    "no_sales": lambda f: "Unreachable, because the plan has no sales to scale.",
    "thin_margin": _thin_margin,
    "net_sales_needed": _net_sales_needed,
    "conversion_needed": _conversion_needed,
    "conversion_needed_on_curves": _conversion_needed_on_curves,
    "conversion_above_100": lambda f: (
        f"Unreachable, because conversion would have to rise {_on_plan(f)}, taking the highest "
        f"planned rate ({format_rate(f['highest'], 2)}) above 100 %."
    ),
    "no_sessions": lambda f: (
        "Unreachable, because the plan has no sessions: its sales come from channels on "
        "response curves, whose revenue no conversion rate changes."
    ),
    "aov_needed": _aov_needed,
    "aov_needed_on_curves": _aov_needed_on_curves,
    "aov_never_catches_up": lambda f: (
        "Unreachable, because after returns, COGS and payment fees each unit of gross sales "
        f"leaves no more than the {format_rate(f['m'])} EBITDA target asks of it: a higher AOV "
        "never catches up with marketing and fixed costs."
    ),
    "aov_unreachable_on_curves": lambda f: (
        f"Unreachable, because no AOV reaches {a_rate(f['m'])} EBITDA margin: channels on "
        "response curves keep the revenue their curves give whatever the AOV, and the sales "
        "that do grow with it leave too little after returns, COGS and payment fees to catch "
        "up with marketing and fixed costs."
    ),
    "aov_below_least": lambda f: (
        f"Unreachable, because the AOV would have to fall {_on_plan(f)}, taking the lowest "
        f"planned AOV ({_money(f, 'lowest')}) below "
        f"{format_money_compact(MIN_UNIT_PRICE, f['currency'])}, the least an AOV may be."
    ),
    "aov_past_most": lambda f: (
        f"Unreachable, because the AOV would have to rise {_on_plan(f)}, taking the highest "
        f"planned AOV ({_money(f, 'highest')}) past "
        f"{format_money_compact(MAX_UNIT_PRICE, f['currency'])}, the most an AOV may be."
    ),
    # the net-sales target
    "net_sales_gap": _net_sales_gap,
    "no_net_sales_target": lambda f: (
        "No net-sales target is set, so the whole projection counts as headroom."
    ),
}

REASONS = frozenset(_SENTENCES)
