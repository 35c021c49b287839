"""Workbooks built by the worker process are the plan's workbook, and survive a dead worker."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from budgets import plan_to_json
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from models.excel.export import plan_workbook
from models.excel.worker import read_frame, serve, write_frame
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


@pytest.fixture(autouse=True)
def _own_worker() -> None:
    exports._worker.clear()


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
    first_worker = exports._worker().process
    assert first_worker is not None
    first_worker.kill()
    first_worker.wait(10)

    rebuilt = exports.workbook(sample_plan())

    assert _cells(rebuilt) == _cells(plan_workbook(sample_plan()))
    assert exports._worker().process is not first_worker


def test_the_worker_answers_a_plan_it_cannot_read_with_the_reason() -> None:
    requests, answers = io.BytesIO(), io.BytesIO()
    write_frame(requests, b'{"name": 5}')
    write_frame(requests, plan_to_json(sample_plan()).encode())
    requests.seek(0)

    serve(requests, answers)

    answers.seek(0)
    refused, reason = read_frame(answers)
    built, workbook = read_frame(answers)
    assert not refused
    assert reason.startswith(b"PlanValidationError: ")
    assert built
    assert _cells(workbook) == _cells(plan_workbook(sample_plan()))
