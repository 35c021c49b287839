"""The workbook as finance opens it: sheets, live formulas, styles, formats, names, charts, safety."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import openpyxl
import pytest
from openpyxl.chart import BarChart, LineChart

from budgets import parse_plan
from models import PNL_LINES
from models.excel.export import plan_workbook, workbook_filename, write_plan_workbook
from models.excel.layout import (
    ASSUMPTIONS,
    FY_COLUMN,
    KPIS,
    MARKER,
    MARKETING,
    MARKETING_BLOCKS,
    PNL,
    PNL_ROWS,
    SHEETS,
    SUMMARY,
    month_column,
)
from models.excel.reader import plan_from_workbook
from models.excel.styles import FORMULA, HEADER, INPUT, LINK, TOTAL
from tests.conftest import smallest_plan_data
from tests.workbook_plans import (
    HOSTILE_CHANNELS,
    HOSTILE_FIXED_COST,
    HOSTILE_PLAN_NAME,
    edge_plan,
    edge_plan_data,
    layout_of,
)

EXPORTED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def sample_book(sample):
    return openpyxl.load_workbook(io.BytesIO(plan_workbook(sample, exported_at=EXPORTED_AT)))


@pytest.fixture(scope="module")
def edge_book():
    return openpyxl.load_workbook(io.BytesIO(plan_workbook(edge_plan(), exported_at=EXPORTED_AT)))


def test_the_workbook_has_the_summary_assumptions_marketing_plan_pnl_and_kpi_sheets(
    sample_book,
) -> None:
    assert sample_book.sheetnames == list(SHEETS)
    assert sample_book.sheetnames == ["Summary", "Assumptions", "Marketing plan", "P&L", "KPIs"]


def test_every_pnl_figure_is_a_formula_on_the_marketing_plan_and_assumptions(sample_book) -> None:
    sheet = sample_book[PNL]

    cells = [sheet.cell(PNL_ROWS[line], month_column(m)) for line in PNL_LINES for m in range(12)]

    assert all(cell.data_type == "f" for cell in cells)
    assert "'Marketing plan'!" in sheet.cell(PNL_ROWS["marketing"], month_column(0)).value
    assert "'Assumptions'!" in sheet.cell(PNL_ROWS["returns"], month_column(0)).value
    assert sheet.cell(PNL_ROWS["ebitda"], FY_COLUMN).value == "=SUM(D19:O19)"


def test_channel_metrics_are_formulas_on_spend_and_drivers_and_spend_is_input(
    sample, sample_book
) -> None:
    sheet = sample_book[MARKETING]
    layout = layout_of(sample)
    channels = range(len(sample.marketing.channels))

    spend = [sheet.cell(layout.channel_row("spend", i), month_column(0)) for i in channels]
    computed = [
        sheet.cell(layout.channel_row(metric, i), month_column(m))
        for metric in MARKETING_BLOCKS
        if metric != "spend"
        for i in channels
        for m in range(12)
    ]

    assert [cell.value for cell in spend] == [c.spend[0] for c in sample.marketing.channels]
    assert {cell.style for cell in spend} == {INPUT}
    assert all(cell.data_type == "f" for cell in computed)
    assert {cell.style for cell in computed} == {FORMULA}


def test_undefined_ratios_are_guarded_by_if_in_every_roas_cpa_and_margin_formula(
    sample, sample_book
) -> None:
    layout = layout_of(sample)
    marketing = sample_book[MARKETING]
    roas = marketing.cell(layout.channel_row("roas", 0), month_column(0)).value
    cpa = marketing.cell(layout.channel_row("cpa", 0), FY_COLUMN).value
    margin = sample_book[PNL]["Q19"].value

    assert roas.startswith('=IF(D6=0,"-",')
    assert cpa.startswith("=IF(P")
    assert ',"-",' in cpa
    assert margin == '=IF(P9=0,"-",P19/P9)'


def test_drivers_given_once_sit_in_the_year_column_and_their_months_follow_it(sample, sample_book):
    sheet = sample_book[ASSUMPTIONS]
    layout = layout_of(sample)
    brand, generic = 0, 1  # CPC once for the year; CPC by month
    once_row = layout.channel_driver_row("cpc", brand)
    monthly_row = layout.channel_driver_row("cpc", generic)

    assert sheet.cell(once_row, 3).value == 0.62
    assert (
        sheet.cell(once_row, month_column(5)).value
        == f'=IF(ISNUMBER($C{once_row}),$C{once_row},"")'
    )
    assert sheet.cell(monthly_row, 3).value is None
    assert [sheet.cell(monthly_row, month_column(m)).value for m in range(12)] == list(
        sample.marketing.channels[generic].cpc
    )


def test_a_channel_without_its_own_aov_follows_the_site_aov_of_each_month(sample, sample_book):
    sheet = sample_book[ASSUMPTIONS]
    layout = layout_of(sample)
    row = layout.channel_driver_row("aov", 0)  # Google Search – Brand has no AOV
    site = layout.pnl_driver_row("site_aov")

    assert sheet.cell(row, 3).value is None
    assert sheet.cell(row, month_column(2)).value == f"=IF(ISNUMBER($C{row}),$C{row},F${site})"


def test_inputs_formulas_totals_and_headers_use_the_named_styles(sample, sample_book) -> None:
    layout = layout_of(sample)

    named = {style.name if hasattr(style, "name") else style for style in sample_book.named_styles}

    assert {INPUT, FORMULA, TOTAL, HEADER} <= named
    assert sample_book[ASSUMPTIONS].cell(layout.pnl_driver_row("return_rate"), 4).style == INPUT
    assert sample_book[PNL].cell(PNL_ROWS["cogs"], 4).style == FORMULA
    assert sample_book[PNL].cell(PNL_ROWS["ebitda"], 4).style == TOTAL
    assert sample_book[MARKETING].cell(layout.block_total_row("spend"), 4).style == TOTAL
    assert sample_book[PNL].cell(4, 4).style == HEADER


def test_links_to_other_sheets_are_green_and_calculations_black(sample, sample_book) -> None:
    """Finance's colour convention: inputs blue, formulas black, links to other sheets green."""
    pnl = sample_book[PNL]
    marketing = pnl.cell(PNL_ROWS["marketing"], 4)  # only the Marketing plan's total, negative
    gross_sales = pnl.cell(PNL_ROWS["gross_sales"], 4)  # a calculation on two other sheets

    assert str(marketing.value).startswith("=-'Marketing plan'!")
    assert marketing.style == LINK
    assert "Assumptions" in str(gross_sales.value)
    assert gross_sales.style == FORMULA
    styles = {style.name: style for style in sample_book._named_styles}
    fonts = {name: styles[name].font.color.rgb for name in (LINK, FORMULA, INPUT)}
    assert fonts[LINK].endswith("007A33")
    assert fonts[FORMULA].endswith("000000")
    assert fonts[INPUT].endswith("1F3FAF")
    for sheet in sample_book:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.style == LINK:
                    assert "!" in str(cell.value), cell.coordinate
                    assert "(" not in str(cell.value), cell.coordinate


def test_negative_money_shows_in_parentheses(sample_book) -> None:
    cogs = sample_book[PNL].cell(PNL_ROWS["cogs"], 4)
    positive, negative = cogs.number_format.split(";")

    assert negative == '"EUR "(#,##0)'
    assert positive.endswith("_)"), "positive figures keep room for the parenthesis"


def test_money_shows_the_plan_currency_and_rates_show_as_percentages(sample_book, sample) -> None:
    layout = layout_of(sample)
    assumptions = sample_book[ASSUMPTIONS]

    net_sales = sample_book[PNL].cell(PNL_ROWS["net_sales"], 4).number_format
    return_rate = assumptions.cell(layout.pnl_driver_row("return_rate"), 4).number_format
    conversion = assumptions.cell(layout.pnl_driver_row("site_conversion_rate"), 4).number_format
    margin = sample_book[PNL]["Q19"].number_format
    month = sample_book[PNL]["D4"].number_format

    assert net_sales == '"EUR "#,##0_);"EUR "(#,##0)'
    assert return_rate == "0.0%"
    assert conversion == "0.00%"
    assert margin == "0.0%"
    assert month == "mmm yyyy"


def test_another_currency_is_shown_in_its_own_code(smallest_data) -> None:
    smallest_data["currency"] = "GBP"
    book = openpyxl.load_workbook(io.BytesIO(plan_workbook(parse_plan(smallest_data))))

    assert book[PNL]["D9"].number_format == '"GBP "#,##0_);"GBP "(#,##0)'


def test_sheets_freeze_their_headers_and_print_landscape_on_a4(sample_book) -> None:
    for title in (MARKETING, PNL, KPIS):
        sheet = sample_book[title]

        assert sheet.freeze_panes == "D5"
        assert sheet.print_title_rows == "$4:$4"
        assert sheet.print_title_cols == "$A:$C"
    for sheet in sample_book:
        assert sheet.page_setup.orientation == "landscape"
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        # The P&L prints on two pages' width, each with its lines; the others on one.
        assert sheet.page_setup.fitToWidth == (2 if sheet.title == PNL else 1)
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.column_dimensions["A"].width >= 30


def test_key_drivers_and_totals_have_defined_names(sample_book) -> None:
    names = sample_book.defined_names

    assert names["NetSalesFY"].attr_text == "'P&L'!$P$9"
    assert names["EbitdaFY"].attr_text == "'P&L'!$P$19"
    assert names["ReturnRate"].attr_text == "'Assumptions'!$D$19:$O$19"
    assert names["TargetEbitdaMargin"].attr_text == "'Assumptions'!$C$12"
    assert {"PlanName", "FiscalYear", "MarketingFY", "Cm3FY", "MonthlySpend"} <= set(names)


def test_the_summary_has_a_spend_by_channel_chart_and_a_net_sales_and_ebitda_chart(
    sample, sample_book
) -> None:
    charts = sample_book[SUMMARY]._charts

    spend, sales = charts

    assert len(charts) == 2
    assert isinstance(spend, BarChart)
    assert spend.grouping == "stacked"
    assert len(spend.series) == len(sample.marketing.channels)
    assert isinstance(sales, BarChart)
    assert any(isinstance(chart, LineChart) for chart in sales._charts)


def test_document_properties_name_the_plan_and_the_export_time(sample, sample_book) -> None:
    props = sample_book.properties
    custom = {prop.name: prop.value for prop in sample_book.custom_doc_props}

    assert props.title == "Maison Nord – Online – FY2027 budget plan"
    assert props.created == datetime(2026, 11, 23, 9, 30)
    assert custom["Plan name"] == sample.name
    assert custom["Workbook format"] == "1"
    assert sample_book[SUMMARY]["B10"].value == MARKER
    assert sample_book[SUMMARY]["B9"].value == datetime(2026, 11, 23, 9, 30)


def test_an_export_time_in_another_zone_is_shown_in_utc(smallest) -> None:
    paris = timezone(timedelta(hours=1))

    book = openpyxl.load_workbook(
        io.BytesIO(plan_workbook(smallest, exported_at=datetime(2026, 1, 5, 10, 0, tzinfo=paris)))
    )

    assert book[SUMMARY]["B9"].value == datetime(2026, 1, 5, 9, 0)


def test_names_that_look_like_formulas_are_written_as_text_with_a_quote_prefix(edge_book) -> None:
    layout = layout_of(edge_plan())
    names = [edge_book[MARKETING].cell(layout.channel_row("spend", index), 1) for index in range(4)]
    fixed = edge_book[ASSUMPTIONS].cell(layout.fixed_row(1), 1)
    plan_name = edge_book[ASSUMPTIONS]["C5"]

    for cell, text in [*zip(names, HOSTILE_CHANNELS, strict=True), (fixed, HOSTILE_FIXED_COST),
                       (plan_name, HOSTILE_PLAN_NAME)]:  # fmt: skip
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix


def test_no_formula_in_the_file_carries_a_users_text() -> None:
    data = plan_workbook(edge_plan())

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if "worksheets/" in name or name.endswith("sharedStrings.xml")
        )
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    texts = re.findall(r"<t>(.*?)</t>", xml)

    assert formulas
    assert not any("HYPERLINK" in f or "SUM(1,2)" in f or "calc" in f for f in formulas)
    assert '=HYPERLINK("http://example.invalid","Click")' in [html.unescape(t) for t in texts]


def test_a_page_header_doubles_the_ampersand_of_a_plan_name(smallest_data) -> None:
    smallest_data["name"] = "Smith & Co"

    book = openpyxl.load_workbook(io.BytesIO(plan_workbook(parse_plan(smallest_data))))

    assert book[PNL].oddHeader.left.text == "Smith && Co · FY2027"


def test_inputs_carry_data_validation_rates_between_0_and_100_percent_and_money_from_0(
    sample, sample_book
) -> None:
    layout = layout_of(sample)
    rules = sample_book[ASSUMPTIONS].data_validations.dataValidation
    spend_rules = sample_book[MARKETING].data_validations.dataValidation

    def rule_for(cell: str, rules):
        return next(rule for rule in rules if cell in rule.sqref)

    rate = rule_for(f"E{layout.pnl_driver_row('return_rate')}", rules)
    cpc = rule_for(f"C{layout.channel_driver_row('cpc', 0)}", rules)
    ctr = rule_for(f"H{layout.channel_driver_row('ctr', 3)}", rules)
    fixed = rule_for(f"G{layout.fixed_row(0)}", rules)
    spend = rule_for(f"F{layout.channel_row('spend', 2)}", spend_rules)
    driver = rule_for(f"C{layout.channel_row('spend', 2)}", spend_rules)

    assert (rate.type, rate.operator, rate.formula1, rate.formula2) == (
        "decimal",
        "between",
        "0",
        "1",
    )
    assert (ctr.formula1, ctr.formula2) == ("0", "1")
    assert (cpc.operator, cpc.formula1) == ("greaterThan", "0")
    assert (fixed.operator, fixed.formula1) == ("greaterThanOrEqual", "0")
    assert (spend.operator, spend.formula1) == ("greaterThanOrEqual", "0")
    assert driver.type == "list"
    assert driver.formula1 == '"CPC,CPM + CTR,None (non-working)"'


def test_an_empty_plan_exports_with_empty_spend_and_fixed_cost_tables() -> None:
    data = smallest_plan_data()
    data["marketing"]["channels"] = []
    data["pnl"]["fixed_costs"] = []

    book = openpyxl.load_workbook(io.BytesIO(plan_workbook(parse_plan(data))))

    assert book[MARKETING]["A6"].value == "Total marketing"
    assert book[MARKETING]["D6"].value == "=0"
    # No channel to stack: the spend chart shows the total, nothing each month.
    (total,) = book[SUMMARY]._charts[0].series
    assert total.tx.strRef.f == "'Marketing plan'!$A$6"


def test_write_plan_workbook_saves_the_workbook_to_a_file(tmp_path, smallest) -> None:
    path = tmp_path / "plan.xlsx"

    write_plan_workbook(smallest, path, exported_at=EXPORTED_AT)

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(SHEETS)
    assert book[SUMMARY]["B9"].value == datetime(2026, 11, 23, 9, 30)
    assert plan_from_workbook(path.read_bytes()) == smallest


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Maison Nord – Online", "Maison-Nord-Online_FY2027.xlsx"),
        ("../../etc/passwd", "etc-passwd_FY2027.xlsx"),
        ("=cmd|' /C calc'!A0", "cmd-C-calc-A0_FY2027.xlsx"),
        ("Ünïcode Möde", "Ünïcode-Möde_FY2027.xlsx"),
        ("***", "plan_FY2027.xlsx"),
    ],
)
def test_the_file_name_is_the_plan_name_and_year_made_safe(smallest_data, name, expected) -> None:
    smallest_data["name"] = name

    filename = workbook_filename(parse_plan(smallest_data))

    assert filename == expected


def test_edge_plan_data_is_a_valid_plan() -> None:
    assert parse_plan(edge_plan_data()).name == HOSTILE_PLAN_NAME
