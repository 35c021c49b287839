"""Curves & allocator: each channel's diminishing returns, and the split of spend they recommend."""

import streamlit as st

from budgets.access import EDIT_MARKETING
from budgets.plan import SHAPE_MAX, SHAPE_MIN
from models.allocator import AllocationMode
from models.curve_history import HISTORY_COLUMNS, HISTORY_HELP, HistoryError, read_history
from models.curve_plans import (
    example_history_csv,
    fit_for_plan,
)
from models.formatting import amount_text, format_amount
from ui import allocator_view as view
from ui import charts, curve_charts, editors, identity, state, views

identity.through_app()  # a page runs inside app.py, behind its sign-in

# Curves and the allocator's split change the marketing plan: its manager's (state.attempt).
marketing = state.gated(EDIT_MARKETING)

plan = state.current_plan()
projection = state.projection()


def response_curves() -> None:
    st.caption(f"Money in {plan.currency}, for a month of average demand.")
    curves = state.cached_table("curve_table", view.curves_by_channel)
    st.dataframe(
        curves,
        column_config=view.curve_columns(plan.currency),
        height=editors.grid_height(curves.num_rows),
        placeholder="-",
    )
    start = st.expander(
        "Start every channel without a curve from its plan", icon=":material/auto_graph:",
        key="plan_curves_box", on_change="rerun",
    )  # fmt: skip
    if start.open:
        prefix = state.key("plan_curves")
        with start, st.form(prefix):
            st.caption(
                "Each curve passes through the channel's planned average month and ROAS, so the "
                "plan's figures barely move; returns halve at the multiple of today's spend you "
                "set."
            )
            multiple, shape = st.columns(2)
            multiple.number_input(
                "Returns halve at (x today's monthly spend)", min_value=1.2, value=2.0, step=0.1,
                format="%.2f", key=f"{prefix}_multiple",
            )  # fmt: skip
            shape.number_input(
                "Shape s", min_value=SHAPE_MIN, max_value=SHAPE_MAX, value=1.0, step=0.1,
                format="%.2f", key=f"{prefix}_shape",
            )  # fmt: skip
            st.form_submit_button(
                "Set the curves", on_click=view.set_plan_curves, args=(prefix,),
                **marketing,
            )  # fmt: skip

    channels = view.traffic_channels(plan)
    channel = st.selectbox("Channel", channels, key="curve_channel")
    if channel:
        current = view.curve_of(plan, channel)
        views.show(
            "curve_source",
            lambda: curve_from_knowledge(channel),
            lambda: curve_from_history(channel),
        )
        if current is not None:
            charts.show(view.response_chart(projection, channel))
            st.caption(view.curve_note(projection, channel))
            st.button(
                f"Remove the curve of {channel}", on_click=view.remove_curve, args=(channel,),
                icon=":material/delete:", key="remove_curve", **marketing,
            )  # fmt: skip
        else:
            st.info(
                f"**{channel}** has no curve: its revenue grows in step with its spend.",
                icon=":material/trending_flat:",
            )


def curve_from_knowledge(channel: str) -> None:
    prefix = state.key(f"knowledge_{channel}")
    with st.form(prefix):
        spend_now, roas_now, halved_now, shape_now = view.knowledge_defaults(projection, channel)
        st.caption(
            "Today's spend in a month of average demand and the ROAS it brings; then the monthly "
            "spend at which the next unit of spend would bring half of what it brings today "
            "(marginal ROAS halved)."
        )
        spend, roas, halved, shape = st.columns(4)
        spend.text_input(
            f"Today's monthly spend ({plan.currency})", value=amount_text(spend_now),
            key=f"{prefix}_spend",
        )  # fmt: skip
        roas.number_input(
            "ROAS at that spend", value=roas_now, step=0.1, format="%.2f",
            key=f"{prefix}_roas",
        )  # fmt: skip
        halved.text_input(
            f"Half-return spend ({plan.currency})", value=amount_text(halved_now),
            key=f"{prefix}_halved",
            help="The monthly spend at which the next unit of spend brings half of what it "
            "brings today: where returns have halved. Not the half-ceiling spend k, where "
            "revenue is half its most.",
        )  # fmt: skip
        shape.number_input(
            "Shape s", value=shape_now, step=0.1, format="%.2f", key=f"{prefix}_shape",
            help="1: every extra unit brings less. Above 1: an S, whose first units bring little.",
        )  # fmt: skip
        st.form_submit_button(
            "Set this curve", on_click=view.set_from_knowledge, args=(channel, prefix),
            type="primary", **marketing,
        )  # fmt: skip


def curve_from_history(channel: str) -> None:
    st.markdown(HISTORY_HELP)
    st.download_button(
        "Download an example CSV", data=state.cached("example_history", example_history_csv),
        file_name="last_year_spend_and_revenue.csv", mime="text/csv",
        icon=":material/download:", key="example_history", on_click="ignore",
    )  # fmt: skip
    upload = st.file_uploader(
        f"Last year's months ({', '.join(HISTORY_COLUMNS)})", type=["csv"],
        key="history_upload",
    )  # fmt: skip
    fit_shape = st.checkbox(
        "Fit the shape s as well (needs spend that spans the curve)", key="fit_shape"
    )
    if upload is not None:
        try:
            history = read_history(upload.getvalue())
        except HistoryError as error:
            st.error(str(error), icon=":material/block:")
        else:
            result = fit_for_plan(plan, history, channel, fit_shape)
            if result.curve is None:
                st.error(
                    f"**{channel}** keeps its constant returns. {result.refusal}",
                    icon=":material/block:",
                )
            else:
                r2, rmse, months = st.columns(3)
                r2.metric("R²", f"{result.r_squared:.3f}")
                rmse.metric(f"RMSE ({plan.currency})", format_amount(result.rmse))
                months.metric("Months", len(result.points))
                for note in result.notes:
                    st.caption(note)
                st.button(
                    f"Use this curve for {channel}", on_click=view.use_curve,
                    args=(channel, result.curve), type="primary", key="use_fit",
                    **marketing,
                )  # fmt: skip
            if not result.points.empty:
                charts.show(curve_charts.fit_chart(result, plan.currency))


def allocator() -> None:
    mode = st.radio(
        "What to find", list(AllocationMode), format_func=lambda m: m.label, horizontal=True,
        key="allocator_mode",
    )  # fmt: skip
    budget = None
    if mode is AllocationMode.FIXED_BUDGET:
        budget = st.number_input(
            f"Total marketing budget for the year ({plan.currency})",
            value=projection.year("marketing"), min_value=0.0, step=10_000.0,
            format="%.0f",
            key=state.key("allocator_budget"),
            help="Includes the channels held as planned (locked, without a curve, non-working).",
        )  # fmt: skip
    limits_grid = state.cached("allocator_limits_grid", view.limits_frame)
    if limits_grid.empty:
        st.info(
            "No channel has a response curve yet: set or fit one under 'Response curves'. "
            "Channels without a curve are held as planned, so there is nothing to move.",
            icon=":material/info:",
        )
    else:
        st.caption(
            "Limits per channel with a curve; channels without a curve and non-working spend are "
            "held as planned."
        )
        limits = st.data_editor(
            limits_grid, key=state.key("allocator_limits"), num_rows="fixed",
            column_config=view.limits_columns(plan.currency), placeholder="-",
        )  # fmt: skip
        if st.button("Run the allocator", type="primary", icon=":material/play_arrow:", key="run"):
            chosen, refused = view.limits_from(plan, limits)
            if refused:
                st.error(
                    "Not run: " + " ".join(refused) + " An empty cell sets no limit.",
                    icon=":material/block:",
                )
            elif mode is not None:
                view.run(plan, mode, budget, chosen)
    recommendation()


def recommendation() -> None:
    allocation = view.stored()
    if allocation is None:
        return
    st.success(allocation.summary, icon=":material/insights:")
    st.caption(f"Method: {allocation.method}.")
    view.effect_metrics(allocation)
    st.dataframe(
        view.of_result("advice_table", view.advice_table),
        column_config=view.advice_columns(plan.currency),
        height=editors.grid_height(len(allocation.channels)),
        placeholder="-",
    )
    st.button(
        "Apply to plan", on_click=view.apply, args=(allocation,), type="primary",
        icon=":material/check:", key="apply_allocation",
        **state.gated(EDIT_MARKETING, "The recommended spend becomes the plan's; edit it further "
                      "on the other pages."),
    )  # fmt: skip

    def months() -> None:
        columns = view.month_columns(plan.month_labels)
        st.caption("Recommended spend")
        recommended = view.of_result(
            "recommended_by_month", lambda result: view.spend_by_month(result, "recommended")
        )
        st.dataframe(recommended, column_config=columns)
        st.caption("Change on plan")
        change = view.of_result(
            "change_by_month", lambda result: view.spend_by_month(result, "change")
        )
        st.dataframe(change, column_config=columns)

    def curves() -> None:
        moved = list(allocation.recommended_spend)
        shown = st.selectbox("Response curve of", moved, key="allocation_curve")
        if shown:
            charts.show(view.response_chart(projection, shown))
            st.caption(view.curve_note(projection, shown))

    views.show(
        "recommendation",
        lambda: st.markdown(view.of_result("reasons", view.reasons)),
        months,
        curves,
    )


st.caption(
    "A response curve says how a channel's revenue flattens as its spend grows. Set one from "
    "what you know or fit it to last year's months; the allocator then splits the budget where "
    "the next unit of spend earns the most contribution."
)
state.show_messages()

# Only the open tab runs: a rerun draws what the user looks at.
views.show("allocator", response_curves, allocator)
