"""Side by side: the spend plan on the left, the P&L it drives on the right."""

import streamlit as st

from ui import editors, grids, kpis, state, tables

projection = state.projection()
st.caption(
    "Spend drives sessions, orders and revenue; they drive the P&L, whose margins set the ROAS "
    "marketing must reach. Edit a month's spend on the left: the P&L on the right follows."
)
state.show_messages()

spend_plan, linked, pnl = st.columns([8, 2.2, 6.3], gap="small")
with spend_plan:
    st.subheader("Marketing spend plan")
    editors.grid(
        state.cached("spend_grid", grids.spend_grid),
        "side_spend",
        grids.spend_change,
        grids.spend_columns(projection),
        height=editors.grid_height(len(projection.channels.names), limit=20),
    )
with linked:
    st.subheader("Linked")
    kpis.linked_strip(projection)
with pnl:
    st.subheader("P&L for the year")
    summary = state.cached_table("pnl_summary", tables.pnl_summary)
    st.dataframe(summary, height=565, column_config=tables.text_columns(summary, 165))
