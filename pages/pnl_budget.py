"""E-commerce P&L: the statement, the monthly drivers and the fixed costs that make it."""

import streamlit as st

from budgets.access import EDIT_PNL
from budgets.edits import add_fixed_cost, remove_fixed_cost, rename_fixed_cost
from models.seasonality import PROFILES
from ui import charts, editors, forms, grids, identity, kpis, state, tables, views

identity.through_app()  # a page runs inside app.py, behind its sign-in

plan = state.current_plan()
projection = state.projection()
line_names = [line.name for line in plan.pnl.fixed_costs]


def statement() -> None:
    table = state.cached_table("pnl_statement", tables.pnl_statement)
    st.dataframe(table, height=38 + 35 * 23, column_config=tables.text_columns(table))
    left, right = st.columns(2)
    charts.show(state.cached("pnl_waterfall", charts.pnl_waterfall), left)
    charts.show(
        state.cached("net_sales_and_ebitda_margin", charts.net_sales_and_ebitda_margin), right
    )


def monthly_drivers() -> None:
    editors.grid(
        state.cached("pnl_driver_grid", lambda projection: grids.pnl_driver_grid(plan)),
        "pnl_drivers",
        grids.pnl_driver_change,
        grids.pnl_driver_columns(plan.currency),
        right=EDIT_PNL,
        height=editors.grid_height(12),
    )
    whole_year, seasonal = st.columns(2)
    with whole_year:
        whole_year_box = views.action_box(
            "whole_year_box", "Set a driver for the whole year",
            icon=":material/horizontal_rule:", width="stretch", right=EDIT_PNL,
        )  # fmt: skip
    if whole_year_box is not None:
        with whole_year_box, st.form("whole_year"):
            label = st.selectbox("Driver", list(grids.PNL_DRIVER_COLUMNS))
            value = st.number_input("Value every month (rates in %)", min_value=0.0, value=0.0)
            if st.form_submit_button("Set all 12 months"):
                notice = f"{label} set to {value:,g} every month."
                state.attempt(
                    forms.driver_for_year, label, value, notice=notice, where="whole_year_box"
                )
                st.rerun()
    with seasonal:
        spread_box = views.action_box(
            "spread_box", "Spread a yearly figure by seasonality", icon=":material/ssid_chart:",
            width="stretch", right=EDIT_PNL,
        )  # fmt: skip
    if spread_box is not None:
        with spread_box, st.form("spread"):
            series = st.selectbox("Figure", [forms.ORGANIC_SESSIONS, *line_names])
            total = st.text_input(
                "Total for the year",
                placeholder="1,200,000 or 1.2M",
                help="Sessions or an amount, typed as you write it.",
            )
            profile = st.selectbox("Profile", PROFILES)
            if st.form_submit_button("Spread over the months"):
                notice = f"{series} spread over the months."
                state.attempt(
                    forms.spread_by_profile, series, total, profile, state.projection(),
                    notice=notice,
                    where="spread_box",
                )  # fmt: skip
                st.rerun()


def fixed_costs() -> None:
    editors.grid(
        state.cached("fixed_cost_grid", lambda projection: grids.fixed_cost_grid(plan)),
        "fixed_costs",
        grids.fixed_cost_change,
        grids.spend_columns(projection),
        right=EDIT_PNL,
        height=editors.grid_height(len(line_names)),
    )
    box = views.action_box(
        "lines_box", "Add, rename or remove a line", icon=":material/edit:", right=EDIT_PNL
    )
    if box is None:
        return
    add, rename, remove = box.columns(3)
    with add, st.form("add_line"):
        name = st.text_input("New line", max_chars=80)
        amount = st.number_input("Amount every month", min_value=0.0, value=0.0, step=1000.0)
        if st.form_submit_button("Add line", icon=":material/add:"):
            notice = f"Added the fixed cost '{name}'."
            state.attempt(add_fixed_cost, name, amount, notice=notice, where="lines_box")
            st.rerun()
    with rename, st.form("rn_line"):
        old = st.selectbox("Line to rename", line_names)
        new = st.text_input("New name", max_chars=80)
        if st.form_submit_button("Rename", icon=":material/edit:", disabled=not line_names):
            notice = f"Renamed '{old}' to '{new}'."
            state.attempt(rename_fixed_cost, old, new, notice=notice, where="lines_box")
            st.rerun()
    with remove, st.form("rm_line"):
        gone = st.selectbox("Line to remove", line_names)
        if st.form_submit_button(
            "Remove", icon=":material/delete:", type="primary", disabled=not line_names
        ):
            notice = f"Removed the fixed cost '{gone}'."
            state.attempt(remove_fixed_cost, gone, notice=notice, where="lines_box")
            st.rerun()


st.caption(
    "Traffic, conversion, AOV and the cost of every order, month by month; with the marketing "
    "plan's spend they make the P&L, from gross sales to EBITDA."
)
state.show_messages()
kpis.row(projection, (kpis.net_sales, kpis.cm3, kpis.ebitda, kpis.ebitda_margin))
# Only the open tab runs: a rerun draws what the user looks at.
views.show("pnl", statement, monthly_drivers, fixed_costs)
