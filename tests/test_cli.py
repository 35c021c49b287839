"""``python -m models summary``: the plan's numbers from a shell."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from budgets.samples import SAMPLE_PLAN_PATH
from models import PNL_LINES, project_plan

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "models", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_summary_json_has_every_pnl_line_and_channel(sample) -> None:
    result = run("summary", str(SAMPLE_PLAN_PATH), "--json")

    data = json.loads(result.stdout)
    assert result.returncode == 0
    assert list(data["pnl"]) == list(PNL_LINES)
    assert len(data["pnl"]["net_sales"]["months"]) == 12
    projection = project_plan(sample)
    assert data["pnl"]["ebitda"]["year"] == pytest.approx(projection.year("ebitda"), abs=0.005)
    assert set(data["channels"]) == {c.name for c in sample.marketing.channels}
    agency = data["channels"]["Performance agency fee"]
    assert set(agency) == {"spend", "impressions", "sessions", "orders", "revenue", "roas", "cpa"}
    assert agency["cpa"]["year"] is None
    assert data["targets"]["solves"]["net_sales_gap"]["status"] == "reached"


def test_summary_prints_a_readable_statement() -> None:
    result = run("summary", str(SAMPLE_PLAN_PATH))

    assert result.returncode == 0
    assert "Contribution after marketing (CM3)" in result.stdout
    assert "EBITDA" in result.stdout
    assert "EUR 16,478,498" in result.stdout
    assert "short of the EUR 17.50 M target" in result.stdout


def test_a_bad_plan_exits_non_zero_with_the_message_and_no_traceback(tmp_path, smallest_data):
    smallest_data["marketing"]["channels"][0]["spend"][2] = -5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(smallest_data))

    result = run("summary", str(path))

    assert result.returncode == 2
    assert "Channel 'Search', spend, Mar 2027: -5 is not allowed" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_file_exits_non_zero_without_a_traceback(tmp_path) -> None:
    result = run("summary", str(tmp_path / "nowhere.json"))

    assert result.returncode == 2
    assert "Cannot read" in result.stderr
    assert "Traceback" not in result.stderr
