"""The Assumptions sheet: every input except spend.

The plan's name, fiscal year, first month and currency; the targets; the P&L
drivers by month; the fixed-cost lines; every channel's drivers, for the year
or by month; with response curves, the demand index by month and each curve's
parameters.
"""

from __future__ import annotations

import numpy as np

from budgets import MONTHS, CostDriver
from models.excel.book import Sheet
from models.excel.formulas import (
    FY,
    LAST,
    MONTH_LETTERS,
    demand_index,
    follow_year_formula,
    months,
    sheet_ref,
    stretched,
    sum_rows,
)
from models.excel.layout import (
    ASSUMPTIONS,
    CHANNEL_DRIVER_LABELS,
    CURVE_PARAMETER_HEADER,
    CURVE_PARAMETERS,
    CURVE_SECTION,
    CURVE_YEAR_LABEL,
    DEMAND_LABEL,
    DEMAND_UNIT,
    FIXED_SECTION,
    FIXED_TOTAL_LABEL,
    FY_COLUMN,
    KIND_COLUMN,
    LABEL_COLUMN,
    MARKETING,
    PLAN_FIELDS,
    PLAN_SECTION_ROW,
    PNL_DRIVER_HEADER_ROW,
    PNL_DRIVER_LABELS,
    PNL_DRIVER_SECTION,
    TARGET_FIELDS,
    TARGET_SECTION,
    TARGET_SECTION_ROW,
    VALUE_COLUMN,
    YEAR_INPUT_COLUMN,
    YEAR_INPUT_LABEL,
    month_column,
)
from models.excel.parts import Export, band, month_widths, title
from models.excel.styles import (
    FORMULA,
    INPUT,
    NOTE,
    SECTION,
    TOTAL,
    margin_rule,
    money_rule,
    positive_rule,
    rate_rule,
    shape_rule,
    whole_number,
)

# The validation each P&L driver's months carry.
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


def assumptions_sheet(export: Export) -> Sheet:
    sheet = Sheet(ASSUMPTIONS)
    plan, layout, fmt = export.plan, export.layout, export.fmt
    title(
        sheet,
        "Assumptions",
        "Inputs are the shaded cells: change them here, or the spend on the Marketing plan, "
        f"and every other sheet follows. Money in {plan.currency}, excluding VAT.",
    )
    ranges: dict[str, list[str]] = {
        "rate": [], "money": [], "positive": [], "margin": [], "shape": []
    }  # fmt: skip

    band(sheet, PLAN_SECTION_ROW, "Plan", SECTION, VALUE_COLUMN)
    identity: dict[str, str | int] = {
        "name": plan.name,
        "fiscal_year": plan.fiscal_year,
        "first_month": plan.first_month,
        "currency": plan.currency,
    }
    for key, label in PLAN_FIELDS:
        row = layout.plan_row(key)
        sheet.text(row, LABEL_COLUMN, label, FORMULA)
        value = identity[key]
        if isinstance(value, str):
            sheet.text(row, VALUE_COLUMN, value, INPUT)
        else:
            sheet.put(row, VALUE_COLUMN, value, INPUT, fmt.whole)
    # The plan's name is wider than one column: it spans three more.
    name_row = layout.plan_row("name")
    for column in range(VALUE_COLUMN + 1, VALUE_COLUMN + 4):
        sheet.style(name_row, column, INPUT)
    sheet.merges.append((name_row, VALUE_COLUMN, name_row, VALUE_COLUMN + 3))
    sheet.validate(
        whole_number(2000, 2100, "The fiscal year is a year from 2000 to 2100."),
        [f"C{layout.plan_row('fiscal_year')}"],
    )
    sheet.validate(
        whole_number(1, 12, "The first month is a number from 1 (January) to 12 (December)."),
        [f"C{layout.plan_row('first_month')}"],
    )

    band(sheet, TARGET_SECTION_ROW, TARGET_SECTION, SECTION, VALUE_COLUMN)
    targets = plan.targets
    target_inputs = {
        "net_sales": (targets.net_sales, fmt.money, "money"),
        "ebitda_margin": (targets.ebitda_margin, fmt.rate, "margin"),
        "cm3_margin": (targets.cm3_margin, fmt.rate, "margin"),
    }
    for key, label in TARGET_FIELDS:
        row = layout.target_row(key)
        target, number_format, rule = target_inputs[key]
        sheet.text(row, LABEL_COLUMN, label, FORMULA)
        sheet.put(row, VALUE_COLUMN, target, INPUT, number_format)
        ranges[rule].append(f"C{row}")

    export.month_header(sheet, PNL_DRIVER_HEADER_ROW, PNL_DRIVER_SECTION)
    sheet.text(PNL_DRIVER_HEADER_ROW, KIND_COLUMN, "Unit")
    for driver, label in PNL_DRIVER_LABELS.items():
        row = layout.pnl_driver_row(driver)
        number_format, unit = export.unit(driver)
        sheet.text(row, LABEL_COLUMN, label, FORMULA)
        sheet.text(row, KIND_COLUMN, unit, FORMULA)
        for month, value in enumerate(getattr(plan.pnl, driver)):
            sheet.put(row, month_column(month), value, INPUT, number_format)
        if driver == "organic_sessions":
            sheet.put(row, FY_COLUMN, f"=SUM({months(row)})", FORMULA, fmt.count)
        ranges[_PNL_DRIVER_RULES[driver]].append(months(row))

    export.month_header(sheet, layout.fixed_header_row, FIXED_SECTION)
    sheet.text(layout.fixed_header_row, KIND_COLUMN, "Unit")
    for index, line in enumerate(plan.pnl.fixed_costs):
        row = layout.fixed_row(index)
        sheet.text(row, LABEL_COLUMN, line.name, INPUT)
        sheet.text(row, KIND_COLUMN, plan.currency, FORMULA)
        for month, amount in enumerate(line.amounts):
            sheet.put(row, month_column(month), amount, INPUT, fmt.money)
        sheet.put(row, FY_COLUMN, f"=SUM({months(row)})", FORMULA, fmt.money)
        ranges["money"].append(months(row))
    total = layout.fixed_total_row
    band(sheet, total, FIXED_TOTAL_LABEL, TOTAL)
    for column, letter in enumerate((*MONTH_LETTERS, FY), start=month_column(0)):
        sheet.put(total, column, sum_rows(letter, layout.fixed_row(0), total - 1), TOTAL, fmt.money)

    for driver in CHANNEL_DRIVER_LABELS:
        _channel_driver_table(export, sheet, driver, ranges)
    if layout.curves:
        _curves(export, sheet, ranges)

    sheet.validate(rate_rule(), ranges["rate"])
    sheet.validate(margin_rule(), ranges["margin"])
    sheet.validate(money_rule(), ranges["money"])
    sheet.validate(positive_rule(), ranges["positive"])
    sheet.validate(shape_rule(), ranges["shape"])
    export.page(sheet, _widths(export), freeze="D3", title_rows=(1, 2), title_columns=(1, 3))
    return sheet


def _channel_driver_table(
    export: Export, sheet: Sheet, driver: str, ranges: dict[str, list[str]]
) -> None:
    """One channel driver, a row per channel: its value for the year in C, or 12 months."""
    layout = export.layout
    header = layout.channel_driver_header_row(driver)
    export.month_header(sheet, header, CHANNEL_DRIVER_LABELS[driver], year=False)
    sheet.text(header, KIND_COLUMN, "Cost driver")
    sheet.text(header, YEAR_INPUT_COLUMN, YEAR_INPUT_LABEL)
    number_format, _ = export.unit(driver)
    site_aov = layout.pnl_driver_row("site_aov")
    marketing = sheet_ref(MARKETING)
    for index, channel in enumerate(export.plan.marketing.channels):
        row = layout.channel_driver_row(driver, index)
        spend_row = layout.channel_row("spend", index)
        sheet.put(row, LABEL_COLUMN, f"={marketing}$A${spend_row}", FORMULA)
        sheet.put(row, KIND_COLUMN, f"={marketing}$C${spend_row}", FORMULA)
        value = getattr(channel, driver)
        if isinstance(value, tuple):
            sheet.put(row, YEAR_INPUT_COLUMN, None, INPUT, number_format)
            for month, monthly in enumerate(value):
                sheet.put(row, month_column(month), monthly, INPUT, number_format)
            continue
        sheet.put(row, YEAR_INPUT_COLUMN, value, INPUT, number_format)
        for month, letter in enumerate(MONTH_LETTERS):
            fallback = f"{letter}${site_aov}" if driver == "aov" else None
            formula = follow_year_formula(driver, row, fallback)
            sheet.put(row, month_column(month), formula, FORMULA, number_format)
    if layout.channels:
        first = layout.channel_driver_row(driver, 0)
        last = layout.channel_driver_row(driver, layout.channels - 1)
        area = f"C{first}:{LAST}{last}"
        ranges["rate" if driver in ("ctr", "conversion_rate") else "positive"].append(area)
        # Grey out the drivers a channel's cost driver does not use, and the CPC and CTR
        # of a channel whose revenue follows its response curve.
        sheet.greyed.append((area, _unused_driver_test(driver, first)))
        if driver in ("cpc", "ctr") and layout.curves:
            curved = " ".join(
                f"C{row}:{LAST}{row}"
                for row in (layout.channel_driver_row(driver, i) for i in layout.curves)
            )
            sheet.greyed.append((curved, "TRUE"))


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


def _curves(export: Export, sheet: Sheet, ranges: dict[str, list[str]]) -> None:
    """The demand index by month and every response curve's parameters.

    Column C holds a curve's beta, k and s for a month of average demand
    (inputs); the months hold beta and k times the month's demand index
    (formulas), which the Marketing plan's Hill formula uses. The demand
    index is each month's organic sessions over their monthly mean, 1 every
    month when there are none (``models.curves.demand_index``).
    """
    layout, fmt = export.layout, export.fmt
    note = layout.curve_note_row
    sheet.text(
        note,
        LABEL_COLUMN,
        "A channel with a response curve takes its attributed revenue from it: revenue = "
        "beta x spend^s / (spend^s + k^s); orders = revenue / AOV; sessions = orders / "
        "conversion rate. Its CPC and CTR are not used.",
        NOTE,
    )
    sheet.text(
        note + 1,
        LABEL_COLUMN,
        "Column C holds beta (the revenue ceiling) and k (the spend that brings half of it) "
        "for a month of average demand; each month stretches both by its demand index. "
        "Curves are added or removed in the planner.",
        NOTE,
    )
    header = layout.curve_header_row
    export.month_header(sheet, header, CURVE_SECTION, year=False)
    sheet.text(header, KIND_COLUMN, CURVE_PARAMETER_HEADER)
    sheet.text(header, YEAR_INPUT_COLUMN, CURVE_YEAR_LABEL)
    demand = layout.demand_row
    sheet.text(demand, LABEL_COLUMN, DEMAND_LABEL, FORMULA)
    sheet.text(demand, KIND_COLUMN, DEMAND_UNIT, FORMULA)
    sessions = layout.pnl_driver_row("organic_sessions")
    for month, letter in enumerate(MONTH_LETTERS):
        sheet.put(demand, month_column(month), demand_index(letter, sessions), FORMULA, fmt.index)
    marketing = sheet_ref(MARKETING)
    for index in layout.curves:
        curve = export.plan.marketing.channels[index].response
        assert curve is not None  # layout.curves lists the channels with one
        spend_row = layout.channel_row("spend", index)
        for parameter, label in CURVE_PARAMETERS.items():
            row = layout.curve_row(index, parameter)
            if parameter == "beta":
                sheet.put(row, LABEL_COLUMN, f"={marketing}$A${spend_row}", FORMULA)
            sheet.text(row, KIND_COLUMN, label, FORMULA)
            value = getattr(curve, parameter)
            if parameter == "s":
                sheet.put(row, YEAR_INPUT_COLUMN, value, INPUT, fmt.shape)
                ranges["shape"].append(f"C{row}")
                continue
            sheet.put(row, YEAR_INPUT_COLUMN, value, INPUT, fmt.money)
            ranges["positive"].append(f"C{row}")
            for month, letter in enumerate(MONTH_LETTERS):
                formula = stretched(letter, row, demand)
                sheet.put(row, month_column(month), formula, FORMULA, fmt.money)


def _widths(export: Export) -> dict[str, float]:
    """Labels, then the widest of the fixed costs and their total and of the curves' ceilings
    and spends for half, by month and year."""
    fixed = np.array([line.amounts for line in export.plan.pnl.fixed_costs], dtype=float)
    totals = fixed.reshape(-1, MONTHS).sum(axis=0)
    arrays = export.projection.arrays
    curved = arrays.has_curve
    stretched_values = np.concatenate([arrays.curve_beta[curved], arrays.curve_k[curved]]).ravel()
    average = [
        value
        for channel in export.plan.marketing.channels
        if channel.response is not None
        for value in (channel.response.beta, channel.response.k)
    ]
    widths = month_widths(
        export.money_texts(np.concatenate([totals, stretched_values])),
        export.money_texts(np.array([totals.sum()])),
    )
    year_input = max((len(text) + 2 for text in export.money_texts(np.array(average))), default=0)
    label = 22 if export.layout.curves else 18
    return {"A": 46, "B": label, "C": max(13, year_input), **widths}
