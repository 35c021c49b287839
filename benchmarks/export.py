"""Median time of the Excel export of the sample and 50-channel plans, against pandas' to_excel.

    python -m benchmarks.export

Targets: sample plan < 300 ms, 50-channel plan < 1.5 s, and at most 2x the time
pandas' ``DataFrame.to_excel`` (engine openpyxl) takes to write the same tables
as plain values in the same run: the drivers, the channel metrics, the P&L and
the KPIs, one sheet each.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from benchmarks.timing import median_ms
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


def main() -> None:
    for label, plan, target in (
        ("sample plan (12 channels)", sample_plan(), 300.0),
        ("large plan (50 channels)", large_plan(50), 1500.0),
    ):
        tables = pandas_tables(plan)
        ours = median_ms(lambda plan=plan: plan_workbook(plan), repeat=15, warmup=2)
        theirs = median_ms(lambda tables=tables: pandas_to_excel(tables), repeat=15, warmup=2)
        ratio = ours / theirs
        verdict = "ok" if ours < target and ratio <= 2 else "OVER TARGET"
        print(
            f"plan_workbook, {label:27s} median {ours:7.1f} ms (target < {target:g} ms); "
            f"pandas to_excel of the same tables {theirs:7.1f} ms; ratio {ratio:4.2f}x "
            f"(target <= 2x) {verdict}"
        )


if __name__ == "__main__":
    main()
