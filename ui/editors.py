"""Editable grids wired to the plan: every typed cell is applied in the editor's callback.

The editor's key is kept while the edits come from it (``state.grid_key``),
so its selection and focus survive the rerun that applies an edit: a
planner types a value, presses Enter or Tab, and types the next one, as in
a spreadsheet. The editor reports every cell edited since it was built;
only the cells that changed since the last callback are applied, each once.

A cell the plan refuses keeps what was typed, so it can be corrected, and
its message stays under the grid until the cell is corrected. A cell the
grid does not have (a row or column that does not exist, a read-only
column such as the FY total or the row labels), which only a crafted
client can send, refuses the whole batch: nothing of it is applied.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from budgets import Plan, PlanIssue, PlanValidationError
from budgets.edits import Change, apply_changes
from models import YEAR
from ui import state
from ui.grids import Cell

_RECORDS = "_grid_cells"


@dataclass
class _Record:
    """What a grid's editor had reported at the last callback, and which cells were refused."""

    snapshot: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: dict[tuple[int, str], Any] = field(default_factory=dict)
    refused: dict[tuple[int, str], list[str]] = field(default_factory=dict)


def _record(widget_key: str) -> _Record:
    records: dict[str, _Record] = st.session_state.setdefault(_RECORDS, {})
    if widget_key not in records:
        name = widget_key.rsplit("_grid_", 1)[0]
        # One record per grid: an older editor of the same grid is gone.
        for old in [k for k in records if k.rsplit("_grid_", 1)[0] == name]:
            del records[old]
        records[widget_key] = _Record()
    return records[widget_key]


def _reported(widget_key: str) -> Mapping[Any, Any]:
    edits = st.session_state.get(widget_key) or {}
    rows = edits.get("edited_rows") if isinstance(edits, Mapping) else None
    return rows if isinstance(rows, Mapping) else {}


def _outside(
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
            problems.append(f"This grid has no row {str(row)[:20]!r} (it has {shape[0]} rows).")
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


def _changes_of(converter: Any, plan: Plan, cell: Cell) -> list[Change]:
    result = converter(plan, cell.row, cell.column, cell.value)
    return list(result) if isinstance(result, list | tuple) else [result]


def _apply(
    widget_key: str,
    name: str,
    converter: Any,
    shape: tuple[int, int],
    columns: Sequence[str],
    editable: Collection[str],
) -> None:
    """Apply the cells typed since the last callback; refusals stay with their cells."""
    record = _record(widget_key)
    rows = _reported(widget_key)
    record.snapshot = _snapshot(rows)
    cells, problems = _outside(rows, shape, columns, editable)
    reported = {(cell.row, cell.column): cell.value for cell in cells}
    fresh = [c for c in cells if record.seen.get((c.row, c.column), _NEVER) != c.value]
    record.seen = reported
    # A cell no longer reported went back to the plan's value: nothing of it is refused now.
    record.refused = {cell: why for cell, why in record.refused.items() if cell in reported}
    if problems:
        state.report([*problems, "Nothing of this edit was applied."], widget_key)
        return
    state.clear_issues(widget_key)
    if not fresh:
        return
    plan = state.current_plan()
    current, refused = _apply_cells(plan, converter, fresh)
    for cell in fresh:
        record.refused.pop((cell.row, cell.column), None)
    record.refused.update(refused)
    if current != plan:
        state.replace_plan(current, from_grid=name)


_NEVER = object()


def _apply_cells(
    plan: Plan, converter: Any, cells: Sequence[Cell]
) -> tuple[Plan, dict[tuple[int, str], list[str]]]:
    """``plan`` with every valid cell applied, in order, and the messages of the refused ones.

    A batch (a paste) is first tried whole, as one validation; when some of
    it is refused, the cells are applied one by one so that every valid one
    still lands.
    """
    refused: dict[tuple[int, str], list[str]] = {}
    try:
        batch = [change for cell in cells for change in _changes_of(converter, plan, cell)]
    except PlanValidationError:
        batch = None
    if batch is not None and len(cells) > 1 and not _same_rows_repeat(cells):
        changed, issues = apply_changes(plan, batch)
        if not issues:
            return changed, refused
    current = plan
    for cell in cells:
        try:
            changes = _changes_of(converter, current, cell)
        except PlanValidationError as error:
            refused[(cell.row, cell.column)] = _messages(error.issues)
            continue
        changed, issues = apply_changes(current, changes)
        if issues:
            refused[(cell.row, cell.column)] = _messages(issues)
        else:
            current = changed
    return current, refused


def _same_rows_repeat(cells: Sequence[Cell]) -> bool:
    """Several cells of one row: a converter may build the row's change from the plan's row,
    so they are applied one after the other."""
    rows = [cell.row for cell in cells]
    return len(set(rows)) != len(rows)


def _messages(issues: Sequence[PlanIssue]) -> list[str]:
    return [str(issue) for issue in issues]


def grid(
    frame: pd.DataFrame,
    name: str,
    converter: Any,
    column_config: dict[str, Any],
    *,
    editable: Collection[str] | None = None,
    **options: Any,
) -> None:
    """An editable grid with fixed rows; its edits change the plan before the page reruns.

    ``converter(plan, row, column, value)`` turns one typed cell into the
    plan changes it makes (raising ``PlanValidationError`` for text that is
    not a number). ``editable`` names the columns that may be edited (all
    but the FY total by default). Refusals show under the grid, so the grid
    itself never moves while the planner types.
    """
    widget_key = state.grid_key(name)
    columns = [str(column) for column in frame.columns]
    allowed = tuple(editable) if editable is not None else tuple(c for c in columns if c != YEAR)
    shape = (len(frame.index), len(columns))
    args = (widget_key, name, converter, shape, columns, allowed)
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
    record = _record(widget_key)
    reported = _reported(widget_key)
    if not reported:
        record.snapshot, record.seen, record.refused = {}, {}, {}
    elif _snapshot(reported) != record.snapshot:
        # Edits that reached the editor's state without its callback (restored by the
        # front end, or seeded by a test): applied once, then the page shows them.
        _apply(*args)
        st.rerun()
    refused = [message for messages in record.refused.values() for message in messages]
    state.show_refused(widget_key)
    if refused:
        st.error(
            "**Not applied** - the plan keeps its last valid values:\n\n"
            + "\n".join(f"- {message}" for message in refused),
            icon=":material/block:",
        )


def _snapshot(rows: Mapping[Any, Any]) -> dict[str, dict[str, Any]]:
    """The reported edits as plain data, to tell whether anything arrived since the callback."""
    return {
        str(row): dict(edited) if isinstance(edited, Mapping) else {"": edited}
        for row, edited in rows.items()
    }


def grid_height(rows: int, limit: int = 16) -> int:
    """Pixel height that shows up to ``limit`` rows without an inner scrollbar."""
    return 38 + 35 * min(max(rows, 1), limit)
