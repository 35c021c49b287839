"""Response curves: the Hill arithmetic, curves from what a manager knows, and fits to last year."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets import ResponseCurve
from budgets.samples import sample_plan
from models import project_plan
from models.curve_history import HistoryError, calendar_demand, fit_curve, read_history
from models.curve_plans import example_history_csv, plan_curve
from models.curves import (
    CurveError,
    curve_from_knowledge,
    demand_index,
    hill_marginal,
    hill_revenue,
    marginal_roas_at,
    roas_at,
)

fast = settings(max_examples=40, deadline=None)


def test_demand_index_is_organic_sessions_over_their_monthly_mean() -> None:
    # mean of 6 x 100 and 6 x 200 is 150
    index = demand_index([100.0] * 6 + [200.0] * 6)

    np.testing.assert_allclose(index, [2 / 3] * 6 + [4 / 3] * 6)


def test_a_plan_without_organic_traffic_has_even_demand() -> None:
    np.testing.assert_array_equal(demand_index([0.0] * 12), np.ones(12))


def test_calendar_demand_puts_the_fiscal_first_month_in_its_calendar_place() -> None:
    fiscal = np.arange(12.0)  # fiscal month 0 is April

    by_calendar = calendar_demand(fiscal, first_month=4)

    assert by_calendar[3] == 0.0  # April
    assert by_calendar[0] == 9.0  # January is the 10th fiscal month


@pytest.mark.parametrize(
    ("spend", "beta", "k", "s", "revenue", "marginal"),
    [
        # s = 1: revenue = 1000 x / (x + 500), marginal = 1000 x 500 / (x + 500)^2
        (500.0, 1000.0, 500.0, 1.0, 500.0, 0.5),
        (1500.0, 1000.0, 500.0, 1.0, 750.0, 1000 * 500 / 2000**2),
        (0.0, 1000.0, 500.0, 1.0, 0.0, 2.0),
        # s = 2 at x = k: half the ceiling; marginal = beta s k^2 x / (x^2 + k^2)^2 = 1.0
        (500.0, 1000.0, 500.0, 2.0, 500.0, 1.0),
        (0.0, 1000.0, 500.0, 2.0, 0.0, 0.0),
        (0.0, 1000.0, 500.0, 0.5, 0.0, math.inf),
        # a month without demand (beta 0, k 0) brings nothing
        (700.0, 0.0, 0.0, 1.0, 0.0, 0.0),
    ],
)
def test_hill_revenue_and_marginal_roas(spend, beta, k, s, revenue, marginal) -> None:
    assert float(hill_revenue(spend, beta, k, s)) == pytest.approx(revenue)
    assert float(hill_marginal(spend, beta, k, s)) == pytest.approx(marginal)


@fast
@given(
    st.floats(1.0, 1e6),
    st.floats(1.0, 1e7),
    st.floats(1.0, 1e6),
    st.floats(0.5, 5.0),
)
def test_marginal_roas_is_the_slope_of_revenue(spend, beta, k, s) -> None:
    step = spend * 1e-6

    slope = (hill_revenue(spend + step, beta, k, s) - hill_revenue(spend - step, beta, k, s)) / (
        2 * step
    )

    # Far past k revenue is flat at beta, and the difference quotient's rounding,
    # beta x 1e-16 / step, is all it measures.
    assert float(hill_marginal(spend, beta, k, s)) == pytest.approx(
        float(slope), rel=1e-4, abs=max(1e-9, beta * 1e-15 / step)
    )


def test_revenue_neither_overflows_nor_goes_negative_far_from_k() -> None:
    spend = np.array([1e-300, 1e-9, 1.0, 1e9, 1e300])

    revenue = hill_revenue(spend, 5_000.0, 1_000.0, 5.0)

    assert np.isfinite(revenue).all()
    assert (revenue >= 0).all()
    assert revenue[-1] == pytest.approx(5_000.0)


def test_a_curve_from_knowledge_worked_by_hand() -> None:
    # s = 1: marginal ROAS halves where (x0 + k) / (h + k) = 1 / sqrt(2), so
    # k = (h - sqrt(2) x0) / (sqrt(2) - 1) = (30,000 - 14,142.14) / 0.414214 = 38,284.27;
    # beta = ROAS x0 (x0 + k) / x0 = 4 x 48,284.27 = 193,137.08
    curve = curve_from_knowledge(spend=10_000.0, roas=4.0, halved_at=30_000.0)

    assert curve.k == pytest.approx(38_284.27, abs=0.01)
    assert curve.beta == pytest.approx(193_137.08, abs=0.01)
    assert curve.s == 1.0


@pytest.mark.parametrize("shape", [0.99999, 1 - 1e-12])
def test_a_shape_just_under_1_has_no_upper_limit_on_where_returns_halve(shape: float) -> None:
    from models.curves import halving_limits

    assert halving_limits(shape)[1] == math.inf
    curve = curve_from_knowledge(10_000.0, 4.0, 30_000.0, shape)
    assert roas_at(curve, 10_000.0) == pytest.approx(4.0, rel=1e-9)


@fast
@given(
    st.floats(100.0, 1e6),
    st.floats(0.2, 30.0),
    st.floats(0.5, 5.0),
    st.floats(0.01, 0.99),
)
def test_a_curve_from_knowledge_keeps_today_and_halves_returns_where_told(
    spend, roas, shape, position
) -> None:
    from models.curves import halving_limits

    low, high = halving_limits(shape)
    high = min(high, 1e3)
    halved_at = spend * (low + (high - low) * position)

    curve = curve_from_knowledge(spend, roas, halved_at, shape)

    assert roas_at(curve, spend) == pytest.approx(roas, rel=1e-9)
    assert marginal_roas_at(curve, halved_at) == pytest.approx(
        marginal_roas_at(curve, spend) / 2, rel=1e-6
    )


@pytest.mark.parametrize(
    ("spend", "roas", "halved_at", "shape", "message"),
    [
        (
            10_000.0, 4.0, 13_000.0, 1.0,
            "Half-return spend: 13,000 is not allowed; with shape 1 it must be "
            "more than 14,142 (1.41 x today's spend)",
        ),
        (
            10_000.0, 4.0, 90_000.0, 0.6,
            "Half-return spend: 90,000 is not allowed; with shape 0.6 it must be "
            "less than 56,569 (5.66 x today's spend)",
        ),
        (0.0, 4.0, 20_000.0, 1.0, "Today's monthly spend: 0 is not allowed"),
        (10_000.0, -1.0, 20_000.0, 1.0, "ROAS at that spend: -1 is not allowed"),
        (10_000.0, 4.0, 20_000.0, 7.0, "Shape (s): 7 is not allowed; it must be between 0.5 and 5"),
    ],
)  # fmt: skip
def test_impossible_knowledge_is_refused_naming_the_input(
    spend, roas, halved_at, shape, message
) -> None:
    with pytest.raises(CurveError) as refused:
        curve_from_knowledge(spend, roas, halved_at, shape)

    assert str(refused.value).startswith(message)


def test_a_plan_curve_passes_through_the_channels_planned_month_and_roas() -> None:
    projection = project_plan(sample_plan())
    name = "Google Shopping (PMax)"
    index = projection.channels.names.index(name)
    spend = projection.channels.spend[index, -1] / 12

    curve = plan_curve(projection, name, halving_multiple=2.0)

    assert roas_at(curve, spend) == pytest.approx(projection.channels.roas[index, -1])
    assert marginal_roas_at(curve, 2 * spend) == pytest.approx(marginal_roas_at(curve, spend) / 2)


def test_a_non_working_channel_has_no_plan_curve() -> None:
    projection = project_plan(sample_plan())

    with pytest.raises(CurveError, match="planned ROAS"):
        plan_curve(projection, "Performance agency fee")


# --- last year's history -----------------------------------------------------------


def history_csv(
    beta: float,
    k: float,
    s: float,
    months: int = 24,
    noise: float = 0.03,
    seed: int = 0,
    channel: str = "Search",
) -> str:
    """Synthetic months: spend uniform from 5,000 to 150,000, revenue on the curve with noise."""
    rng = np.random.default_rng(seed)
    spend = rng.uniform(5_000.0, 150_000.0, months)
    revenue = hill_revenue(spend, beta, k, s) * (1 + rng.normal(0.0, noise, months))
    rows = [
        f"{2024 + i // 12}-{i % 12 + 1:02d},{channel},{x:.2f},{r:.2f}"
        for i, (x, r) in enumerate(zip(spend, revenue, strict=True))
    ]
    return "month,channel,spend,revenue\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("seed", range(4))
def test_a_fit_recovers_a_known_curve_from_noisy_months(seed: int) -> None:
    # Tolerance: with 24 months of spend spread over 5-150 k and 3 % noise on revenue,
    # beta within 5 % and k within 10 % of the truth.
    history = read_history(history_csv(200_000.0, 40_000.0, 1.0, seed=seed))

    fit = fit_curve(history, "Search")

    assert fit.curve is not None
    assert fit.curve.beta == pytest.approx(200_000.0, rel=0.05)
    assert fit.curve.k == pytest.approx(40_000.0, rel=0.10)
    assert fit.r_squared > 0.95
    assert fit.rmse < 0.05 * 200_000.0


@pytest.mark.parametrize("seed", range(3))
def test_a_fit_with_a_free_shape_recovers_an_s_curve(seed: int) -> None:
    # Tolerance: s within 0.2, beta within 5 %, k within 10 %.
    history = read_history(history_csv(200_000.0, 40_000.0, 2.0, seed=seed))

    fit = fit_curve(history, "search", shape=None)

    assert fit.curve is not None
    assert fit.curve.s == pytest.approx(2.0, abs=0.2)
    assert fit.curve.beta == pytest.approx(200_000.0, rel=0.05)
    assert fit.curve.k == pytest.approx(40_000.0, rel=0.10)


def test_a_fit_deseasonalises_by_the_plans_demand_index() -> None:
    # Revenue in month m is d_m x revenue(spend / d_m); given d, the fit finds the curve.
    demand = np.array([0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.3])
    rng = np.random.default_rng(3)
    spend = rng.uniform(5_000.0, 150_000.0, 24)
    index = np.tile(demand, 2)
    revenue = index * hill_revenue(spend / index, 200_000.0, 40_000.0, 1.0)
    rows = [
        f"{2024 + i // 12}-{i % 12 + 1:02d},Search,{x:.2f},{r:.2f}"
        for i, (x, r) in enumerate(zip(spend, revenue, strict=True))
    ]
    history = read_history("month,channel,spend,revenue\n" + "\n".join(rows))

    fit = fit_curve(history, "Search", demand)

    assert fit.curve is not None
    assert fit.curve.beta == pytest.approx(200_000.0, rel=1e-3)
    assert fit.curve.k == pytest.approx(40_000.0, rel=1e-3)


def months_of(spend: list[float], revenue: list[float]) -> str:
    rows = [
        f"2026-{i + 1:02d},Search,{x},{r}"
        for i, (x, r) in enumerate(zip(spend, revenue, strict=True))
    ]
    return "month,channel,spend,revenue\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            months_of([1000, 2000, 3000, 4000, 5000], [4000, 7000, 9000, 11000, 12000]),
            "Refused, because it has 5 months of data; a curve needs at least 6",
        ),
        (
            months_of([5000] * 8, [20000, 21000, 19000, 22000, 20500, 19800, 20100, 20900]),
            "Refused, because spend never varies (from 5,000 to 5,000, less than 5 % apart)",
        ),
        (
            months_of([1000, 2000, 3000, 4000, 5000, 6000], [4000, 7000, -9, 11000, 12000, 13000]),
            "Refused, because some of its rows cannot be used (Line 4: revenue -9 is not allowed; "
            "it must be 0 or more)",
        ),
        (
            months_of([1000, 2000, "lots", 4000, 5000, 6000], [4000, 7000, 9000, 1, 2, 3]),
            "Refused, because some of its rows cannot be used (Line 4: spend 'lots' is not a number)",
        ),
        (
            months_of([1000, 2000, 3000, 4000, 5000, 6000], [0] * 6),
            "Refused, because there is no revenue in any month",
        ),
        (
            months_of([1000, 2000, 3000, 4000, 5000, 6000], [500] * 6),
            "Refused, because revenue is the same every month",
        ),
        (
            months_of([1000, 2000, 3000, 4000, 5000, 6000], [4, 7, 9, 11, 12, 13]).replace(
                "Search", "Display"
            ),
            "Refused, because the file has no rows for 'Search' (its channels: 'Display')",
        ),
    ],
)
def test_a_fit_is_refused_with_its_reason_and_no_curve(text: str, reason: str) -> None:
    fit = fit_curve(read_history(text), "Search")

    assert fit.curve is None
    assert fit.refusal is not None
    assert fit.refusal.startswith(reason)
    assert math.isnan(fit.r_squared)


def test_a_bad_month_and_a_repeated_month_are_reported_by_line() -> None:
    text = "Month, Channel, Spend, Revenue\nMarch,Search,10,20\n2026-02,Search,10,20\nFeb 2026,search,11,21\n"

    history = read_history(text)

    assert history.problems["search"] == (
        "Line 2: month 'March' is not a month; write it as 2026-01 or Jan 2026",
        "Line 4: Feb 2026 is given twice for this channel (also line 3)",
    )
    assert len(history.rows) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"month,channel,spend\n2026-01,Search,10\n", "File: the column revenue is missing"),
        (b"\xff\xfe\x00binary", "File: it is not a text (UTF-8) CSV file."),
        (b"month,channel,spend,revenue\n", "File: it has a header but no rows."),
        (b"", "File: it is not a CSV file"),
    ],
)
def test_a_file_that_is_not_a_history_is_refused_whole(data: bytes, message: str) -> None:
    with pytest.raises(HistoryError) as refused:
        read_history(data)

    assert str(refused.value).startswith(message)


def test_the_example_history_fits_every_channel_with_spend() -> None:
    projection = project_plan(sample_plan())
    history = read_history(example_history_csv(projection))
    demand = calendar_demand(demand_index(sample_plan().pnl.organic_sessions), 1)

    fits = [fit_curve(history, name, demand) for name in history.channels]

    assert len(fits) == 9
    assert all(fit.curve is not None and fit.r_squared > 0.8 for fit in fits)


def test_a_fitted_curve_is_a_valid_plan_curve() -> None:
    fit = fit_curve(read_history(history_csv(200_000.0, 40_000.0, 1.0)), "Search")

    assert isinstance(fit.curve, ResponseCurve)
    assert list(fit.points.columns) == ["month", "spend", "revenue", "demand_index", "fitted"]
    assert fit.points["fitted"].notna().all()
