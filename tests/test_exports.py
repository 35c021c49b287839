"""Workbooks built by the worker process are the plan's workbook, and survive a dead worker."""

from __future__ import annotations

import io
import json
import time

import pytest
from openpyxl import load_workbook

from budgets import plan_to_json
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from budgets.store import InMemoryPlanStore, PlanKey
from models.excel.export import plan_workbook, version_record
from models.excel.worker import read_frame, serve, write_frame
from tests.conftest import person
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


def _summary_record(workbook: bytes) -> list[tuple[str, str]]:
    sheet = load_workbook(io.BytesIO(workbook))["Summary"]
    return [(str(sheet.cell(row, 3).value), str(sheet.cell(row, 4).value)) for row in range(5, 10)]


def test_the_summary_names_who_prepared_submitted_and_approved_the_version() -> None:
    store = InMemoryPlanStore()
    key = PlanKey.of(sample_plan())
    store.save(sample_plan(), base_version=None, by=person("Mia Marketing"), comment="v1")
    store.submit(key, 1, person("Mia Marketing"), "Ready")
    info = store.approve(key, 1, person("Omar Finance"))

    lines = version_record(info)
    workbook = exports.workbook(sample_plan(), lines)

    when = f"{info.saved_at:%Y-%m-%d %H:%M} UTC"
    assert _summary_record(workbook)[:4] == [
        ("Version", "1 of 'Maison Nord – Online' FY2027, approved"),
        ("Prepared by", f"Mia Marketing (miamarketing@example.com), {when}"),
        ("Submitted by", f"Mia Marketing, {info.submitted_at:%Y-%m-%d %H:%M} UTC"),
        (
            "Approved by",
            f"Omar Finance (omarfinance@example.com), {info.approved_at:%Y-%m-%d %H:%M} UTC",
        ),
    ]
    assert version_record(info, edited=True)[0][1].startswith("unsaved edits on version 1 of")


def test_the_worker_answers_a_plan_it_cannot_read_with_the_reason() -> None:
    requests, answers = io.BytesIO(), io.BytesIO()
    write_frame(requests, json.dumps({"plan": '{"name": 5}'}).encode())
    record = [["Version", "3 of 'Maison Nord' FY2027, approved"]]
    write_frame(
        requests, json.dumps({"plan": plan_to_json(sample_plan()), "record": record}).encode()
    )
    requests.seek(0)

    serve(requests, answers)

    answers.seek(0)
    refused, reason = read_frame(answers)
    built, workbook = read_frame(answers)
    assert not refused
    assert reason.startswith(b"PlanValidationError: ")
    assert built
    assert _cells(workbook) == _cells(plan_workbook(sample_plan(), record=[tuple(record[0])]))
    assert ("Version", "3 of 'Maison Nord' FY2027, approved") in _summary_record(workbook)
