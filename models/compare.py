"""Two versions of a plan side by side: what changed, and what it did to the year's P&L.

``compare_plans(old, new)`` is the one call a "compare versions" screen
makes: the field-by-field changes (``budgets.diff``) and, from a projection of
each plan, the effect on net sales, marketing, CM3 and EBITDA for the year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from budgets import Plan
from budgets.diff import PlanChange, diff_plans
from models.measures import relative_change
from models.pnl import PNL_LABELS
from models.projection import Projection, project_plan

COMPARED_LINES: tuple[str, ...] = ("net_sales", "marketing", "cm3", "ebitda")


@dataclass(frozen=True)
class LineEffect:
    """One P&L line for the year in both plans, in the plans' currency.

    Marketing is a cost, shown as a positive amount like every cost line.
    ``change_rate`` is the change as a fraction of the old value's size
    (0.1 = +10 %), undefined (NaN) when the old value is 0.
    """

    line: str
    old: float
    new: float

    @property
    def label(self) -> str:
        return PNL_LABELS[self.line]

    @property
    def change(self) -> float:
        return self.new - self.old

    @property
    def change_rate(self) -> float:
        return relative_change(self.new, self.old)


@dataclass(frozen=True)
class PlanComparison:
    """What changed from ``old`` to ``new`` and what it did to the year."""

    old: Projection
    new: Projection
    changes: tuple[PlanChange, ...]
    effects: tuple[LineEffect, ...]

    def changes_table(self) -> pd.DataFrame:
        """One row per changed value.

        Columns: section, item (channel or fixed-cost line), field, month
        (None for a value given once), change (added, removed, changed), old,
        new. Empty, with those columns, when nothing changed.
        """
        columns = ["section", "item", "field", "month", "change", "old", "new"]
        return pd.DataFrame([change.as_row() for change in self.changes], columns=columns)

    def effects_table(self) -> pd.DataFrame:
        """Net sales, marketing, CM3 and EBITDA for the year, one row each (index: labels).

        Columns: old, new, change (currency), change_rate (fraction; NaN when
        the old value is 0).
        """
        return pd.DataFrame(
            {
                "old": [effect.old for effect in self.effects],
                "new": [effect.new for effect in self.effects],
                "change": [effect.change for effect in self.effects],
                "change_rate": [effect.change_rate for effect in self.effects],
            },
            index=pd.Index([effect.label for effect in self.effects], name="line"),
        )


def compare_plans(old: Plan, new: Plan) -> PlanComparison:
    """Diff two plans and project both; equal plans give no changes and zero effects."""
    before, after = project_plan(old), project_plan(new)
    effects = tuple(
        LineEffect(line, before.year(line), after.year(line)) for line in COMPARED_LINES
    )
    return PlanComparison(before, after, diff_plans(old, new), effects)
