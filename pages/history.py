"""History: every saved version of the plan, what changed between two, restore and approve."""

import streamlit as st

from ui import editors, state, storage, tables

plan = state.current_plan()
st.caption(
    "Every save is kept as a version. Compare any two (or your unsaved edits with a version), "
    "look at an old version, restore it as a new version, or approve one for finance."
)
state.show_messages()

key = storage.stored_key()
if key is None:
    st.info(
        f"'{plan.name}' FY{plan.fiscal_year} is not saved yet. Save it from the sidebar to start "
        "its history, or open a stored plan there.",
        icon=":material/history:",
    )
    st.stop()

versions = storage.history(key)
if not versions:
    # The store could not list them: its message, and the plan in hand stays open.
    state.show_messages()
    st.stop()
st.subheader(f"Versions of '{key.name}' FY{key.fiscal_year}")
st.dataframe(
    tables.versions(versions),
    hide_index=True,
    column_config=tables.version_columns(),
    placeholder="-",
)

conflict = st.session_state.get(state.CONFLICT)
if conflict is not None:
    st.warning(
        f"Version {conflict.version} was saved by {conflict.author} after the version your "
        "edits started from. Compare it with your edits below; opening it from the sidebar "
        "sets your edits aside, still here to compare, so you can re-apply them on top.",
        icon=":material/merge_type:",
    )

EDITS = "Your edits (unsaved)"
ASIDE = "Your edits set aside"
numbers = [info.version for info in versions]
aside = storage.set_aside()
choices = ([EDITS] if storage.has_unsaved_edits() else []) + ([ASIDE] if aside else []) + numbers
label = {number: f"Version {number}" for number in numbers} | {EDITS: EDITS, ASIDE: ASIDE}
st.subheader("Compare")
older, newer = st.columns(2)
# Unsaved edits compare with the version they started from; else the latest with the one before.
base = storage.base()
if storage.has_unsaved_edits() and base is not None and base.info.key == key:
    default_old = numbers.index(base.info.version)
else:
    default_old = min(1, len(numbers) - 1)
old = older.selectbox(
    "From", numbers, index=default_old, format_func=lambda n: label[n], key="compare_from"
)
new = newer.selectbox("To", choices, index=0, format_func=lambda c: label[c], key="compare_to")
old_stored = storage.version(key, old) if old is not None else None
new_plan = (
    plan if new == EDITS
    else aside if new == ASIDE
    else getattr(storage.version(key, new), "plan", None) if isinstance(new, int)
    else None
)  # fmt: skip
if old_stored is not None and new_plan is not None:
    comparison = tables.comparison(old_stored.plan, new_plan)
    st.markdown("**What it did to the year**")
    st.dataframe(
        comparison.effects, column_config=tables.text_columns(comparison.effects, 260),
        width="content",
    )  # fmt: skip
    st.markdown(f"**{len(comparison.changes)} changed values**")
    if comparison.changes.empty:
        st.caption("The two are the same plan.")
    else:
        st.dataframe(
            comparison.changes, hide_index=True, column_config=tables.changes_columns(),
            # No empty rows under a short list.
            height=editors.grid_height(len(comparison.changes), limit=12),
        )  # fmt: skip

st.subheader("Look at a version")
chosen = st.selectbox(
    "Version", numbers, format_func=lambda n: label[n], key="look_at_version",
    help="Opens read-only here; restore it to carry on from it.",
)  # fmt: skip
stored = storage.version(key, chosen) if chosen is not None else None
if stored is not None:
    info = stored.info
    st.caption(
        f"Version {info.version} · {info.status.value} · saved by {info.author} · "
        f"{info.comment or 'no comment'}"
    )
    summary = tables.pnl_summary_of(stored.plan)
    left, right = st.columns([3, 2])
    left.dataframe(summary, height=565, column_config=tables.text_columns(summary, 200))
    with right:
        # The callbacks read the name as typed when the button is pressed, not as it was when
        # the page was drawn: typing a name and clicking at once sends both in one rerun.
        st.text_input("Your name", value=storage.author(), key="history_author")
        st.button(
            f"Restore version {info.version} as a new version",
            icon=":material/restore:", width="stretch", key="restore_version",
            on_click=storage.restore_as_typed, args=(key, info.version, "history_author"),
            help="Its content is saved again on top of the latest version; nothing is deleted.",
        )  # fmt: skip
        st.button(
            f"Approve version {info.version}",
            icon=":material/verified:", width="stretch", key="approve_version",
            disabled=info.is_approved,
            on_click=storage.approve_as_typed, args=(key, info.version, "history_author"),
            help="Finance's sign-off. An approved version never changes; editing it starts a "
            "new draft.",
        )  # fmt: skip
        if info.is_approved:
            st.success(f"Approved by {info.approved_by}.", icon=":material/verified:")
