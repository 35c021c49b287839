"""History: every saved version of the plan, what changed between two, its review (submit,
approve, send back), restore, and the plan's audit log."""

import streamlit as st

from budgets.access import REVIEW, SAVE, SUBMIT
from budgets.store import AuditAction, VersionStatus
from ui import editors, identity, state, storage, tables

identity.through_app()  # a page runs inside app.py, behind its sign-in

plan = state.current_plan()
st.caption(
    "Every save is kept as a version. Compare any two (or your unsaved edits with a version); "
    "submit a version for review; finance approves it or sends it back with a note. Every "
    "step is in the audit log below."
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
# Unsaved edits compare with the version they started from; a version awaiting review with the
# version finance last approved; else the latest with the one before.
base = storage.base()
awaiting = [info.version for info in versions if info.awaits_review]
approved = [info.version for info in versions if info.is_approved]
default_new = 0
if storage.has_unsaved_edits() and base is not None and base.info.key == key:
    default_old = numbers.index(base.info.version)
elif state.may(REVIEW) and awaiting and approved and approved[0] < awaiting[0]:
    default_old, default_new = numbers.index(approved[0]), choices.index(awaiting[0])
    st.caption(
        f"Version {awaiting[0]} awaits your review: compared with version {approved[0]}, the "
        "last one approved."
    )
else:
    default_old = min(1, len(numbers) - 1)
old = older.selectbox(
    "From", numbers, index=default_old, format_func=lambda n: label[n], key="compare_from"
)
new = newer.selectbox(
    "To", choices, index=default_new, format_func=lambda c: label[c], key="compare_to"
)
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
    st.caption(tables.version_record(info))
    summary = tables.pnl_summary_of(stored.plan)
    left, right = st.columns([3, 2])
    left.dataframe(summary, height=565, column_config=tables.text_columns(summary, 200))
    with right:
        latest = numbers[0]
        if info.is_approved:
            st.success(
                f"Approved by {info.approved_by}: locked, it never changes.",
                icon=":material/verified:",
            )
        elif info.awaits_review:
            st.info(f"Submitted by {info.submitted_by}: awaits finance's review.",
                    icon=":material/pending_actions:")  # fmt: skip
        elif info.status is VersionStatus.CHANGES_REQUESTED:
            st.warning(f"Sent back with changes requested: {info.review_note}",
                       icon=":material/undo:")  # fmt: skip
        # The callbacks read the note as typed when the button is pressed: typing a note and
        # clicking at once sends both in one rerun.
        note_key = f"review_note_{info.version}"
        submittable = info.may_be_submitted and info.version == latest
        if (submittable and state.may(SUBMIT)) or (info.awaits_review and state.may(REVIEW)):
            st.text_area(
                "Note", key=note_key, max_chars=2000, height=80,
                help="Goes with the step into the audit log. Sending back needs one: say what "
                "should change.",
            )  # fmt: skip
        if submittable and state.may(SUBMIT):
            st.button(
                f"Submit version {info.version} for review", icon=":material/send:",
                type="primary", width="stretch", key="submit_version",
                on_click=storage.review_step,
                args=(AuditAction.SUBMITTED, key, info.version, note_key),
            )  # fmt: skip
        if info.awaits_review:
            approve, send_back = st.columns(2)
            approve.button(
                "Approve", icon=":material/verified:", type="primary",
                width="stretch", key="approve_version", on_click=storage.review_step,
                args=(AuditAction.APPROVED, key, info.version, note_key),
                **state.gated(REVIEW, "Finance's sign-off: the version is locked for good; "
                              "editing it starts a new draft."),
            )  # fmt: skip
            send_back.button(
                "Send back", icon=":material/undo:", width="stretch", key="send_back_version",
                on_click=storage.review_step,
                args=(AuditAction.SENT_BACK, key, info.version, note_key),
                **state.gated(REVIEW, "Changes requested: the note says which."),
            )  # fmt: skip
        st.button(
            f"Restore version {info.version} as a new version",
            icon=":material/restore:", width="stretch", key="restore_version",
            on_click=storage.restore, args=(key, info.version),
            **state.gated(SAVE, "Its content is saved again on top of the latest version; "
                          "nothing is deleted."),
        )  # fmt: skip

st.subheader("Audit log")
log = storage.audit(key)
st.dataframe(
    tables.audit_rows(log).drop(columns=["plan", "subject"]), hide_index=True,
    column_config=tables.audit_columns(), height=editors.grid_height(len(log), limit=12),
    placeholder="-",
)  # fmt: skip
