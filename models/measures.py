"""Measures derived from the projection, each defined once (docs/financial-model.md).

The engine, the targets, the allocator, the curves, the comparison and the
exports read these rather than recompute them, so a definition changed here
changes everywhere.
"""

from __future__ import annotations

import numpy as np

from models.pnl import line, ratio


def margin_shortfall(lines: np.ndarray, margin: float) -> float:
    """The year's EBITDA - margin x net sales: at or above 0 where the margin target is met.

    ``lines`` is a P&L (``models.pnl.project_arrays``), its last column the year.
    """
    return float(line(lines, "ebitda")[-1] - margin * line(lines, "net_sales")[-1])


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray | float:
    """The mean of ``values`` weighted by ``weights`` along the last axis; NaN without weight.

    A value that is not finite (a marginal ROAS undefined where nothing is
    spent) counts as 0, as a spreadsheet's SUMPRODUCT counts "-": it only
    stands where its weight is 0. One row gives a float, a table a row each.
    """
    weights = np.asarray(weights, dtype=float)
    finite = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    products = np.where(weights > 0, finite * weights, 0.0)
    mean = ratio(products.sum(axis=-1), weights.sum(axis=-1))
    return float(mean) if mean.ndim == 0 else mean


def relative_change(new: float, old: float) -> float:
    """(new - old) / |old|: the change as a share of where it started; NaN from 0.

    Dividing by |old| keeps the sign of the change: a loss that halves is
    +50 %, an improvement.
    """
    return (new - old) / abs(old) if old != 0 else float("nan")


def relative_changes(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``relative_change`` of each pair."""
    return ratio(np.subtract(new, old), np.abs(old))
