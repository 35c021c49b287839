"""Median time of one full projection (channels, P&L, targets) of the sample and 50-channel plans.

    python -m benchmarks.engine

Targets: sample plan < 5 ms, 50-channel plan < 25 ms.
"""

from __future__ import annotations

from benchmarks.timing import median_ms
from budgets.samples import large_plan, sample_plan
from models import project_plan


def main() -> None:
    for label, plan, target in (
        ("sample plan (12 channels)", sample_plan(), 5.0),
        ("large plan (50 channels)", large_plan(50), 25.0),
    ):
        ms = median_ms(lambda plan=plan: project_plan(plan))
        verdict = "ok" if ms < target else "OVER TARGET"
        print(f"project_plan, {label:28s} median {ms:7.2f} ms  (target < {target:g} ms) {verdict}")


if __name__ == "__main__":
    main()
