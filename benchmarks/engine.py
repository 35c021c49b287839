"""Median time of one projection of the sample and 50-channel plans, with and without its
target solves.

    python -m benchmarks.engine

A projection computes the channels, the P&L and the ROAS hurdles; the year's
target solves (the largest budget, the sales, conversion and AOV needed)
run when first read, as the Targets page and the workbook read them. Both
are timed: the projection alone, and the projection with every solve read.
Targets, with the solves: sample plan < 5 ms, 50-channel plan < 25 ms.
"""

from __future__ import annotations

from benchmarks.timing import median_ms
from budgets import Plan
from budgets.samples import large_plan, sample_plan
from models import project_plan


def _with_solves(plan: Plan) -> None:
    _ = project_plan(plan).targets.solves


def main() -> None:
    for label, plan, target in (
        ("sample plan (12 channels)", sample_plan(), 5.0),
        ("large plan (50 channels)", large_plan(50), 25.0),
    ):
        alone = median_ms(lambda plan=plan: project_plan(plan))
        solved = median_ms(lambda plan=plan: _with_solves(plan))
        verdict = "ok" if solved < target else "OVER TARGET"
        print(
            f"project_plan, {label:28s} median {alone:7.2f} ms without the target solves, "
            f"{solved:7.2f} ms with them  (target < {target:g} ms) {verdict}"
        )


if __name__ == "__main__":
    main()
