"""Targets: what the year must reach, and what that asks of sales and marketing."""

import streamlit as st

from budgets.access import EDIT_TARGETS
from models import Verdict
from models.formatting import amount_text
from ui import charts, forms, identity, kpis, state, tables, views

identity.through_app()  # a page runs inside app.py, behind its sign-in

plan = state.current_plan()
projection = state.projection()
report = projection.targets
st.caption(
    "Set the year's targets; the plan answers what they take: the ROAS each channel must beat, "
    "the largest budget the margin allows, and the sales, conversion or AOV that would reach it."
)
state.show_messages()


def _save_targets(prefix: str) -> None:
    state.attempt(forms.targets_from_form, st.session_state, prefix, notice="Targets saved.")


prefix = state.key("targets")
with st.form(prefix):
    net_sales, ebitda, cm3, has_cm3 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    net_sales.text_input(
        f"Net-sales target ({plan.currency})", value=amount_text(plan.targets.net_sales),
        key=f"{prefix}_net_sales",
        help="Typed as you write it: 17,500,000, 17.5M or 17500000. Empty: no target.",
    )  # fmt: skip
    ebitda.number_input(
        "Target EBITDA margin (%)", value=forms.as_percent(plan.targets.ebitda_margin), step=0.5,
        format="%.1f", key=f"{prefix}_ebitda",
    )  # fmt: skip
    cm3.number_input(
        "Target CM3 margin (%)",
        value=forms.as_percent(
            plan.targets.cm3_margin if plan.targets.cm3_margin is not None
            else report.cm3_margin_target
        ),
        step=0.5, format="%.1f", key=f"{prefix}_cm3",
        help="Without a CM3 target, the target ROAS uses the CM3 margin the EBITDA target needs "
        "once fixed costs are paid.",
    )  # fmt: skip
    has_cm3.checkbox(
        "Set a CM3 target", value=plan.targets.cm3_margin is not None, key=f"{prefix}_has_cm3"
    )
    st.form_submit_button(
        "Save targets", on_click=_save_targets, args=(prefix,), type="primary",
        **state.gated(EDIT_TARGETS),
    )  # fmt: skip

kpis.row(projection, (kpis.net_sales, kpis.ebitda_margin, kpis.break_even_roas, kpis.target_roas))


# How each verdict shows: the box and its icon, and the word that says it.
SHOWN = {
    Verdict.MET: (st.success, ":material/check_circle:", "Met"),
    Verdict.SHORT: (st.warning, ":material/trending_down:", "Short"),
    Verdict.UNREACHABLE: (st.error, ":material/block:", "Unreachable"),
    Verdict.HURDLE: (st.info, ":material/straighten:", ""),
}


def what_the_targets_take() -> None:
    st.markdown(f"**{report.headline}**")
    budget, needed = st.columns(2, gap="medium")
    charts.show(state.cached("margin_against_budget", charts.margin_against_budget), budget)
    charts.show(state.cached("needed_against_plan", charts.needed_against_plan), needed)
    for solve in report.solves:
        box, icon, word = SHOWN[solve.verdict]
        said = f"{word}: " if word else ""
        box(f"**{said}{solve.label}.** {solve.explanation}", icon=icon)


def roas_hurdles() -> None:
    hurdles = state.cached_table("roas_hurdles", tables.roas_hurdles)
    st.dataframe(hurdles, column_config=tables.text_columns(hurdles, 220))
    charts.show(state.cached("roas_hurdles_by_month", charts.roas_hurdles_by_month))


# Only the open tab runs: a rerun draws what the user looks at.
views.show("targets", what_the_targets_take, roas_hurdles)
