"""Editable grids wired to the plan: every edit is applied in the editor's callback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from budgets import Plan
from budgets.edits import Change
from ui import state
from ui.grids import EditedRows

Converter = Callable[[Plan, EditedRows], Sequence[Change]]


def _apply_edits(widget_key: str, converter: Converter) -> None:
    edits = st.session_state[widget_key]
    state.apply(converter(state.current_plan(), edits.get("edited_rows", {})))


def grid(
    frame: pd.DataFrame,
    name: str,
    converter: Converter,
    column_config: dict[str, Any],
    **options: Any,
) -> None:
    """An editable grid with fixed rows; its edits change the plan before the page reruns.

    The widget key carries the plan's revision: after an edit (applied or
    refused) the grid starts again from the plan, so it never shows a value
    the plan does not hold. Edits are applied in the editor's callback;
    edits that reach the editor's state without one (state seeded by a test
    or restored by the front end) are applied after it renders.
    """
    widget_key = state.key(name)
    st.data_editor(
        frame,
        key=widget_key,
        num_rows="fixed",
        column_config=column_config,
        on_change=_apply_edits,
        args=(widget_key, converter),
        placeholder="-",
        **options,
    )
    pending = st.session_state.get(widget_key) or {}
    if pending.get("edited_rows"):
        _apply_edits(widget_key, converter)
        st.rerun()


def grid_height(rows: int, limit: int = 16) -> int:
    """Pixel height that shows up to ``limit`` rows without an inner scrollbar."""
    return 38 + 35 * min(max(rows, 1), limit)
