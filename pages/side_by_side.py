"""Side by side: the spend plan on the left, the P&L it drives on the right."""

import streamlit as st

from ui import charts, editors, grids, kpis, state, tables

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
        grids.spend_grid(projection),
        "side_spend",
        grids.spend_changes,
        grids.spend_columns(projection),
        height=editors.grid_height(len(projection.channels.names), limit=20),
    )
with linked:
    st.subheader("Linked")
    kpis.linked_strip(projection)
with pnl:
    st.subheader("P&L for the year")
    st.dataframe(
        tables.pnl_summary(projection),
        height=565,
        placeholder="-",
        column_config={
            "_index": st.column_config.TextColumn(width=165),
            f"FY ({projection.plan.currency})": st.column_config.TextColumn(width=85),
            "% net sales": st.column_config.TextColumn(width=80),
        },
    )

months, spend = st.columns(2)
months.plotly_chart(charts.net_sales_and_ebitda_margin(projection))
spend.plotly_chart(charts.spend_by_channel(projection))
