"""The workbook's formulas, each the spreadsheet form of the engine's (docs/financial-model.md).

A template holds ``{x}`` where a month's column letter goes, so one template
serves every month. The P&L lines mirror ``models.pnl``, the channel metrics
``models.pnl`` and ``models.curves``, the KPIs ``models.projection``. The import
(``models.excel.reader``) reads ``follow_year_formula`` to tell a channel
driver given for the year from one given by month.
"""

from __future__ import annotations

from openpyxl.utils import get_column_letter, quote_sheetname

from budgets import MONTHS, CostDriver
from models.excel.layout import (
    ASSUMPTIONS,
    CHANNEL_DRIVER_LABELS,
    FY_COLUMN,
    KPI_ROWS,
    MARGINAL_ROAS,
    MARKETING,
    PNL,
    PNL_ROWS,
    SHARE_COLUMN,
    Layout,
    month_column,
)

UNDEFINED = '"-"'
MONTH_LETTERS: tuple[str, ...] = tuple(get_column_letter(month_column(m)) for m in range(MONTHS))
FIRST, LAST = MONTH_LETTERS[0], MONTH_LETTERS[-1]
FY = get_column_letter(FY_COLUMN)
SHARE = get_column_letter(SHARE_COLUMN)
# (column, letter) of the 12 months and the year.
MONTHS_AND_YEAR: tuple[tuple[int, str], ...] = tuple(
    enumerate((*MONTH_LETTERS, FY), start=month_column(0))
)


def sheet_ref(name: str) -> str:
    """The prefix that refers to a cell of sheet ``name``: 'P&L'!"""
    return f"{quote_sheetname(name)}!"


def months(row: int) -> str:
    """The 12 months of a row of the same sheet: D5:O5."""
    return f"{FIRST}{row}:{LAST}{row}"


def absolute_months(sheet: str, row: int) -> str:
    return f"{sheet_ref(sheet)}${FIRST}${row}:${LAST}${row}"


def ratio(numerator: str, denominator: str) -> str:
    """numerator / denominator, "-" where the denominator is 0."""
    return f"=IF({denominator}=0,{UNDEFINED},{numerator}/{denominator})"


def positive_inverse(test: str, denominator: str) -> str:
    """1 / denominator where ``test`` is a number and the denominator is above 0, else "-"."""
    return f"=IF(ISNUMBER({test}),IF({denominator}>0,1/({denominator}),{UNDEFINED}),{UNDEFINED})"


def sum_rows(letter: str, first: int, last: int) -> str:
    """The sum of a column's rows first..last; 0 when there are none (no channels, no lines)."""
    return f"=SUM({letter}{first}:{letter}{last})" if last >= first else "=0"


def spend_weighted(values: str, spend: str, total: str) -> str:
    """The mean of ``values`` weighted by ``spend`` (ranges of one shape), "-" without spend.

    SUMPRODUCT counts a "-" value as 0; it only stands where nothing is spent.
    """
    return f"=IF({total}=0,{UNDEFINED},SUMPRODUCT({values},{spend})/{total})"


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


def month_header(month: int) -> str:
    """The date of fiscal month ``month`` (0-based), from the plan's year and first month."""
    return f"=DATE(FiscalYear,FirstMonth+{month},1)"


# --- Assumptions ---------------------------------------------------------------------


def demand_index(letter: str, sessions_row: int) -> str:
    """The month's organic sessions over their monthly mean; 1 without organic sessions."""
    mean = "AVERAGE(OrganicSessions)"
    return f"=IF({mean}>0,{letter}{sessions_row}/{mean},1)"


def stretched(letter: str, parameter_row: int, demand_row: int) -> str:
    """A curve's beta or k for the month: the average month's times its demand index."""
    return f"=$C{parameter_row}*{letter}${demand_row}"


# --- Marketing plan --------------------------------------------------------------------


def channel_template(layout: Layout, metric: str, index: int) -> str:
    """A channel's formula in a Marketing plan block, ``{x}`` for the month's column.

    A channel with a response curve takes its revenue from the curve, its
    orders from the revenue and its sessions from the orders; every other
    channel's revenue follows its sessions, as in ``models.pnl``.
    """
    rows = {m: layout.channel_row(m, index) for m in layout.marketing_blocks}
    a = sheet_ref(ASSUMPTIONS)
    drivers = {d: f"{a}{{x}}{layout.channel_driver_row(d, index)}" for d in CHANNEL_DRIVER_LABELS}
    cost_driver = f"$C${rows['spend']}"
    cpc, cpm = CostDriver.CPC.label, CostDriver.CPM.label
    spend = f"{{x}}{rows['spend']}"
    templates = {
        "impressions": f'=IF({cost_driver}="{cpm}",{spend}/{drivers["cpm"]}*1000,0)',
        "sessions": f'=IF({cost_driver}="{cpc}",{spend}/{drivers["cpc"]},'
        f'IF({cost_driver}="{cpm}",{{x}}{rows["impressions"]}*{drivers["ctr"]},0))',
        "orders": f"={{x}}{rows['sessions']}*{drivers['conversion_rate']}",
        "revenue": f"={{x}}{rows['orders']}*{drivers['aov']}",
        "roas": ratio(f"{{x}}{rows['revenue']}", spend),
        "cpa": ratio(spend, f"{{x}}{rows['orders']}"),
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
    return templates[metric]


def channel_year(metric: str, rows: dict[str, int]) -> str:
    """A channel's FY cell: the sum of its months, or the ratio of the year's sums.

    The year's marginal ROAS is the months' weighted by their spend: the
    return of one more unit spread like the year's spend.
    """
    if metric == "roas":
        return ratio(f"{FY}{rows['revenue']}", f"{FY}{rows['spend']}")
    if metric == "cpa":
        return ratio(f"{FY}{rows['spend']}", f"{FY}{rows['orders']}")
    if metric == MARGINAL_ROAS:
        spend = rows["spend"]
        return spend_weighted(months(rows[metric]), months(spend), f"{FY}{spend}")
    return f"=SUM({months(rows[metric])})"


def block_total(layout: Layout, metric: str, letter: str) -> str:
    """The all-channels row of a Marketing plan block, for one month's (or the FY) column."""
    totals = {m: layout.block_total_row(m) for m in layout.marketing_blocks}
    if metric == "roas":
        return ratio(f"{letter}{totals['revenue']}", f"{letter}{totals['spend']}")
    if metric == "cpa":
        return ratio(f"{letter}{totals['spend']}", f"{letter}{totals['orders']}")
    if metric == MARGINAL_ROAS:
        first, last = layout.channel_row(metric, 0), totals[metric] - 1
        spent = layout.channel_row("spend", 0), totals["spend"] - 1
        return spend_weighted(
            f"{letter}{first}:{letter}{last}",
            f"{letter}{spent[0]}:{letter}{spent[1]}",
            f"{letter}{totals['spend']}",
        )
    return sum_rows(letter, layout.channel_row(metric, 0), totals[metric] - 1)


# --- P&L and KPIs ------------------------------------------------------------------------


def pnl_templates(layout: Layout) -> dict[str, str]:
    """Every P&L line's formula; costs are negative, so each subtotal adds the lines above."""
    a, m = sheet_ref(ASSUMPTIONS), sheet_ref(MARKETING)

    def driver(name: str) -> str:
        return f"{a}{{x}}{layout.pnl_driver_row(name)}"

    def paid(metric: str) -> str:
        return f"{m}{{x}}{layout.block_total_row(metric)}"

    def line(name: str) -> str:
        return f"{{x}}{PNL_ROWS[name]}"

    organic_orders = f"{driver('organic_sessions')}*{driver('site_conversion_rate')}"
    return {
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


def margin(line: str, letter: str) -> str:
    """A P&L line as a share of the column's net sales."""
    return ratio(f"{letter}{PNL_ROWS[line]}", f"{letter}{PNL_ROWS['net_sales']}")


def kpi_templates() -> dict[str, str]:
    """Every KPI's formula for a month or the year, on the P&L; the CM3 target has its own."""
    p, k = sheet_ref(PNL), KPI_ROWS

    def line(name: str) -> str:
        return f"{p}{{x}}{PNL_ROWS[name]}"

    c2, returns = f"{{x}}{k['contribution_per_gross_sale']}", f"{{x}}{k['return_rate']}"
    target = f"${FY}${k['cm3_margin_target']}"
    return {
        "conversion_rate": ratio(line("orders"), line("sessions")),
        "aov": ratio(line("gross_sales"), line("orders")),
        "marketing_share": ratio(f"-{line('marketing')}", line("net_sales")),
        "mer": ratio(line("gross_sales"), f"(-{line('marketing')})"),
        "return_rate": ratio(f"-{line('returns')}", line("gross_sales")),
        "contribution_per_gross_sale": ratio(line("cm2"), line("gross_sales")),
        "break_even_roas": positive_inverse(c2, c2),
        "target_roas": positive_inverse(c2, f"{c2}-{target}*(1-{returns})"),
    }


# One CM3 margin for every month: the year's (docs/financial-model.md, section 3).
CM3_MARGIN_TARGET = (
    "=IF(ISNUMBER(TargetCm3Margin),TargetCm3Margin,"
    "TargetEbitdaMargin+IF(NetSalesFY=0,0,-FixedCostsFY/NetSalesFY))"
)
