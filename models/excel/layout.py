"""Where everything sits in the plan workbook: sheets, rows, columns and the labels that mark them.

The export (``models.excel``) writes these cells and the import
(``models.excel.reader``) reads exactly the same ones back, so the two can
never disagree on a row. Rows and columns are 1-based, as in Excel.

Every sheet with months puts them in the same columns: the first fiscal month
in column D, the twelfth in O, the fiscal year in P. A month's figures are
therefore in the same column on the Assumptions, the Marketing plan, the P&L
and the KPIs sheets.

The layout depends only on the number of channels, of fixed-cost lines and
on which channels have a response curve. A plan without curves has no
"Response curves" section on the Assumptions and no marginal ROAS block on the
Marketing plan, so its workbook is the same as before curves existed. Channels,
fixed-cost lines and curves are added or removed in the planner, not in the
workbook: inserting rows in Excel moves the labels below, and the import then
refuses the workbook, naming the first label that is not where it belongs.
"""

from __future__ import annotations

from dataclasses import dataclass

from budgets import MONTHS
from budgets.fields import FieldGroup, fields_of
from models.catalogue import KPI_CATALOGUE
from models.pnl import MONEY_LINES, PNL_LINES

WORKBOOK_FORMAT = 1
MARKER = f"Budget planner plan workbook, format {WORKBOOK_FORMAT}"

SUMMARY = "Summary"
ASSUMPTIONS = "Assumptions"
MARKETING = "Marketing plan"
PNL = "P&L"
KPIS = "KPIs"
SHEETS: tuple[str, ...] = (SUMMARY, ASSUMPTIONS, MARKETING, PNL, KPIS)

LABEL_COLUMN = 1
KIND_COLUMN = 2
DRIVER_COLUMN = 3
YEAR_INPUT_COLUMN = 3
FIRST_MONTH_COLUMN = 4
FY_COLUMN = FIRST_MONTH_COLUMN + MONTHS
SHARE_COLUMN = FY_COLUMN + 1
HEADER_ROW = 4

# --- Summary -------------------------------------------------------------------
MARKER_ROW = 10
MARKER_LABEL = "Workbook"

# --- Assumptions: the plan, the targets and the P&L drivers ---------------------
# The Assumptions sheet's fields and their headings: from the catalogue (budgets.fields).
PLAN_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (field.key, field.title) for field in fields_of(FieldGroup.PLAN) if field.title
)
PLAN_SECTION_ROW = 4
PLAN_FIRST_ROW = 5
TARGET_FIELDS: tuple[tuple[str, str], ...] = tuple(
    (field.key, field.title) for field in fields_of(FieldGroup.TARGET)
)
TARGET_SECTION = "Targets for the year"
TARGET_SECTION_ROW = 10
TARGET_FIRST_ROW = 11
VALUE_COLUMN = 3

PNL_DRIVER_LABELS: dict[str, str] = {
    field.key: field.title for field in fields_of(FieldGroup.PNL_DRIVER)
}
PNL_DRIVER_SECTION = "P&L drivers by month"
PNL_DRIVER_HEADER_ROW = 15
FIXED_SECTION = "Fixed costs by month"
FIXED_TOTAL_LABEL = "Total fixed costs"

# Channel drivers that may be given once for the year or per month, each a table
# with one row per channel: the value for the year in column C, or 12 months.
CHANNEL_DRIVER_LABELS: dict[str, str] = {
    field.key: field.title for field in fields_of(FieldGroup.CHANNEL_DRIVER)
}
YEAR_INPUT_LABEL = "For the year"

# Response curves: below the channel driver tables, two note lines, a header, the demand
# index by month, then three rows per channel with a curve (its parameters for a
# month of average demand in column C, the month's stretched values across).
CURVE_SECTION = "Response curves (diminishing returns)"
CURVE_PARAMETER_HEADER = "Parameter"
CURVE_YEAR_LABEL = "Average month"
DEMAND_LABEL = "Demand index (organic sessions / their monthly mean)"
DEMAND_UNIT = "x an average month"
CURVE_PARAMETERS: dict[str, str] = {field.key: field.title for field in fields_of(FieldGroup.CURVE)}

# --- Marketing plan: one block per metric, channels down, months across ---------
MARKETING_BLOCKS: dict[str, tuple[str, str]] = {
    # metric: (block title, label of the block's total row)
    "spend": ("Spend", "Total marketing"),
    "impressions": ("Impressions (CPM channels)", "Total impressions"),
    "sessions": ("Sessions", "Total paid sessions"),
    "orders": ("Attributed orders", "Total attributed orders"),
    "revenue": ("Attributed revenue (gross, before returns)", "Total attributed revenue"),
    "roas": ("ROAS (attributed revenue / spend)", "All channels (revenue / marketing)"),
    "cpa": ("CPA (spend / attributed order)", "All channels (marketing / orders)"),
}
# Only in a plan with response curves, below the CPA block: every channel's marginal ROAS.
MARGINAL_ROAS = "marginal_roas"
MARGINAL_BLOCK = (
    "Marginal ROAS (revenue from the next unit of spend)",
    "All channels (weighted by spend)",
)
MARKETING_HEADERS = ("Channel", "Kind", "Cost driver")
SPEND_TOTAL_LABEL = MARKETING_BLOCKS["spend"][1]

# --- P&L and KPIs -------------------------------------------------------------
PNL_ROWS: dict[str, int] = {line: HEADER_ROW + 1 + index for index, line in enumerate(PNL_LINES)}
MARGIN_SECTION = "Margins (% of net sales)"
MARGIN_SECTION_ROW = max(PNL_ROWS.values()) + 2
MARGIN_LINES: tuple[str, ...] = tuple(line for line in MONEY_LINES if line != "net_sales")
MARGIN_ROWS: dict[str, int] = {
    line: MARGIN_SECTION_ROW + 1 + index for index, line in enumerate(MARGIN_LINES)
}
# KPI: (label, how it is calculated), for the KPIs the workbook has a row for.
KPI_LABELS: dict[str, tuple[str, str]] = {
    kpi.key: (kpi.label, kpi.how) for kpi in KPI_CATALOGUE if kpi.how is not None
}
KPI_ROWS: dict[str, int] = {kpi: HEADER_ROW + 1 + index for index, kpi in enumerate(KPI_LABELS)}


def month_column(month: int) -> int:
    """The column of fiscal month ``month`` (0-based): D for the first, O for the twelfth."""
    return FIRST_MONTH_COLUMN + month


@dataclass(frozen=True)
class Layout:
    """The rows of a workbook with ``channels`` channels and ``fixed_costs`` fixed-cost lines.

    ``curves`` are the channels (0-based, in the plan's order) that have a
    response curve; without any, the workbook has no curve rows.
    """

    channels: int
    fixed_costs: int
    curves: tuple[int, ...] = ()

    # Assumptions ---------------------------------------------------------------
    def plan_row(self, field: str) -> int:
        return PLAN_FIRST_ROW + [name for name, _ in PLAN_FIELDS].index(field)

    def target_row(self, field: str) -> int:
        return TARGET_FIRST_ROW + [name for name, _ in TARGET_FIELDS].index(field)

    def pnl_driver_row(self, driver: str) -> int:
        return PNL_DRIVER_HEADER_ROW + 1 + list(PNL_DRIVER_LABELS).index(driver)

    @property
    def fixed_header_row(self) -> int:
        return PNL_DRIVER_HEADER_ROW + len(PNL_DRIVER_LABELS) + 2

    def fixed_row(self, line: int) -> int:
        return self.fixed_header_row + 1 + line

    @property
    def fixed_total_row(self) -> int:
        return self.fixed_row(self.fixed_costs)

    def channel_driver_header_row(self, driver: str) -> int:
        table = list(CHANNEL_DRIVER_LABELS).index(driver)
        return self.fixed_total_row + 2 + table * (self.channels + 2)

    def channel_driver_row(self, driver: str, channel: int) -> int:
        return self.channel_driver_header_row(driver) + 1 + channel

    @property
    def curve_note_row(self) -> int:
        """The first of two note lines on how curves work, below the last channel driver table."""
        return self.channel_driver_row(list(CHANNEL_DRIVER_LABELS)[-1], self.channels - 1) + 2

    @property
    def curve_header_row(self) -> int:
        return self.curve_note_row + 2

    @property
    def demand_row(self) -> int:
        return self.curve_header_row + 1

    def curve_row(self, channel: int, parameter: str) -> int:
        """The row of a curve parameter of ``channel`` (0-based), which must have a curve."""
        position = self.curves.index(channel)
        offset = list(CURVE_PARAMETERS).index(parameter)
        return self.demand_row + 1 + position * len(CURVE_PARAMETERS) + offset

    # Marketing plan ----------------------------------------------------------
    @property
    def marketing_blocks(self) -> tuple[str, ...]:
        """The Marketing plan's blocks, top to bottom: marginal ROAS last, with curves only."""
        return (*MARKETING_BLOCKS, *((MARGINAL_ROAS,) if self.curves else ()))

    def block_title_row(self, metric: str) -> int:
        block = [*MARKETING_BLOCKS, MARGINAL_ROAS].index(metric)
        return HEADER_ROW + 1 + block * (self.channels + 3)

    def channel_row(self, metric: str, channel: int) -> int:
        return self.block_title_row(metric) + 1 + channel

    def block_total_row(self, metric: str) -> int:
        return self.channel_row(metric, self.channels)
