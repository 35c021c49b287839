"""The plan as an Excel workbook for finance, with live formulas that recalculate to the planner's.

``plan_workbook(plan)`` returns the .xlsx file as bytes; ``write_plan_workbook``
saves it. The sheets, one module each:

* **Summary** (``models.excel.summary``): the plan's identity, the year's
  headline KPIs against the targets, what the targets imply and two charts.
* **Assumptions** (``models.excel.assumptions``): every input except spend.
* **Marketing plan** (``models.excel.marketing``): spend by channel and month
  (inputs) and every channel metric as formulas.
* **P&L** (``models.excel.pnl``): every line and margin as formulas.
* **KPIs** (``models.excel.kpis``): the ratios by month and for the year.

Conventions (the planner's own, docs/financial-model.md):

* Inputs carry the "Plan input" style; every other figure is a formula, so
  changing a driver or a spend cell in Excel moves the whole P&L. Links to
  another sheet's cell are green ("Plan link"), other formulas black.
* Every formula is saved with its value (``models.excel.values``), so readers
  that do not recalculate (pandas, Power Query, previews) show the figures.
* Money is in the plan's currency, excluding VAT, shown with its ISO code
  ("EUR 1,234"), negative amounts in parentheses; rates are fractions shown
  as percentages.
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
  (``models.excel.reader``) reads this back into an equal plan.
* A channel with a response curve (``models.curves``) takes its revenue
  from the Hill formula of the month's spend cell, beta x spend^s /
  (spend^s + k^s), with the month's beta and k: the curve's (inputs, for a
  month of average demand) times the month's demand index, a formula on the
  organic sessions. Its orders are revenue / AOV and its sessions orders /
  conversion rate, as in ``models.pnl``. A plan without curves has no curve
  rows at all.
* Text from users (plan, channel and fixed-cost names) is written as text
  with a quote prefix, never as a formula, even when it starts with ``=``,
  ``+``, ``-`` or ``@``.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from budgets import Plan
from budgets.access import person_label
from budgets.store import VersionInfo
from budgets.store.model import when
from models.catalogue import PNL_CATALOGUE
from models.excel.assumptions import assumptions_sheet
from models.excel.book import Book, Properties
from models.excel.formulas import FY, absolute_months, sheet_ref
from models.excel.kpis import kpi_sheet
from models.excel.layout import (
    ASSUMPTIONS,
    MARKER,
    MARKETING,
    PNL,
    PNL_DRIVER_LABELS,
    PNL_ROWS,
    WORKBOOK_FORMAT,
    Layout,
)
from models.excel.marketing import marketing_sheet
from models.excel.parts import Export
from models.excel.pnl import pnl_sheet
from models.excel.summary import summary_sheet
from models.excel.writer import write_book
from models.projection import Projection

_TOTAL_NAMES = {line.key: line.excel_name for line in PNL_CATALOGUE if line.excel_name}


def plan_workbook(
    plan: Plan,
    *,
    exported_at: datetime | None = None,
    projection: Projection | None = None,
    record: Sequence[tuple[str, str]] = (),
) -> bytes:
    """The plan as an .xlsx workbook (bytes) whose formulas recalculate to the planner's numbers.

    Args:
        plan: the plan to export.
        exported_at: the export time shown on the Summary and kept in the
            file's properties, in UTC (a naive time is taken as UTC). Defaults
            to now.
        projection: the plan's projection, when the caller holds it already.
        record: the stored version's record, as lines (label, text) for the
            Summary (``version_record``); none for a plan not stored.

    An empty plan (no channels, no fixed costs) exports the organic business
    alone; a channel without spend shows "-" for its ROAS and CPA.
    """
    # Building a workbook allocates some hundred thousand small objects, none of them in a
    # reference cycle; the cyclic collector's passes over them cost a quarter of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        book = plan_book(plan, exported_at=exported_at, projection=projection, record=record)
        return write_book(book)
    finally:
        if collecting:
            gc.enable()


def plan_book(
    plan: Plan,
    *,
    exported_at: datetime | None = None,
    projection: Projection | None = None,
    record: Sequence[tuple[str, str]] = (),
) -> Book:
    """The plan's workbook as data (``models.excel.book``), before it is written."""
    stamp = exported_at or datetime.now(UTC)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    export = Export(plan, stamp.replace(tzinfo=None, microsecond=0), projection, tuple(record))
    sheets = [
        summary_sheet(export),
        assumptions_sheet(export),
        marketing_sheet(export),
        pnl_sheet(export),
        kpi_sheet(export),
    ]
    return Book(sheets, _defined_names(export.layout), _properties(export))


def write_plan_workbook(
    plan: Plan, path: str | Path, *, exported_at: datetime | None = None
) -> None:
    """Save the plan's workbook (see ``plan_workbook``) at ``path``."""
    Path(path).write_bytes(plan_workbook(plan, exported_at=exported_at))


def version_record(info: VersionInfo, edited: bool = False) -> tuple[tuple[str, str], ...]:
    """The lines the Summary gives a stored version: which, who prepared, submitted and
    approved it and when; ``edited``: the plan exported is unsaved edits on that version."""
    version = f"{info.version} of '{info.key.name}' FY{info.key.fiscal_year}, {info.status.value}"
    if edited:
        version = f"unsaved edits on version {version}"
    lines = [
        ("Version", version),
        ("Prepared by", _who(info.author, info.author_email, info.saved_at)),
    ]
    if info.submitted_by and info.submitted_at:
        lines.append(("Submitted by", _who(info.submitted_by, "", info.submitted_at)))
    if info.approved_by and info.approved_at:
        approver = _who(info.approved_by, info.approved_by_email or "", info.approved_at)
        lines.append(("Approved by", approver))
    return tuple(lines)


def _who(name: str, email: str, moment: datetime) -> str:
    return f"{person_label(name, email)}, {when(moment)}"


def workbook_filename(plan: Plan, suffix: str = ".xlsx") -> str:
    """A safe file name for the plan's export: '<plan-name>_FY<year>.xlsx'.

    Letters and digits of any script are kept; every run of other characters
    (spaces, slashes, dots, quotes) becomes one '-', so the name is safe on
    every file system and cannot climb out of a folder.
    """
    name = unicodedata.normalize("NFKC", plan.name)
    stem = re.sub(r"\W+", "-", name).strip("-_") or "plan"
    return f"{stem[:60]}_FY{plan.fiscal_year}{suffix}"


def _defined_names(layout: Layout) -> dict[str, str]:
    """Names for the plan's identity, targets, monthly drivers and the year's totals."""
    a, m, p = sheet_ref(ASSUMPTIONS), sheet_ref(MARKETING), sheet_ref(PNL)
    names = {
        "PlanName": f"{a}$C${layout.plan_row('name')}",
        "FiscalYear": f"{a}$C${layout.plan_row('fiscal_year')}",
        "FirstMonth": f"{a}$C${layout.plan_row('first_month')}",
        "PlanCurrency": f"{a}$C${layout.plan_row('currency')}",
        "TargetNetSales": f"{a}$C${layout.target_row('net_sales')}",
        "TargetEbitdaMargin": f"{a}$C${layout.target_row('ebitda_margin')}",
        "TargetCm3Margin": f"{a}$C${layout.target_row('cm3_margin')}",
        "MonthlySpend": absolute_months(MARKETING, layout.block_total_row("spend")),
        "MonthlyFixedCosts": absolute_months(ASSUMPTIONS, layout.fixed_total_row),
        "MonthlyNetSales": absolute_months(PNL, PNL_ROWS["net_sales"]),
        "MonthlyEbitda": absolute_months(PNL, PNL_ROWS["ebitda"]),
        "SpendFY": f"{m}${FY}${layout.block_total_row('spend')}",
    }
    if layout.curves:
        names["DemandIndex"] = absolute_months(ASSUMPTIONS, layout.demand_row)
    for driver in PNL_DRIVER_LABELS:
        name = "".join(part.capitalize() for part in driver.split("_"))
        names[name] = absolute_months(ASSUMPTIONS, layout.pnl_driver_row(driver))
    for line, name in _TOTAL_NAMES.items():
        names[name] = f"{p}${FY}${PNL_ROWS[line]}"
    return names


def _properties(export: Export) -> Properties:
    plan = export.plan
    return Properties(
        title=f"{plan.name} – FY{plan.fiscal_year} budget plan",
        subject="Digital-marketing spend plan and e-commerce P&L budget",
        keywords=f"budget plan, FY{plan.fiscal_year}, {plan.currency}",
        description=MARKER,
        created=export.exported_at,
        custom={
            "Plan name": plan.name,
            "Fiscal year": f"FY{plan.fiscal_year}",
            "Currency": plan.currency,
            "Workbook format": str(WORKBOOK_FORMAT),
        },
    )
