"""E-commerce P&L: the monthly drivers, fixed costs, and the statement they produce."""

import streamlit as st

from budgets.edits import (
    add_fixed_cost,
    remove_fixed_cost,
    rename_fixed_cost,
    set_fixed_cost_amounts,
    set_pnl_driver,
)
from models.seasonality import PROFILES, profile_weights, spread
from ui import charts, editors, forms, grids, kpis, state, tables

plan = state.current_plan()
projection = state.projection()
line_names = [line.name for line in plan.pnl.fixed_costs]
st.caption(
    "Traffic, conversion, AOV and the cost of every order, month by month; with the marketing "
    "plan's spend they make the P&L below, from gross sales to EBITDA."
)
state.show_messages()

st.subheader("Monthly drivers")
editors.grid(
    grids.pnl_driver_grid(plan),
    "pnl_drivers",
    grids.pnl_driver_changes,
    grids.pnl_driver_columns(plan.currency),
    height=editors.grid_height(12),
)
whole_year, seasonal = st.columns(2)
whole_year_box = whole_year.popover(
    "Set a driver for the whole year", icon=":material/horizontal_rule:", width="stretch",
    key="whole_year_box", on_change="rerun",
)  # fmt: skip
if whole_year_box.open:
    with whole_year_box, st.form("whole_year"):
        label = st.selectbox("Driver", list(grids.PNL_DRIVER_COLUMNS))
        value = st.number_input("Value every month (rates in %)", min_value=0.0, value=0.0)
        if st.form_submit_button("Set all 12 months"):
            state.attempt(
                forms.driver_for_year,
                label,
                value,
                notice=f"{label} set to {value:,g} every month.",
            )
            st.rerun()
spread_box = seasonal.popover(
    "Spread a yearly figure by seasonality", icon=":material/ssid_chart:", width="stretch",
    key="spread_box", on_change="rerun",
)  # fmt: skip
if spread_box.open:
    with spread_box, st.form("spread"):
        series = st.selectbox("Figure", ["Organic sessions", *line_names])
        total = st.number_input("Total for the year", min_value=0.0, value=0.0, step=1000.0)
        profile = st.selectbox("Profile", PROFILES)
        if st.form_submit_button("Spread over the months"):
            if series == "Organic sessions":
                current = plan.pnl.organic_sessions
                months = spread(total, profile_weights(profile, projection, current), decimals=0)
                state.attempt(set_pnl_driver, "organic_sessions", months, notice="Sessions spread.")
            else:
                current = plan.pnl.fixed_costs[line_names.index(series)].amounts
                months = spread(total, profile_weights(profile, projection, current))
                state.attempt(set_fixed_cost_amounts, series, months, notice=f"{series} spread.")
            st.rerun()

st.subheader("Fixed costs")
editors.grid(
    grids.fixed_cost_grid(plan),
    "fixed_costs",
    grids.fixed_cost_changes,
    grids.spend_columns(projection),
    height=editors.grid_height(len(line_names)),
)
add, rename, remove = st.columns(3)
add_box = add.popover(
    "Add a line", icon=":material/add:", width="stretch", key="add_line_box", on_change="rerun"
)
if add_box.open:
    with add_box, st.form("add_line"):
        name = st.text_input("Name", max_chars=80)
        amount = st.number_input("Amount every month", min_value=0.0, value=0.0, step=1000.0)
        if st.form_submit_button("Add line"):
            state.attempt(add_fixed_cost, name, amount, notice=f"Added the fixed cost '{name}'.")
            st.rerun()
rename_box = rename.popover(
    "Rename a line", icon=":material/edit:", width="stretch", key="rn_line_box", on_change="rerun"
)
if rename_box.open:
    with rename_box, st.form("rn_line"):
        old = st.selectbox("Line", line_names)
        new = st.text_input("New name", max_chars=80)
        if st.form_submit_button("Rename", disabled=not line_names):
            state.attempt(rename_fixed_cost, old, new, notice=f"Renamed '{old}' to '{new}'.")
            st.rerun()
remove_box = remove.popover(
    "Remove a line", icon=":material/delete:", width="stretch", key="rm_line_box", on_change="rerun"
)
if remove_box.open:
    with remove_box, st.form("rm_line"):
        gone = st.selectbox("Line", line_names)
        if st.form_submit_button("Remove", type="primary", disabled=not line_names):
            state.attempt(remove_fixed_cost, gone, notice=f"Removed the fixed cost '{gone}'.")
            st.rerun()

st.subheader("P&L statement")
metrics = st.columns(4)
for column, metric in zip(
    metrics, (kpis.net_sales, kpis.cm3, kpis.ebitda, kpis.ebitda_margin), strict=True
):
    with column:
        metric(projection)
statement = state.cached("pnl_statement", tables.pnl_statement)
st.dataframe(statement, height=38 + 35 * 23, column_config=tables.text_columns(statement))
left, right = st.columns(2)
left.plotly_chart(state.cached("pnl_waterfall", charts.pnl_waterfall))
right.plotly_chart(state.cached("net_sales_and_ebitda_margin", charts.net_sales_and_ebitda_margin))
