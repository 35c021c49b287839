"""CPU time and peak extra memory of reading each hostile upload, and of the largest plan.

    python -m benchmarks.hostile

Each case builds its file first (not measured), then reads it as the app
does: the plan JSON and workbook uploads, the curves CSV (read, then one
channel fitted), and the export of the largest plan the rules allow. CPU
seconds come from ``time.process_time`` on a plain run; peak extra memory
from ``tracemalloc`` on a second run (it slows the code it traces, so the two
are measured apart). Targets: every case at most 2 s of CPU and 300 MB.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

from budgets import PlanValidationError, plan_from_json, plan_to_json
from budgets.samples import largest_plan
from models.curve_history import HistoryError, fit_curve, read_history
from models.excel.export import plan_workbook
from models.excel.reader import plan_from_workbook
from tests import hostile_files as hostile

CPU_TARGET_S = 2.0
MEMORY_TARGET_MB = 300.0


def _outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except (PlanValidationError, HistoryError) as error:
        return "refused: " + str(error).split("\n", 1)[0][:90]
    return "read"


def _read_csv(data: bytes) -> object:
    history = read_history(data)
    return fit_curve(history, history.channels[0]) if history.channels else history


def cases() -> list[tuple[str, Callable[[], object]]]:
    """(name, call) for every hostile upload; each call reads a file built beforehand."""
    far = hostile.far_away_cell()
    far_hidden = hostile.far_away_cell_without_dimension()
    inflated = hostile.inflated_sheet()
    inflated_less = hostile.inflated_sheet(19)
    dense = hostile.dense_sheet_under_the_tag_limit()
    largest = largest_plan()
    largest_xlsx = plan_workbook(largest)
    largest_json = plan_to_json(largest).encode()
    deep = hostile.deep_json()
    digits = hostile.big_integer_json()
    unknown = hostile.unknown_field_json()
    wide = hostile.wide_csv_header()
    long_csv = hostile.long_csv()
    largest_csv = hostile.largest_csv()
    long_name = hostile.long_channel_name_csv()
    return [
        ("workbook: a cell at row 10,000,000", lambda: plan_from_workbook(far)),
        ("workbook: a cell at row 1e9, no dimension", lambda: plan_from_workbook(far_hidden)),
        ("workbook: a sheet inflated to 95 MB", lambda: plan_from_workbook(inflated)),
        ("workbook: a sheet inflated to 19 MB", lambda: plan_from_workbook(inflated_less)),
        ("workbook: dense cells just under the tag limit", lambda: plan_from_workbook(dense)),
        ("workbook: the largest plan's, imported", lambda: plan_from_workbook(largest_xlsx)),
        ("export: the largest plan's workbook", lambda: plan_workbook(largest)),
        ("plan JSON: nested 100,000 deep", lambda: plan_from_json(deep)),
        ("plan JSON: an integer of 5,000 digits", lambda: plan_from_json(digits)),
        ("plan JSON: a 9.5 MB unknown field", lambda: plan_from_json(unknown)),
        ("plan JSON: the largest plan", lambda: plan_from_json(largest_json)),
        ("curves CSV: a header of 1,000,000 columns", lambda: _read_csv(wide)),
        ("curves CSV: 10 MB of valid rows", lambda: _read_csv(long_csv)),
        ("curves CSV: the largest allowed (20,000 rows)", lambda: _read_csv(largest_csv)),
        ("curves CSV: a 10 MB channel name", lambda: _read_csv(long_name)),
    ]


def cpu_seconds(call: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    _outcome(call)
    return time.process_time() - start


def peak_megabytes(call: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        _outcome(call)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / (1024 * 1024)


def main() -> None:
    print(f"{'case':48} {'CPU s':>7} {'peak MB':>8}  outcome")
    worst_cpu = worst_memory = 0.0
    for name, call in cases():
        cpu = cpu_seconds(call)
        memory = peak_megabytes(call)
        worst_cpu, worst_memory = max(worst_cpu, cpu), max(worst_memory, memory)
        flag = "" if cpu <= CPU_TARGET_S and memory <= MEMORY_TARGET_MB else "  OVER TARGET"
        print(f"{name:48} {cpu:7.2f} {memory:8.1f}  {_outcome(call)}{flag}")
    print(
        f"worst: {worst_cpu:.2f} s of CPU (target {CPU_TARGET_S:g}), {worst_memory:.0f} MB "
        f"(target {MEMORY_TARGET_MB:g})"
    )


if __name__ == "__main__":
    main()
