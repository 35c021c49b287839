"""What every sheet of the plan workbook shares: the plan being exported and the pieces each
sheet is built of (titles, month headers, bands, column widths, page set-up, units)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from budgets import MONTHS, Plan
from models.excel.book import Sheet
from models.excel.formulas import FY, MONTH_LETTERS, month_header
from models.excel.layout import FIRST_MONTH_COLUMN, FY_COLUMN, LABEL_COLUMN, Layout, month_column
from models.excel.styles import HEADER, NOTE, TITLE, Formats
from models.pnl import STATEMENT_SIGNS
from models.projection import Projection, project_plan


@dataclass
class Export:
    """One plan's export: the plan, its projection, its layout and number formats."""

    plan: Plan
    exported_at: datetime
    given: Projection | None = None  # the plan's projection, when the caller has it
    record: tuple[tuple[str, str], ...] = ()  # who prepared, submitted, approved: (label, text)
    layout: Layout = field(init=False)
    fmt: Formats = field(init=False)

    def __post_init__(self) -> None:
        self.projection = self.given if self.given is not None else project_plan(self.plan)
        channels = self.plan.marketing.channels
        curves = tuple(i for i, channel in enumerate(channels) if channel.response is not None)
        self.layout = Layout(len(channels), len(self.plan.pnl.fixed_costs), curves)
        self.fmt = Formats.of(self.plan.currency)

    def unit(self, driver: str) -> tuple[str, str]:
        """(number format, unit shown beside it) of a P&L or channel driver."""
        fmt, currency = self.fmt, self.plan.currency
        return {
            "organic_sessions": (fmt.count, "sessions"),
            "site_conversion_rate": (fmt.fine_rate, "% of sessions"),
            "site_aov": (fmt.money_cents, f"{currency} per order"),
            "return_rate": (fmt.rate, "% of gross sales"),
            "cogs_rate": (fmt.rate, "% of net sales"),
            "fulfilment_cost_per_order": (fmt.money_cents, f"{currency} per order"),
            "returns_cost_per_return": (fmt.money_cents, f"{currency} per return"),
            "payment_fee_rate": (fmt.fine_rate, "% of gross sales"),
            "cpc": (fmt.money_cents, f"{currency} per click"),
            "cpm": (fmt.money_cents, f"{currency} per 1,000"),
            "ctr": (fmt.fine_rate, "% of impressions"),
            "conversion_rate": (fmt.fine_rate, "% of sessions"),
            "aov": (fmt.money_cents, f"{currency} per order"),
        }[driver]

    def money_texts(self, values: np.ndarray, cents: bool = False) -> list[str]:
        """Amounts as the workbook shows them, "EUR -1,234" (undefined ones left out)."""
        code = self.plan.currency
        digits = 2 if cents else 0
        return [f"{code} {value:,.{digits}f}" for value in values[np.isfinite(values)]]

    def statement_widths(self) -> dict[str, float]:
        """Widths for the P&L and the Marketing plan: every line as shown, impressions, CPAs."""
        projection = self.projection
        shown = projection.lines * STATEMENT_SIGNS[:, None]
        impressions = projection.channels.impressions.sum(axis=0)
        cpa = projection.channels.cpa
        return month_widths(
            [
                *self.money_texts(shown[:, :MONTHS].ravel()),
                *self.money_texts(cpa[:, :MONTHS].ravel(), cents=True),
                *(f"{count:,.0f}" for count in impressions[:MONTHS]),
            ],
            [
                *self.money_texts(shown[:, MONTHS]),
                *self.money_texts(cpa[:, MONTHS], cents=True),
                f"{impressions[MONTHS]:,.0f}",
            ],
        )

    def page(
        self,
        sheet: Sheet,
        widths: dict[str, float],
        *,
        freeze: str | None = None,
        title_rows: tuple[int, int] | None = None,
        title_columns: tuple[int, int] | None = None,
        pages_wide: int = 1,
    ) -> None:
        """Column widths, frozen panes, print titles; A4 landscape, fitted to ``pages_wide``
        pages' width (the print-title columns repeated on each)."""
        sheet.widths.update(widths)
        sheet.freeze = freeze
        page = sheet.page
        page.title_rows, page.title_columns, page.pages_wide = title_rows, title_columns, pages_wide
        page.header_left = f"{self.plan.name} · FY{self.plan.fiscal_year}"
        page.footer_left = f"Exported {self.exported_at:%Y-%m-%d %H:%M} UTC"

    def month_header(self, sheet: Sheet, row: int, label: str, *, year: bool = True) -> None:
        """A header row: a label, the 12 fiscal months (dates from the plan's inputs), then FY."""
        for column in range(LABEL_COLUMN + 1, FIRST_MONTH_COLUMN):
            sheet.style(row, column, HEADER)
        sheet.text(row, LABEL_COLUMN, label, HEADER)
        for month in range(MONTHS):
            sheet.put(row, month_column(month), month_header(month), HEADER, self.fmt.month)
        if year:
            sheet.text(row, FY_COLUMN, "FY", HEADER)
        else:
            sheet.style(row, FY_COLUMN, HEADER)


def title(sheet: Sheet, text: str, note: str) -> None:
    sheet.text(1, 1, text, TITLE)
    sheet.text(2, 1, note, NOTE)


def band(sheet: Sheet, row: int, label: str, style: str, last: int = FY_COLUMN) -> None:
    """A row in one style from column A to ``last``, labelled in A."""
    for column in range(LABEL_COLUMN + 1, last + 1):
        sheet.style(row, column, style)
    sheet.text(row, LABEL_COLUMN, label, style)


def month_widths(months: list[str], years: list[str]) -> dict[str, float]:
    """Month and FY column widths that show every figure whole, never as "####".

    ``months`` and ``years`` are the figures the columns hold, as shown.
    """
    month = max((len(text) for text in months), default=0) + 2
    year = max((len(text) for text in years), default=0) + 2
    return {**dict.fromkeys(MONTH_LETTERS, max(month, 11)), FY: max(year, 12)}
