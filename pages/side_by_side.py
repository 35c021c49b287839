"""Side by side: the figures that link the two budgets, the spend plan across the page, and
the P&L it drives below, with the year's waterfall beside it."""

import streamlit as st

from budgets.access import EDIT_MARKETING
from ui import charts, editors, grids, identity, kpis, state, tables

identity.through_app()  # a page runs inside app.py, behind its sign-in

projection = state.projection()
st.caption(
    "Spend drives sessions, orders and revenue; they drive the P&L, whose margins set the ROAS "
    "marketing must reach. Edit a month's spend: the linked figures and the P&L follow."
)
state.show_messages()
kpis.linked_row(projection)

st.subheader("Marketing spend plan")
if not projection.channels.names:
    st.info(
        "No marketing channels yet: the P&L below is the organic business alone. Add the "
        'first channel on the Marketing plan page ("Add, rename or remove a channel").',
        icon=":material/campaign:",
    )
editors.grid(
    state.cached("spend_grid", grids.spend_grid),
    "side_spend",
    grids.spend_change,
    grids.spend_columns(projection),
    right=EDIT_MARKETING,
    # Nine rows, the rest scrolling inside: on a laptop the whole grid stays on the first
    # screen, so focusing it after an edit never scrolls the page.
    height=editors.grid_height(len(projection.channels.names), limit=9),
)

st.subheader("P&L for the year")
statement, waterfall = st.columns([5, 6], gap="medium")
with statement:
    summary = state.cached_table("pnl_summary", tables.pnl_summary)
    st.dataframe(summary, height=565, column_config=tables.text_columns(summary, 165))
with waterfall:
    charts.show(state.cached("pnl_waterfall", charts.pnl_waterfall))
