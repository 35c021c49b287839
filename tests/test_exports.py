"""Workbooks built in the worker process are the plan's workbook, and survive a dead worker."""

from __future__ import annotations

import io
import os
import signal
import time

from openpyxl import load_workbook

from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from models.workbook import plan_workbook
from ui import exports


def _cells(data: bytes) -> dict[tuple[str, str], object]:
    """Every cell of every sheet, but the export's own timestamp."""
    book = load_workbook(io.BytesIO(data))
    return {
        (sheet.title, cell.coordinate): cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if not (sheet.title == "Summary" and sheet.cell(cell.row, 1).value == "Exported")
    }


def test_the_worker_builds_the_plans_own_workbook() -> None:
    plan, _ = apply_changes(
        sample_plan(), [Change(("marketing", "channels", 2, "spend", 4), 12_345.67)]
    )

    exports.workbook(sample_plan())  # the worker is up
    began = time.process_time()
    built = exports.workbook(plan)
    here = time.process_time() - began
    began = time.process_time()
    local = plan_workbook(plan)
    local_cpu = time.process_time() - began

    assert _cells(built) == _cells(local)
    assert here < local_cpu / 4  # built by the worker: this process only waited


def test_a_worker_that_died_is_replaced() -> None:
    exports.workbook(sample_plan())
    for pid in list(exports._pool()._processes):
        os.kill(pid, signal.SIGKILL)

    first = exports.workbook(sample_plan())  # built here while a new worker starts
    second = exports.workbook(sample_plan())

    assert _cells(first) == _cells(second) == _cells(plan_workbook(sample_plan()))
    assert all(process.is_alive() for process in exports._pool()._processes.values())
