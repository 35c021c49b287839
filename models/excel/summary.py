"""The Summary sheet: the plan's identity, the year's headline KPIs against the targets
(formulas), what the targets imply (the planner's sentences, as exported) and two charts:
monthly spend by channel, monthly net sales and EBITDA."""

from __future__ import annotations

import math
from datetime import datetime

from budgets import MONTHS
from models.excel.book import Chart, Series, Sheet
from models.excel.formulas import FY, UNDEFINED, ratio, sheet_ref
from models.excel.layout import (
    HEADER_ROW,
    KPI_ROWS,
    KPIS,
    MARKER,
    MARKER_LABEL,
    MARKER_ROW,
    MARKETING,
    PNL,
    PNL_ROWS,
    SUMMARY,
)
from models.excel.parts import Export, band
from models.excel.styles import FORMULA, HEADER, NOTE, SECTION, TITLE

_ROW_HEIGHT_CM = 0.53  # a default row: 15 points


def summary_sheet(export: Export) -> Sheet:
    sheet = Sheet(SUMMARY)
    fmt = export.fmt
    sheet.put(1, 1, "=PlanName", TITLE)
    sheet.put(
        2,
        1,
        '="FY"&FiscalYear&" budget plan: digital-marketing spend and e-commerce P&L, in "'
        '&PlanCurrency&", excluding VAT"',
        NOTE,
    )
    band(sheet, 4, "About this plan", SECTION, 4)
    about: list[tuple[str, str | datetime, str | None]] = [
        ("Fiscal year", "=FiscalYear", fmt.fiscal_year),
        ("First month", "=DATE(FiscalYear,FirstMonth,1)", fmt.month),
        ("Last month", f"=DATE(FiscalYear,FirstMonth+{MONTHS - 1},1)", fmt.month),
        ("Currency", "=PlanCurrency", None),
        ("Exported", export.exported_at, fmt.timestamp),
    ]
    for row, (label, value, number_format) in enumerate(about, start=5):
        sheet.text(row, 1, label, FORMULA)
        sheet.put(row, 2, value, FORMULA, number_format).align = "left"
    # Who prepared, submitted and approved the stored version, beside what the plan is.
    for row, (label, text) in enumerate(export.record, start=5):
        sheet.text(row, 3, label, FORMULA)
        sheet.text(row, 4, text, FORMULA)
    sheet.text(MARKER_ROW, 1, MARKER_LABEL, FORMULA)
    sheet.text(MARKER_ROW, 2, MARKER, FORMULA)

    head = MARKER_ROW + 2
    for column, label in enumerate(("The year", "Plan", "Target", "Plan - target"), 1):
        sheet.text(head, column, label, HEADER)
    kpi, k = sheet_ref(KPIS), KPI_ROWS
    target = f"{kpi}${FY}${k['cm3_margin_target']}"
    headline: list[tuple[str, str, str | None, str]] = [
        ("Net sales", "=NetSalesFY", "=TargetNetSales", fmt.money),
        ("EBITDA", "=EbitdaFY", "=TargetEbitdaMargin*NetSalesFY", fmt.money),
        ("EBITDA margin", ratio("EbitdaFY", "NetSalesFY"), "=TargetEbitdaMargin", fmt.rate),
        ("Contribution after marketing (CM3)", "=Cm3FY", f"={target}*NetSalesFY", fmt.money),
        ("CM3 margin", ratio("Cm3FY", "NetSalesFY"), f"={target}", fmt.rate),
        ("Marketing", "=-MarketingFY", None, fmt.money),
        ("Marketing as % of net sales", f"={kpi}{FY}{k['marketing_share']}", None, fmt.rate),
        ("MER (gross sales / marketing)", f"={kpi}{FY}{k['mer']}", None, fmt.roas),
        ("Break-even ROAS", f"={kpi}{FY}{k['break_even_roas']}", None, fmt.roas),
        ("Target ROAS", f"={kpi}{FY}{k['target_roas']}", None, fmt.roas),
    ]
    for row, (label, plan_value, target_value, number_format) in enumerate(headline, head + 1):
        sheet.text(row, 1, label, FORMULA)
        sheet.put(row, 2, plan_value, FORMULA, number_format)
        sheet.put(row, 3, target_value, FORMULA, number_format)
        if target_value is None:
            sheet.put(row, 4, None, FORMULA, number_format)
        elif number_format == fmt.rate:
            # Margins differ in percentage points, not in per cent of each other.
            difference = f"=IFERROR((B{row}-C{row})*100,{UNDEFINED})"
            sheet.put(row, 4, difference, FORMULA, fmt.points)
        else:
            sheet.put(row, 4, f"=IFERROR(B{row}-C{row},{UNDEFINED})", FORMULA, number_format)

    solves_head = head + len(headline) + 2
    band(sheet, solves_head, "What the targets imply", SECTION, 8)
    sheet.text(
        solves_head + 1,
        1,
        "Worked out by the planner at export, from the plan as exported: these sentences do "
        "not change when figures are edited in this workbook.",
        NOTE,
    )
    solves = export.projection.targets.solves
    for row, solve in enumerate(solves, start=solves_head + 2):
        sheet.text(row, 1, solve.label, FORMULA).align = "wrap"
        sheet.text(row, 2, solve.explanation, FORMULA).align = "wrap"
        sheet.merges.append((row, 2, row, 8))
        # Merged cells do not grow with their text: size the row for it.
        lines = max(math.ceil(len(solve.explanation) / 105), math.ceil(len(solve.label) / 40))
        sheet.heights[row] = 14 * max(lines, 1) + 3
    _charts(export, sheet, solves_head + 3 + len(solves))
    widths: dict[str, float] = {
        "A": 42,
        "B": 18,
        "C": 18,
        "D": 18,
        "E": 14,
        "F": 14,
        "G": 14,
        "H": 14,
    }
    export.page(sheet, widths)
    return sheet


def _charts(export: Export, sheet: Sheet, row: int) -> None:
    """Two charts on a new printed page, one above the other.

    Monthly spend by channel (stacked columns); monthly net sales (columns) and
    EBITDA (a line).
    """
    layout = export.layout
    spend = Chart(
        "Marketing spend by channel",
        # Without channels, the chart shows the total (nothing): a chart needs a series.
        [Series(MARKETING, layout.channel_row("spend", index)) for index in range(layout.channels)]
        or [Series(MARKETING, layout.block_total_row("spend"))],
        (MARKETING, HEADER_ROW),
        stacked=True,
        money_format=export.fmt.money,
    )
    if layout.channels <= 12:
        spend.legend = "right"
    else:
        # A long legend beside the plot would squeeze it: below, in columns, it grows the chart.
        spend.height_cm = 10 + math.ceil(layout.channels / 3) * 0.45
    sales = Chart(
        "Net sales and EBITDA by month",
        [Series(PNL, PNL_ROWS["net_sales"])],
        (MARKETING, HEADER_ROW),
        lines=[Series(PNL, PNL_ROWS["ebitda"])],
        money_format=export.fmt.money,
    )
    sheet.row_breaks.append(row - 1)
    sheet.charts.append((row + 1, spend))
    below = row + 2 + math.ceil(spend.height_cm / _ROW_HEIGHT_CM)
    sheet.charts.append((below, sales))
