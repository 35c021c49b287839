"""The plan a session works on, under the app's own session-state keys.

Widget state is dropped when the user leaves a page, so the plan lives under
keys of our own: ``plan`` (the last valid plan), ``plan_revision`` (bumped on
every change; editors' keys include it, so an editor always starts from the
plan as it is) and ``plan_issues`` (what the last edit refused and why).
Edits are applied in widget callbacks, before the page runs, so every page
shows the changed plan in the same rerun.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import streamlit as st

from budgets import Plan, PlanIssue, PlanValidationError
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from models import Projection, project_plan
from ui.tables import as_arrow

PLAN = "plan"
REVISION = "plan_revision"
ISSUES = "plan_issues"
SOURCE = "plan_source"
NOTICE = "plan_notice"
_PROJECTION = "_projection"
_CACHE = "_cache"
T = TypeVar("T")


def init_session() -> None:
    """Open the sample plan on a session's first run."""
    if PLAN not in st.session_state:
        st.session_state[PLAN] = sample_plan()
        st.session_state[REVISION] = 0
        st.session_state[ISSUES] = []
        st.session_state[SOURCE] = "Sample plan"


def current_plan() -> Plan:
    plan: Plan = st.session_state[PLAN]
    return plan


def revision() -> int:
    value: int = st.session_state[REVISION]
    return value


def key(name: str) -> str:
    """A widget key tied to the plan's revision, so the widget shows the plan as it is now."""
    return f"{name}_{revision()}"


def projection() -> Projection:
    """The current plan's projection, computed once per revision."""
    cached = st.session_state.get(_PROJECTION)
    if cached is None or cached[0] != revision():
        cached = (revision(), project_plan(current_plan()))
        st.session_state[_PROJECTION] = cached
    result: Projection = cached[1]
    return result


def cached(name: str, build: Callable[[Projection], T]) -> T:
    """``build(projection)`` computed once per plan revision (figures, formatted tables)."""
    store = st.session_state.get(_CACHE)
    if store is None or store[0] != revision():
        store = (revision(), {})
        st.session_state[_CACHE] = store
    if name not in store[1]:
        store[1][name] = build(projection())
    value: T = store[1][name]
    return value


def cached_table(name: str, build: Callable[[Projection], pd.DataFrame]) -> pa.Table:
    """``cached`` for a read-only table, kept as Arrow (see ``ui.tables.as_arrow``)."""
    return cached(name, lambda projection: as_arrow(build(projection)))


def replace_plan(plan: Plan, source: str | None = None, notice: str | None = None) -> None:
    """Make ``plan`` the session's plan (it is already valid) and clear refused edits."""
    st.session_state[PLAN] = plan
    st.session_state[REVISION] = revision() + 1
    st.session_state[ISSUES] = []
    if source is not None:
        st.session_state[SOURCE] = source
    st.session_state[NOTICE] = notice


def report(issues: Sequence[PlanIssue | str]) -> None:
    """Keep refused edits' messages to show until the next change."""
    st.session_state[ISSUES] = [str(issue) for issue in issues]
    st.session_state[REVISION] = revision() + 1


def issues() -> list[str]:
    found: list[str] = st.session_state.get(ISSUES, [])
    return found


def apply(changes: Sequence[Change]) -> None:
    """Apply grid changes: the valid ones land, the refused ones are reported."""
    plan = current_plan()
    changed, refused = apply_changes(plan, changes)
    if changed != plan:
        replace_plan(changed)
    if refused:
        report(refused)


def attempt(edit: Callable[..., Plan], *args: Any, notice: str | None = None) -> bool:
    """Run a plan edit (``edit(plan, *args)``); report its refusal instead of raising."""
    try:
        changed = edit(current_plan(), *args)
    except PlanValidationError as error:
        report(error.issues)
        return False
    replace_plan(changed, notice=notice)
    return True


def enter_page(page: str) -> None:
    """Refused edits belong to the page they were made on: forget them when the page changes."""
    if st.session_state.get("_page") != page:
        st.session_state["_page"] = page
        st.session_state[ISSUES] = []


def show_messages() -> None:
    """Refused edits as an error, the last action's confirmation as a toast."""
    refused = issues()
    if refused:
        st.error(
            "**Not applied** - the plan keeps its last valid values:\n\n"
            + "\n".join(f"- {message}" for message in refused),
            icon=":material/block:",
        )
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.toast(notice, icon=":material/check_circle:")
