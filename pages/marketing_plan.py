"""Marketing plan: channels by month, their cost drivers, and what each channel returns."""

import streamlit as st

from budgets import ChannelKind, CostDriver
from budgets.access import EDIT_MARKETING
from budgets.edits import add_channel, remove_channel, rename_channel
from ui import charts, editors, grids, identity, kpis, state, tables, views

identity.through_app()  # a page runs inside app.py, behind its sign-in

plan = state.current_plan()
projection = state.projection()
channel_names = list(projection.channels.names)


def channel_changes() -> None:
    box = views.action_box(
        "channels_box",
        "Add, rename or remove a channel",
        icon=":material/edit:",
        right=EDIT_MARKETING,
    )
    if box is None:
        return
    add, rename, remove = box.columns(3)
    with add, st.form("add_channel"):
        name = st.text_input("New channel", max_chars=80)
        kind = st.selectbox("Kind", list(ChannelKind), format_func=lambda k: k.label)
        driver = st.selectbox("Cost driver", list(CostDriver), format_func=lambda d: d.label)
        if st.form_submit_button("Add channel", icon=":material/add:"):
            notice = f"Added the channel '{name}'."
            state.attempt(add_channel, name, kind, driver, notice=notice, where="channels_box")
            st.rerun()
    with rename, st.form("rename_channel"):
        old = st.selectbox("Channel to rename", channel_names, key="rename_channel_old")
        new = st.text_input("New name", max_chars=80)
        if st.form_submit_button("Rename", icon=":material/edit:", disabled=not channel_names):
            notice = f"Renamed '{old}' to '{new}'."
            state.attempt(rename_channel, old, new, notice=notice, where="channels_box")
            st.rerun()
    with remove, st.form("remove_channel"):
        gone = st.selectbox("Channel to remove", channel_names, key="remove_channel_name")
        st.caption("Its spend and drivers leave the plan.")
        if st.form_submit_button(
            "Remove", icon=":material/delete:", type="primary", disabled=not channel_names
        ):
            notice = f"Removed the channel '{gone}'."
            state.attempt(remove_channel, gone, notice=notice, where="channels_box")
            st.rerun()


def spend() -> None:
    editors.grid(
        state.cached("spend_grid", grids.spend_grid),
        "marketing_spend",
        grids.spend_change,
        grids.spend_columns(projection),
        right=EDIT_MARKETING,
        height=editors.grid_height(len(channel_names)),
    )


def drivers() -> None:
    editors.grid(
        state.cached("channel_driver_grid", lambda projection: grids.channel_driver_grid(plan)),
        "channel_drivers",
        grids.channel_driver_changes,
        grids.channel_driver_columns(plan.currency),
        editable=grids.CHANNEL_DRIVER_EDITABLE,
        right=EDIT_MARKETING,
        height=editors.grid_height(len(channel_names)),
    )
    monthly = st.expander(
        "Drivers by month", icon=":material/calendar_month:", key="monthly_drivers_box",
        on_change="rerun",
    )  # fmt: skip
    if monthly.open:
        with monthly:
            labels = list(grids.CHANNEL_DRIVER_COLUMNS)
            label = st.segmented_control("Driver", labels, default="CPC", key="monthly_driver")
            label = label or "CPC"
            editors.grid(
                grids.monthly_driver_grid(plan, label),
                f"monthly_{label}",
                lambda plan, row, column, value: grids.monthly_driver_change(
                    plan, label, row, column, value
                ),
                grids.monthly_driver_columns(plan, label),
                right=EDIT_MARKETING,
                height=editors.grid_height(len(channel_names)),
            )
            st.caption("Empty: the driver does not apply (or, for AOV, the site AOV is used).")


def results() -> None:
    st.dataframe(
        state.cached_table("channel_results", tables.channel_results),
        placeholder="-",
        column_config=tables.channel_result_columns(plan.currency),
        height=editors.grid_height(len(channel_names)),
    )
    charts.show(state.cached("roas_by_channel", charts.roas_by_channel))
    charts.show(state.cached("spend_by_channel", charts.spend_by_channel))


st.caption(
    "Spend by channel and month, and how each channel turns spend into sessions, orders and "
    "revenue. Results compare each channel's ROAS with the hurdles the P&L sets."
)
state.show_messages()
channel_changes()
if not channel_names:
    st.info(
        'No marketing channels yet. Add the first with "Add, rename or remove a channel" '
        "above: its spend, cost driver, conversion and AOV are then planned here.",
        icon=":material/campaign:",
    )
kpis.row(
    projection,
    (kpis.marketing, kpis.channel_revenue, kpis.mer, kpis.break_even_roas, kpis.target_roas),
)
# Only the open tab runs: a rerun draws what the user looks at.
views.show("marketing", spend, drivers, results)
