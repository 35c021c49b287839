"""The exported workbook, recalculated by a real spreadsheet engine (LibreOffice), agrees with the engine.

Every plan is exported, some are edited with openpyxl as a planner would in
Excel, and all are recalculated in one LibreOffice run (start-up is most of
its cost). Each figure is then compared with ``project_plan`` of the same
plan: P&L lines, margins and KPIs by month and for the year to the cent,
every channel's metrics (with response curves: the demand index and marginal
ROAS too), the Summary's headline figures, and the import of the file
LibreOffice saved.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

from budgets import Plan, load_plan, parse_plan
from budgets.samples import large_plan, sample_plan
from models import PNL_LINES, Projection, project_plan
from models.curves import demand_index
from models.excel.export import plan_workbook
from models.excel.layout import (
    ASSUMPTIONS,
    FIRST_MONTH_COLUMN,
    FY_COLUMN,
    KPI_ROWS,
    KPIS,
    MARGIN_LINES,
    MARGIN_ROWS,
    MARGINAL_ROAS,
    MARKETING,
    MARKETING_BLOCKS,
    PNL,
    PNL_ROWS,
    SUMMARY,
    month_column,
)
from models.excel.reader import plan_from_workbook
from models.pnl import COST_LINES, MONEY_LINES
from tests.libreoffice import recalculate
from tests.workbook_plans import (
    HOSTILE_CHANNELS,
    HOSTILE_FIXED_COST,
    HOSTILE_PLAN_NAME,
    curve_edge_plan,
    curve_plan,
    curves_without_organic_plan,
    edge_plan,
    empty_plan,
    layout_of,
    non_working_plan,
    row_values,
)

pytestmark = pytest.mark.slow

CENT = 0.005
RATIO = 1e-9
DATA = Path(__file__).parent / "data"
EDITED_SPEND = ("Google Search – Generic", 2, 31_000.0)  # channel, month (March), new spend
EDITED_CONVERSION = ("Meta – Prospecting", 0.016)  # channel, new conversion rate for the year
# In the plan with curves: the S-curve channel's spend in March and its spend for half (k).
EDITED_CURVE = ("Meta – Prospecting", 2, 41_000.0, 26_000.0)


def edited_sample() -> Plan:
    """The sample plan with the two edits the test makes in the workbook."""
    data = sample_plan().model_dump()
    for channel in data["marketing"]["channels"]:
        if channel["name"] == EDITED_SPEND[0]:
            spend = list(channel["spend"])
            spend[EDITED_SPEND[1]] = EDITED_SPEND[2]
            channel["spend"] = spend
        if channel["name"] == EDITED_CONVERSION[0]:
            channel["conversion_rate"] = EDITED_CONVERSION[1]
    return parse_plan(data)


def edit_in_workbook(source: Path, target: Path) -> None:
    """Change a spend cell and a channel's conversion rate for the year, as a planner in Excel."""
    plan = sample_plan()
    layout = layout_of(plan)
    names = [channel.name for channel in plan.marketing.channels]
    book = openpyxl.load_workbook(source)
    spend_row = layout.channel_row("spend", names.index(EDITED_SPEND[0]))
    book[MARKETING].cell(spend_row, month_column(EDITED_SPEND[1])).value = EDITED_SPEND[2]
    rate_row = layout.channel_driver_row("conversion_rate", names.index(EDITED_CONVERSION[0]))
    book[ASSUMPTIONS].cell(rate_row, 3).value = EDITED_CONVERSION[1]
    book.save(target)


def edited_curves() -> Plan:
    """The plan with curves, with the two edits the test makes in its workbook."""
    name, month, spend, k = EDITED_CURVE
    data = curve_plan().model_dump()
    for channel in data["marketing"]["channels"]:
        if channel["name"] == name:
            channel["spend"] = tuple(
                spend if m == month else v for m, v in enumerate(channel["spend"])
            )
            channel["response"]["k"] = k
    return parse_plan(data)


def edit_curve_in_workbook(source: Path, target: Path) -> None:
    """Change a curve channel's spend in one month and its curve's k, as a planner in Excel."""
    name, month, spend, k = EDITED_CURVE
    plan = curve_plan()
    layout = layout_of(plan)
    index = [channel.name for channel in plan.marketing.channels].index(name)
    book = openpyxl.load_workbook(source)
    book[MARKETING].cell(layout.channel_row("spend", index), month_column(month)).value = spend
    book[ASSUMPTIONS].cell(layout.curve_row(index, "k"), 3).value = k
    book.save(target)


@dataclass(frozen=True)
class Recalculated:
    """A plan, the workbook LibreOffice recalculated and saved, and its cached values."""

    plan: Plan
    path: Path
    book: Any

    @property
    def projection(self) -> Projection:
        return project_plan(self.plan)


PLANS: dict[str, Callable[[], Plan]] = {
    "sample": sample_plan,
    "large": lambda: large_plan(50),
    "edge": edge_plan,
    "non_working": non_working_plan,
    "organic_only": empty_plan,
    "april_gbp": lambda: load_plan(DATA / "golden_april_gbp.json"),
    "curves": curve_plan,
    "curve_edges": curve_edge_plan,
    "curves_without_organic": curves_without_organic_plan,
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Recalculated]:
    exported = tmp_path_factory.mktemp("exported")
    plans = {name: build() for name, build in PLANS.items()}
    sources = []
    for name, plan in plans.items():
        path = exported / f"{name}.xlsx"
        path.write_bytes(plan_workbook(plan))
        sources.append(path)
    edit_in_workbook(exported / "sample.xlsx", exported / "edited.xlsx")
    plans["edited"] = edited_sample()
    sources.append(exported / "edited.xlsx")
    edit_curve_in_workbook(exported / "curves.xlsx", exported / "edited_curves.xlsx")
    plans["edited_curves"] = edited_curves()
    sources.append(exported / "edited_curves.xlsx")

    outputs = recalculate(sources, tmp_path_factory.mktemp("recalculated"))

    return {
        name: Recalculated(plan, path, openpyxl.load_workbook(path, data_only=True))
        for (name, plan), path in zip(plans.items(), outputs, strict=True)
    }


ALL = [*PLANS, "edited", "edited_curves"]
CURVES = ["curves", "curve_edges", "curves_without_organic", "edited_curves"]


def signed(projection: Projection, line: str) -> np.ndarray:
    """A P&L line as the workbook shows it: costs negative."""
    sign = -1.0 if line in COST_LINES else 1.0
    return sign * projection.line(line)


@pytest.mark.parametrize("name", ALL)
def test_every_pnl_line_recalculates_to_the_engine_to_the_cent(recalculated, name) -> None:
    result = recalculated[name]
    sheet = result.book[PNL]

    for line in PNL_LINES:
        actual = row_values(sheet, PNL_ROWS[line])

        np.testing.assert_allclose(
            actual, signed(result.projection, line), rtol=0, atol=CENT, err_msg=f"{name}: {line}"
        )


@pytest.mark.parametrize("name", ALL)
def test_every_margin_and_kpi_recalculates_to_the_engine(recalculated, name) -> None:
    result = recalculated[name]
    projection = result.projection
    report = projection.targets
    expected = {
        "conversion_rate": projection.conversion_rate,
        "aov": projection.aov,
        "marketing_share": projection.marketing_share,
        "mer": projection.mer,
        "contribution_per_gross_sale": report.contribution_per_gross_sale,
        "break_even_roas": report.break_even_roas,
        "target_roas": report.target_roas,
    }

    margins = {line: row_values(result.book[PNL], MARGIN_ROWS[line]) for line in MARGIN_LINES}
    kpis = {kpi: row_values(result.book[KPIS], KPI_ROWS[kpi]) for kpi in expected}
    cm3_target = result.book[KPIS].cell(KPI_ROWS["cm3_margin_target"], 16).value

    for line in MARGIN_LINES:
        sign = -1.0 if line in COST_LINES else 1.0
        np.testing.assert_allclose(
            margins[line], sign * projection.margin(line), rtol=RATIO, atol=1e-12,
            err_msg=f"{name}: {line} margin",
        )  # fmt: skip
    for kpi, values in expected.items():
        np.testing.assert_allclose(
            kpis[kpi], values, rtol=RATIO, atol=1e-12, err_msg=f"{name}: {kpi}"
        )
    assert cm3_target == pytest.approx(report.cm3_margin_target, rel=RATIO)


@pytest.mark.parametrize("name", ALL)
def test_every_channel_metric_recalculates_to_the_engine(recalculated, name) -> None:
    result = recalculated[name]
    channels = result.projection.channels
    sheet = result.book[MARKETING]
    layout = layout_of(result.plan)

    for metric in MARKETING_BLOCKS:
        expected = channels.metric(metric)
        tolerance = (
            {"rtol": RATIO, "atol": 1e-12} if metric == "roas" else {"rtol": 0, "atol": CENT}
        )
        for index, channel in enumerate(channels.names):
            actual = row_values(sheet, layout.channel_row(metric, index))

            np.testing.assert_allclose(
                actual, expected[index], **tolerance, err_msg=f"{name}: {channel}, {metric}"
            )


@pytest.mark.parametrize("name", ALL)
def test_marketing_totals_are_the_sum_of_channels_and_blended_ratios(recalculated, name) -> None:
    result = recalculated[name]
    channels = result.projection.channels
    sheet = result.book[MARKETING]
    layout = layout_of(result.plan)

    totals = {m: row_values(sheet, layout.block_total_row(m)) for m in MARKETING_BLOCKS}

    for metric in ("spend", "impressions", "sessions", "orders", "revenue"):
        np.testing.assert_allclose(
            totals[metric], channels.metric(metric).sum(axis=0), rtol=0, atol=CENT
        )
    np.testing.assert_allclose(
        totals["roas"], _ratio(totals["revenue"], totals["spend"]), rtol=RATIO, atol=1e-12
    )
    np.testing.assert_allclose(
        totals["cpa"], _ratio(totals["spend"], totals["orders"]), rtol=RATIO, atol=1e-12
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator == 0, np.nan, numerator / denominator)


@pytest.mark.parametrize("name", ["sample", "edge", "edited", "curves"])
def test_summary_headline_figures_match_the_engine(recalculated, name) -> None:
    result = recalculated[name]
    projection = result.projection
    sheet = result.book[SUMMARY]
    figures = {
        sheet.cell(row, 1).value: sheet.cell(row, 2).value
        for row in range(13, 23)  # the headline rows, below their header
    }

    assert figures["Net sales"] == pytest.approx(projection.year("net_sales"), abs=CENT)
    assert figures["EBITDA"] == pytest.approx(projection.year("ebitda"), abs=CENT)
    assert figures["EBITDA margin"] == pytest.approx(projection.margin("ebitda")[-1], rel=RATIO)
    assert figures["Contribution after marketing (CM3)"] == pytest.approx(
        projection.year("cm3"), abs=CENT
    )
    assert figures["Marketing"] == pytest.approx(projection.year("marketing"), abs=CENT)
    assert figures["MER (gross sales / marketing)"] == pytest.approx(projection.mer[-1], rel=RATIO)
    assert figures["Break-even ROAS"] == pytest.approx(
        projection.targets.break_even_roas[-1], rel=RATIO
    )
    assert sheet["A1"].value == result.plan.name


@pytest.mark.parametrize("name", CURVES)
def test_the_demand_index_recalculates_to_the_engines(recalculated, name) -> None:
    result = recalculated[name]
    layout = layout_of(result.plan)

    index = row_values(result.book[ASSUMPTIONS], layout.demand_row)[:12]

    np.testing.assert_allclose(
        index, demand_index(result.plan.pnl.organic_sessions), rtol=RATIO, atol=0
    )


@pytest.mark.parametrize("name", CURVES)
def test_every_channels_marginal_roas_recalculates_to_the_engines(recalculated, name) -> None:
    result = recalculated[name]
    channels = result.projection.channels
    sheet = result.book[MARKETING]
    layout = layout_of(result.plan)

    for index, channel in enumerate(channels.names):
        actual = row_values(sheet, layout.channel_row(MARGINAL_ROAS, index))

        np.testing.assert_allclose(
            actual, channels.marginal_roas[index], rtol=RATIO, atol=1e-12,
            err_msg=f"{name}: {channel}",
        )  # fmt: skip


@pytest.mark.parametrize("name", CURVES)
def test_all_channels_marginal_roas_is_the_channels_weighted_by_spend(recalculated, name) -> None:
    result = recalculated[name]
    channels = result.projection.channels
    layout = layout_of(result.plan)
    # sum over channels of marginal ROAS x spend / total spend; an undefined one has no spend
    weighted = np.nansum(channels.marginal_roas * channels.spend, axis=0)

    total = row_values(result.book[MARKETING], layout.block_total_row(MARGINAL_ROAS))

    np.testing.assert_allclose(total, weighted / channels.spend.sum(axis=0), rtol=RATIO)


def test_a_curve_of_shape_below_1_has_undefined_marginal_roas_without_spend(recalculated) -> None:
    result = recalculated["curves"]
    tiktok = [c.name for c in result.plan.marketing.channels].index("TikTok Ads")
    row = layout_of(result.plan).channel_row(MARGINAL_ROAS, tiktok)
    sheet = result.book[MARKETING]

    assert result.plan.marketing.channels[tiktok].spend[5] == 0
    assert sheet.cell(row, month_column(5)).value == "-"
    assert isinstance(sheet.cell(row, 16).value, float)


@pytest.mark.parametrize("name", ALL)
def test_no_recalculated_cell_shows_a_spreadsheet_error(recalculated, name) -> None:
    book = recalculated[name].book

    errors = [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("#")
    ]

    assert errors == []


def test_undefined_ratios_show_a_dash_not_an_error(recalculated) -> None:
    result = recalculated["edge"]
    layout = layout_of(result.plan)
    zero_spend = layout.channel_row("roas", 3)  # the channel without spend
    april = month_column(3)  # every order returned: no net sales

    assert result.book[MARKETING].cell(zero_spend, april).value == "-"
    assert result.book[MARKETING].cell(layout.channel_row("cpa", 3), 16).value == "-"
    assert result.book[PNL].cell(MARGIN_ROWS["ebitda"], april).value == "-"
    assert result.book[PNL].cell(PNL_ROWS["net_sales"], april).value == 0


def test_names_that_look_like_formulas_stay_text_after_recalculation(recalculated) -> None:
    result = recalculated["edge"]
    layout = layout_of(result.plan)
    marketing = result.book[MARKETING]

    names = [marketing.cell(layout.channel_row("spend", i), 1).value for i in range(4)]
    referenced = [marketing.cell(layout.channel_row("roas", i), 1).value for i in range(4)]

    assert names == list(HOSTILE_CHANNELS)
    assert referenced == list(HOSTILE_CHANNELS)
    assert result.book[SUMMARY]["A1"].value == HOSTILE_PLAN_NAME
    assert result.book[ASSUMPTIONS].cell(layout.fixed_row(1), 1).value == HOSTILE_FIXED_COST


def test_editing_spend_and_a_conversion_rate_in_the_workbook_moves_the_pnl_as_the_engine_does(
    recalculated,
) -> None:
    edited = recalculated["edited"]
    original = project_plan(sample_plan())

    ebitda = row_values(edited.book[PNL], PNL_ROWS["ebitda"])

    assert not np.allclose(ebitda, original.line("ebitda"), atol=1.0)
    np.testing.assert_allclose(ebitda, edited.projection.line("ebitda"), rtol=0, atol=CENT)
    for line in MONEY_LINES:
        np.testing.assert_allclose(
            row_values(edited.book[PNL], PNL_ROWS[line]),
            signed(edited.projection, line),
            rtol=0,
            atol=CENT,
        )


def test_editing_a_curve_channels_spend_and_k_in_the_workbook_moves_it_as_the_engine_does(
    recalculated,
) -> None:
    edited = recalculated["edited_curves"]
    original = project_plan(curve_plan())
    index = edited.projection.channels.names.index(EDITED_CURVE[0])
    layout = layout_of(edited.plan)

    revenue = row_values(edited.book[MARKETING], layout.channel_row("revenue", index))
    ebitda = row_values(edited.book[PNL], PNL_ROWS["ebitda"])

    assert not np.allclose(revenue, original.channels.revenue[index], atol=1.0)
    assert not np.allclose(ebitda, original.line("ebitda"), atol=1.0)
    np.testing.assert_allclose(revenue, edited.projection.channels.revenue[index], atol=CENT)
    for line in MONEY_LINES:
        np.testing.assert_allclose(
            row_values(edited.book[PNL], PNL_ROWS[line]),
            signed(edited.projection, line),
            rtol=0,
            atol=CENT,
        )


@pytest.mark.parametrize("name", ALL)
def test_a_workbook_saved_by_libreoffice_imports_to_the_same_plan(recalculated, name) -> None:
    result = recalculated[name]

    imported = plan_from_workbook(result.path.read_bytes())

    assert imported == result.plan


# --- cached values: what a reader that does not recalculate sees ----------------------


@pytest.mark.parametrize("name", list(PLANS))
def test_every_cached_formula_value_is_what_libreoffice_calculates(recalculated, name) -> None:
    """The export caches each formula's value; LibreOffice, recalculating every formula on
    load, finds the same value in every formula cell of every sheet."""
    result = recalculated[name]
    data = plan_workbook(result.plan)
    formulas = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    checked = 0
    for sheet in formulas.worksheets:
        theirs = result.book[sheet.title]
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                ours = cached[sheet.title][cell.coordinate].value
                expected = theirs[cell.coordinate].value
                where = f"{name} {sheet.title}!{cell.coordinate} {cell.value}"
                if expected in (None, ""):  # an empty text result reads back as empty
                    assert ours in (None, ""), f"{where}: cached {ours!r}, LibreOffice empty"
                elif isinstance(expected, int | float) and not isinstance(expected, bool):
                    assert isinstance(ours, int | float), where
                    assert math.isclose(ours, expected, rel_tol=1e-9, abs_tol=1e-9), (
                        f"{where}: cached {ours!r}, LibreOffice {expected!r}"
                    )
                else:
                    assert ours == expected, f"{where}: cached {ours!r}, LibreOffice {expected!r}"
                checked += 1
    assert checked > 500


@pytest.mark.parametrize("build", [sample_plan, lambda: large_plan(50)], ids=["sample", "large"])
def test_pandas_reads_every_pnl_line_and_channel_kpi_without_recalculating(build) -> None:
    plan = build()
    projection = project_plan(plan)
    data = io.BytesIO(plan_workbook(plan))
    pnl = pd.read_excel(data, sheet_name=PNL, header=None)
    for line in PNL_LINES:
        row = pnl.iloc[PNL_ROWS[line] - 1, FIRST_MONTH_COLUMN - 1 : FY_COLUMN].to_numpy(float)
        np.testing.assert_allclose(row, signed(projection, line), rtol=0, atol=CENT, err_msg=line)
    layout = layout_of(plan)
    marketing = pd.read_excel(data, sheet_name=MARKETING, header=None)
    channels = projection.channels
    for metric in ("spend", "sessions", "orders", "revenue", "roas", "cpa"):
        for index, channel in enumerate(channels.names):
            row = layout.channel_row(metric, index) - 1
            values = marketing.iloc[row, FIRST_MONTH_COLUMN - 1 : FY_COLUMN].to_numpy(object)
            expected = getattr(channels, metric)[index]
            shown = np.array([np.nan if v == "-" else float(v) for v in values])
            np.testing.assert_allclose(
                shown, expected, rtol=0, atol=CENT, equal_nan=True, err_msg=f"{channel} {metric}"
            )
