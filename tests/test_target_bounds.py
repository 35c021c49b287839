"""A target solve never answers with a driver a plan could not hold."""

from __future__ import annotations

from budgets.plan import MAX_UNIT_PRICE, MIN_UNIT_PRICE
from budgets.samples import sample_plan
from models import SolveStatus, project_plan
from models.targets import TargetSolve, _aov_within_bounds


def _aov_solve(factor: float, planned: float) -> TargetSolve:
    facts = {"needed": planned * factor, "planned": planned, "factor": factor, "m": 0.1,
             "currency": "EUR"}  # fmt: skip
    return TargetSolve(
        "aov_needed", "AOV needed", "money", SolveStatus.REACHED, planned * factor, planned,
        "aov_needed", facts, factor,
    )  # fmt: skip


def test_an_aov_that_would_fall_below_the_least_a_plan_holds_is_unreachable() -> None:
    arrays = project_plan(sample_plan()).arrays
    lowest = float(min(arrays.site_aov.min(), arrays.aov[arrays.aov > 0].min()))
    factor = MIN_UNIT_PRICE / lowest / 2

    solve = _aov_within_bounds(arrays, "EUR", _aov_solve(factor, 100.0))

    assert solve.status is SolveStatus.UNREACHABLE
    assert solve.value is None
    assert "below" in solve.explanation
    assert "the least an AOV may be" in solve.explanation


def test_an_aov_within_the_bounds_is_kept_and_one_past_the_most_is_unreachable() -> None:
    arrays = project_plan(sample_plan()).arrays
    kept = _aov_within_bounds(arrays, "EUR", _aov_solve(0.9, 100.0))
    highest = float(max(arrays.site_aov.max(), arrays.aov.max()))
    too_high = _aov_within_bounds(arrays, "EUR", _aov_solve(2 * MAX_UNIT_PRICE / highest, 100.0))

    assert kept.status is SolveStatus.REACHED
    assert kept.value == 90.0
    assert too_high.status is SolveStatus.UNREACHABLE
