"""The P&L sheet: every line of the P&L by month and for the year, and every margin, as
formulas on the Marketing plan and the Assumptions. Costs are negative amounts, so the
statement adds up from top to bottom."""

from __future__ import annotations

from models.catalogue import PNL_CATALOGUE
from models.excel.book import Sheet
from models.excel.formulas import (
    FY,
    MONTH_LETTERS,
    MONTHS_AND_YEAR,
    SHARE,
    margin,
    months,
    pnl_templates,
    ratio,
)
from models.excel.layout import (
    FY_COLUMN,
    HEADER_ROW,
    KIND_COLUMN,
    MARGIN_LINES,
    MARGIN_ROWS,
    MARGIN_SECTION,
    MARGIN_SECTION_ROW,
    PNL,
    PNL_ROWS,
    SHARE_COLUMN,
    month_column,
)
from models.excel.parts import Export, band, title
from models.excel.styles import FORMULA, HEADER, TOTAL
from models.pnl import COUNT_LINES, PNL_LABELS, PNL_LINES

_SUBTOTALS = frozenset(line.key for line in PNL_CATALOGUE if line.subtotal)
_HOW = {line.key: line.how for line in PNL_CATALOGUE}
_SHORT = {line.key: line.short for line in PNL_CATALOGUE}


def pnl_sheet(export: Export) -> Sheet:
    sheet = Sheet(PNL)
    fmt = export.fmt
    title(
        sheet,
        "P&L",
        f"{export.plan.currency}, excluding VAT. Costs are negative. Every figure is a formula "
        "on the Marketing plan and the Assumptions.",
    )
    export.month_header(sheet, HEADER_ROW, "Line")
    sheet.text(HEADER_ROW, KIND_COLUMN, "How it is calculated")
    sheet.text(HEADER_ROW, SHARE_COLUMN, "% of net sales", HEADER)
    templates = pnl_templates(export.layout)
    for name in PNL_LINES:
        row = PNL_ROWS[name]
        style = TOTAL if name in _SUBTOTALS else FORMULA
        number_format = fmt.count if name in COUNT_LINES else fmt.money
        band(sheet, row, PNL_LABELS[name], style, SHARE_COLUMN)
        sheet.text(row, KIND_COLUMN, _HOW[name])
        for month, letter in enumerate(MONTH_LETTERS):
            sheet.put(row, month_column(month), templates[name].format(x=letter), style,
                      number_format)  # fmt: skip
        sheet.put(row, FY_COLUMN, f"=SUM({months(row)})", style, number_format)
        if name not in COUNT_LINES:
            share = ratio(f"{FY}{row}", f"{FY}{PNL_ROWS['net_sales']}")
            sheet.put(row, SHARE_COLUMN, share, style, fmt.rate)

    export.month_header(sheet, MARGIN_SECTION_ROW, MARGIN_SECTION)
    for name in MARGIN_LINES:
        row = MARGIN_ROWS[name]
        style = TOTAL if name in _SUBTOTALS else FORMULA
        band(sheet, row, PNL_LABELS[name], style)
        sheet.text(row, KIND_COLUMN, f"{_SHORT[name]} / net sales")
        for column, letter in MONTHS_AND_YEAR:
            sheet.put(row, column, margin(name, letter), style, fmt.rate)
    export.page(
        sheet,
        {"A": 36, "B": 34, "C": 2, **export.statement_widths(), SHARE: 13},
        freeze=f"D{HEADER_ROW + 1}",
        title_rows=(HEADER_ROW, HEADER_ROW),
        title_columns=(1, 3),
        # Twelve months, the year and the share on one A4 page print at under half size;
        # on two, each with the lines and how they are calculated, at some 85 %.
        pages_wide=2,
    )
    return sheet
