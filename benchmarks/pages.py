"""Median server rerun time of each page (AppTest), next to a bare page.

    python -m benchmarks.pages

Each page runs as in a browser rerun: the sidebar (headline KPIs) and the
page, on the sample plan and on a 50-channel plan; a page with tabs runs
only its open tab, so each tab is measured as well. The bare page has one
10 x 12 editor and one chart. Targets: sample pages within 1.5x of the bare
page; every page under 150 ms on the 50-channel plan.
"""

from __future__ import annotations

import functools
import logging
import statistics
import time
from pathlib import Path
from types import CodeType

from streamlit.testing.v1 import AppTest

from budgets import Plan
from budgets.samples import large_plan, sample_plan
from ui.views import PAGE_TABS, TABS

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("side_by_side", "marketing_plan", "pnl_budget", "targets", "allocator", "history")
RUNS = 41


def _page_with_sidebar(page: str, root: str) -> None:
    import sys

    import streamlit as st

    if root not in sys.path:
        sys.path.insert(0, root)
    from benchmarks.pages import page_code
    from ui import sidebar, state

    st.set_page_config(layout="wide")
    state.init_session()
    sidebar.render()
    exec(page_code(f"{root}/pages/{page}.py"), {"__name__": "__main__"})


@functools.cache
def page_code(path: str) -> CodeType:
    """A page compiled once, as streamlit keeps each page's bytecode between reruns."""
    return compile(Path(path).read_text(encoding="utf-8"), path, "exec")


def _bare_page() -> None:
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go
    import streamlit as st

    frame = pd.DataFrame(
        np.arange(120, dtype=float).reshape(10, 12), columns=[f"M{i}" for i in range(1, 13)]
    )
    st.data_editor(frame, key="bare", num_rows="fixed")
    st.plotly_chart(go.Figure(go.Bar(x=list(frame.columns), y=frame.sum())))


def _median_rerun_ms(*apps: AppTest) -> list[float]:
    """Each app's median rerun, their runs interleaved so that they share the machine's pace."""
    for at in apps:
        for _ in range(3):
            at.run()
    times: list[list[float]] = [[] for _ in apps]
    for _ in range(RUNS):
        for at, runs in zip(apps, times, strict=True):
            start = time.perf_counter()
            at.run()
            runs.append(time.perf_counter() - start)
            assert not at.exception, at.exception
    return [statistics.median(runs) * 1000 for runs in times]


def page_app(page: str, plan: Plan, tab: str | None = None) -> AppTest:
    """A page with the sidebar on ``plan``; ``tab``: the tab it shows (else the one it opens on)."""
    at = AppTest.from_function(_page_with_sidebar, args=(page, str(ROOT)), default_timeout=60)
    at.session_state["plan"] = plan
    at.session_state["plan_revision"] = 0
    at.session_state["plan_issues"] = []
    if tab is not None:
        at.session_state[f"_{PAGE_TABS[page]}_view"] = tab
    return at


def views() -> list[tuple[str, str | None]]:
    """Every page as it opens, then each of its other tabs (only the open tab runs)."""
    rows: list[tuple[str, str | None]] = []
    for page in PAGES:
        rows.append((page, None))
        if page in PAGE_TABS:
            rows.extend((page, label) for label in TABS[PAGE_TABS[page]][1:])
    return rows


def main() -> None:
    # Seeding session state outside a run logs warnings that are not findings of the benchmark.
    logging.disable(logging.WARNING)
    plans = {"sample": sample_plan(), "50 channels": large_plan(50)}
    print(
        "Median rerun of each page and of the bare page (one 10x12 editor, one chart), their runs "
        f"interleaved ({RUNS} each), as the machine's pace drifts."
    )
    print(
        f"{'page':16s} {'tab':34s} {'bare':>8s} {'sample':>10s} {'x bare':>7s} "
        f"{'50 channels':>12s}  verdict"
    )
    for page, tab in views():
        bare_app = AppTest.from_function(_bare_page, default_timeout=60)
        bare, sample, large = _median_rerun_ms(
            bare_app,
            page_app(page, plans["sample"], tab),
            page_app(page, plans["50 channels"], tab),
        )
        ok = sample <= 1.5 * bare and large < 150
        print(
            f"{page:16s} {tab or '(as it opens)':34s} {bare:5.1f} ms {sample:7.1f} ms "
            f"{sample / bare:6.2f}x {large:9.1f} ms  {'ok' if ok else 'OVER TARGET'}"
        )


if __name__ == "__main__":
    main()
