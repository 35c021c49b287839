"""Editable grids wired to the plan: every typed cell is applied in the editor's callback.

The editor's key is kept while the edits come from it (``state.grid_key``),
so its selection and focus survive the rerun that applies an edit: a
planner types a value, presses Enter or Tab, and types the next one, as in
a spreadsheet. The editor reports every cell edited since it was built;
only the cells that changed since the last callback are applied, each once.

A cell the plan refuses is named under the grid with the text as typed, and
the grid is drawn again from the plan, so it never shows a value the plan
does not hold; the valid cells of the same paste still land. A cell the
grid does not have (a row or column that does not exist, a read-only column
such as the FY total or the row labels), which only a crafted client can
send, refuses the whole batch: nothing of it is applied.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from budgets import Plan, PlanValidationError
from budgets.access import Right
from budgets.edits import Change, apply_changes
from models import YEAR
from ui import state
from ui.grids import Cell

CellConverter = Callable[[Plan, int, str, Any], Change | list[Change]]
_NEVER = object()


@dataclass
class _Record:
    """What a grid's editor had reported when its edits were last applied."""

    snapshot: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[tuple[int, str], Any] = field(default_factory=dict)


def _record(name: str, widget_key: str) -> _Record:
    """The grid's record for its current editor; a new editor (a new key) starts a new one."""
    records: dict[str, tuple[str, _Record]] = st.session_state.setdefault(state.GRID_CELLS, {})
    if name not in records or records[name][0] != widget_key:
        records[name] = (widget_key, _Record())
    return records[name][1]


def _reported(widget_key: str) -> Mapping[Any, Any]:
    edits = st.session_state.get(widget_key) or {}
    rows = edits.get("edited_rows") if isinstance(edits, Mapping) else None
    return rows if isinstance(rows, Mapping) else {}


def _snapshot(rows: Mapping[Any, Any]) -> dict[str, dict[str, Any]]:
    """The reported edits as plain data, to tell whether anything arrived since the callback."""
    return {
        str(row): dict(edited) if isinstance(edited, Mapping) else {"": edited}
        for row, edited in rows.items()
    }


def _cells(
    rows: Mapping[Any, Any],
    shape: tuple[int, int],
    columns: Sequence[str],
    editable: Collection[str],
) -> tuple[list[Cell], list[str]]:
    """The reported cells, and why any of them is not a cell of this grid that may be edited."""
    cells, problems = [], []
    for row, edited in rows.items():
        position = row if isinstance(row, int) and not isinstance(row, bool) else None
        if isinstance(row, str) and row.isdigit():
            position = int(row)
        if position is None or not 0 <= position < shape[0]:
            shown = str(row) if isinstance(row, int) else repr(str(row)[:20])
            problems.append(f"This grid has no row {shown} (it has {shape[0]} rows).")
            continue
        if not isinstance(edited, Mapping):
            problems.append(f"Row {position + 1}: the edit is not a set of cells.")
            continue
        for column, value in edited.items():
            if column not in columns and column != "_index":
                problems.append(f"This grid has no column {str(column)[:40]!r}.")
            elif column not in editable:
                problems.append(_read_only(position, str(column)))
            else:
                cells.append(Cell(position, str(column), value))
    return cells, problems


def _read_only(position: int, column: str) -> str:
    if column == "_index":
        return (
            f"Row {position + 1}: the row labels cannot be edited in this grid; rename with the "
            "page's add, rename or remove button."
        )
    return f"Row {position + 1}: '{column[:40]}' cannot be edited in this grid."


def _refuse(name: str, messages: Sequence[str]) -> None:
    """Say what was refused under the grid, and draw the grid again from the plan."""
    state.report(messages, name)
    state.reset_grid(name)


def _changes_of(converter: CellConverter, plan: Plan, cell: Cell) -> list[Change]:
    result = converter(plan, cell.row, cell.column, cell.value)
    return list(result) if isinstance(result, list) else [result]


def _apply(
    widget_key: str,
    name: str,
    converter: CellConverter,
    shape: tuple[int, int],
    columns: Sequence[str],
    editable: Collection[str],
) -> None:
    """Apply the cells typed since the last callback; report the refused ones."""
    record = _record(name, widget_key)
    rows = _reported(widget_key)
    record.snapshot = _snapshot(rows)
    cells, problems = _cells(rows, shape, columns, editable)
    if problems:
        _refuse(name, [*problems, "Nothing of this edit was applied."])
        return
    fresh = [c for c in cells if record.seen.get((c.row, c.column), _NEVER) != c.value]
    record.seen = {(cell.row, cell.column): cell.value for cell in cells}
    if not fresh:
        return
    plan = state.current_plan()
    current, refused = _apply_cells(plan, converter, fresh)
    refusal = state.refused_change(plan, current)
    if refusal is not None:
        # The grid is read-only for this user; a client that sent edits anyway changes nothing.
        _refuse(name, [refusal, "Nothing of this edit was applied."])
        return
    if current != plan:
        state.replace_plan(current, from_grid=name)
    if refused:
        _refuse(name, refused)
    else:
        state.clear_issues(name)


def _apply_cells(
    plan: Plan, converter: CellConverter, cells: Sequence[Cell]
) -> tuple[Plan, list[str]]:
    """``plan`` with every valid cell applied, in order, and the messages of the refused ones.

    A paste is first tried whole, as one validation; when some of it is
    refused, the cells are applied one by one so that every valid one still
    lands. Cells of one row are always applied one by one: a converter may
    build a row's change from the row as the plan holds it.
    """
    rows = [cell.row for cell in cells]
    if len(cells) > 1 and len(set(rows)) == len(rows):
        try:
            batch = [change for cell in cells for change in _changes_of(converter, plan, cell)]
        except PlanValidationError:
            batch = []
        if batch:
            changed, issues = apply_changes(plan, batch)
            if not issues:
                return changed, []
    current, refused = plan, []
    for cell in cells:
        try:
            changes = _changes_of(converter, current, cell)
        except PlanValidationError as error:
            refused += [str(issue) for issue in error.issues]
            continue
        changed, issues = apply_changes(current, changes)
        if issues:
            refused += [str(issue) for issue in issues]
        else:
            current = changed
    return current, refused


def grid(
    frame: pd.DataFrame,
    name: str,
    converter: CellConverter,
    column_config: dict[str, Any],
    *,
    editable: Collection[str] | None = None,
    right: Right | None = None,
    **options: Any,
) -> None:
    """An editable grid with fixed rows; its edits change the plan before the page reruns.

    ``converter(plan, row, column, value)`` turns one typed cell into the
    plan change(s) it makes (raising ``PlanValidationError`` for text that
    is not a number). ``editable`` names the columns that may be edited (all
    but the FY total by default). Refusals show under the grid, so the grid
    itself never moves while the planner types. A user without ``right`` (the
    role that edits this part of the plan) sees the grid read-only, and an edit
    that reaches its callback anyway is refused.
    """
    columns = [str(column) for column in frame.columns]
    allowed = tuple(editable) if editable is not None else tuple(c for c in columns if c != YEAR)
    shape = (len(frame.index), len(columns))
    widget_key = state.grid_key(name)
    if _cells(_reported(widget_key), shape, columns, allowed)[1]:
        # Cells that reached the editor's state without its callback (restored by the
        # front end, or seeded by a test): the editor itself could not draw them.
        _apply(widget_key, name, converter, shape, columns, allowed)
        widget_key = state.grid_key(name)
    args = (widget_key, name, converter, shape, columns, allowed)
    read_only = right is not None and not state.may(right)
    if read_only:
        options["disabled"] = True
    st.data_editor(
        frame,
        key=widget_key,
        num_rows="fixed",
        column_config=column_config,
        on_change=_apply,
        args=args,
        placeholder="-",
        **options,
    )
    record = _record(name, widget_key)
    reported = _reported(widget_key)
    if not reported:
        record.snapshot, record.seen = {}, {}
    elif _snapshot(reported) != record.snapshot:
        _apply(*args)
        st.rerun()
    if read_only and right is not None:
        st.caption(f":material/lock: Read-only for you. {right.rule}")
    state.show_refused(name)


def grid_height(rows: int, limit: int = 16) -> int:
    """Pixel height that shows up to ``limit`` rows without an inner scrollbar."""
    return 38 + 35 * min(max(rows, 1), limit)
