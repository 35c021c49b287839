"""People & roles: who holds which role, by e-mail address, and every change to them."""

import streamlit as st

from budgets.access import ROLE_LABELS, Role
from ui import editors, identity, state, storage, tables

identity.through_app()  # a page runs inside app.py, behind its sign-in

st.caption(
    "Give each person the roles they plan with: the marketing manager edits the marketing plan, "
    "the e-commerce manager the P&L and the targets, finance approves or sends back, admins "
    "assign roles. A person may hold several. A signed-in person without a role sees only "
    "whom to ask."
)
state.show_messages()
if not identity.team_mode():
    st.info(
        "This planner runs without sign-in, for one person: you hold every role. The roles "
        'given here apply once it runs for a team, with sign-in (README, "Sign-in, roles and '
        'the review").',
        icon=":material/person:",
    )
state.show_refused("roles")


def _save_roles() -> None:
    values = st.session_state
    roles = frozenset(Role(role) for role in values.get("roles_roles") or [])
    if storage.set_roles(str(values.get("roles_email", "")), roles):
        identity.forget_roles()
        values["roles_email"], values["roles_roles"] = "", []


holders = storage.role_holders()
st.subheader(f"{len(holders)} people with a role")
st.dataframe(
    tables.role_holders(holders), hide_index=True,
    height=editors.grid_height(len(holders), limit=12),
)  # fmt: skip

st.subheader("Give or change roles")
with st.form("roles_form", border=False):
    address, roles_field = st.columns([2, 3], vertical_alignment="bottom")
    address.text_input("E-mail address", key="roles_email", max_chars=254,
                       placeholder="ana@example.com")  # fmt: skip
    roles_field.multiselect(
        "Roles", [role.value for role in Role], key="roles_roles",
        format_func=lambda value: ROLE_LABELS[Role(value)],
        help="Exactly the roles the person will hold: none removes them all.",
    )  # fmt: skip
    st.form_submit_button("Save roles", type="primary", icon=":material/how_to_reg:",
                          on_click=_save_roles)  # fmt: skip

st.subheader("Changes to roles")
changes = [entry for entry in storage.audit(where="roles") if entry.key is None]
st.dataframe(
    tables.audit_rows(changes).drop(columns=["plan", "version"]),
    hide_index=True, height=editors.grid_height(len(changes), limit=12),
    column_config=tables.audit_columns() | {"note": st.column_config.TextColumn("Role")},
    placeholder="-",
)  # fmt: skip
