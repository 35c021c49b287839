"""The curves and allocator screen's widgets: curve edits, the limits grid, running and applying.

Edits go through ``ui.state`` (a refused one is reported, the plan kept);
the allocator's last result is kept for the plan revision it was run on, so
it disappears as soon as the plan changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from budgets import Plan, PlanValidationError, ResponseCurve
from budgets.edits import set_response_curve, set_spend
from budgets.typed import TypedNumberError, as_text, read_number
from models import Projection
from models.allocator import Allocation, AllocationError, AllocationLimits, AllocationMode, allocate
from models.curve_plans import curve_chart, curve_table, plan_anchor, with_plan_curves
from models.curves import CurveError, curve_from_knowledge, halving_spend, roas_at
from models.formatting import format_compact, format_points, format_rate
from ui import state
from ui.curve_charts import response_curve
from ui.grids import text_column, typed_value
from ui.tables import as_arrow

T = TypeVar("T")
LOCK, MINIMUM, MAXIMUM, CAP = "Lock", "Min / year", "Max / year", "Cap / month"


# --- curves -------------------------------------------------------------------------


def traffic_channels(plan: Plan) -> list[str]:
    return [channel.name for channel in plan.marketing.channels if channel.brings_traffic]


def curve_of(plan: Plan, name: str) -> ResponseCurve | None:
    return plan.marketing.channel(name).response


def knowledge_defaults(projection: Projection, name: str) -> tuple[float, float, float, float]:
    """The knowledge form's starting values (spend, ROAS, half-return spend, shape).

    A channel with a curve opens on that curve, read at its planned average month, so
    pressing "Set this curve" unchanged keeps it. Without one: the planned average month and
    ROAS, returns halving at twice that spend, shape 1 (round figures where the plan has none).
    """
    try:
        spend, roas = plan_anchor(projection, name)
    except CurveError:
        spend, roas = 10_000.0, 3.0
    curve = curve_of(projection.plan, name)
    if curve is not None and spend > 0:
        halved = halving_spend(curve, spend)
        if math.isfinite(halved):
            return (
                float(round(spend)),
                round(roas_at(curve, spend), 2),
                float(round(halved)),
                (curve.s),
            )
    return float(round(spend)), round(roas, 2), float(round(2 * spend)), 1.0


def set_from_knowledge(name: str, prefix: str) -> None:
    """Form callback: the curve through today's spend and ROAS, returns halving where told."""
    values = st.session_state
    currency = state.current_plan().currency
    amounts = {}
    for field, label in (("spend", "today's monthly spend"), ("halved", "half-return spend")):
        text = str(values[f"{prefix}_{field}"])
        try:
            amounts[field] = read_number(text, currency=currency)
        except TypedNumberError as error:
            state.report([f"Channel '{name}', {label}: '{text}' {error}"])
            return
    spend, halved = amounts["spend"], amounts["halved"]
    try:
        curve = curve_from_knowledge(
            float(spend),
            float(values[f"{prefix}_roas"]),
            float(halved),
            float(values[f"{prefix}_shape"]),
        )
    except CurveError as error:
        state.report([f"Channel '{name}': {error}"])
        return
    state.attempt(set_response_curve, name, curve, notice=f"'{name}' now follows its curve.")


def use_curve(name: str, curve: ResponseCurve) -> None:
    state.attempt(set_response_curve, name, curve, notice=f"'{name}' now follows the fitted curve.")


def remove_curve(name: str) -> None:
    state.attempt(set_response_curve, name, None, notice=f"'{name}' is back on constant returns.")


def set_plan_curves(prefix: str) -> None:
    """Form callback: a curve from the plan for every traffic channel without one."""
    values = st.session_state
    state.attempt(
        with_plan_curves,
        float(values[f"{prefix}_multiple"]),
        float(values[f"{prefix}_shape"]),
        state.projection(),
        notice="Every channel with planned spend now follows a curve through its plan.",
    )


def curves_by_channel(projection: Projection) -> pd.DataFrame:
    """Each traffic channel's response: its curve's parameters, spend, ROAS and marginal ROAS."""
    return curve_table(projection).rename_axis("Channel")


def curve_columns(currency: str) -> dict[str, Any]:
    money = "%,.0f"
    return {
        "Channel": st.column_config.TextColumn(pinned=True),
        "response": st.column_config.TextColumn("Response"),
        "beta": st.column_config.NumberColumn(
            "Ceiling", help=f"beta ({currency}): the most revenue the channel can bring in a "
            "month of average demand.", format=money,
        ),
        "k": st.column_config.NumberColumn(
            "Half-ceiling spend", help=f"k ({currency}): the monthly spend that brings half of "
            "the ceiling (not where returns halve).", format=money,
        ),
        "s": st.column_config.NumberColumn("Shape", format="%.2f", help="s: 1 saturates from "
                                           "the first unit; above 1 an S."),
        "spend_month": st.column_config.NumberColumn(
            "Planned spend", help=f"The channel's average month as planned ({currency}).",
            format=money,
        ),
        "roas": st.column_config.NumberColumn("ROAS", format="%.2f"),
        "marginal_roas": st.column_config.NumberColumn(
            "Marginal ROAS", format="%.2f",
            help="Revenue the next unit of spend brings, spread like the year's spend.",
        ),
        "break_even_marginal_roas": st.column_config.NumberColumn(
            "Break-even mROAS", format="%.2f",
            help="1 / the CM2 a unit of the channel's revenue leaves: below this marginal ROAS, "
            "the next unit of spend costs more than it earns.",
        ),
    }  # fmt: skip


# --- the allocator ------------------------------------------------------------------


def limits_frame(projection: Projection) -> pd.DataFrame:
    """The limits grid: one row per channel with a curve, nothing locked or limited yet."""
    names = [
        channel.name
        for channel in projection.plan.marketing.channels
        if channel.brings_traffic and channel.response is not None
    ]
    index = pd.Index(names, name="Channel")
    planned = [
        float(projection.channels.spend[projection.channels.names.index(name), -1])
        for name in names
    ]

    def empty() -> pd.Series:
        return pd.Series([None] * len(names), index=index, dtype=object)

    return pd.DataFrame(
        {
            "Planned / year": [as_text(value, decimals=0) for value in planned],
            LOCK: np.zeros(len(names), dtype=bool),
            MINIMUM: empty(),
            MAXIMUM: empty(),
            CAP: empty(),
        },
        index=index,
    )


def limits_columns(currency: str) -> dict[str, Any]:
    """Limits are typed as text and read like every grid's numbers (``ui.grids.typed_value``)."""
    return {
        "Planned / year": st.column_config.TextColumn(
            f"Planned / year ({currency})", disabled=True, alignment="right"
        ),
        LOCK: st.column_config.CheckboxColumn(LOCK, help="Hold the channel at its planned spend."),
        MINIMUM: text_column(f"{MINIMUM} ({currency})", help="Empty: no minimum."),
        MAXIMUM: text_column(f"{MAXIMUM} ({currency})", help="Empty: no maximum."),
        CAP: text_column(f"{CAP} ({currency})", help="The most in any one month. Empty: no cap."),
    }


_LIMIT_FIELDS = {MINIMUM: "yearly minimum", MAXIMUM: "yearly maximum", CAP: "monthly cap"}


def limits_from(plan: Plan, frame: pd.DataFrame) -> tuple[AllocationLimits, list[str]]:
    """The grid as the allocator's limits (empty cells set no limit), and what was refused.

    A cell that is not exactly one amount, or is negative, is refused with the
    channel, the limit and the text as typed.
    """
    problems: list[str] = []

    def given(column: str) -> dict[str, float]:
        amounts: dict[str, float] = {}
        for name, value in frame[column].items():
            where, field = f"Channel '{name}', {_LIMIT_FIELDS[column]}", column
            try:
                amount = typed_value(
                    value, plan=plan, where=where, field=field, month=None, percent=False
                )
            except PlanValidationError as error:
                problems.extend(str(issue) for issue in error.issues)
                continue
            if amount is not None and amount < 0:
                problems.append(f"{where}: {value} cannot be negative.")
            elif amount is not None:
                amounts[str(name)] = amount
        return amounts

    locked = frozenset(str(name) for name, value in frame[LOCK].items() if bool(value))
    limits = AllocationLimits(locked, given(MINIMUM), given(MAXIMUM), given(CAP))
    return limits, problems


def run(plan: Plan, mode: AllocationMode, budget: float | None, limits: AllocationLimits) -> None:
    """Run the allocator with a progress bar; keep its result, or show why it refused."""
    with st.status("Running the allocator...", expanded=True) as status:
        bar = st.progress(0.0, text="Starting")

        def progress(done: float, what: str) -> None:
            bar.progress(min(max(done, 0.0), 1.0), text=what)

        try:
            result = allocate(
                plan, mode, budget=budget, limits=limits, progress=progress,
                projection=state.projection() if plan is state.current_plan() else None,
            )  # fmt: skip
        except AllocationError as error:
            status.update(label="The allocator could not run", state="error")
            st.session_state.pop(state.ALLOCATION, None)
            st.error(str(error), icon=":material/block:")
            return
        status.update(label="Done", state="complete", expanded=False)
    # The result, for the plan revision it was computed on, with what is drawn from it
    # (tables, charts), built once per result rather than on every rerun.
    st.session_state[state.ALLOCATION] = (state.revision(), result, {})


def stored() -> Allocation | None:
    """The last result, if it was computed for the plan as it is now."""
    kept = st.session_state.get(state.ALLOCATION)
    if kept is None or kept[0] != state.revision():
        return None
    result: Allocation = kept[1]
    return result


def of_result(name: str, build: Callable[[Allocation], T]) -> T:
    """``build(result)`` for the stored result (see ``stored``), computed once per result."""
    _, result, drawn = st.session_state[state.ALLOCATION]
    if name not in drawn:
        drawn[name] = build(result)
    value: T = drawn[name]
    return value


def response_chart(projection: Projection, channel: str) -> go.Figure:
    """A channel's response curve with its planned point, and the recommended one if any."""
    if stored() is None:
        return state.cached(
            f"response_curve_{channel}",
            lambda projection: response_curve(curve_chart(projection, channel, None)),
        )
    return of_result(
        f"response_curve_{channel}",
        lambda result: response_curve(
            curve_chart(projection, channel, result.recommended_spend.get(channel))
        ),
    )


def curve_note(projection: Projection, channel: str) -> str:
    """The caption under a channel's response chart, saying what that chart draws."""
    chart = curve_chart(projection, channel, None)
    demand = (
        "A month of average demand; a month with d times the demand stretches the curve d times "
        "in both directions."
    )
    if math.isfinite(chart.break_even_spend):
        return (
            f"{demand} Right of the dotted line the next unit of spend earns back less than its "
            "cost in CM2: a free budget stops there, a fixed one may still be best spent beyond "
            "it."
        )
    if not math.isfinite(chart.break_even):
        return (
            f"{demand} No marginal ROAS breaks even: contribution before marketing is not "
            "positive, so no unit of spend earns back its cost in CM2."
        )
    marginal = chart.points["marginal_roas"].to_numpy()
    if np.nanmin(marginal) >= chart.break_even:
        return (
            f"{demand} At every spend drawn the next unit still earns back more than its cost "
            "in CM2 (above the dashed break-even line): a free budget would spend beyond it."
        )
    return (
        f"{demand} Even the first units earn back less than their cost in CM2 (below the "
        "dashed break-even line): a free budget would not spend on this channel."
    )


def apply(result: Allocation) -> None:
    """Button callback: the recommended spend into the plan, an edit like any other."""
    state.attempt(
        set_spend,
        result.recommended_spend,
        notice="Applied: the recommendation is now the plan's spend.",
    )
    st.session_state.pop(state.ALLOCATION, None)


def effect_metrics(result: Allocation) -> None:
    """Revenue, net sales, CM3, EBITDA, marketing and margin: recommended, and the change."""
    effects = of_result("effects", Allocation.effects)
    currency = result.plan.currency
    columns = st.columns(6)
    for column, label in zip(
        columns[:5], ("Channel revenue", "Net sales", "CM3", "EBITDA", "Marketing"), strict=True
    ):
        row = effects.loc[label]
        change = float(row["change"])
        column.metric(
            f"{label} ({currency})",
            format_compact(float(row["recommended"])),
            delta=f"{format_compact(change)} on plan" if abs(change) >= 0.5 else "as planned",
            delta_color="off" if label == "Marketing" or abs(change) < 0.5 else "normal",
            delta_arrow="off" if abs(change) < 0.5 else "auto",
        )
    margin = effects.loc["EBITDA margin"]
    columns[5].metric(
        "EBITDA margin",
        format_rate(float(margin["recommended"])),
        delta=f"{format_points(float(margin['change']))} on plan",
        help=f"Plan {format_rate(float(margin['plan']))}; target "
        f"{format_rate(result.plan.targets.ebitda_margin)}.",
    )


def advice_table(result: Allocation) -> pa.Table:
    """The year per channel for reading: change in percent, reasons left to ``reasons``."""
    table = result.by_channel().drop(columns="reason").rename_axis("Channel")
    table["change_share"] = table["change_share"] * 100
    return as_arrow(table)


def spend_by_month(result: Allocation, which: str) -> pa.Table:
    """Recommended spend, or its change on plan, by channel and month."""
    return as_arrow(result.by_month(which).rename_axis("Channel"))


def reasons(result: Allocation) -> str:
    """Each channel's reason, as a markdown list."""
    return "\n".join(f"- **{advice.name}**: {advice.reason}" for advice in result.channels)


def advice_columns(currency: str) -> dict[str, Any]:
    money = "%,.0f"
    return {
        "Channel": st.column_config.TextColumn(pinned=True),
        "role": st.column_config.TextColumn("Role"),
        "planned": st.column_config.NumberColumn(f"Planned ({currency})", format=money),
        "recommended": st.column_config.NumberColumn(f"Recommended ({currency})", format=money),
        "change": st.column_config.NumberColumn(f"Change ({currency})", format="%+,.0f"),
        "change_share": st.column_config.NumberColumn("Change", format="%+.0f %%"),
        "marginal_before": st.column_config.NumberColumn(
            "Next unit: plan", format="%.2f",
            help="CM2 the next unit of spend earns as planned (spread like its spend).",
        ),
        "marginal_after": st.column_config.NumberColumn(
            "Next unit: new", format="%.2f",
            help="CM2 the next unit of spend earns with the recommendation.",
        ),
    }  # fmt: skip


def month_columns(months: tuple[str, ...]) -> dict[str, Any]:
    columns: dict[str, Any] = {"Channel": st.column_config.TextColumn(pinned=True)}
    for month in (*months, "FY"):
        columns[month] = st.column_config.NumberColumn(month, format="%,.0f")
    return columns
