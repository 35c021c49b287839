"""Tabs of which only the open one runs, so a rerun draws what the user looks at.

Streamlit runs every tab's content unless the tabs track their state; these
do, and the open tab is also kept under a key of our own, so leaving the page
and coming back shows the same tab (widget state alone is dropped on a page
switch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import streamlit as st
from streamlit.elements.lib.mutable_tab_container import TabContainer

from budgets.access import Right
from ui import state

TABS: dict[str, tuple[str, ...]] = {
    "marketing": ("Spend by month", "Cost drivers, conversion and AOV", "Results for the year"),
    "pnl": ("P&L statement", "Monthly drivers", "Fixed costs"),
    "targets": ("What the targets take", "ROAS hurdles by month"),
    "allocator": ("Response curves", "Allocator"),
    "curve_source": ("From what you know", "Fit to last year's months"),
    "recommendation": ("Why, channel by channel", "By month", "Response curves"),
}
# Each page's own tabs, by page file (a page not listed draws all of itself on every run).
PAGE_TABS = {
    "marketing_plan": "marketing",
    "pnl_budget": "pnl",
    "targets": "targets",
    "allocator": "allocator",
}


def _remember(widget_key: str) -> None:
    st.session_state[state.remembered(widget_key)] = st.session_state[widget_key]


def show(name: str, *sections: Callable[[], object]) -> None:
    """The tabs ``TABS[name]``, each drawn by its section in order; only the open one runs."""
    for tab, draw in zip(_tabs(name), sections, strict=True):
        if tab.open:
            with tab:
                draw()


def _tabs(name: str) -> Sequence[TabContainer]:
    """The tabs ``TABS[name]``; only the open tab's ``.open`` is true."""
    labels = TABS[name]
    widget_key = f"{name}_view"
    remembered = st.session_state.get(state.remembered(widget_key))
    if remembered in labels and st.session_state.get(widget_key) != remembered:
        st.session_state[widget_key] = remembered
    return st.tabs(list(labels), key=widget_key, on_change=_remember, args=(widget_key,))


def action_box(
    name: str,
    label: str,
    *,
    icon: str,
    right: Right,
    width: Literal["stretch", "content"] = "content",
) -> Any:
    """A popover of actions on the plan, or None while it is closed.

    It is greyed out, saying which role it needs, for a user without ``right``
    (the actions would be refused anyway: ``state.attempt``).

    Its key follows the widget generation (``state.key``): when an action in
    it changes the plan the popover closes, and opens again with empty
    fields; when an action is refused it stays open with what was typed and
    says why at its top (``state.show_refused(name)``).
    """
    box = st.popover(
        label, icon=icon, key=state.key(name), on_change="rerun", width=width,
        **state.gated(right),
    )  # fmt: skip
    if not box.open:
        return None
    with box:
        state.show_refused(name)
    return box
