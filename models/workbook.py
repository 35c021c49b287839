"""The plan as an Excel workbook for finance, with live formulas that recalculate to the planner's.

``plan_workbook(plan)`` returns the .xlsx file as bytes; ``write_plan_workbook``
saves it. The sheets:

* **Summary**: the plan's identity, the year's headline KPIs against the
  targets (formulas), what the targets imply (the planner's sentences, as
  exported) and two charts: monthly spend by channel, monthly net sales and
  EBITDA.
* **Assumptions**: every input except spend: the plan's name, fiscal year,
  first month and currency, the targets, the P&L drivers by month, the
  fixed-cost lines and every channel's drivers; with response curves, the
  demand index by month and each curve's parameters.
* **Marketing plan**: spend by channel and month (inputs), then impressions,
  sessions, attributed orders and revenue, ROAS and CPA per channel, as
  formulas on the spend and the Assumptions; with response curves, every
  channel's marginal ROAS too.
* **P&L**: every line of the P&L by month and for the year, and every margin,
  as formulas on the Marketing plan and the Assumptions.
* **KPIs**: conversion rate, AOV, marketing share, MER, break-even and
  target ROAS by month and for the year.

Conventions (the planner's own, docs/financial-model.md):

* Inputs carry the "Plan input" style; every other figure is a formula, so
  changing a driver or a spend cell in Excel moves the whole P&L.
* Money is in the plan's currency, excluding VAT, shown with its ISO code
  ("EUR 1,234"); rates are fractions shown as percentages.
* On the P&L sheet costs are negative amounts, so the statement adds up from
  top to bottom and a cost line's margin is negative. The Summary and the
  KPIs show marketing as a positive amount.
* A ratio whose denominator is 0 (ROAS without spend, CPA without orders, a
  margin without net sales) is the text "-", through ``IF``; no cell shows
  ``#DIV/0!``. Yearly ratios are ratios of the year's totals.
* A channel driver given once for the year is in the "For the year" column
  and its 12 months are formulas that follow it; a driver given per month has
  12 inputs and an empty "For the year" cell. A channel without its own AOV
  has no value for the year and its months follow the site AOV. The import
  (``models.workbook_import``) reads this back into an equal plan.
* A channel with a response curve (``models.curves``) takes its revenue
  from the Hill formula of the month's spend cell, beta x spend^s /
  (spend^s + k^s), with the month's beta and k: the curve's (inputs, for a
  month of average demand) times the month's demand index, a formula on the
  organic sessions. Its orders are revenue / AOV and its sessions orders /
  conversion rate, as in ``models.pnl``. Channels without a curve keep the
  formulas above, and a plan without curves has no curve rows at all.
* Text from users (plan, channel and fixed-cost names) is written as text
  with a quote prefix, never as a formula, even when it starts with ``=``,
  ``+``, ``-`` or ``@``.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.series import SeriesLabel, StrRef
from openpyxl.formatting.rule import FormulaRule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from budgets import MONTHS, ChannelKind, CostDriver, Plan
from budgets.plan import SHAPE_MAX, SHAPE_MIN
from models.catalogue import PNL_CATALOGUE
from models.pnl import COST_LINES, COUNT_LINES, PNL_LABELS, PNL_LINES
from models.projection import project_plan
from models.workbook_layout import (
    ASSUMPTIONS,
    CHANNEL_DRIVER_LABELS,
    CURVE_PARAMETER_HEADER,
    CURVE_PARAMETERS,
    CURVE_SECTION,
    CURVE_YEAR_LABEL,
    DEMAND_LABEL,
    DEMAND_UNIT,
    DRIVER_COLUMN,
    FIRST_MONTH_COLUMN,
    FIXED_SECTION,
    FIXED_TOTAL_LABEL,
    FY_COLUMN,
    HEADER_ROW,
    KIND_COLUMN,
    KPI_LABELS,
    KPI_ROWS,
    KPIS,
    LABEL_COLUMN,
    MARGIN_LINES,
    MARGIN_ROWS,
    MARGIN_SECTION,
    MARGIN_SECTION_ROW,
    MARGINAL_BLOCK,
    MARGINAL_ROAS,
    MARKER,
    MARKER_LABEL,
    MARKER_ROW,
    MARKETING,
    MARKETING_BLOCKS,
    MARKETING_HEADERS,
    PLAN_FIELDS,
    PLAN_SECTION_ROW,
    PNL,
    PNL_DRIVER_HEADER_ROW,
    PNL_DRIVER_LABELS,
    PNL_DRIVER_SECTION,
    PNL_ROWS,
    SHARE_COLUMN,
    SUMMARY,
    TARGET_FIELDS,
    TARGET_SECTION,
    TARGET_SECTION_ROW,
    VALUE_COLUMN,
    WORKBOOK_FORMAT,
    YEAR_INPUT_COLUMN,
    YEAR_INPUT_LABEL,
    Layout,
    month_column,
)
from models.workbook_values import with_cached_values

# Named styles
INPUT = "Plan input"
FORMULA = "Plan formula"
LINK = "Plan link"  # a formula that only refers to another sheet: green, as finance reads it
TOTAL = "Plan total"
HEADER = "Plan header"
TITLE = "Plan title"
SECTION = "Plan section"
NOTE = "Plan note"

UNDEFINED = '"-"'
MONTH_LETTERS: tuple[str, ...] = tuple(get_column_letter(month_column(m)) for m in range(MONTHS))
FIRST, LAST = MONTH_LETTERS[0], MONTH_LETTERS[-1]
FY = get_column_letter(FY_COLUMN)
SHARE = get_column_letter(SHARE_COLUMN)
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A formula that is nothing but a reference to a cell of another sheet (its negative too).
_SHEET_LINK = re.compile(r"=-?(?:'[^']+'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?[0-9]+")
_ROW_HEIGHT_CM = 0.53  # a default row: 15 points


@dataclass(frozen=True)
class _Formats:
    """Number formats: money with the plan's ISO currency code, rates as percentages."""

    money: str
    money_cents: str
    count: str = "#,##0"
    rate: str = "0.0%"
    fine_rate: str = "0.00%"
    roas: str = "0.00"
    whole: str = "0"
    index: str = "0.000"
    shape: str = "0.00"
    fiscal_year: str = '"FY"0'
    month: str = "mmm yyyy"
    timestamp: str = 'yyyy-mm-dd hh:mm "UTC"'

    @classmethod
    def of(cls, currency: str) -> _Formats:
        code = f'"{currency} "'
        return cls(
            # Negative money in parentheses, positive figures padded to stay aligned with it.
            money=f"{code}#,##0_);{code}(#,##0)",
            money_cents=f"{code}#,##0.00_);{code}(#,##0.00)",
        )


def plan_workbook(plan: Plan, *, exported_at: datetime | None = None) -> bytes:
    """The plan as an .xlsx workbook (bytes) whose formulas recalculate to the planner's numbers.

    Args:
        plan: the plan to export.
        exported_at: the export time shown on the Summary and kept in the
            file's properties, in UTC (a naive time is taken as UTC). Defaults
            to now.

    An empty plan (no channels, no fixed costs) exports the organic business
    alone; a channel without spend shows "-" for its ROAS and CPA.
    """
    stamp = exported_at or datetime.now(UTC)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    workbook = _PlanWorkbook(plan, stamp.replace(tzinfo=None, microsecond=0)).build()
    out = io.BytesIO()
    workbook.save(out)
    # Every formula with its value cached, for readers that do not recalculate.
    return with_cached_values(out.getvalue(), workbook)


def write_plan_workbook(
    plan: Plan, path: str | Path, *, exported_at: datetime | None = None
) -> None:
    """Save the plan's workbook (see ``plan_workbook``) at ``path``."""
    Path(path).write_bytes(plan_workbook(plan, exported_at=exported_at))


def workbook_filename(plan: Plan, suffix: str = ".xlsx") -> str:
    """A safe file name for the plan's export: '<plan-name>_FY<year>.xlsx'.

    Letters and digits of any script are kept; every run of other characters
    (spaces, slashes, dots, quotes) becomes one '-', so the name is safe on
    every file system and cannot climb out of a folder.
    """
    name = unicodedata.normalize("NFKC", plan.name)
    stem = re.sub(r"\W+", "-", name).strip("-_") or "plan"
    return f"{stem[:60]}_FY{plan.fiscal_year}{suffix}"


def follow_year_formula(driver: str, row: int, fallback: str | None = None) -> str:
    """The formula of a month that follows a channel driver's value for the year (column C).

    Without a value for the year the month is empty (CPC, CPM, CTR), 0
    (conversion rate, whose default is 0) or ``fallback`` (AOV: the site AOV
    of the month).
    """
    if fallback is None:
        fallback = "0" if driver == "conversion_rate" else '""'
    year = f"$C{row}"
    return f"=IF(ISNUMBER({year}),{year},{fallback})"


# --- formulas ----------------------------------------------------------------------


def _sheet(name: str) -> str:
    return f"{quote_sheetname(name)}!"


def _months(row: int) -> str:
    return f"{FIRST}{row}:{LAST}{row}"


def _abs_months(sheet: str, row: int) -> str:
    return f"{_sheet(sheet)}${FIRST}${row}:${LAST}${row}"


def _ratio(numerator: str, denominator: str) -> str:
    """numerator / denominator, "-" where the denominator is 0."""
    return f"=IF({denominator}=0,{UNDEFINED},{numerator}/{denominator})"


def _positive_inverse(test: str, denominator: str) -> str:
    """1 / denominator where ``test`` is a number and the denominator is above 0, else "-"."""
    return f"=IF(ISNUMBER({test}),IF({denominator}>0,1/({denominator}),{UNDEFINED}),{UNDEFINED})"


def _sum_rows(letter: str, first: int, last: int) -> str:
    """The sum of a column's rows first..last; 0 when there are none (no channels, no lines)."""
    return f"=SUM({letter}{first}:{letter}{last})" if last >= first else "=0"


# --- cells ---------------------------------------------------------------------------


class _Cells:
    """Writes cells with a named style and a number format, each combination computed once.

    Setting a named style and a number format through openpyxl's properties
    costs more than writing the cell; a workbook has a few dozen combinations
    and thousands of cells, so each combination's style array is built once
    and copied, as openpyxl's own ``copy_worksheet`` copies ``_style``.
    """

    def __init__(self) -> None:
        self._styles: dict[tuple[str, str | None], Any] = {}

    def style(self, cell: Cell, style: str, fmt: str | None = None) -> Cell:
        """Apply a named style; a number format also aligns the cell right, "-" with the figures."""
        array = self._styles.get((style, fmt))
        if array is None:
            cell.style = style
            if fmt:
                cell.number_format = fmt
                if style != HEADER:
                    cell.alignment = Alignment(horizontal="right")
            self._styles[(style, fmt)] = copy(cell._style)
        else:
            cell._style = copy(array)
        return cell

    def text(self, cell: Cell, text: str, style: str | None = None) -> Cell:
        """Write text as text, never as a formula, whatever it starts with."""
        if style:
            self.style(cell, style)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_LEADS):
            cell.quotePrefix = True
        return cell

    def put(
        self, cell: Cell, value: float | str | datetime | None, style: str, fmt: str | None = None
    ) -> Cell:
        """Write a number, one of the product's formulas ('=...') or nothing, with a style.

        A formula in the formula style that is only a reference to another sheet's
        cell is a link: it is written in the link style (green), as finance's
        colour convention has it (inputs blue, formulas black, links to other
        sheets green).
        """
        if style == FORMULA and isinstance(value, str) and _SHEET_LINK.fullmatch(value):
            style = LINK
        self.style(cell, style, fmt)
        cell.value = value
        return cell


# --- the workbook ---------------------------------------------------------------


class _PlanWorkbook:
    """Builds one plan's workbook; ``build()`` returns the openpyxl Workbook."""

    def __init__(self, plan: Plan, exported_at: datetime) -> None:
        self.plan = plan
        self.exported_at = exported_at
        channels = plan.marketing.channels
        curves = tuple(i for i, channel in enumerate(channels) if channel.response is not None)
        self.layout = Layout(len(channels), len(plan.pnl.fixed_costs), curves)
        self.fmt = _Formats.of(plan.currency)
        self.projection = project_plan(plan)
        self.cells = _Cells()
        self.wb = Workbook()
        for style in _named_styles():
            self.wb.add_named_style(style)
        summary = self.wb.active
        assert summary is not None  # a new workbook has one sheet
        summary.title = SUMMARY
        self.summary: Worksheet = summary
        self.assumptions = self.wb.create_sheet(ASSUMPTIONS)
        self.marketing = self.wb.create_sheet(MARKETING)
        self.pnl = self.wb.create_sheet(PNL)
        self.kpis = self.wb.create_sheet(KPIS)

    def build(self) -> Workbook:
        self._assumptions()
        self._marketing()
        self._pnl()
        self._kpis()
        self._summary()
        self._defined_names()
        self._properties()
        return self.wb

    # --- shared pieces ----------------------------------------------------------
    def _title(self, ws: Worksheet, title: str, note: str) -> None:
        self.cells.text(ws.cell(1, 1), title, TITLE)
        self.cells.text(ws.cell(2, 1), note, NOTE)

    def _month_header(self, ws: Worksheet, row: int, label: str, *, year: bool = True) -> None:
        """A header row: a label, the 12 fiscal months (dates from the plan's inputs), then FY."""
        for column in range(LABEL_COLUMN + 1, FIRST_MONTH_COLUMN):
            self.cells.style(ws.cell(row, column), HEADER)
        self.cells.text(ws.cell(row, LABEL_COLUMN), label, HEADER)
        for month in range(MONTHS):
            formula = f"=DATE(FiscalYear,FirstMonth+{month},1)"
            self.cells.put(ws.cell(row, month_column(month)), formula, HEADER, self.fmt.month)
        if year:
            self.cells.text(ws.cell(row, FY_COLUMN), "FY", HEADER)
        else:
            self.cells.style(ws.cell(row, FY_COLUMN), HEADER)

    def _band(self, ws: Worksheet, row: int, label: str, style: str, last: int = FY_COLUMN) -> None:
        """A row in one style from column A to ``last``, labelled in A."""
        for column in range(LABEL_COLUMN + 1, last + 1):
            self.cells.style(ws.cell(row, column), style)
        self.cells.text(ws.cell(row, LABEL_COLUMN), label, style)

    def _page(
        self,
        ws: Worksheet,
        widths: dict[str, float],
        *,
        freeze: str | None = None,
        title_rows: str | None = None,
        title_columns: str | None = None,
        pages_wide: int = 1,
    ) -> None:
        """Column widths, frozen panes, print titles; A4 landscape, fitted to ``pages_wide``
        pages' width (the print-title columns repeated on each)."""
        for letter, width in widths.items():
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = freeze
        if title_rows:
            ws.print_title_rows = title_rows
        if title_columns:
            ws.print_title_cols = title_columns
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = pages_wide
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins.left = ws.page_margins.right = 0.4
        ws.page_margins.top = ws.page_margins.bottom = 0.75
        ws.page_margins.header = ws.page_margins.footer = 0.3
        # "&" starts a header code, so a plan name's own "&" is doubled.
        ws.oddHeader.left.text = f"{self.plan.name} · FY{self.plan.fiscal_year}".replace("&", "&&")
        ws.oddHeader.right.text = "&A"
        ws.oddFooter.left.text = f"Exported {self.exported_at:%Y-%m-%d %H:%M} UTC"
        ws.oddFooter.right.text = "Page &P of &N"

    @staticmethod
    def _widths(months: list[str], years: list[str]) -> dict[str, float]:
        """Month and FY column widths that show every figure whole, never as "####".

        ``months`` and ``years`` are the figures the columns hold, as shown.
        """
        month = max((len(text) for text in months), default=0) + 2
        year = max((len(text) for text in years), default=0) + 2
        return {**dict.fromkeys(MONTH_LETTERS, max(month, 11)), FY: max(year, 12)}

    def _money(self, values: np.ndarray, cents: bool = False) -> list[str]:
        """Amounts as the workbook shows them, "EUR -1,234" (undefined ones left out)."""
        code = self.plan.currency
        digits = 2 if cents else 0
        return [f"{code} {value:,.{digits}f}" for value in values[np.isfinite(values)]]

    def _statement_widths(self) -> dict[str, float]:
        """Widths for the P&L and the Marketing plan: every line as shown, impressions, CPAs."""
        projection = self.projection
        signs = np.array([-1.0 if line in COST_LINES else 1.0 for line in PNL_LINES])
        shown = projection.lines * signs[:, None]
        impressions = projection.channels.impressions.sum(axis=0)
        cpa = projection.channels.cpa
        return self._widths(
            [
                *self._money(shown[:, :MONTHS].ravel()),
                *self._money(cpa[:, :MONTHS].ravel(), cents=True),
                *(f"{count:,.0f}" for count in impressions[:MONTHS]),
            ],
            [
                *self._money(shown[:, MONTHS]),
                *self._money(cpa[:, MONTHS], cents=True),
                f"{impressions[MONTHS]:,.0f}",
            ],
        )

    def _assumption_widths(self) -> dict[str, float]:
        """Widths for the Assumptions: labels, then the widest of the fixed costs and their total
        and of the curves' ceilings and spends for half, by month and year."""
        fixed = np.array([line.amounts for line in self.plan.pnl.fixed_costs], dtype=float)
        totals = fixed.reshape(-1, MONTHS).sum(axis=0)
        arrays = self.projection.arrays
        curved = arrays.has_curve
        stretched = np.concatenate([arrays.curve_beta[curved], arrays.curve_k[curved]]).ravel()
        average = [
            value
            for channel in self.plan.marketing.channels
            if channel.response is not None
            for value in (channel.response.beta, channel.response.k)
        ]
        widths = self._widths(
            self._money(np.concatenate([totals, stretched])),
            self._money(np.array([totals.sum()])),
        )
        year_input = max((len(text) + 2 for text in self._money(np.array(average))), default=0)
        label = 22 if self.layout.curves else 18
        return {"A": 46, "B": label, "C": max(13, year_input), **widths}

    @staticmethod
    def _validate(ws: Worksheet, rule: DataValidation, ranges: list[str]) -> None:
        if ranges:
            for cell_range in ranges:
                rule.add(cell_range)
            ws.add_data_validation(rule)

    def _unit(self, driver: str) -> tuple[str, str]:
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

    # --- Assumptions ----------------------------------------------------------
    def _assumptions(self) -> None:
        ws, plan, layout, fmt = self.assumptions, self.plan, self.layout, self.fmt
        cells = self.cells
        self._title(
            ws,
            "Assumptions",
            "Inputs are the shaded cells: change them here, or the spend on the Marketing plan, "
            f"and every other sheet follows. Money in {plan.currency}, excluding VAT.",
        )
        ranges: dict[str, list[str]] = {
            "rate": [], "money": [], "positive": [], "margin": [], "shape": []
        }  # fmt: skip

        self._band(ws, PLAN_SECTION_ROW, "Plan", SECTION, VALUE_COLUMN)
        identity: dict[str, str | int] = {
            "name": plan.name,
            "fiscal_year": plan.fiscal_year,
            "first_month": plan.first_month,
            "currency": plan.currency,
        }
        for field, label in PLAN_FIELDS:
            row = layout.plan_row(field)
            cells.text(ws.cell(row, LABEL_COLUMN), label, FORMULA)
            value = identity[field]
            if isinstance(value, str):
                cells.text(ws.cell(row, VALUE_COLUMN), value, INPUT)
            else:
                cells.put(ws.cell(row, VALUE_COLUMN), value, INPUT, fmt.whole)
        # The plan's name is wider than one column: it spans three more.
        name_row = layout.plan_row("name")
        for column in range(VALUE_COLUMN + 1, VALUE_COLUMN + 4):
            cells.style(ws.cell(name_row, column), INPUT)
        last = VALUE_COLUMN + 3
        ws.merge_cells(
            start_row=name_row, start_column=VALUE_COLUMN, end_row=name_row, end_column=last
        )
        self._validate(
            ws,
            _whole_number(2000, 2100, "The fiscal year is a year from 2000 to 2100."),
            [f"C{layout.plan_row('fiscal_year')}"],
        )
        self._validate(
            ws,
            _whole_number(1, 12, "The first month is a number from 1 (January) to 12 (December)."),
            [f"C{layout.plan_row('first_month')}"],
        )

        self._band(ws, TARGET_SECTION_ROW, TARGET_SECTION, SECTION, VALUE_COLUMN)
        targets = plan.targets
        target_inputs = {
            "net_sales": (targets.net_sales, fmt.money, "money"),
            "ebitda_margin": (targets.ebitda_margin, fmt.rate, "margin"),
            "cm3_margin": (targets.cm3_margin, fmt.rate, "margin"),
        }
        for field, label in TARGET_FIELDS:
            row = layout.target_row(field)
            target, number_format, rule = target_inputs[field]
            cells.text(ws.cell(row, LABEL_COLUMN), label, FORMULA)
            cells.put(ws.cell(row, VALUE_COLUMN), target, INPUT, number_format)
            ranges[rule].append(f"C{row}")

        self._month_header(ws, PNL_DRIVER_HEADER_ROW, PNL_DRIVER_SECTION)
        cells.text(ws.cell(PNL_DRIVER_HEADER_ROW, KIND_COLUMN), "Unit")
        for driver, label in PNL_DRIVER_LABELS.items():
            row = layout.pnl_driver_row(driver)
            number_format, unit = self._unit(driver)
            cells.text(ws.cell(row, LABEL_COLUMN), label, FORMULA)
            cells.text(ws.cell(row, KIND_COLUMN), unit, FORMULA)
            for month, value in enumerate(getattr(plan.pnl, driver)):
                cells.put(ws.cell(row, month_column(month)), value, INPUT, number_format)
            if driver == "organic_sessions":
                cells.put(ws.cell(row, FY_COLUMN), f"=SUM({_months(row)})", FORMULA, fmt.count)
            ranges[_PNL_DRIVER_RULES[driver]].append(_months(row))

        self._month_header(ws, layout.fixed_header_row, FIXED_SECTION)
        cells.text(ws.cell(layout.fixed_header_row, KIND_COLUMN), "Unit")
        for index, line in enumerate(plan.pnl.fixed_costs):
            row = layout.fixed_row(index)
            cells.text(ws.cell(row, LABEL_COLUMN), line.name, INPUT)
            cells.text(ws.cell(row, KIND_COLUMN), plan.currency, FORMULA)
            for month, amount in enumerate(line.amounts):
                cells.put(ws.cell(row, month_column(month)), amount, INPUT, fmt.money)
            cells.put(ws.cell(row, FY_COLUMN), f"=SUM({_months(row)})", FORMULA, fmt.money)
            ranges["money"].append(_months(row))
        total = layout.fixed_total_row
        self._band(ws, total, FIXED_TOTAL_LABEL, TOTAL)
        for letter in (*MONTH_LETTERS, FY):
            formula = _sum_rows(letter, layout.fixed_row(0), total - 1)
            cells.put(ws[f"{letter}{total}"], formula, TOTAL, fmt.money)

        for driver in CHANNEL_DRIVER_LABELS:
            self._channel_driver_table(driver, ranges)
        if layout.curves:
            self._curves(ranges)

        self._validate(ws, _rate_rule(), ranges["rate"])
        self._validate(ws, _margin_rule(), ranges["margin"])
        self._validate(ws, _money_rule(), ranges["money"])
        self._validate(ws, _positive_rule(), ranges["positive"])
        self._validate(ws, _shape_rule(), ranges["shape"])
        self._page(
            ws,
            self._assumption_widths(),
            freeze="D3",
            title_rows="1:2",
            title_columns="A:C",
        )

    def _channel_driver_table(self, driver: str, ranges: dict[str, list[str]]) -> None:
        """One channel driver, a row per channel: its value for the year in C, or 12 months."""
        ws, layout, cells = self.assumptions, self.layout, self.cells
        header = layout.channel_driver_header_row(driver)
        self._month_header(ws, header, CHANNEL_DRIVER_LABELS[driver], year=False)
        cells.text(ws.cell(header, KIND_COLUMN), "Cost driver")
        cells.text(ws.cell(header, YEAR_INPUT_COLUMN), YEAR_INPUT_LABEL)
        number_format, _ = self._unit(driver)
        site_aov = layout.pnl_driver_row("site_aov")
        marketing = _sheet(MARKETING)
        for index, channel in enumerate(self.plan.marketing.channels):
            row = layout.channel_driver_row(driver, index)
            spend_row = layout.channel_row("spend", index)
            cells.put(ws.cell(row, LABEL_COLUMN), f"={marketing}$A${spend_row}", FORMULA)
            cells.put(ws.cell(row, KIND_COLUMN), f"={marketing}$C${spend_row}", FORMULA)
            value = getattr(channel, driver)
            if isinstance(value, tuple):
                cells.put(ws.cell(row, YEAR_INPUT_COLUMN), None, INPUT, number_format)
                for month, monthly in enumerate(value):
                    cells.put(ws.cell(row, month_column(month)), monthly, INPUT, number_format)
                continue
            cells.put(ws.cell(row, YEAR_INPUT_COLUMN), value, INPUT, number_format)
            for month, letter in enumerate(MONTH_LETTERS):
                fallback = f"{letter}${site_aov}" if driver == "aov" else None
                formula = follow_year_formula(driver, row, fallback)
                cells.put(ws.cell(row, month_column(month)), formula, FORMULA, number_format)
        if layout.channels:
            first = layout.channel_driver_row(driver, 0)
            last = layout.channel_driver_row(driver, layout.channels - 1)
            area = f"C{first}:{LAST}{last}"
            ranges["rate" if driver in ("ctr", "conversion_rate") else "positive"].append(area)
            # Grey out the drivers a channel's cost driver does not use, and the CPC and CTR
            # of a channel whose revenue follows its response curve.
            ws.conditional_formatting.add(area, _unused(_unused_driver_test(driver, first)))
            if driver in ("cpc", "ctr") and layout.curves:
                curved = " ".join(
                    f"C{row}:{LAST}{row}"
                    for row in (layout.channel_driver_row(driver, i) for i in layout.curves)
                )
                ws.conditional_formatting.add(curved, _unused("TRUE"))

    def _curves(self, ranges: dict[str, list[str]]) -> None:
        """The demand index by month and every response curve's parameters.

        Column C holds a curve's beta, k and s for a month of average demand
        (inputs); the months hold beta and k times the month's demand index
        (formulas), which the Marketing plan's Hill formula uses. The demand
        index is each month's organic sessions over their monthly mean, 1
        every month when there are none (``models.curves.demand_index``).
        """
        ws, layout, cells, fmt = self.assumptions, self.layout, self.cells, self.fmt
        note = layout.curve_note_row
        cells.text(
            ws.cell(note, LABEL_COLUMN),
            "A channel with a response curve takes its attributed revenue from it: revenue = "
            "beta x spend^s / (spend^s + k^s); orders = revenue / AOV; sessions = orders / "
            "conversion rate. Its CPC and CTR are not used.",
            NOTE,
        )
        cells.text(
            ws.cell(note + 1, LABEL_COLUMN),
            "Column C holds beta (the revenue ceiling) and k (the spend that brings half of it) "
            "for a month of average demand; each month stretches both by its demand index. "
            "Curves are added or removed in the planner.",
            NOTE,
        )
        header = layout.curve_header_row
        self._month_header(ws, header, CURVE_SECTION, year=False)
        cells.text(ws.cell(header, KIND_COLUMN), CURVE_PARAMETER_HEADER)
        cells.text(ws.cell(header, YEAR_INPUT_COLUMN), CURVE_YEAR_LABEL)
        demand = layout.demand_row
        cells.text(ws.cell(demand, LABEL_COLUMN), DEMAND_LABEL, FORMULA)
        cells.text(ws.cell(demand, KIND_COLUMN), DEMAND_UNIT, FORMULA)
        sessions = layout.pnl_driver_row("organic_sessions")
        for letter in MONTH_LETTERS:
            mean = "AVERAGE(OrganicSessions)"
            formula = f"=IF({mean}>0,{letter}{sessions}/{mean},1)"
            cells.put(ws[f"{letter}{demand}"], formula, FORMULA, fmt.index)
        marketing = _sheet(MARKETING)
        for index in layout.curves:
            curve = self.plan.marketing.channels[index].response
            assert curve is not None  # layout.curves lists the channels with one
            spend_row = layout.channel_row("spend", index)
            for parameter, label in CURVE_PARAMETERS.items():
                row = layout.curve_row(index, parameter)
                if parameter == "beta":
                    name = f"={marketing}$A${spend_row}"
                    cells.put(ws.cell(row, LABEL_COLUMN), name, FORMULA)
                cells.text(ws.cell(row, KIND_COLUMN), label, FORMULA)
                value = getattr(curve, parameter)
                if parameter == "s":
                    cells.put(ws.cell(row, YEAR_INPUT_COLUMN), value, INPUT, fmt.shape)
                    ranges["shape"].append(f"C{row}")
                    continue
                cells.put(ws.cell(row, YEAR_INPUT_COLUMN), value, INPUT, fmt.money)
                ranges["positive"].append(f"C{row}")
                for letter in MONTH_LETTERS:
                    formula = f"=$C{row}*{letter}${demand}"
                    cells.put(ws[f"{letter}{row}"], formula, FORMULA, fmt.money)

    # --- Marketing plan ---------------------------------------------------------
    def _marketing(self) -> None:
        ws, layout, fmt, cells = self.marketing, self.layout, self.fmt, self.cells
        channels = self.plan.marketing.channels
        self._title(
            ws,
            "Marketing plan",
            f"Spend in {self.plan.currency}, excluding VAT. Inputs are the shaded cells (channel, "
            "kind, cost driver, spend); the rest is calculated from them and the Assumptions.",
        )
        self._month_header(ws, HEADER_ROW, MARKETING_HEADERS[0])
        cells.text(ws.cell(HEADER_ROW, KIND_COLUMN), MARKETING_HEADERS[1])
        cells.text(ws.cell(HEADER_ROW, DRIVER_COLUMN), MARKETING_HEADERS[2])
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
        totals = {metric: layout.block_total_row(metric) for metric in layout.marketing_blocks}
        for metric in layout.marketing_blocks:
            title, total_label = blocks[metric]
            self._band(ws, layout.block_title_row(metric), title, SECTION)
            number_format = formats[metric]
            for index, channel in enumerate(channels):
                row = layout.channel_row(metric, index)
                if metric == "spend":
                    cells.text(ws.cell(row, LABEL_COLUMN), channel.name, INPUT)
                    cells.text(ws.cell(row, KIND_COLUMN), channel.kind.label, INPUT)
                    cells.text(ws.cell(row, DRIVER_COLUMN), channel.cost_driver.label, INPUT)
                    for month, spend in enumerate(channel.spend):
                        cells.put(ws.cell(row, month_column(month)), spend, INPUT, number_format)
                else:
                    spend_row = layout.channel_row("spend", index)
                    cells.put(ws.cell(row, LABEL_COLUMN), f"=$A${spend_row}", FORMULA)
                    formula = self._channel_formula(metric, index)
                    for month, letter in enumerate(MONTH_LETTERS):
                        cell = ws.cell(row, month_column(month))
                        cells.put(cell, formula(letter), FORMULA, number_format)
                rows = {m: layout.channel_row(m, index) for m in layout.marketing_blocks}
                year = _channel_year_formula(metric, rows)
                cells.put(ws.cell(row, FY_COLUMN), year, FORMULA, number_format)
            total = totals[metric]
            self._band(ws, total, total_label, TOTAL)
            for letter in (*MONTH_LETTERS, FY):
                if metric == "roas":
                    summed = _ratio(f"{letter}{totals['revenue']}", f"{letter}{totals['spend']}")
                elif metric == "cpa":
                    summed = _ratio(f"{letter}{totals['spend']}", f"{letter}{totals['orders']}")
                elif metric == MARGINAL_ROAS:
                    first, last = layout.channel_row(metric, 0), total - 1
                    spent = layout.channel_row("spend", 0), totals["spend"] - 1
                    summed = _spend_weighted(
                        f"{letter}{first}:{letter}{last}",
                        f"{letter}{spent[0]}:{letter}{spent[1]}",
                        f"{letter}{totals['spend']}",
                    )
                else:
                    summed = _sum_rows(letter, layout.channel_row(metric, 0), total - 1)
                cells.put(ws[f"{letter}{total}"], summed, TOTAL, number_format)

        if channels:
            first = layout.channel_row("spend", 0)
            last = layout.channel_row("spend", len(channels) - 1)
            kinds = ",".join(kind.label for kind in ChannelKind)
            drivers = ",".join(driver.label for driver in CostDriver)
            self._validate(ws, _money_rule(), [f"{FIRST}{first}:{LAST}{last}"])
            self._validate(ws, _list_rule(kinds, "a channel kind"), [f"B{first}:B{last}"])
            self._validate(ws, _list_rule(drivers, "a cost driver"), [f"C{first}:C{last}"])
        self._page(
            ws,
            {"A": 34, "B": 16, "C": 18, **self._statement_widths()},
            freeze=f"D{HEADER_ROW + 1}",
            title_rows=f"{HEADER_ROW}:{HEADER_ROW}",
            title_columns="A:C",
        )

    def _channel_formula(self, metric: str, index: int) -> Callable[[str], str]:
        """A channel's formula in a Marketing plan block, for any month's column letter.

        A channel with a response curve takes its revenue from the curve, its
        orders from the revenue and its sessions from the orders; every other
        channel's revenue follows its sessions, as in ``models.pnl``.
        """
        layout = self.layout
        rows = {m: layout.channel_row(m, index) for m in layout.marketing_blocks}
        a = _sheet(ASSUMPTIONS)
        drivers = {
            d: f"{a}{{x}}{layout.channel_driver_row(d, index)}" for d in CHANNEL_DRIVER_LABELS
        }
        cost_driver = f"$C${rows['spend']}"
        cpc, cpm = CostDriver.CPC.label, CostDriver.CPM.label
        spend = f"{{x}}{rows['spend']}"
        templates = {
            "impressions": f'=IF({cost_driver}="{cpm}",{spend}/{drivers["cpm"]}*1000,0)',
            "sessions": f'=IF({cost_driver}="{cpc}",{spend}/{drivers["cpc"]},'
            f'IF({cost_driver}="{cpm}",{{x}}{rows["impressions"]}*{drivers["ctr"]},0))',
            "orders": f"={{x}}{rows['sessions']}*{drivers['conversion_rate']}",
            "revenue": f"={{x}}{rows['orders']}*{drivers['aov']}",
            "roas": _ratio(f"{{x}}{rows['revenue']}", spend),
            "cpa": _ratio(spend, f"{{x}}{rows['orders']}"),
            # Constant returns: the revenue one unit of spend buys, defined without spend too.
            MARGINAL_ROAS: f'=IF({cost_driver}="{cpc}",1/{drivers["cpc"]},'
            f'IF({cost_driver}="{cpm}",1000/{drivers["cpm"]}*{drivers["ctr"]},0))'
            f"*{drivers['conversion_rate']}*{drivers['aov']}",
        }
        if index in layout.curves:
            beta = f"{a}{{x}}{layout.curve_row(index, 'beta')}"
            k = f"{a}{{x}}{layout.curve_row(index, 'k')}"
            s = f"{a}$C${layout.curve_row(index, 's')}"
            rate = drivers["conversion_rate"]
            templates |= {
                # beta and k are the month's (stretched by its demand index); no spend, no revenue
                "revenue": f"=IF({spend}>0,{beta}*{spend}^{s}/({spend}^{s}+{k}^{s}),0)",
                "orders": f"={{x}}{rows['revenue']}/{drivers['aov']}",
                "sessions": f"=IF({rate}>0,{{x}}{rows['orders']}/{rate},0)",
                # d revenue / d spend = beta s k^s x^(s-1) / (x^s + k^s)^2; at no spend beta / k
                # when s = 1, 0 above, infinite ("-") below. A month without demand brings 0.
                MARGINAL_ROAS: f"=IF({beta}>0,IF({spend}>0,{beta}*{s}*{k}^{s}*{spend}^({s}-1)"
                f"/({spend}^{s}+{k}^{s})^2,IF({s}<1,{UNDEFINED},IF({s}>1,0,{beta}/{k}))),0)",
            }
        template = templates[metric]
        return lambda letter: template.format(x=letter)

    # --- P&L ------------------------------------------------------------------
    def _pnl(self) -> None:
        ws, layout, fmt, cells = self.pnl, self.layout, self.fmt, self.cells
        self._title(
            ws,
            "P&L",
            f"{self.plan.currency}, excluding VAT. Costs are negative. Every figure is a formula "
            "on the Marketing plan and the Assumptions.",
        )
        self._month_header(ws, HEADER_ROW, "Line")
        cells.text(ws.cell(HEADER_ROW, KIND_COLUMN), "How it is calculated")
        cells.text(ws.cell(HEADER_ROW, SHARE_COLUMN), "% of net sales", HEADER)
        a, m, r = _sheet(ASSUMPTIONS), _sheet(MARKETING), PNL_ROWS

        def driver(name: str) -> str:
            return f"{a}{{x}}{layout.pnl_driver_row(name)}"

        def paid(metric: str) -> str:
            return f"{m}{{x}}{layout.block_total_row(metric)}"

        def line(name: str) -> str:
            return f"{{x}}{r[name]}"

        organic_orders = f"{driver('organic_sessions')}*{driver('site_conversion_rate')}"
        templates = {
            "sessions": f"={driver('organic_sessions')}+{paid('sessions')}",
            "orders": f"={organic_orders}+{paid('orders')}",
            "gross_sales": f"={organic_orders}*{driver('site_aov')}+{paid('revenue')}",
            "returns": f"=-{line('gross_sales')}*{driver('return_rate')}",
            "net_sales": f"={line('gross_sales')}+{line('returns')}",
            "cogs": f"=-{line('net_sales')}*{driver('cogs_rate')}",
            "gross_margin": f"={line('net_sales')}+{line('cogs')}",
            "fulfilment": f"=-{line('orders')}*{driver('fulfilment_cost_per_order')}",
            "returns_handling": f"=-{line('orders')}*{driver('return_rate')}"
            f"*{driver('returns_cost_per_return')}",
            "payment_fees": f"=-{line('gross_sales')}*{driver('payment_fee_rate')}",
            "cm2": f"={line('gross_margin')}+{line('fulfilment')}+{line('returns_handling')}"
            f"+{line('payment_fees')}",
            "marketing": f"=-{paid('spend')}",
            "cm3": f"={line('cm2')}+{line('marketing')}",
            "fixed_costs": f"=-{a}{{x}}{layout.fixed_total_row}",
            "ebitda": f"={line('cm3')}+{line('fixed_costs')}",
        }
        for name in PNL_LINES:
            row = r[name]
            style = TOTAL if name in _SUBTOTALS else FORMULA
            number_format = fmt.count if name in COUNT_LINES else fmt.money
            self._band(ws, row, PNL_LABELS[name], style, SHARE_COLUMN)
            cells.text(ws.cell(row, KIND_COLUMN), _PNL_HOW[name])
            for letter in MONTH_LETTERS:
                formula = templates[name].format(x=letter)
                cells.put(ws[f"{letter}{row}"], formula, style, number_format)
            cells.put(ws[f"{FY}{row}"], f"=SUM({_months(row)})", style, number_format)
            if name not in COUNT_LINES:
                share = _ratio(f"{FY}{row}", f"{FY}{r['net_sales']}")
                cells.put(ws[f"{SHARE}{row}"], share, style, fmt.rate)

        self._month_header(ws, MARGIN_SECTION_ROW, MARGIN_SECTION)
        for name in MARGIN_LINES:
            row = MARGIN_ROWS[name]
            style = TOTAL if name in _SUBTOTALS else FORMULA
            self._band(ws, row, PNL_LABELS[name], style)
            cells.text(ws.cell(row, KIND_COLUMN), f"{_PNL_SHORT[name]} / net sales")
            for letter in (*MONTH_LETTERS, FY):
                margin = _ratio(f"{letter}{r[name]}", f"{letter}{r['net_sales']}")
                cells.put(ws[f"{letter}{row}"], margin, style, fmt.rate)
        self._page(
            ws,
            {"A": 36, "B": 34, "C": 2, **self._statement_widths(), SHARE: 13},
            freeze=f"D{HEADER_ROW + 1}",
            title_rows=f"{HEADER_ROW}:{HEADER_ROW}",
            title_columns="A:C",
            # Twelve months, the year and the share on one A4 page print at under half size;
            # on two, each with the lines and how they are calculated, at some 85 %.
            pages_wide=2,
        )

    # --- KPIs -------------------------------------------------------------------
    def _kpis(self) -> None:
        ws, fmt, cells = self.kpis, self.fmt, self.cells
        self._title(
            ws,
            "KPIs",
            "Ratios of the P&L by month and for the year; the year's ratios are ratios of the "
            'year\'s totals. "-" where a ratio is undefined (nothing to divide by).',
        )
        self._month_header(ws, HEADER_ROW, "KPI")
        cells.text(ws.cell(HEADER_ROW, KIND_COLUMN), "How it is calculated")
        p, k = _sheet(PNL), KPI_ROWS

        def line(name: str) -> str:
            return f"{p}{{x}}{PNL_ROWS[name]}"

        c2, returns = f"{{x}}{k['contribution_per_gross_sale']}", f"{{x}}{k['return_rate']}"
        t = f"${FY}${k['cm3_margin_target']}"
        templates = {
            "conversion_rate": (_ratio(line("orders"), line("sessions")), fmt.fine_rate),
            "aov": (_ratio(line("gross_sales"), line("orders")), fmt.money_cents),
            "marketing_share": (_ratio(f"-{line('marketing')}", line("net_sales")), fmt.rate),
            "mer": (_ratio(line("gross_sales"), f"(-{line('marketing')})"), fmt.roas),
            "return_rate": (_ratio(f"-{line('returns')}", line("gross_sales")), fmt.rate),
            "contribution_per_gross_sale": (_ratio(line("cm2"), line("gross_sales")), fmt.rate),
            "break_even_roas": (_positive_inverse(c2, c2), fmt.roas),
            "target_roas": (_positive_inverse(c2, f"{c2}-{t}*(1-{returns})"), fmt.roas),
        }
        for kpi, (label, how) in KPI_LABELS.items():
            row = k[kpi]
            self._band(ws, row, label, FORMULA)
            cells.text(ws.cell(row, KIND_COLUMN), how)
            if kpi == "cm3_margin_target":
                # One margin for every month: the year's (docs/financial-model.md, section 3).
                implied = "TargetEbitdaMargin+IF(NetSalesFY=0,0,-FixedCostsFY/NetSalesFY)"
                formula = f"=IF(ISNUMBER(TargetCm3Margin),TargetCm3Margin,{implied})"
                cells.put(ws[f"{FY}{row}"], formula, FORMULA, fmt.rate)
                continue
            template, number_format = templates[kpi]
            for letter in (*MONTH_LETTERS, FY):
                cells.put(ws[f"{letter}{row}"], template.format(x=letter), FORMULA, number_format)
        self._page(
            ws,
            {"A": 52, "B": 44, "C": 2, **dict.fromkeys(MONTH_LETTERS, 11), FY: 12},
            freeze=f"D{HEADER_ROW + 1}",
            title_rows=f"{HEADER_ROW}:{HEADER_ROW}",
            title_columns="A:C",
        )

    # --- Summary ----------------------------------------------------------------
    def _summary(self) -> None:
        ws, fmt, cells = self.summary, self.fmt, self.cells
        cells.put(ws.cell(1, 1), "=PlanName", TITLE)
        cells.put(
            ws.cell(2, 1),
            '="FY"&FiscalYear&" budget plan: digital-marketing spend and e-commerce P&L, in "'
            '&PlanCurrency&", excluding VAT"',
            NOTE,
        )
        self._band(ws, 4, "About this plan", SECTION, 4)
        about: list[tuple[str, str | datetime, str | None]] = [
            ("Fiscal year", "=FiscalYear", fmt.fiscal_year),
            ("First month", "=DATE(FiscalYear,FirstMonth,1)", fmt.month),
            ("Last month", f"=DATE(FiscalYear,FirstMonth+{MONTHS - 1},1)", fmt.month),
            ("Currency", "=PlanCurrency", None),
            ("Exported", self.exported_at, fmt.timestamp),
        ]
        left = Alignment(horizontal="left")
        for row, (label, value, number_format) in enumerate(about, start=5):
            cells.text(ws.cell(row, 1), label, FORMULA)
            cells.put(ws.cell(row, 2), value, FORMULA, number_format).alignment = left
        cells.text(ws.cell(MARKER_ROW, 1), MARKER_LABEL, FORMULA)
        cells.text(ws.cell(MARKER_ROW, 2), MARKER, FORMULA)

        head = MARKER_ROW + 2
        for column, label in enumerate(("The year", "Plan", "Target", "Plan - target"), 1):
            cells.text(ws.cell(head, column), label, HEADER)
        kpi, k = _sheet(KPIS), KPI_ROWS
        t = f"{kpi}${FY}${k['cm3_margin_target']}"
        headline: list[tuple[str, str, str | None, str]] = [
            ("Net sales", "=NetSalesFY", "=TargetNetSales", fmt.money),
            ("EBITDA", "=EbitdaFY", "=TargetEbitdaMargin*NetSalesFY", fmt.money),
            ("EBITDA margin", _ratio("EbitdaFY", "NetSalesFY"), "=TargetEbitdaMargin", fmt.rate),
            ("Contribution after marketing (CM3)", "=Cm3FY", f"={t}*NetSalesFY", fmt.money),
            ("CM3 margin", _ratio("Cm3FY", "NetSalesFY"), f"={t}", fmt.rate),
            ("Marketing", "=-MarketingFY", None, fmt.money),
            ("Marketing as % of net sales", f"={kpi}{FY}{k['marketing_share']}", None, fmt.rate),
            ("MER (gross sales / marketing)", f"={kpi}{FY}{k['mer']}", None, fmt.roas),
            ("Break-even ROAS", f"={kpi}{FY}{k['break_even_roas']}", None, fmt.roas),
            ("Target ROAS", f"={kpi}{FY}{k['target_roas']}", None, fmt.roas),
        ]
        for row, (label, plan_value, target, number_format) in enumerate(headline, start=head + 1):
            cells.text(ws.cell(row, 1), label, FORMULA)
            cells.put(ws.cell(row, 2), plan_value, FORMULA, number_format)
            cells.put(ws.cell(row, 3), target, FORMULA, number_format)
            difference = f"=IFERROR(B{row}-C{row},{UNDEFINED})" if target else None
            cells.put(ws.cell(row, 4), difference, FORMULA, number_format)

        solves_head = head + len(headline) + 2
        self._band(ws, solves_head, "What the targets imply", SECTION, 8)
        cells.text(
            ws.cell(solves_head + 1, 1),
            "Worked out by the planner at export, from the plan as exported: these sentences do "
            "not change when figures are edited in this workbook.",
            NOTE,
        )
        wrap = Alignment(wrap_text=True, vertical="top")
        solves = self.projection.targets.solves
        for row, solve in enumerate(solves, start=solves_head + 2):
            cells.text(ws.cell(row, 1), solve.label, FORMULA).alignment = wrap
            cells.text(ws.cell(row, 2), solve.explanation, FORMULA).alignment = wrap
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=8)
            # Merged cells do not grow with their text: size the row for it.
            lines = max(math.ceil(len(solve.explanation) / 105), math.ceil(len(solve.label) / 40))
            ws.row_dimensions[row].height = 14 * max(lines, 1) + 3
        self._charts(solves_head + 3 + len(solves))
        self._page(ws, {"A": 42, "B": 18, "C": 18, "D": 18, "E": 14, "F": 14, "G": 14, "H": 14})

    def _charts(self, row: int) -> None:
        """Two charts on a new printed page, one above the other.

        Monthly spend by channel (stacked columns); monthly net sales (columns)
        and EBITDA (a line).
        """
        layout = self.layout
        months = Reference(
            self.marketing, min_col=FIRST_MONTH_COLUMN, max_col=FY_COLUMN - 1, min_row=HEADER_ROW
        )
        spend = self._column_chart("Marketing spend by channel")
        spend.grouping = "stacked"
        spend.overlap = 100
        for index in range(layout.channels):
            spend.series.append(_row_series(self.marketing, layout.channel_row("spend", index)))
        spend.set_categories(months)
        if layout.channels <= 12:
            spend.legend.position = "r"
        else:
            # A long legend beside the plot would squeeze it: below, in columns, it grows the chart.
            spend.legend.position = "b"
            spend.height = 10 + math.ceil(layout.channels / 3) * 0.45

        sales = self._column_chart("Net sales and EBITDA by month")
        sales.series.append(_row_series(self.pnl, PNL_ROWS["net_sales"]))
        ebitda = LineChart()
        ebitda.series.append(_row_series(self.pnl, PNL_ROWS["ebitda"]))
        ebitda.series[0].smooth = False
        ebitda.set_categories(months)
        sales.set_categories(months)
        sales += ebitda
        sales.legend.position = "b"

        self.summary.row_breaks.append(Break(id=row - 1))
        self.summary.add_chart(spend, f"A{row + 1}")
        below = row + 2 + math.ceil(spend.height / _ROW_HEIGHT_CM)
        self.summary.add_chart(sales, f"A{below}")

    def _column_chart(self, title: str) -> BarChart:
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.width, chart.height = 25, 8.5
        chart.y_axis.number_format = self.fmt.money
        chart.x_axis.number_format = "mmm yy"
        # openpyxl hides the axes unless told otherwise
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        return chart

    # --- names and properties -------------------------------------------------
    def _defined_names(self) -> None:
        """Names for the plan's identity, targets, monthly drivers and the year's totals."""
        layout = self.layout
        a, m, p = _sheet(ASSUMPTIONS), _sheet(MARKETING), _sheet(PNL)
        names = {
            "PlanName": f"{a}$C${layout.plan_row('name')}",
            "FiscalYear": f"{a}$C${layout.plan_row('fiscal_year')}",
            "FirstMonth": f"{a}$C${layout.plan_row('first_month')}",
            "PlanCurrency": f"{a}$C${layout.plan_row('currency')}",
            "TargetNetSales": f"{a}$C${layout.target_row('net_sales')}",
            "TargetEbitdaMargin": f"{a}$C${layout.target_row('ebitda_margin')}",
            "TargetCm3Margin": f"{a}$C${layout.target_row('cm3_margin')}",
            "MonthlySpend": _abs_months(MARKETING, layout.block_total_row("spend")),
            "MonthlyFixedCosts": _abs_months(ASSUMPTIONS, layout.fixed_total_row),
            "MonthlyNetSales": _abs_months(PNL, PNL_ROWS["net_sales"]),
            "MonthlyEbitda": _abs_months(PNL, PNL_ROWS["ebitda"]),
            "SpendFY": f"{m}${FY}${layout.block_total_row('spend')}",
        }
        if layout.curves:
            names["DemandIndex"] = _abs_months(ASSUMPTIONS, layout.demand_row)
        for driver in PNL_DRIVER_LABELS:
            name = "".join(part.capitalize() for part in driver.split("_"))
            names[name] = _abs_months(ASSUMPTIONS, layout.pnl_driver_row(driver))
        for line, name in _TOTAL_NAMES.items():
            names[name] = f"{p}${FY}${PNL_ROWS[line]}"
        for name, target in names.items():
            self.wb.defined_names[name] = DefinedName(name, attr_text=target)

    def _properties(self) -> None:
        plan, props = self.plan, self.wb.properties
        props.title = f"{plan.name} – FY{plan.fiscal_year} budget plan"
        props.subject = "Digital-marketing spend plan and e-commerce P&L budget"
        props.creator = props.lastModifiedBy = "Budget planner"
        props.keywords = f"budget plan, FY{plan.fiscal_year}, {plan.currency}"
        props.description = MARKER
        props.created = props.modified = self.exported_at
        for name, value in (
            ("Plan name", plan.name),
            ("Fiscal year", f"FY{plan.fiscal_year}"),
            ("Currency", plan.currency),
            ("Workbook format", str(WORKBOOK_FORMAT)),
        ):
            self.wb.custom_doc_props.append(StringProperty(name=name, value=value))


def _channel_year_formula(metric: str, rows: dict[str, int]) -> str:
    """A channel's FY cell: the sum of its months, or the ratio of the year's sums.

    The year's marginal ROAS is the months' weighted by their spend: the
    return of one more unit spread like the year's spend.
    """
    if metric == "roas":
        return _ratio(f"{FY}{rows['revenue']}", f"{FY}{rows['spend']}")
    if metric == "cpa":
        return _ratio(f"{FY}{rows['spend']}", f"{FY}{rows['orders']}")
    if metric == MARGINAL_ROAS:
        spend = rows["spend"]
        return _spend_weighted(_months(rows[metric]), _months(spend), f"{FY}{spend}")
    return f"=SUM({_months(rows[metric])})"


def _spend_weighted(values: str, spend: str, total: str) -> str:
    """The mean of ``values`` weighted by ``spend`` (ranges of one shape), "-" without spend.

    SUMPRODUCT counts a "-" value as 0; it only stands where nothing is spent.
    """
    return f"=IF({total}=0,{UNDEFINED},SUMPRODUCT({values},{spend})/{total})"


def _row_series(ws: Worksheet, row: int) -> Series:
    """A chart series of one row's 12 months, named by the row's label in column A."""
    values = Reference(ws, min_col=FIRST_MONTH_COLUMN, max_col=FY_COLUMN - 1, min_row=row)
    series = Series(values)
    series.tx = SeriesLabel(strRef=StrRef(f"{_sheet(ws.title)}$A${row}"))
    return series


def _unused(test: str) -> FormulaRule:
    """Conditional formatting that greys out the cells where ``test`` is true."""
    return FormulaRule(
        formula=[test], font=Font(color="A6A6A6"), fill=PatternFill("solid", fgColor="F2F2F2")
    )


def _unused_driver_test(driver: str, row: int) -> str:
    """A conditional-format test, true where a channel's cost driver does not use ``driver``."""
    cpc, cpm, none = CostDriver.CPC.label, CostDriver.CPM.label, CostDriver.NONE.label
    return {
        "cpc": f'$B{row}<>"{cpc}"',
        "cpm": f'$B{row}<>"{cpm}"',
        "ctr": f'$B{row}<>"{cpm}"',
        "conversion_rate": f'$B{row}="{none}"',
        "aov": f'$B{row}="{none}"',
    }[driver]


_PNL_DRIVER_RULES = {
    "organic_sessions": "money",  # a count of 0 or more: the same rule as money
    "site_conversion_rate": "rate",
    "site_aov": "positive",
    "return_rate": "rate",
    "cogs_rate": "rate",
    "fulfilment_cost_per_order": "money",
    "returns_cost_per_return": "money",
    "payment_fee_rate": "rate",
}
_SUBTOTALS = frozenset(line.key for line in PNL_CATALOGUE if line.subtotal)
_TOTAL_NAMES = {line.key: line.excel_name for line in PNL_CATALOGUE if line.excel_name}
_PNL_HOW = {line.key: line.how for line in PNL_CATALOGUE}
_PNL_SHORT = {line.key: line.short for line in PNL_CATALOGUE}


def _named_styles() -> list[NamedStyle]:
    """The workbook's named styles: input, formula, total, header, title, section, note."""
    grey = Side(style="thin", color="BFBFBF")
    return [
        NamedStyle(
            INPUT,
            font=Font(name="Calibri", size=10, color="1F3FAF"),
            fill=PatternFill("solid", fgColor="FFF4CE"),
            border=Border(left=grey, right=grey, top=grey, bottom=grey),
            protection=Protection(locked=False),
        ),
        NamedStyle(FORMULA, font=Font(name="Calibri", size=10, color="000000")),
        NamedStyle(LINK, font=Font(name="Calibri", size=10, color="007A33")),
        NamedStyle(
            TOTAL,
            font=Font(name="Calibri", size=10, bold=True),
            fill=PatternFill("solid", fgColor="EDEDED"),
            border=Border(top=Side(style="thin", color="7F7F7F")),
        ),
        NamedStyle(
            HEADER,
            font=Font(name="Calibri", size=10, bold=True, color="FFFFFF"),
            fill=PatternFill("solid", fgColor="1F3864"),
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
        NamedStyle(TITLE, font=Font(name="Calibri", size=16, bold=True, color="1F3864")),
        NamedStyle(
            SECTION,
            font=Font(name="Calibri", size=10, bold=True, color="1F3864"),
            fill=PatternFill("solid", fgColor="D9E1F2"),
        ),
        NamedStyle(NOTE, font=Font(name="Calibri", size=9, italic=True, color="595959")),
    ]


def _rate_rule() -> DataValidation:
    return DataValidation(
        type="decimal", operator="between", formula1="0", formula2="1", allow_blank=True,
        showErrorMessage=True, errorTitle="Rate", error="Enter a rate from 0 % to 100 %.",
    )  # fmt: skip


def _margin_rule() -> DataValidation:
    return DataValidation(
        type="decimal", operator="between", formula1="-1", formula2="1", allow_blank=True,
        showErrorMessage=True, errorTitle="Margin", error="Enter a margin from -100 % to 100 %.",
    )  # fmt: skip


def _money_rule() -> DataValidation:
    return DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="Amount", error="Enter an amount of 0 or more.",
    )  # fmt: skip


def _positive_rule() -> DataValidation:
    return DataValidation(
        type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="Amount", error="Enter an amount above 0.",
    )  # fmt: skip


def _shape_rule() -> DataValidation:
    return DataValidation(
        type="decimal", operator="between", formula1=f"{SHAPE_MIN:g}", formula2=f"{SHAPE_MAX:g}",
        allow_blank=False, showErrorMessage=True, errorTitle="Curve shape",
        error=f"Enter a shape from {SHAPE_MIN:g} to {SHAPE_MAX:g} (1: the plain saturating curve).",
    )  # fmt: skip


def _whole_number(low: int, high: int, message: str) -> DataValidation:
    return DataValidation(
        type="whole", operator="between", formula1=str(low), formula2=str(high),
        showErrorMessage=True, errorTitle="Whole number", error=message,
    )  # fmt: skip


def _list_rule(options: str, what: str) -> DataValidation:
    return DataValidation(
        type="list", formula1=f'"{options}"', allow_blank=False, showErrorMessage=True,
        errorTitle="Choose from the list", error=f"Choose {what} from the list.",
    )  # fmt: skip
