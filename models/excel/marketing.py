"""The Marketing plan sheet: spend by channel and month (inputs), then impressions, sessions,
attributed orders and revenue, ROAS and CPA per channel, as formulas on the spend and the
Assumptions; with response curves, every channel's marginal ROAS too."""

from __future__ import annotations

from budgets import ChannelKind, CostDriver
from models.excel.book import Sheet
from models.excel.formulas import (
    FIRST,
    FY,
    LAST,
    MONTH_LETTERS,
    block_total,
    channel_template,
    channel_year,
)
from models.excel.layout import (
    DRIVER_COLUMN,
    FY_COLUMN,
    HEADER_ROW,
    KIND_COLUMN,
    LABEL_COLUMN,
    MARGINAL_BLOCK,
    MARGINAL_ROAS,
    MARKETING,
    MARKETING_BLOCKS,
    MARKETING_HEADERS,
    month_column,
)
from models.excel.parts import Export, band, title
from models.excel.styles import FORMULA, INPUT, SECTION, TOTAL, list_rule, money_rule


def marketing_sheet(export: Export) -> Sheet:
    sheet = Sheet(MARKETING)
    layout, fmt = export.layout, export.fmt
    channels = export.plan.marketing.channels
    title(
        sheet,
        "Marketing plan",
        f"Spend in {export.plan.currency}, excluding VAT. Inputs are the shaded cells (channel, "
        "kind, cost driver, spend); the rest is calculated from them and the Assumptions.",
    )
    export.month_header(sheet, HEADER_ROW, MARKETING_HEADERS[0])
    sheet.text(HEADER_ROW, KIND_COLUMN, MARKETING_HEADERS[1])
    sheet.text(HEADER_ROW, DRIVER_COLUMN, MARKETING_HEADERS[2])
    formats = {
        "spend": fmt.money,
        "impressions": fmt.count,
        "sessions": fmt.count,
        "orders": fmt.count,
        "revenue": fmt.money,
        "roas": fmt.roas,
        "cpa": fmt.money_cents,
        MARGINAL_ROAS: fmt.roas,
    }
    blocks = {**MARKETING_BLOCKS, MARGINAL_ROAS: MARGINAL_BLOCK}
    for metric in layout.marketing_blocks:
        block_title, total_label = blocks[metric]
        band(sheet, layout.block_title_row(metric), block_title, SECTION)
        number_format = formats[metric]
        for index, channel in enumerate(channels):
            row = layout.channel_row(metric, index)
            if metric == "spend":
                sheet.text(row, LABEL_COLUMN, channel.name, INPUT)
                sheet.text(row, KIND_COLUMN, channel.kind.label, INPUT)
                sheet.text(row, DRIVER_COLUMN, channel.cost_driver.label, INPUT)
                for month, spend in enumerate(channel.spend):
                    sheet.put(row, month_column(month), spend, INPUT, number_format)
            else:
                spend_row = layout.channel_row("spend", index)
                sheet.put(row, LABEL_COLUMN, f"=$A${spend_row}", FORMULA)
                template = channel_template(layout, metric, index)
                for month, letter in enumerate(MONTH_LETTERS):
                    formula = template.format(x=letter)
                    sheet.put(row, month_column(month), formula, FORMULA, number_format)
            rows = {m: layout.channel_row(m, index) for m in layout.marketing_blocks}
            sheet.put(row, FY_COLUMN, channel_year(metric, rows), FORMULA, number_format)
        total = layout.block_total_row(metric)
        band(sheet, total, total_label, TOTAL)
        for column, letter in enumerate((*MONTH_LETTERS, FY), start=month_column(0)):
            summed = block_total(layout, metric, letter)
            sheet.put(total, column, summed, TOTAL, number_format)

    if channels:
        first = layout.channel_row("spend", 0)
        last = layout.channel_row("spend", len(channels) - 1)
        sheet.validate(money_rule(), [f"{FIRST}{first}:{LAST}{last}"])
        kinds = tuple(kind.label for kind in ChannelKind)
        drivers = tuple(driver.label for driver in CostDriver)
        sheet.validate(list_rule(kinds, "a channel kind"), [f"B{first}:B{last}"])
        sheet.validate(list_rule(drivers, "a cost driver"), [f"C{first}:C{last}"])
    export.page(
        sheet,
        {"A": 34, "B": 16, "C": 18, **export.statement_widths()},
        freeze=f"D{HEADER_ROW + 1}",
        title_rows=(HEADER_ROW, HEADER_ROW),
        title_columns=(1, 3),
    )
    return sheet
