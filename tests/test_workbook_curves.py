"""Response curves in the workbook: parameters as inputs, the Hill formula on the spend, and back.

These read the exported file with openpyxl (formulas as text); the recalculated
values are checked against the engine with LibreOffice in test_workbook_recalc.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings

from budgets import PlanValidationError, parse_plan
from models.excel.export import plan_workbook
from models.excel.layout import (
    ASSUMPTIONS,
    CURVE_SECTION,
    FY_COLUMN,
    MARGINAL_BLOCK,
    MARGINAL_ROAS,
    MARKETING,
    MARKETING_BLOCKS,
    PNL,
    month_column,
)
from models.excel.reader import WorkbookRefusedError, plan_from_workbook
from models.excel.styles import FORMULA, INPUT
from tests.strategies import plans_with_curves
from tests.workbook_plans import CURVES, as_typed, curve_plan, curve_plan_data, layout_of

GENERIC, SHOPPING, PROSPECTING, TIKTOK = 1, 2, 3, 5  # the channels with a curve
BRAND = 0  # no curve


@pytest.fixture(scope="module")
def plan():
    return curve_plan()


@pytest.fixture(scope="module")
def layout(plan):
    return layout_of(plan)


@pytest.fixture(scope="module")
def curve_xlsx(plan) -> bytes:
    return plan_workbook(plan)


@pytest.fixture(scope="module")
def book(curve_xlsx):
    return openpyxl.load_workbook(io.BytesIO(curve_xlsx))


@pytest.fixture(scope="module")
def sample_book(sample):
    return openpyxl.load_workbook(io.BytesIO(plan_workbook(sample)))


def edited(data: bytes, edit: Callable[[openpyxl.Workbook], Any]) -> bytes:
    """The workbook after an edit made with openpyxl, as a planner would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def set_cell(sheet: str, cell: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet][cell].value = value

    return edit


# --- export -----------------------------------------------------------------------------


def test_the_curve_plan_has_curves_of_both_shapes_on_cpc_and_cpm_channels(plan) -> None:
    channels = plan.marketing.channels
    curved = [c for c in channels if c.response is not None]

    assert [c.name for c in curved] == list(CURVES)
    assert {c.response.s for c in curved} == {1.0, 2.2, 0.8}
    assert {c.cost_driver.value for c in curved} == {"cpc", "cpm"}
    assert isinstance(channels[SHOPPING].aov, tuple)


def test_each_curves_beta_k_and_s_are_input_cells_in_the_average_month_column(
    plan, layout, book
) -> None:
    sheet = book[ASSUMPTIONS]

    for index in (GENERIC, PROSPECTING):
        curve = plan.marketing.channels[index].response
        cells = {p: sheet.cell(layout.curve_row(index, p), 3) for p in ("beta", "k", "s")}

        assert {p: cell.value for p, cell in cells.items()} == curve.model_dump()
        assert {cell.style for cell in cells.values()} == {INPUT}
        assert cells["beta"].number_format == '"EUR "#,##0_);"EUR "(#,##0)'
        assert cells["s"].number_format == "0.00"
    first = layout.curve_row(GENERIC, "beta")
    assert sheet.cell(first, 1).value == f"='Marketing plan'!$A${layout.channel_row('spend', 1)}"
    assert sheet.cell(layout.curve_header_row, 1).value == CURVE_SECTION


def test_two_notes_above_the_curves_say_how_revenue_follows_them(layout, book) -> None:
    sheet = book[ASSUMPTIONS]

    notes = [sheet.cell(layout.curve_note_row + line, 1).value for line in (0, 1)]

    assert notes[0].startswith("A channel with a response curve takes its attributed revenue")
    assert "revenue = beta x spend^s / (spend^s + k^s)" in notes[0]
    assert notes[1].startswith("Column C holds beta (the revenue ceiling) and k")
    assert layout.curve_header_row == layout.curve_note_row + 2


def test_curve_inputs_carry_data_validation_positive_amounts_and_shapes_from_half_to_5(
    layout, book
) -> None:
    rules = book[ASSUMPTIONS].data_validations.dataValidation

    def rule_for(cell: str):
        return next(rule for rule in rules if cell in rule.sqref)

    beta = rule_for(f"C{layout.curve_row(TIKTOK, 'beta')}")
    k = rule_for(f"C{layout.curve_row(GENERIC, 'k')}")
    s = rule_for(f"C{layout.curve_row(PROSPECTING, 's')}")

    assert (beta.operator, beta.formula1) == ("greaterThan", "0")
    assert (k.operator, k.formula1) == ("greaterThan", "0")
    assert (s.type, s.operator, s.formula1, s.formula2) == ("decimal", "between", "0.5", "5")


def test_the_demand_index_is_a_formula_on_the_organic_sessions_of_each_month(layout, book) -> None:
    sheet = book[ASSUMPTIONS]
    sessions = layout.pnl_driver_row("organic_sessions")

    march = sheet.cell(layout.demand_row, month_column(2)).value

    assert march == f"=IF(AVERAGE(OrganicSessions)>0,F{sessions}/AVERAGE(OrganicSessions),1)"
    assert book.defined_names["DemandIndex"].attr_text == (
        f"'Assumptions'!$D${layout.demand_row}:$O${layout.demand_row}"
    )


def test_each_months_beta_and_k_are_the_average_months_stretched_by_its_demand_index(
    layout, book
) -> None:
    sheet = book[ASSUMPTIONS]
    beta, k, s = (layout.curve_row(SHOPPING, p) for p in ("beta", "k", "s"))
    demand = layout.demand_row

    assert sheet.cell(beta, month_column(0)).value == f"=$C{beta}*D${demand}"
    assert sheet.cell(k, month_column(11)).value == f"=$C{k}*O${demand}"
    assert sheet.cell(s, month_column(0)).value is None
    assert sheet.cell(k, month_column(11)).style == FORMULA


def test_a_curve_channels_revenue_is_the_hill_formula_of_its_spend_cell(layout, book) -> None:
    sheet = book[MARKETING]
    spend = layout.channel_row("spend", PROSPECTING)
    beta, k = layout.curve_row(PROSPECTING, "beta"), layout.curve_row(PROSPECTING, "k")
    s = f"'Assumptions'!$C${layout.curve_row(PROSPECTING, 's')}"
    aov = layout.channel_driver_row("aov", PROSPECTING)
    rate = layout.channel_driver_row("conversion_rate", PROSPECTING)

    def formula(metric: str) -> str:
        return sheet.cell(layout.channel_row(metric, PROSPECTING), month_column(3)).value

    assert formula("revenue") == (
        f"=IF(G{spend}>0,'Assumptions'!G{beta}*G{spend}^{s}/(G{spend}^{s}+'Assumptions'!G{k}^{s}),0)"
    )
    assert (
        formula("orders") == f"=G{layout.channel_row('revenue', PROSPECTING)}/'Assumptions'!G{aov}"
    )
    assert formula("sessions") == (
        f"=IF('Assumptions'!G{rate}>0,G{layout.channel_row('orders', PROSPECTING)}"
        f"/'Assumptions'!G{rate},0)"
    )
    assert formula("impressions").startswith('=IF($C$9="CPM + CTR",G9/')


def test_channels_without_a_curve_keep_the_formulas_of_a_plan_without_curves(
    plan, layout, book, sample_book
) -> None:
    without = [i for i, c in enumerate(plan.marketing.channels) if c.response is None]

    def formulas(workbook, index: int) -> list[Any]:
        return [
            workbook[MARKETING].cell(layout.channel_row(metric, index), column).value
            for metric in MARKETING_BLOCKS
            for column in range(1, FY_COLUMN + 1)
        ]

    assert len(without) == 8
    for index in without:
        assert formulas(book, index) == formulas(sample_book, index)
    assert [[c.value for c in row] for row in book[PNL].iter_rows()] == [
        [c.value for c in row] for row in sample_book[PNL].iter_rows()
    ]


def test_marginal_roas_is_a_block_for_every_channel_below_cpa_with_curves_only(
    plan, layout, book, sample_book
) -> None:
    sheet = book[MARKETING]
    title = layout.block_title_row(MARGINAL_ROAS)
    brand = sheet.cell(layout.channel_row(MARGINAL_ROAS, BRAND), month_column(0)).value
    fy = sheet.cell(layout.channel_row(MARGINAL_ROAS, GENERIC), FY_COLUMN).value
    spend = layout.channel_row("spend", GENERIC)

    assert title == layout.block_total_row("cpa") + 2
    assert sheet.cell(title, 1).value == MARGINAL_BLOCK[0]
    assert sheet.cell(layout.block_total_row(MARGINAL_ROAS), 1).value == MARGINAL_BLOCK[1]
    assert brand.startswith('=IF($C$6="CPC",1/')
    assert fy == (
        f'=IF(P{spend}=0,"-",SUMPRODUCT(D{layout.channel_row(MARGINAL_ROAS, GENERIC)}:'
        f"O{layout.channel_row(MARGINAL_ROAS, GENERIC)},D{spend}:O{spend})/P{spend})"
    )
    assert sample_book[MARKETING].cell(title, 1).value is None
    assert sample_book[ASSUMPTIONS].max_row < layout.curve_header_row


def test_the_cpc_and_ctr_of_a_curve_channel_are_greyed_out_as_unused(layout, book) -> None:
    rules = {
        str(entry.sqref): [rule.formula for rule in entry.rules]
        for entry in book[ASSUMPTIONS].conditional_formatting
    }

    cpc = layout.channel_driver_row("cpc", GENERIC)
    ctr = layout.channel_driver_row("ctr", PROSPECTING)

    greyed = [sqref for sqref, formulas in rules.items() if formulas == [["TRUE"]]]
    assert len(greyed) == 2
    assert any(f"C{cpc}:O{cpc}" in sqref for sqref in greyed)
    assert any(f"C{ctr}:O{ctr}" in sqref for sqref in greyed)


# --- import -------------------------------------------------------------------------------


def test_a_plan_with_curves_imports_back_equal(plan, curve_xlsx) -> None:
    imported = plan_from_workbook(curve_xlsx)

    assert imported == plan
    assert (
        imported.marketing.channels[PROSPECTING].response
        == plan.marketing.channels[PROSPECTING].response
    )


def test_curve_parameters_edited_in_the_workbook_come_back_in_the_plan(layout, curve_xlsx) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        book[ASSUMPTIONS].cell(layout.curve_row(GENERIC, "beta"), 3).value = 150_000
        book[ASSUMPTIONS].cell(layout.curve_row(PROSPECTING, "k"), 3).value = 26_000.5
        book[ASSUMPTIONS].cell(layout.curve_row(TIKTOK, "s"), 3).value = 1.25

    imported = plan_from_workbook(edited(curve_xlsx, edit))

    data = curve_plan_data()
    data["marketing"]["channels"][GENERIC]["response"]["beta"] = 150_000.0
    data["marketing"]["channels"][PROSPECTING]["response"]["k"] = 26_000.5
    data["marketing"]["channels"][TIKTOK]["response"]["s"] = 1.25
    assert imported == parse_plan(data)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans_with_curves())
def test_any_valid_plan_with_curves_imports_back_equal(data: dict[str, Any]) -> None:
    plan = parse_plan(as_typed(data))

    imported = plan_from_workbook(plan_workbook(plan))

    assert imported == plan


@pytest.mark.parametrize(
    ("cell", "value", "expected"),
    [
        (
            "C106",
            "abc",
            "Assumptions!C106 (Revenue ceiling, Google Search – Generic): 'abc' is not allowed; "
            "it must be a number.",
        ),
        (
            "C106",
            -5,
            "Assumptions!C106 (Revenue ceiling, Google Search – Generic): -5 is not allowed; it "
            "must be more than 0.",
        ),
        (
            "C113",
            0,
            "Assumptions!C113 (Spend for half, Meta – Prospecting): 0 is not allowed; it must "
            "be more than 0.",
        ),
        (
            "C113",
            "26 000",
            "Assumptions!C113 (Spend for half, Meta – Prospecting): '26 000' is not allowed; it "
            "must be a number.",
        ),
        (
            "C117",
            7,
            "Assumptions!C117 (Curve shape, TikTok Ads): 7 is not allowed; it must be between 0.5 "
            "and 5 (1 is the plain saturating curve, above 1 an S-shape).",
        ),
        (
            "C108",
            None,
            "Assumptions!C108 (Curve shape, Google Search – Generic): the cell is empty; it must "
            "be a number.",
        ),
        (
            "C110",
            "=30000+5000",
            "Assumptions!C110 (Spend for half, Google Shopping (PMax)): '=30000+5000' is not "
            "allowed; it must be a number: type the value, a formula cannot be imported.",
        ),
    ],
    ids=["text", "negative", "zero_k", "k_with_a_space", "shape_above_5", "empty_shape", "formula"],
)
def test_a_bad_curve_input_is_named_with_its_sheet_and_cell(
    plan, layout, curve_xlsx, cell, value, expected
) -> None:
    assert layout.curve_row(GENERIC, "beta") == 106  # the rows the cells above are in
    assert layout.curve_row(TIKTOK, "s") == 117
    current = plan

    with pytest.raises(PlanValidationError) as caught:
        current = plan_from_workbook(edited(curve_xlsx, set_cell(ASSUMPTIONS, cell, value)))

    assert str(caught.value) == expected
    assert not isinstance(caught.value, WorkbookRefusedError)
    assert current is plan


def test_a_curve_channel_made_non_working_in_the_workbook_is_refused_at_its_cost_driver(
    curve_xlsx,
) -> None:
    data = edited(curve_xlsx, set_cell(MARKETING, "C9", "None (non-working)"))

    with pytest.raises(PlanValidationError) as caught:
        plan_from_workbook(data)

    assert str(caught.value) == (
        "Marketing plan!C9 (Cost driver, Meta – Prospecting): a non-working channel (cost driver "
        "none) brings no revenue, so it cannot have a response curve."
    )


def test_a_deleted_curve_section_is_refused_rather_than_read_as_no_curves(
    layout, curve_xlsx
) -> None:
    section = layout.curve_note_row
    data = edited(curve_xlsx, lambda book: book[ASSUMPTIONS].delete_rows(section, 20))

    with pytest.raises(PlanValidationError) as caught:
        plan_from_workbook(data)

    assert str(caught.value) == (
        f"Assumptions!A{layout.curve_header_row}: expected 'Response curves (diminishing "
        "returns)' here but found an empty cell; the Marketing plan shows marginal ROAS (row "
        f"{layout.block_title_row(MARGINAL_ROAS)}), so the plan has response curves, and rows "
        "were inserted, deleted or moved (add or remove curves in the planner, then export again)."
    )


@pytest.mark.parametrize(
    ("value", "found"),
    [("Shopping", "'Shopping'"), ("='Marketing plan'!$A$7", "\"='Marketing plan'!$A$7\"")],
    ids=["text", "a_channel_twice"],
)
def test_a_curve_that_no_longer_names_its_channel_is_refused(
    layout, curve_xlsx, value, found
) -> None:
    row = layout.curve_row(SHOPPING, "beta")  # names Google Shopping; $A$7 is Generic's

    with pytest.raises(PlanValidationError) as caught:
        plan_from_workbook(edited(curve_xlsx, set_cell(ASSUMPTIONS, f"A{row}", value)))

    assert str(caught.value) == (
        f"Assumptions!A{row}: expected a channel's response curve here, its first cell the "
        "channel's name on the Marketing plan (such as ='Marketing plan'!$A$6), but found "
        f"{found}; rows were inserted, deleted or moved, or a curve names a channel twice (add "
        "or remove curves in the planner, then export again)."
    )


def test_a_row_inserted_inside_the_curves_is_reported_as_moved_cells(layout, curve_xlsx) -> None:
    row = layout.curve_row(GENERIC, "k")

    with pytest.raises(PlanValidationError) as caught:
        plan_from_workbook(edited(curve_xlsx, lambda book: book[ASSUMPTIONS].insert_rows(row)))

    assert str(caught.value).startswith(
        f"Assumptions!B{row}: expected 'Spend for half (k)' here but found an empty cell;"
    )
