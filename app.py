"""Budget planner: the digital-marketing spend plan and the e-commerce P&L budget, linked.

Run with ``streamlit run app.py``; it opens the sample fashion plan.
"""

import streamlit as st

from budgets.access import ASSIGN_ROLES
from ui import housekeeping, identity, sidebar, state, storage

st.set_page_config(
    page_title="Budget planner", page_icon=":material/account_balance:", layout="wide"
)
housekeeping.start()
# Signed in (or the local user), with a role, before anything else runs: see ui/identity.py.
user = identity.gate()
state.init_session()

page = st.navigation(
    [
        st.Page(
            "pages/side_by_side.py", title="Side by side", icon=":material/compare_arrows:",
            default=True,
            help="The spend plan and the P&L together: edit spend on the left and see sessions, "
            "orders, margins and EBITDA move on the right.",
        ),
        st.Page(
            "pages/marketing_plan.py", title="Marketing plan", icon=":material/campaign:",
            help="Channels by month: spend, cost drivers, conversion and AOV; each channel's "
            "sessions, orders, revenue and ROAS against the break-even and target ROAS.",
        ),
        st.Page(
            "pages/pnl_budget.py", title="E-commerce P&L", icon=":material/receipt_long:",
            help="Monthly P&L drivers and fixed costs, and the P&L statement from gross sales "
            "to EBITDA.",
        ),
        st.Page(
            "pages/targets.py", title="Targets", icon=":material/flag:",
            help="Net-sales and margin targets, and what they imply: break-even and target ROAS, "
            "the largest budget the margin allows, the sales, conversion or AOV needed.",
        ),
        st.Page(
            "pages/allocator.py", title="Curves & allocator", icon=":material/auto_graph:",
            help="Diminishing returns per channel, set from what you know or fitted to last "
            "year, and the split of spend that earns the most contribution or the most sales "
            "at the target margin.",
        ),
        st.Page(
            "pages/history.py", title="History", icon=":material/history:",
            help="Every saved version of the plan and its review: compare two, submit one for "
            "review, approve it or send it back, restore an old one; the audit log.",
        ),
        *(
            [st.Page(
                "pages/people.py", title="People & roles", icon=":material/group:",
                help="Who holds which role, by e-mail address; every change is in the audit log.",
            )]
            if user.may(ASSIGN_ROLES) else []
        ),
    ]
)  # fmt: skip
state.enter_page(page.url_path)
sidebar.render(user)
st.title(page.title)
storage.approved_notice()
page.run()
