"""Median time of the Excel export of the sample and 50-channel plans, against pandas' to_excel.

    python -m benchmarks.export

Targets: sample plan <= 100 ms, 50-channel plan <= 250 ms, and at most the time
pandas' ``DataFrame.to_excel`` (engine openpyxl) takes to write the same tables
as plain values in the same run (the drivers, the channel metrics, the P&L and
the KPIs, one sheet each), the two timed alternately. Also printed: the first
export in a new process, before any formula is compiled.
"""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from budgets import Plan, as_monthly
from budgets.plan import PNL_DRIVERS
from budgets.samples import large_plan, sample_plan
from models import project_plan
from models.excel.export import plan_workbook

CHANNEL_DRIVERS = ("cpc", "cpm", "ctr", "conversion_rate", "aov")

CHANNEL_METRICS = ("spend", "impressions", "sessions", "orders", "revenue", "roas", "cpa")


def pandas_tables(plan: Plan) -> dict[str, list[pd.DataFrame]]:
    """The workbook's tables as DataFrames, by sheet: what the export writes, as values."""
    projection = project_plan(plan)
    months = list(projection.months)
    channels = plan.marketing.channels
    names = [channel.name for channel in channels]
    drivers = pd.DataFrame(
        [getattr(plan.pnl, driver) for driver in PNL_DRIVERS], index=PNL_DRIVERS, columns=months
    )
    fixed = pd.DataFrame(
        [line.amounts for line in plan.pnl.fixed_costs],
        index=[line.name for line in plan.pnl.fixed_costs],
        columns=months,
    )
    channel_drivers = [
        pd.DataFrame(
            [
                as_monthly(value) if value is not None else (np.nan,) * 12
                for value in (getattr(channel, driver) for channel in channels)
            ],
            index=names,
            columns=months,
        )
        for driver in CHANNEL_DRIVERS
    ]
    return {
        "Assumptions": [drivers, fixed, *channel_drivers],
        "Marketing plan": [projection.channels.table(metric) for metric in CHANNEL_METRICS],
        "P&L": [projection.pnl, projection.kpis],
    }


def pandas_to_excel(tables: dict[str, list[pd.DataFrame]]) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for sheet, frames in tables.items():
            row = 0
            for frame in frames:
                frame.to_excel(writer, sheet_name=sheet, startrow=row)
                row += len(frame) + 2
    return out.getvalue()


def _interleaved(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    """Times of both calls, alternated so that a busy moment of the machine weighs on both."""
    mine, pandas = [], []
    for _ in range(2):
        ours(), theirs()
    for _ in range(repeat):
        for call, times in ((ours, mine), (theirs, pandas)):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    return mine, pandas


def _cold_ms(channels: int) -> float:
    """The first export in a new process: nothing cached (formulas compiled, modules warm)."""
    plan = "sample_plan()" if channels == 0 else f"large_plan({channels})"
    script = (
        "import time; from budgets.samples import large_plan, sample_plan; "
        "from models.excel.export import plan_workbook; "
        f"p = {plan}; t = time.perf_counter(); plan_workbook(p); "
        "print((time.perf_counter() - t) * 1000)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def main() -> None:
    for label, plan, channels, target in (
        ("sample plan (12 channels)", sample_plan(), 0, 100.0),
        ("large plan (50 channels)", large_plan(50), 50, 250.0),
    ):
        tables = pandas_tables(plan)
        mine, pandas = _interleaved(
            lambda plan=plan: plan_workbook(plan),
            lambda tables=tables: pandas_to_excel(tables),
            repeat=25,
        )
        ours, theirs = statistics.median(mine), statistics.median(pandas)
        ratio = ours / theirs
        cold = statistics.median(_cold_ms(channels) for _ in range(3))
        verdict = "ok" if ours <= target and ratio <= 1.0 else "OVER TARGET"
        print(
            f"plan_workbook, {label:26s} median {ours:6.1f} ms, fastest {min(mine):6.1f} ms "
            f"(target <= {target:g} ms); pandas to_excel of the same tables median "
            f"{theirs:6.1f} ms; ratio {ratio:4.2f}x (target <= 1.0x) {verdict}; "
            f"first export in a new process {cold:6.1f} ms"
        )


if __name__ == "__main__":
    main()
