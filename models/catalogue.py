"""The one home of what each P&L line and KPI means: its names, sign, and how it is calculated.

The engine (``models.pnl``), the workbook, the CSV, the summary and the app
read their labels, signs and explanations here, so that a label or an
explanation changed here changes every place that shows it. The formulas
themselves are in docs/financial-model.md and ``models.pnl``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PnlLine:
    """One line of the P&L statement.

    Attributes:
        key: the engine's name of the line ("cm2").
        label: its full name, as the statement and the workbook show it.
        short: its name inside a sentence or a ratio ("CM2 / net sales").
        table_label: its name in the app's compact tables, where that differs.
        cost: a cost, subtracted (shown negative in statements).
        count: a count (sessions, orders), not money.
        subtotal: a subtotal, shown in bold.
        how: how it is calculated, in words (the workbook's "how" column).
        excel_name: the workbook's defined name of its year total, if it has one.
        help: a longer explanation for a tooltip, where the app shows one.
    """

    key: str
    label: str
    short: str
    how: str
    table_label: str = ""
    cost: bool = False
    count: bool = False
    subtotal: bool = False
    excel_name: str | None = None
    help: str = ""

    @property
    def shown(self) -> str:
        """The name in the app's compact tables."""
        return self.table_label or self.label


PNL_CATALOGUE: tuple[PnlLine, ...] = (
    PnlLine("sessions", "Sessions", "sessions", "organic + paid sessions", count=True),
    PnlLine(
        "orders", "Orders", "orders", "organic sessions x site CVR + paid orders", count=True
    ),
    PnlLine(
        "gross_sales", "Gross sales", "gross sales", "organic orders x site AOV + paid revenue",
        excel_name="GrossSalesFY",
    ),
    PnlLine("returns", "Returns", "returns", "gross sales x return rate", cost=True),
    PnlLine(
        "net_sales", "Net sales", "net sales", "gross sales - returns", subtotal=True,
        excel_name="NetSalesFY",
        help="Net sales = gross sales - returns; gross sales = organic orders x site AOV "
        "+ channels' attributed revenue. Compared with the net-sales target.",
    ),
    PnlLine("cogs", "COGS", "COGS", "net sales x COGS rate", cost=True),
    PnlLine(
        "gross_margin", "Gross margin (CM1)", "CM1", "net sales - COGS", subtotal=True,
        excel_name="GrossMarginFY",
    ),
    PnlLine("fulfilment", "Fulfilment", "fulfilment", "orders x cost per order", cost=True),
    PnlLine(
        "returns_handling", "Returns handling", "returns handling",
        "orders x return rate x cost per return", cost=True,
    ),
    PnlLine(
        "payment_fees", "Payment fees", "payment fees", "gross sales x payment fee rate",
        cost=True,
    ),
    PnlLine(
        "cm2", "Contribution before marketing (CM2)", "CM2",
        "CM1 - fulfilment - returns handling - fees", table_label="CM2 (before marketing)",
        subtotal=True, excel_name="Cm2FY",
    ),
    PnlLine(
        "marketing", "Marketing", "marketing", "all channels' spend", cost=True,
        excel_name="MarketingFY",
        help="Marketing = the sum of every channel's spend, working and non-working. "
        "Shown with its share of net sales.",
    ),
    PnlLine(
        "cm3", "Contribution after marketing (CM3)", "CM3", "CM2 - marketing",
        table_label="CM3 (after marketing)", subtotal=True, excel_name="Cm3FY",
        help="CM3 = CM2 - marketing, where CM2 = net sales - COGS - fulfilment - returns "
        "handling - payment fees.",
    ),
    PnlLine(
        "fixed_costs", "Fixed costs", "fixed costs", "sum of the fixed-cost lines", cost=True,
        excel_name="FixedCostsFY",
    ),
    PnlLine(
        "ebitda", "EBITDA", "EBITDA", "CM3 - fixed costs", subtotal=True, excel_name="EbitdaFY"
    ),
)  # fmt: skip
PNL_LINE: dict[str, PnlLine] = {line.key: line for line in PNL_CATALOGUE}


@dataclass(frozen=True)
class Kpi:
    """A ratio or hurdle derived from the P&L and the targets.

    Attributes:
        key: its name ("mer").
        label: its name as the workbook's KPI sheet shows it.
        how: how it is calculated, in words; None where the workbook has no row for it.
        help: a longer explanation for the app's tooltip, where the app shows one.
    """

    key: str
    label: str
    how: str | None = None
    help: str = ""


KPI_CATALOGUE: tuple[Kpi, ...] = (
    Kpi("conversion_rate", "Conversion rate", "orders / sessions"),
    Kpi("aov", "AOV", "gross sales / orders"),
    Kpi("marketing_share", "Marketing as % of net sales", "marketing / net sales"),
    Kpi(
        "mer", "MER (blended ROAS)", "gross sales / marketing",
        help="MER (marketing efficiency ratio) = gross sales / marketing: the blended ROAS "
        "of all sales on all spend.",
    ),
    Kpi("return_rate", "Return rate", "returns / gross sales"),
    Kpi(
        "contribution_per_gross_sale",
        "Contribution before marketing per unit of gross sales (c2)", "CM2 / gross sales",
    ),
    Kpi(
        "break_even_roas", "Break-even ROAS", "1 / c2",
        help="Break-even ROAS = 1 / (CM2 / gross sales): the ROAS at which a unit of "
        "spend earns back exactly its cost in contribution.",
    ),
    Kpi(
        "cm3_margin_target", "CM3 margin the targets ask for (t)",
        "CM3 target, or EBITDA target + fixed costs / net sales",
    ),
    Kpi(
        "target_roas", "Target ROAS", "1 / (c2 - t x (1 - return rate))",
        help="Target ROAS = 1 / (CM2 / gross sales - t x (1 - return rate)), t the "
        "target CM3 margin (or the CM3 margin the EBITDA target needs after fixed costs).",
    ),
    Kpi(
        "ebitda_margin", "EBITDA margin",
        help="EBITDA margin = EBITDA / net sales, where EBITDA = CM3 - fixed costs. "
        "Compared with the target EBITDA margin (difference in percentage points).",
    ),
    Kpi(
        "channel_revenue", "Channel revenue",
        help="Attributed revenue = sessions x channel conversion rate x AOV "
        "(gross, before returns), summed over the channels.",
    ),
)  # fmt: skip
KPI: dict[str, Kpi] = {kpi.key: kpi for kpi in KPI_CATALOGUE}


def help_text(key: str) -> str:
    """The tooltip of a P&L line or KPI."""
    found = PNL_LINE[key].help if key in PNL_LINE else KPI[key].help
    if not found:
        raise KeyError(f"{key!r} has no explanation in the catalogue")
    return found
