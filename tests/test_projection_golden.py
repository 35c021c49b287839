"""Two plans whose every P&L line, channel KPI and target is worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from budgets import load_plan
from models import SolveStatus, project_plan

CENT = 0.005
DATA = Path(__file__).parent / "data"

# --- the smallest interesting plan (tests/conftest.py:smallest_plan_data) -----
# A typical month (Feb-Nov):
#   Search: 1,000 / 0.50 = 2,000 sessions x 4 % = 80 orders x 100 = 8,000 revenue
#   Social: 500 / 10 x 1,000 = 50,000 impressions x 1 % = 500 sessions x 2 % = 10 orders x 80 = 800
#   Organic: 10,000 sessions x 2 % = 200 orders x 100 = 20,000
#   sessions 12,500; orders 290; gross 28,800; returns 25 % = 7,200; net 21,600
#   COGS 40 % = 8,640; CM1 12,960; fulfilment 290 x 5 = 1,450;
#   returns handling 290 x 25 % x 4 = 290; payment fees 2 % x 28,800 = 576
#   CM2 12,960 - 1,450 - 290 - 576 = 10,644; marketing 1,000 + 500 + 300 = 1,800
#   CM3 8,844; fixed 6,000; EBITDA 2,844
# January (no Social): sessions 12,000; orders 280; gross 28,000; returns 7,000; net 21,000;
#   COGS 8,400; CM1 12,600; fulfilment 1,400; handling 280; fees 560; CM2 10,360;
#   marketing 1,300; CM3 9,060; fixed 6,000; EBITDA 3,060
# December (Search 2,000): Search 4,000 sessions, 160 orders, 16,000 revenue;
#   sessions 14,500; orders 370; gross 36,800; returns 9,200; net 27,600; COGS 11,040;
#   CM1 16,560; fulfilment 1,850; handling 370; fees 736; CM2 13,604; marketing 2,800;
#   CM3 10,804; fixed 6,000; EBITDA 4,804
# Year = January + 10 typical months + December.
JAN = [12_000, 280, 28_000, 7_000, 21_000, 8_400, 12_600, 1_400, 280, 560, 10_360, 1_300,
       9_060, 6_000, 3_060]  # fmt: skip
TYPICAL = [12_500, 290, 28_800, 7_200, 21_600, 8_640, 12_960, 1_450, 290, 576, 10_644, 1_800,
           8_844, 6_000, 2_844]  # fmt: skip
DEC = [14_500, 370, 36_800, 9_200, 27_600, 11_040, 16_560, 1_850, 370, 736, 13_604, 2_800,
       10_804, 6_000, 4_804]  # fmt: skip
YEAR = [151_500, 3_550, 352_800, 88_200, 264_600, 105_840, 158_760, 17_750, 3_550, 7_056,
        130_404, 22_100, 108_304, 72_000, 36_304]  # fmt: skip
LINES = ["sessions", "orders", "gross_sales", "returns", "net_sales", "cogs", "gross_margin",
         "fulfilment", "returns_handling", "payment_fees", "cm2", "marketing", "cm3",
         "fixed_costs", "ebitda"]  # fmt: skip


@pytest.mark.parametrize(("index", "line"), list(enumerate(LINES)))
def test_smallest_plan_pnl_line_by_month_and_year(smallest, index: int, line: str) -> None:
    expected = [JAN[index]] + [TYPICAL[index]] * 10 + [DEC[index]] + [YEAR[index]]

    projection = project_plan(smallest)

    np.testing.assert_allclose(projection.line(line), expected, rtol=0, atol=CENT)


@pytest.mark.parametrize(
    ("channel", "metric", "january", "typical", "december", "year"),
    [
        # Search: 11 x 1,000 + 2,000 spend; 2,000 sessions a month, 4,000 in December
        ("Search", "spend", 1_000, 1_000, 2_000, 13_000),
        ("Search", "sessions", 2_000, 2_000, 4_000, 26_000),
        ("Search", "orders", 80, 80, 160, 1_040),
        ("Search", "revenue", 8_000, 8_000, 16_000, 104_000),
        ("Search", "roas", 8.0, 8.0, 8.0, 104_000 / 13_000),
        ("Search", "cpa", 12.5, 12.5, 12.5, 13_000 / 1_040),
        # Social: nothing in January, so ROAS and CPA are undefined there
        ("Social", "spend", 0, 500, 500, 5_500),
        ("Social", "impressions", 0, 50_000, 50_000, 550_000),
        ("Social", "sessions", 0, 500, 500, 5_500),
        ("Social", "orders", 0, 10, 10, 110),
        ("Social", "revenue", 0, 800, 800, 8_800),
        ("Social", "roas", math.nan, 1.6, 1.6, 8_800 / 5_500),
        ("Social", "cpa", math.nan, 50.0, 50.0, 5_500 / 110),
        # Agency: spend, no traffic; ROAS 0, CPA undefined
        ("Agency", "spend", 300, 300, 300, 3_600),
        ("Agency", "sessions", 0, 0, 0, 0),
        ("Agency", "revenue", 0, 0, 0, 0),
        ("Agency", "roas", 0.0, 0.0, 0.0, 0.0),
        ("Agency", "cpa", math.nan, math.nan, math.nan, math.nan),
    ],
)
def test_smallest_plan_channel_kpis(
    smallest, channel: str, metric: str, january: float, typical: float, december: float,
    year: float,
) -> None:  # fmt: skip
    projection = project_plan(smallest)

    row = projection.channels.table(metric).loc[channel].to_numpy()

    expected = [january] + [typical] * 10 + [december, year]
    np.testing.assert_allclose(row, expected, rtol=0, atol=CENT, equal_nan=True)


def test_smallest_plan_ratios_are_ratios_of_yearly_sums(smallest) -> None:
    projection = project_plan(smallest)

    kpis = projection.kpis["FY"]

    assert kpis["conversion_rate"] == pytest.approx(3_550 / 151_500)
    assert kpis["aov"] == pytest.approx(352_800 / 3_550)
    assert kpis["ebitda_margin"] == pytest.approx(36_304 / 264_600)
    assert kpis["cm3_margin"] == pytest.approx(108_304 / 264_600)
    assert kpis["marketing_share"] == pytest.approx(22_100 / 264_600)
    assert kpis["mer"] == pytest.approx(352_800 / 22_100)


def test_smallest_plan_targets(smallest) -> None:
    # c2 = CM2 / gross = 130,404 / 352,800; r = 25 %
    # No CM3 target: t = EBITDA target 10 % + fixed 72,000 / net 264,600
    c2 = 130_404 / 352_800
    t = 0.10 + 72_000 / 264_600

    report = project_plan(smallest).targets

    assert report.break_even_roas[-1] == pytest.approx(1 / c2)
    assert report.cm3_margin_target == pytest.approx(t)
    assert report.cm3_target_implied
    assert report.target_roas[-1] == pytest.approx(1 / (c2 - t * 0.75))
    # January: CM2 10,360 on gross 28,000
    assert report.break_even_roas[0] == pytest.approx(28_000 / 10_360)


def test_smallest_plan_budget_has_no_upper_limit_when_spend_raises_the_margin(smallest) -> None:
    # No spend: organic only, EBITDA 12 x (7,400 - 6,000) = 16,800 on net 180,000
    # g(k) = EBITDA - 10 % x net: g(0) = 16,800 - 18,000 = -1,200; g(1) = 36,304 - 26,460 = 9,844
    # slope 11,044 > 0: every unit of spend raises the margin; the floor is 1,200 / 11,044 x 22,100
    solve = project_plan(smallest).targets.max_marketing

    assert solve.status is SolveStatus.UNBOUNDED
    assert solve.value is None
    assert "the limit is demand" in solve.explanation
    assert f"EUR {1_200 / 11_044 * 22_100:,.0f}" in solve.explanation


def test_smallest_plan_net_sales_conversion_and_aov_needed(smallest) -> None:
    # Net sales needed: (marketing 22,100 + fixed 72,000) / (CM2 / net - 10 %)
    needed = 94_100 / (130_404 / 264_600 - 0.10)
    # AOV: at AOV x 0 the year keeps fulfilment 17,750 and handling 3,550 as costs:
    # g(0) = -(17,750 + 3,550 + 22,100 + 72,000) = -115,400; g(1) = 9,844
    aov_factor = 115_400 / (115_400 + 9_844)

    report = project_plan(smallest).targets

    assert report.net_sales_needed.value == pytest.approx(needed)
    assert report.conversion_needed.value == pytest.approx(needed / 264_600 * 3_550 / 151_500)
    assert report.aov_needed.value == pytest.approx(aov_factor * 352_800 / 3_550)
    assert report.net_sales_gap.value == pytest.approx(264_600 - 400_000)
    assert "short of the EUR 400.0 k target" in report.net_sales_gap.explanation


# --- a paid-only plan whose fiscal year starts in April, in GBP ---------------
# Shopping: 4,000 a month at CPC 0.80 (1.00 in November, the 8th fiscal month), CVR 2.5 %, AOV 60.
# Typical month: 5,000 sessions, 125 orders, 7,500 gross; returns 40 % = 3,000; net 4,500;
#   COGS 50 % = 2,250; CM1 2,250; fulfilment 125 x 6 = 750; handling 125 x 40 % x 5 = 250;
#   fees 3 % = 225; CM2 1,025; marketing 4,000; CM3 -2,975; fixed 2,000; EBITDA -4,975
# November: 4,000 sessions, 100 orders, 6,000 gross; returns 2,400; net 3,600; COGS 1,800;
#   CM1 1,800; fulfilment 600; handling 200; fees 180; CM2 820; CM3 -3,180; EBITDA -5,180
APRIL_TYPICAL = [5_000, 125, 7_500, 3_000, 4_500, 2_250, 2_250, 750, 250, 225, 1_025, 4_000,
                 -2_975, 2_000, -4_975]  # fmt: skip
APRIL_NOV = [4_000, 100, 6_000, 2_400, 3_600, 1_800, 1_800, 600, 200, 180, 820, 4_000,
             -3_180, 2_000, -5_180]  # fmt: skip


@pytest.mark.parametrize(("index", "line"), list(enumerate(LINES)))
def test_april_plan_pnl_line_by_month_and_year(index: int, line: str) -> None:
    plan = load_plan(DATA / "golden_april_gbp.json")
    months = [APRIL_TYPICAL[index]] * 12
    months[7] = APRIL_NOV[index]

    projection = project_plan(plan)

    np.testing.assert_allclose(projection.line(line), [*months, sum(months)], atol=CENT)


def test_april_plan_months_are_labelled_from_april() -> None:
    plan = load_plan(DATA / "golden_april_gbp.json")

    projection = project_plan(plan)

    assert projection.months[0] == "Apr 2026"
    assert projection.months[7] == "Nov 2026"
    assert projection.months[-1] == "Mar 2027"


def test_april_plan_targets() -> None:
    # Year: gross 11 x 7,500 + 6,000 = 88,500; CM2 11 x 1,025 + 820 = 12,095; net 53,100
    # CM3 target 10 % set: target ROAS = 1 / (c2 - 10 % x (1 - 40 %))
    c2 = 12_095 / 88_500
    plan = load_plan(DATA / "golden_april_gbp.json")

    report = project_plan(plan).targets

    assert report.target_roas[-1] == pytest.approx(1 / (c2 - 0.06))
    assert not report.cm3_target_implied
    # No spend: EBITDA = -fixed 24,000 on no sales: the 5 % margin is out of reach at any budget
    assert report.max_marketing.status is SolveStatus.UNREACHABLE
    assert report.max_marketing.explanation.startswith(
        "Unreachable, because even with no marketing"
    )
    # Net sales needed: (48,000 + 24,000) / (12,095 / 53,100 - 5 %)
    assert report.net_sales_needed.value == pytest.approx(72_000 / (12_095 / 53_100 - 0.05))
    assert report.net_sales_needed.explanation.startswith("Net sales of GBP ")
