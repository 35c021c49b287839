"""Median server rerun time of each page (AppTest), next to a bare page.

    python -m benchmarks.pages

Each page runs as in a browser rerun: the sidebar (headline KPIs) and the
page, on the sample plan and on a 50-channel plan. The bare page has one
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

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("side_by_side", "marketing_plan", "pnl_budget", "targets", "allocator", "history")
RUNS = 15


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


def _median_rerun_ms(at: AppTest) -> float:
    at.run()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
    return statistics.median(times) * 1000


def page_ms(page: str, plan: Plan) -> float:
    at = AppTest.from_function(_page_with_sidebar, args=(page, str(ROOT)), default_timeout=60)
    at.session_state["plan"] = plan
    at.session_state["plan_revision"] = 0
    at.session_state["plan_issues"] = []
    return _median_rerun_ms(at)


def main() -> None:
    # Seeding session state outside a run logs warnings that are not findings of the benchmark.
    logging.disable(logging.WARNING)
    bare = _median_rerun_ms(AppTest.from_function(_bare_page, default_timeout=60))
    plans = {"sample": sample_plan(), "50 channels": large_plan(50)}
    print(f"bare page (one 10x12 editor, one chart): median {bare:6.1f} ms")
    print(f"{'page':16s} {'sample':>10s} {'x bare':>7s} {'50 channels':>12s}  verdict")
    for page in PAGES:
        sample = page_ms(page, plans["sample"])
        large = page_ms(page, plans["50 channels"])
        ok = sample <= 1.5 * bare and large < 150
        print(
            f"{page:16s} {sample:8.1f} ms {sample / bare:6.2f}x {large:9.1f} ms  "
            f"{'ok' if ok else 'OVER TARGET'}"
        )


if __name__ == "__main__":
    main()
