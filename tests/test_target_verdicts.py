"""Whether each target solve is met, short or unreachable, and the margin against the budget."""

from __future__ import annotations

import numpy as np
import pytest

from budgets.samples import sample_plan
from models import Verdict, project_plan


def _with_margin_target(margin: float):  # type: ignore[no-untyped-def]
    plan = sample_plan()
    targets = plan.targets.model_copy(update={"ebitda_margin": margin})
    return project_plan(plan.model_copy(update={"targets": targets}))


def test_the_sample_falls_short_of_its_targets_and_the_roas_figures_are_hurdles() -> None:
    report = project_plan(sample_plan()).targets

    verdicts = {solve.key: solve.verdict for solve in report.solves}

    assert verdicts == {
        "net_sales_gap": Verdict.SHORT,  # EUR 16.48 M of a EUR 17.50 M target
        "break_even_roas": Verdict.HURDLE,
        "target_roas": Verdict.HURDLE,
        "max_marketing": Verdict.SHORT,  # EUR 2.33 M planned, EUR 1.02 M the most at 9 %
        "net_sales_needed": Verdict.SHORT,
        "conversion_needed": Verdict.SHORT,
        "aov_needed": Verdict.SHORT,
    }


def test_a_margin_target_below_the_plans_margin_is_met_by_every_solve() -> None:
    report = _with_margin_target(0.05).targets  # the plan makes 7.2 %

    for key in ("max_marketing", "net_sales_needed", "conversion_needed", "aov_needed"):
        solve = getattr(report, key)
        assert solve.verdict is Verdict.MET, (key, solve.factor)
    assert report.net_sales_needed.factor < 1


def test_an_unreachable_target_is_unreachable() -> None:
    report = _with_margin_target(0.6).targets  # more than contribution before marketing

    assert report.net_sales_needed.verdict is Verdict.UNREACHABLE


def test_the_margin_against_the_budget_passes_through_the_plan_and_the_largest_budget() -> None:
    projection = project_plan(sample_plan())
    report = projection.targets

    budgets, margins = report.margin_by_budget(points=81)

    assert budgets[0] == 0
    assert budgets[-1] >= 2 * projection.year("marketing")
    planned = np.interp(projection.year("marketing"), budgets, margins)
    assert planned == pytest.approx(projection.margin("ebitda")[-1], abs=1e-3)
    at_largest = np.interp(report.max_marketing.value, budgets, margins)
    assert at_largest == pytest.approx(report.ebitda_margin_target, abs=1e-3)
