"""The plan a session works on, and every session-state key the app owns.

Widget state is dropped when the user leaves a page, so the plan lives under
keys of our own: ``plan`` (the last valid plan), ``plan_issues`` (what the
last action refused and why, by where it was made) and two counters that
mean different things:

- ``plan_revision``, "the plan changed": bumped on every change, it keys
  what is computed from the plan (the projection, tables, charts, the
  allocator's result);
- ``widget_generation``, "reset the widgets": bumped when the plan is
  replaced or changed by anything but a grid (opening, restoring, uploading,
  a form or a popover), it keys the widgets that show the plan's values, so
  they start again from the plan. A refused action bumps neither.

A grid keeps its widget (its key, selection and focus) while the edits come
from it, and is rebuilt only when the plan changed elsewhere: each grid's
key carries its own epoch, moved on when the grid is drawn after a change
that was not its own (see ``grid_key``).

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
from budgets.access import AccessError, Right, User, require_change
from budgets.samples import sample_plan
from models import Projection, project_plan
from ui.tables import as_arrow

PLAN = "plan"
REVISION = "plan_revision"
GENERATION = "widget_generation"
ISSUES = "plan_issues"
SOURCE = "plan_source"
NOTICE = "plan_notice"
OPENED = "plan_opened"
_PROJECTION = "_projection"
_CACHE = "_cache"
_GRIDS = "_grids"
_PAGE = "_page"
PAGE_MESSAGES = "page"
# Every other key the app keeps in a session, with the module that reads and writes it.
BASE = "plan_base"  # ui.storage: the stored version the plan in hand started from
CONFLICT = "plan_conflict"  # ui.storage: the version someone saved first (a refused save)
SET_ASIDE = "plan_set_aside"  # ui.storage: unsaved edits set aside when another plan opened
DIALOG_DONE = "_dialog_done"  # ui.sidebar: the open dialog has acted and closes
SAVE_REFUSAL = "_save_refusal"  # ui.sidebar: why the last "Save version" was refused
ALLOCATION = "_allocation"  # ui.allocator_view: the allocator's last result and its revision
GRID_CELLS = "_grid_cells"  # ui.editors: what each grid last reported, by grid
USER = "_user"  # ui.identity: who acts in this session, set at every run before any widget
WAITING = "_waiting"  # ui.identity: what waits on the user, and when read (ui.storage drops it)
T = TypeVar("T")


def remembered(widget_key: str) -> str:
    """The key under which ``ui.views`` keeps a widget's value (the open tab) across pages."""
    return f"_{widget_key}"


def init_session() -> None:
    """Open the sample plan on a session's first run."""
    if PLAN not in st.session_state:
        st.session_state[PLAN] = sample_plan()
        st.session_state[REVISION] = 0
        st.session_state[GENERATION] = 0
        st.session_state[ISSUES] = {}
        st.session_state[SOURCE] = "Sample plan"
        st.session_state[OPENED] = st.session_state[PLAN]


def current_plan() -> Plan:
    plan: Plan = st.session_state[PLAN]
    return plan


def revision() -> int:
    value: int = st.session_state[REVISION]
    return value


def generation() -> int:
    value: int = st.session_state.get(GENERATION, 0)
    return value


def key(name: str) -> str:
    """A widget key that changes when the plan changes from outside a grid, so a form or a
    popover starts again from the plan as it is (and closes after it acted)."""
    return f"{name}_{generation()}"


def grid_key(name: str) -> str:
    """The key of the grid ``name``: kept while its own edits change the plan, new otherwise.

    A grid is rebuilt (a new key) when it is drawn and the plan changed since
    the grid last saw it by anything but its own edits: another grid, a form,
    opening or restoring a plan.
    """
    grids: dict[str, Any] = st.session_state.setdefault(_GRIDS, {})
    epoch, seen = grids.get(name, (0, None))
    if seen != revision():
        epoch, seen = epoch + 1, revision()
        grids[name] = (epoch, seen)
    return f"{name}_grid_{epoch}"


def reset_grid(name: str) -> None:
    """Draw the grid ``name`` afresh from the plan at its next run (a new key)."""
    grids: dict[str, Any] = st.session_state.setdefault(_GRIDS, {})
    epoch, _ = grids.get(name, (0, None))
    grids[name] = (epoch + 1, revision())


def grid_saw(name: str) -> None:
    """The grid ``name`` made the plan's latest change: it keeps its widget."""
    grids: dict[str, Any] = st.session_state.setdefault(_GRIDS, {})
    epoch, _ = grids.get(name, (0, None))
    grids[name] = (epoch, revision())


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
    store: tuple[int, dict[str, Any]] | None = st.session_state.get(_CACHE)
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


def opened_plan() -> Plan | None:
    """The plan as it was opened (or last saved): edits since are the user's own."""
    plan: Plan | None = st.session_state.get(OPENED)
    return plan


def replace_plan(
    plan: Plan,
    source: str | None = None,
    notice: str | None = None,
    *,
    from_grid: str | None = None,
    opened: bool = False,
) -> None:
    """Make ``plan`` the session's plan (it is already valid).

    A change from anywhere but the grid ``from_grid`` resets the widgets
    that show the plan and clears what earlier actions refused. ``opened``:
    the plan was opened (not edited), so it is what later edits start from.
    """
    st.session_state[PLAN] = plan
    if opened:
        st.session_state[OPENED] = plan
    st.session_state[REVISION] = revision() + 1
    if from_grid is None:
        st.session_state[GENERATION] = generation() + 1
        st.session_state[ISSUES] = {}
    else:
        grid_saw(from_grid)
    if source is not None:
        st.session_state[SOURCE] = source
    st.session_state[NOTICE] = notice


def report(issues: Sequence[PlanIssue | str], where: str = PAGE_MESSAGES) -> None:
    """Keep what an action refused, to show where it was made (see ``show_messages``).

    The plan and the widgets are left as they are: what the user typed stays
    in the form for them to correct.
    """
    found: dict[str, list[str]] = st.session_state.setdefault(ISSUES, {})
    found[where] = [str(issue) for issue in issues]


def clear_issues(where: str) -> None:
    found: dict[str, list[str]] = st.session_state.setdefault(ISSUES, {})
    found.pop(where, None)


def issues(where: str = PAGE_MESSAGES) -> list[str]:
    found: dict[str, list[str]] = st.session_state.get(ISSUES) or {}
    return found.get(where, [])


NOBODY = User("", "nobody")


def acting_user() -> User:
    """Who acts in this session (``ui.identity`` sets it before any widget is drawn); nobody,
    with no role, in a session where no one has signed in."""
    user: User = st.session_state.get(USER) or NOBODY
    return user


def may(right: Right) -> bool:
    return acting_user().may(right)


def gated(right: Right, help: str | None = None) -> dict[str, Any]:
    """A button's ``disabled`` and ``help`` for an action that needs ``right``: greyed out,
    saying which role it needs, for a user without it; else ``help`` as given."""
    allowed = may(right)
    return {"disabled": not allowed, "help": help if allowed else right.rule}


def refused_change(old: Plan, new: Plan) -> str | None:
    """Why the session's user may not make the edit from ``old`` to ``new``, or None."""
    try:
        require_change(acting_user(), old, new)
    except AccessError as error:
        return str(error)
    return None


def attempt(
    edit: Callable[..., Plan], *args: Any, notice: str | None = None, where: str = PAGE_MESSAGES
) -> bool:
    """Run a plan edit (``edit(plan, *args)``); report a refusal at ``where``, never raise.

    The edit is refused, whatever the screen offered, when it changes a part
    of the plan the session's user may not edit.
    """
    plan = current_plan()
    try:
        changed = edit(plan, *args)
    except PlanValidationError as error:
        report(error.issues, where)
        return False
    refusal = refused_change(plan, changed)
    if refusal is not None:
        report([refusal], where)
        return False
    replace_plan(changed, notice=notice)
    return True


def enter_page(page: str) -> None:
    """Refused edits belong to the page they were made on: forget them when the page changes."""
    if st.session_state.get(_PAGE) != page:
        st.session_state[_PAGE] = page
        st.session_state[ISSUES] = {}


def show_refused(where: str = PAGE_MESSAGES) -> None:
    """What was refused at ``where``, as an error naming each value."""
    refused = issues(where)
    if refused:
        st.error(
            "**Not applied** - the plan keeps its last valid values:\n\n"
            + "\n".join(f"- {message}" for message in refused),
            icon=":material/block:",
        )


def show_messages() -> None:
    """The page's refusals as an error, the last action's confirmation as a toast."""
    show_refused()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.toast(notice, icon=":material/check_circle:")
