"""The P&L as CSV: lines down, months then the fiscal year across, for finance tools.

``pnl_csv(projection)`` returns the text of the file (RFC 4180: comma-separated,
CRLF line ends, quoted where needed).

Columns: ``line``, ``item``, ``unit``, the 12 fiscal months ("Jan 2027"...),
``FY``. Rows: every P&L line in statement order with an empty item; the
marketing line is followed by one row per channel and the fixed-cost line by
one row per fixed-cost line, each with its name as the item. Money is in the
plan's currency (the unit) with costs negative, as on the workbook's P&L sheet;
sessions and orders are counts. Figures are rounded to 2 decimals (cents).

Names typed by users are neutralised against formula injection: a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading apostrophe, so a spreadsheet opening the file shows it as text.
Figures are never changed: a negative amount stays a number.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from models.pnl import COUNT_LINES, PNL_LABELS, PNL_LINES, YEAR, statement_sign
from models.projection import Projection

_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text a spreadsheet will not run as a formula: a leading apostrophe where it could."""
    return "'" + text if text.startswith(_FORMULA_LEADS) else text


def pnl_csv(projection: Projection) -> str:
    """The projection's P&L, with marketing by channel and fixed costs by line, as CSV text.

    A plan with no channels or no fixed-cost lines has no detail rows under
    those lines; their totals are 0.
    """
    plan = projection.plan
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "item", "unit", *projection.months, YEAR])
    for name in PNL_LINES:
        unit = name if name in COUNT_LINES else plan.currency
        label = PNL_LABELS[name]
        writer.writerow([label, "", unit, *_figures(statement_sign(name) * projection.line(name))])
        if name == "marketing":
            spend = projection.channels.spend
            for index, channel in enumerate(projection.channels.names):
                item = safe_text(channel)
                writer.writerow([label, item, plan.currency, *_figures(-spend[index])])
        if name == "fixed_costs":
            for line in plan.pnl.fixed_costs:
                amounts = np.array(line.amounts, dtype=float)
                year = np.append(amounts, amounts.sum())
                writer.writerow([label, safe_text(line.name), plan.currency, *_figures(-year)])
    return out.getvalue()


def _figures(values: np.ndarray) -> list[str]:
    # "+ 0.0" turns the -0.0 of a negated zero cost into 0.00
    return [f"{value + 0.0:.2f}" for value in np.round(values, 2)]
