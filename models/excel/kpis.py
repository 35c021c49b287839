"""The KPIs sheet: conversion rate, AOV, marketing share, MER, break-even and target ROAS by
month and for the year, on the P&L; the year's ratios are ratios of the year's totals."""

from __future__ import annotations

from models.excel.book import Sheet
from models.excel.formulas import (
    CM3_MARGIN_TARGET,
    FY,
    MONTH_LETTERS,
    MONTHS_AND_YEAR,
    kpi_templates,
)
from models.excel.layout import FY_COLUMN, HEADER_ROW, KIND_COLUMN, KPI_LABELS, KPI_ROWS, KPIS
from models.excel.parts import Export, band, title
from models.excel.styles import FORMULA


def kpi_sheet(export: Export) -> Sheet:
    sheet = Sheet(KPIS)
    fmt = export.fmt
    title(
        sheet,
        "KPIs",
        "Ratios of the P&L by month and for the year; the year's ratios are ratios of the "
        'year\'s totals. "-" where a ratio is undefined (nothing to divide by).',
    )
    export.month_header(sheet, HEADER_ROW, "KPI")
    sheet.text(HEADER_ROW, KIND_COLUMN, "How it is calculated")
    templates = kpi_templates()
    formats = {
        "conversion_rate": fmt.fine_rate,
        "aov": fmt.money_cents,
        "marketing_share": fmt.rate,
        "mer": fmt.roas,
        "return_rate": fmt.rate,
        "contribution_per_gross_sale": fmt.rate,
        "break_even_roas": fmt.roas,
        "target_roas": fmt.roas,
    }
    for kpi, (label, how) in KPI_LABELS.items():
        row = KPI_ROWS[kpi]
        band(sheet, row, label, FORMULA)
        sheet.text(row, KIND_COLUMN, how)
        if kpi == "cm3_margin_target":
            sheet.put(row, FY_COLUMN, CM3_MARGIN_TARGET, FORMULA, fmt.rate)
            continue
        for column, letter in MONTHS_AND_YEAR:
            sheet.put(row, column, templates[kpi].format(x=letter), FORMULA, formats[kpi])
    export.page(
        sheet,
        {"A": 52, "B": 44, "C": 2, **dict.fromkeys(MONTH_LETTERS, 11), FY: 12},
        freeze=f"D{HEADER_ROW + 1}",
        title_rows=(HEADER_ROW, HEADER_ROW),
        title_columns=(1, 3),
    )
    return sheet
