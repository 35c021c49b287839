"""Spreading a yearly figure over the 12 fiscal months by a seasonality profile."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from budgets import MONTHS
from models.projection import Projection

# Relative demand by calendar month (January first) for a fashion retailer:
# January and July sales, March and September launches, Black Friday in
# November, the December peak.
FASHION_CALENDAR_WEIGHTS: tuple[float, ...] = (
    1.00, 0.72, 0.92, 0.86, 0.88, 0.90, 1.02, 0.78, 0.96, 1.00, 1.38, 1.45,
)  # fmt: skip


def fiscal_weights(calendar_weights: Sequence[float], first_month: int) -> np.ndarray:
    """Calendar-month weights (January first) re-ordered into fiscal months."""
    weights = np.asarray(calendar_weights, dtype=float)
    return np.roll(weights, -(first_month - 1))


def spread(total: float, weights: Sequence[float] | np.ndarray, decimals: int = 2) -> list[float]:
    """``total`` split over 12 months in proportion to ``weights``, summing exactly to ``total``.

    Each month is rounded to ``decimals``; the rounding remainder goes to the
    largest month, so the months add up to the yearly figure. Weights that
    are all 0 spread evenly.

    Raises:
        ValueError: if there are not 12 weights or any is negative.
    """
    shape = np.asarray(weights, dtype=float)
    if shape.shape != (MONTHS,) or (shape < 0).any() or not np.isfinite(shape).all():
        raise ValueError("a seasonality profile needs 12 weights of 0 or more")
    if shape.sum() == 0:
        shape = np.ones(MONTHS)
    months = np.round(total * shape / shape.sum(), decimals)
    months[int(shape.argmax())] += round(total - float(months.sum()), decimals)
    return [round(float(value), decimals) for value in months]


EVEN = "Even"
FASHION = "Fashion retail (sales, launches, Black Friday, December peak)"
NET_SALES = "Shape of the planned net sales"
CURRENT = "Keep the current monthly shape"
PROFILES = (FASHION, NET_SALES, EVEN, CURRENT)


def profile_weights(
    profile: str, projection: Projection, current: Sequence[float] | None = None
) -> np.ndarray:
    """The 12 fiscal-month weights of a named profile (see PROFILES).

    ``current`` is the series being replaced, for the CURRENT profile.
    """
    weights: np.ndarray
    if profile == FASHION:
        weights = fiscal_weights(FASHION_CALENDAR_WEIGHTS, projection.plan.first_month)
    elif profile == NET_SALES:
        weights = np.clip(projection.line("net_sales")[:-1], 0.0, None)
    elif profile == CURRENT and current is not None:
        weights = np.asarray(current, dtype=float)
    else:
        weights = np.ones(MONTHS)
    return weights
