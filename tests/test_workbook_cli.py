"""``python -m models export``: the plan's workbook from a shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from budgets.samples import SAMPLE_PLAN_PATH
from models.excel.reader import plan_from_workbook

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "models", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_export_writes_the_workbook_of_the_plan(tmp_path, sample) -> None:
    out = tmp_path / "plan.xlsx"

    result = run("export", str(SAMPLE_PLAN_PATH), "-o", str(out))

    assert result.returncode == 0
    assert result.stdout == f"Wrote {out}\n"
    assert plan_from_workbook(out.read_bytes()) == sample


def test_export_of_a_bad_plan_exits_2_with_the_message_and_no_traceback(
    tmp_path, smallest_data
) -> None:
    smallest_data["pnl"]["return_rate"][6] = 1.2
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(smallest_data))
    out = tmp_path / "out.xlsx"

    result = run("export", str(path), "-o", str(out))

    assert result.returncode == 2
    assert "P&L budget, return rate, Jul 2027: 1.2 (120 %) is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_export_to_a_folder_that_does_not_exist_exits_2_without_a_traceback(tmp_path) -> None:
    result = run("export", str(SAMPLE_PLAN_PATH), "-o", str(tmp_path / "no" / "plan.xlsx"))

    assert result.returncode == 2
    assert "Cannot write" in result.stderr
    assert "Traceback" not in result.stderr
