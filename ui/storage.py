"""The session's link to the plan store: which stored version the edits started from.

``plan_base`` holds the stored version the session's plan was opened from
or last saved as (its record and its content). Edits change the session's
plan, never the base; "unsaved edits" is the plan differing from its base.
Opening the sample, an upload or a new plan drops the base: that plan is
not stored until it is saved.

Nothing here raises: a store that cannot be opened or read (a damaged
database, a folder that cannot be made, a URL that is not one) and a
version that no longer reads as a plan are reported with which database
and why, and the session keeps working on the plan it has. Uploaded plan
files are read here too (``read_plan_file``), with the same rule.
"""

from __future__ import annotations

import os

import streamlit as st

from budgets import Plan, PlanValidationError, plan_from_json
from budgets.access import AccessError, Role, clean_email, roles_text
from budgets.errors import shown_text
from budgets.store import (
    DB_PATH_ENV,
    DB_URL_ENV,
    AuditAction,
    AuditEntry,
    PlanKey,
    PlanStore,
    PlanStoreError,
    PlanSummary,
    StoredPlan,
    VersionConflictError,
    VersionInfo,
    VersionStatus,
    store_from_env,
)
from budgets.store.model import when
from models.excel.reader import plan_from_workbook
from ui import state


@st.cache_resource(show_spinner=False)
def _store(url: str, path: str) -> PlanStore:
    return store_from_env({DB_URL_ENV: url, DB_PATH_ENV: path} if path else {DB_URL_ENV: url})


def plan_store() -> PlanStore:
    """The store BUDGET_DB_URL or BUDGET_DB_PATH names (SQLite by default), one per process."""
    return _store(os.environ.get(DB_URL_ENV, ""), os.environ.get(DB_PATH_ENV, ""))


def base() -> StoredPlan | None:
    stored: StoredPlan | None = st.session_state.get(state.BASE)
    return stored


def has_unsaved_edits() -> bool:
    stored = base()
    return stored is None or stored.plan != state.current_plan()


def stored_key() -> PlanKey | None:
    """The stored plan the session works on: its base's key."""
    stored = base()
    return stored.info.key if stored is not None else None


def read_plan_file(name: str, data: bytes) -> Plan | None:
    """The plan in an uploaded file (a workbook if ``name`` ends in .xlsx, else JSON).

    A refused file is reported with its problems, and None returned: the
    session's plan is unchanged.
    """
    shown = shown_text(name)
    read = plan_from_workbook if name.lower().endswith(".xlsx") else plan_from_json
    try:
        return read(data)
    except PlanValidationError as error:
        state.report(
            [f"File '{shown}' is not a valid plan; the current plan is unchanged."]
            + [str(issue) for issue in error.issues]
        )
    except Exception as error:  # an upload never stops the app: see the module's docstring
        state.report(
            [
                f"File '{shown}' could not be read ({type(error).__name__}: "
                f"{shown_text(str(error))}); the current plan is unchanged."
            ]
        )
    return None


def forget_base() -> None:
    st.session_state[state.BASE] = None
    st.session_state[state.CONFLICT] = None


def _remember(stored: StoredPlan) -> None:
    st.session_state[state.BASE] = stored
    st.session_state[state.CONFLICT] = None


def stored_plans() -> tuple[PlanSummary, ...]:
    try:
        return plan_store().list()
    except PlanStoreError as error:
        state.report([str(error)])
        return ()


def set_aside() -> Plan | None:
    """Unsaved edits kept when another plan or version was opened over them."""
    plan: Plan | None = st.session_state.get(state.SET_ASIDE)
    return plan


def _set_aside_edits() -> str:
    """Keep the session's edits aside before another plan replaces them; say so, or ''."""
    plan = state.current_plan()
    if plan == state.opened_plan() or (base() is not None and not has_unsaved_edits()):
        return ""
    st.session_state[state.SET_ASIDE] = plan
    return " Your unsaved edits are set aside: History compares them with any version."


def open_plan(plan: Plan, source: str, notice: str) -> None:
    """Open a plan that is not stored (the sample, an upload, a new plan), edits set aside."""
    aside = _set_aside_edits()
    state.replace_plan(plan, source=source, notice=notice + aside, opened=True)
    forget_base()


def open_stored(key: PlanKey, version: int | None = None) -> None:
    """Open a stored version (the latest by default) as the session's plan.

    Unsaved edits are set aside, not lost: the History page still compares
    them with any version, so they can be re-applied on top of the newer one.
    """
    try:
        stored = plan_store().get(key, version)
    except PlanStoreError as error:
        state.report([str(error)])
        return
    _work_on(stored, f"Opened version {stored.info.version} of '{key.name}' FY{key.fiscal_year}.")


def _work_on(stored: StoredPlan, notice: str) -> None:
    """Make a stored version the session's plan, setting unsaved edits aside first."""
    aside = _set_aside_edits()
    state.replace_plan(
        stored.plan,
        source=f"Stored plan, version {stored.info.version}",
        notice=notice + aside,
        opened=True,
    )
    _remember(stored)


def conflict() -> VersionInfo | None:
    """The newer version a refused save met, if the last save was refused for one."""
    latest: VersionInfo | None = st.session_state.get(state.CONFLICT)
    return latest


def save(comment: str, status: VersionStatus) -> str | None:
    """Save the session's plan as a new version on top of its base, by the session's user;
    None, or why not.

    A plan whose name or fiscal year changed since its base is saved as a new
    plan. A refused save (someone saved meanwhile) keeps the edits in the
    session and says who saved what and when (``conflict`` gives that version);
    so does a save the user's roles do not allow.
    """
    plan = state.current_plan()
    stored = base()
    same_plan = stored is not None and stored.info.key == PlanKey.of(plan)
    base_version = stored.info.version if stored is not None and same_plan else None
    try:
        info = plan_store().save(
            plan, base_version=base_version, by=state.acting_user(), comment=comment,
            status=status,
        )  # fmt: skip
    except VersionConflictError as error:
        st.session_state[state.CONFLICT] = error.latest
        return str(error)
    except (PlanStoreError, PlanValidationError, AccessError) as error:
        return str(error)
    _remember(StoredPlan(info, plan))
    st.session_state[state.OPENED] = plan
    st.session_state[state.SOURCE] = f"Stored plan, version {info.version}"
    st.session_state[state.NOTICE] = f"Saved version {info.version} ({info.status.value})."
    st.session_state.pop(state.WAITING, None)
    return None


def history(key: PlanKey) -> tuple[VersionInfo, ...]:
    try:
        return plan_store().history(key)
    except PlanStoreError as error:
        state.report([str(error)])
        return ()


def version(key: PlanKey, number: int) -> StoredPlan | None:
    try:
        return plan_store().get(key, number)
    except PlanStoreError as error:
        state.report([str(error)])
        return None


def audit(key: PlanKey | None = None, where: str = state.PAGE_MESSAGES) -> tuple[AuditEntry, ...]:
    """One plan's audit log, or the whole log (role changes too); a failure reported at
    ``where``."""
    try:
        return plan_store().audit(key)
    except PlanStoreError as error:
        state.report([str(error)], where)
        return ()


def review_step(action: AuditAction, key: PlanKey, number: int, note_key: str) -> None:
    """Submit, send back or approve a version as the session's user, with the note typed in
    the field ``note_key`` (read when the button is pressed); the session's base follows."""
    note = str(st.session_state.get(note_key, ""))
    store, user = plan_store(), state.acting_user()
    step = {
        AuditAction.SUBMITTED: store.submit,
        AuditAction.SENT_BACK: store.send_back,
        AuditAction.APPROVED: store.approve,
    }[action]
    try:
        info = step(key, number, user, note)
    except (PlanStoreError, PlanValidationError, AccessError) as error:
        state.report([str(error)])
        return
    stored = base()
    if stored is not None and stored.info.key == key and stored.info.version == number:
        _remember(StoredPlan(info, stored.plan))
    st.session_state.pop(state.WAITING, None)
    st.session_state[note_key] = ""
    done = {
        AuditAction.SUBMITTED: "submitted for review",
        AuditAction.SENT_BACK: "sent back with changes requested",
        AuditAction.APPROVED: f"approved by {info.approved_by}",
    }[action]
    st.session_state[state.NOTICE] = f"Version {number} {done}."


def restore(key: PlanKey, number: int) -> None:
    """Save an old version again as a new draft on top of the latest, and open it.

    Unsaved edits are set aside first, as opening a stored version does.
    """
    try:
        latest = plan_store().history(key)[0].version
        info = plan_store().restore(key, number, base_version=latest, by=state.acting_user())
        restored = plan_store().get(key, info.version)
    except (PlanStoreError, PlanValidationError, AccessError) as error:
        state.report([str(error)])
        return
    _work_on(restored, f"Version {number} restored as version {info.version}.")


def role_holders() -> dict[str, frozenset[Role]]:
    try:
        return plan_store().role_holders()
    except PlanStoreError as error:
        state.report([str(error)], "roles")
        return {}


def set_roles(email: str, roles: frozenset[Role]) -> bool:
    """Give ``email`` exactly ``roles`` as the session's user (an admin); report a refusal."""
    try:
        plan_store().set_roles(email, roles, state.acting_user())
    except (PlanStoreError, AccessError) as error:
        state.report([str(error)], "roles")
        return False
    state.clear_issues("roles")
    st.session_state[state.NOTICE] = f"{clean_email(email)} now holds: {roles_text(roles)}."
    return True


def approved_notice() -> None:
    """On every page, while the session works on an approved version: that it is locked, and
    what an edit does to it."""
    stored = base()
    if stored is None or not stored.info.is_approved:
        return
    info = stored.info
    approved = f"Version {info.version} is approved"
    if info.approved_by and info.approved_at:
        approved += f" (by {info.approved_by}, {when(info.approved_at)})"
    if has_unsaved_edits():
        st.warning(
            f"{approved} and stays as it was. These are unsaved edits on a copy: saving them "
            f"makes a new draft version, which needs approving again.",
            icon=":material/edit_note:",
        )
    else:
        st.info(
            f"{approved} and locked: it never changes. Editing here works on a copy; saving the "
            "copy makes a new draft version, which needs approving again.",
            icon=":material/verified:",
        )
