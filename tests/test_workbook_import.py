"""A workbook back into a plan: round trips, edits honoured, and every refusal with its message."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import openpyxl.xml
import openpyxl.xml.functions
import pytest
from defusedxml import EntitiesForbidden
from hypothesis import HealthCheck, given, settings

from budgets import Plan, PlanValidationError, load_plan, parse_plan
from models.excel.export import plan_workbook
from models.excel.layout import ASSUMPTIONS, MARKETING, month_column
from models.excel.reader import WorkbookRefusedError, check_upload, plan_from_workbook
from tests.strategies import plans
from tests.workbook_plans import as_typed, edge_plan, empty_plan, layout_of, non_working_plan

MB = 1024 * 1024
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def sample_xlsx(sample) -> bytes:
    return plan_workbook(sample)


def edited(data: bytes, edit: Callable[[openpyxl.Workbook], Any]) -> bytes:
    """The workbook after an edit made with openpyxl, as a planner would in Excel."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    edit(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    """The same archive with some parts replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in replace:
                target.writestr(info.filename, source.read(info.filename))
        for name, content in replace.items():
            target.writestr(name, content)
    return out.getvalue()


def refusal(data: bytes) -> str:
    with pytest.raises(PlanValidationError) as caught:
        plan_from_workbook(data)
    return str(caught.value)


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        edge_plan,
        non_working_plan,
        empty_plan,
        lambda: load_plan(DATA / "golden_april_gbp.json"),
    ],
    ids=["edge", "non_working", "organic_only", "april_gbp"],
)
def test_an_exported_plan_imports_back_equal(build) -> None:
    plan = build()

    imported = plan_from_workbook(plan_workbook(plan))

    assert imported == plan


def test_the_sample_and_the_50_channel_plan_import_back_equal(sample, large, sample_xlsx) -> None:
    assert plan_from_workbook(sample_xlsx) == sample
    assert plan_from_workbook(plan_workbook(large)) == large


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_any_valid_plan_imports_back_equal(data: dict[str, Any]) -> None:
    plan = parse_plan(as_typed(data))

    imported = plan_from_workbook(plan_workbook(plan))

    assert imported == plan


# --- edits honoured -------------------------------------------------------------


def test_spend_and_drivers_edited_in_the_workbook_come_back_in_the_plan(
    sample, sample_xlsx
) -> None:
    layout = layout_of(sample)
    spend_row = layout.channel_row("spend", 1)
    rate_row = layout.channel_driver_row("conversion_rate", 3)
    returns_row = layout.pnl_driver_row("return_rate")

    def edit(book: openpyxl.Workbook) -> None:
        book[MARKETING].cell(spend_row, month_column(2)).value = 31_000
        book[ASSUMPTIONS].cell(rate_row, 3).value = 0.016
        book[ASSUMPTIONS].cell(returns_row, month_column(11)).value = 0.35

    imported = plan_from_workbook(edited(sample_xlsx, edit))

    channels = imported.marketing.channels
    assert channels[1].spend[2] == 31_000.0
    assert channels[3].conversion_rate == 0.016
    assert imported.pnl.return_rate[11] == 0.35
    assert channels[0] == sample.marketing.channels[0]


def test_a_number_typed_over_a_month_that_followed_the_year_makes_the_driver_monthly(
    sample, sample_xlsx
) -> None:
    row = layout_of(sample).channel_driver_row("cpc", 0)  # CPC 0.62 for the year

    imported = plan_from_workbook(
        edited(sample_xlsx, lambda book: setattr(book[ASSUMPTIONS].cell(row, 14), "value", 0.9))
    )

    assert imported.marketing.channels[0].cpc == (0.62,) * 10 + (0.9, 0.62)


def test_clearing_a_channels_aov_values_it_at_the_site_aov_again(sample, sample_xlsx) -> None:
    tiktok = 5  # AOV 92 for the year
    row = layout_of(sample).channel_driver_row("aov", tiktok)

    imported = plan_from_workbook(
        edited(sample_xlsx, lambda book: setattr(book[ASSUMPTIONS].cell(row, 3), "value", None))
    )

    assert sample.marketing.channels[tiktok].aov == 92.0
    assert imported.marketing.channels[tiktok].aov is None


def test_kind_and_cost_driver_are_read_from_their_labels_in_any_case(
    smallest, smallest_data
) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        book[MARKETING]["B6"].value = "email / crm"
        book[MARKETING]["C7"].value = "cpm + ctr"

    imported = plan_from_workbook(edited(plan_workbook(smallest), edit))

    smallest_data["marketing"]["channels"][0]["kind"] = "email_crm"
    assert imported == parse_plan(smallest_data)


def test_an_empty_cm3_target_means_the_margin_the_ebitda_target_needs(edge_xlsx) -> None:
    imported = plan_from_workbook(
        edited(edge_xlsx, lambda book: setattr(book[ASSUMPTIONS]["C13"], "value", None))
    )

    assert edge_plan().targets.cm3_margin == 0.2
    assert imported.targets.cm3_margin is None


@pytest.fixture(scope="module")
def edge_xlsx() -> bytes:
    return plan_workbook(edge_plan())


# --- refused before parsing -------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE workbook [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n'.replace("&lol0;", "&lol;")
        for i in range(1, 10)
    )
    + "]>\n"
)


def xml_bomb(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    body = workbook.split("?>", 1)[-1] if workbook.startswith("<?xml") else workbook
    bomb = BILLION_LAUGHS + body.replace('name="Summary"', 'name="&lol9;"', 1)
    return rezipped(data, {"xl/workbook.xml": bomb.encode()})


def zip_bomb(data: bytes, megabytes: int) -> bytes:
    return rezipped(data, {"xl/media/padding.bin": bytes(megabytes * MB)})


def macro_enabled(data: bytes) -> bytes:
    return rezipped(data, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 VBA project"})


def macro_content_type(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    return rezipped(data, {"[Content_Types].xml": types.replace(main, macro)})


def word_document(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    word = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return rezipped(data, {"[Content_Types].xml": types.replace(main, word)})


@pytest.mark.parametrize(
    ("craft", "expected"),
    [
        (
            lambda data: bytes(11 * MB),
            "Workbook: the file is 11.0 MB, over the 10 MB a workbook may have.",
        ),
        (
            lambda data: b"channel,spend\nSearch,1000\nSocial,500\n",
            "Workbook: it is not an Excel workbook (.xlsx); CSV, .xls and other files cannot be "
            "imported.",
        ),
        (
            lambda data: zip_bomb(data, 101),
            "Workbook: it unpacks to 101 MB, over the 100 MB a workbook may unpack to.",
        ),
        (
            lambda data: zip_bomb(data, 20),
            "Workbook: its part 'xl/media/padding.bin' is compressed 1,0",
        ),
        (
            macro_enabled,
            "Workbook: it is a macro-enabled workbook (.xlsm, with a VBA project); macros are "
            "refused, save it as an .xlsx workbook first.",
        ),
        (macro_content_type, "Workbook: it is a macro-enabled workbook (.xlsm"),
        (
            word_document,
            "Workbook: it is not an Excel workbook (.xlsx); it is another kind of Office file.",
        ),
        (
            xml_bomb,
            "Workbook: it declares XML entities (a DTD), which workbooks never need and XML "
            "bombs use; it was not read.",
        ),
    ],
    ids=[
        "11_mb",
        "csv_renamed",
        "unpacks_too_large",
        "zip_bomb_ratio",
        "vba_project",
        "xlsm_content_type",
        "word_document",
        "billion_laughs",
    ],
)
def test_unsafe_or_foreign_files_are_refused_and_the_current_plan_is_kept(
    sample, sample_xlsx, craft, expected
) -> None:
    current = sample
    bad = craft(sample_xlsx)

    with pytest.raises(WorkbookRefusedError) as caught:
        current = plan_from_workbook(bad)

    assert str(caught.value).startswith(expected)
    assert current is sample


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(sample_xlsx) -> None:
    bomb = zip_bomb(sample_xlsx, 101)

    with pytest.raises(WorkbookRefusedError, match="unpacks to 101 MB"):
        check_upload(bomb)


def test_openpyxl_parses_with_defusedxml_which_refuses_entities(sample_xlsx) -> None:
    bomb = xml_bomb(sample_xlsx)

    assert openpyxl.xml.DEFUSEDXML is True
    assert openpyxl.xml.functions.fromstring.__module__.startswith("defusedxml")
    with pytest.raises(ValueError, match="Unable to read workbook") as caught:
        openpyxl.load_workbook(io.BytesIO(bomb))
    assert isinstance(caught.value.__cause__ or caught.value.__context__, EntitiesForbidden)


# --- not ours, or changed where it must not be ---------------------------------------


def test_a_workbook_from_elsewhere_is_not_one_of_ours() -> None:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)

    message = refusal(out.getvalue())

    assert message == (
        "Workbook: this is not a workbook exported by the budget planner (its marker 'Budget "
        "planner plan workbook, format 1' is missing); only the planner's own workbooks can be "
        "imported."
    )


def test_a_summary_without_the_marker_is_not_one_of_ours(sample_xlsx) -> None:
    data = edited(sample_xlsx, lambda book: setattr(book["Summary"]["B10"], "value", "Budget"))

    assert refusal(data).startswith("Summary!B10: this is not a workbook exported by the")


def test_a_workbook_of_a_later_format_says_which_format_it_is(sample_xlsx) -> None:
    newer = "Budget planner plan workbook, format 2"
    data = edited(sample_xlsx, lambda book: setattr(book["Summary"]["B10"], "value", newer))

    assert refusal(data) == (
        "Summary!B10: this workbook is 'Budget planner plan workbook, format 2', which this "
        "planner cannot read; it reads 'Budget planner plan workbook, format 1'."
    )


def test_a_missing_sheet_is_named(sample_xlsx) -> None:
    data = edited(sample_xlsx, lambda book: book.remove(book["KPIs"]))

    assert refusal(data) == (
        "Workbook: the sheet 'KPIs' is missing (renamed or deleted); the workbook needs all of "
        "its sheets: 'Summary', 'Assumptions', 'Marketing plan', 'P&L', 'KPIs'."
    )


def test_rows_inserted_above_the_inputs_are_reported_as_moved_cells(sample_xlsx) -> None:
    data = edited(sample_xlsx, lambda book: book[ASSUMPTIONS].insert_rows(17))

    assert refusal(data) == (
        "Assumptions!A25: expected 'Fixed costs by month' here but found an empty cell; rows or columns were inserted, deleted or moved, so the workbook no "
        "longer matches its layout (add or remove channels and fixed-cost lines in the "
        "planner, then export again)."
    )


def test_a_deleted_total_row_is_reported_as_moved_cells(smallest) -> None:
    data = edited(plan_workbook(smallest), lambda book: book[MARKETING].delete_cols(1))

    assert refusal(data).startswith(
        "Marketing plan!A6: the 'Total marketing' row below this cell is missing;"
    )


# --- input cells: each problem names its sheet and cell -----------------------------------


def set_cell(sheet: str, cell: str, value: Any) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet][cell].value = value

    return edit


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "expected"),
    [
        (
            ASSUMPTIONS,
            "E19",
            "abc",
            "Assumptions!E19 (Return rate, Feb 2027): 'abc' is not allowed; it must be a number.",
        ),
        (
            MARKETING,
            "F6",
            -100,
            "Marketing plan!F6 (Spend, Google Search – Brand, Mar 2027): -100 is not allowed; it "
            "must be 0 or more.",
        ),
        (
            ASSUMPTIONS,
            "E19",
            1.5,
            "Assumptions!E19 (Return rate, Feb 2027): 1.5 (150 %) is not allowed; a rate must be "
            "between 0 % and 100 %.",
        ),
        (
            ASSUMPTIONS,
            "E19",
            None,
            "Assumptions!E19 (Return rate, Feb 2027): the cell is empty; it must be a number.",
        ),
        (
            ASSUMPTIONS,
            "E19",
            "=0.3*1",
            "Assumptions!E19 (Return rate, Feb 2027): '=0.3*1' is not allowed; it must be a "
            "number: type the value, a formula cannot be imported.",
        ),
        (
            MARKETING,
            "C6",
            "CPA",
            "Marketing plan!C6 (Cost driver, Google Search – Brand): 'CPA' is not allowed; it "
            "must be one of CPC, CPM + CTR, None (non-working).",
        ),
        (
            MARKETING,
            "C9",
            "CPC",
            "Marketing plan!C9 (Cost driver, Meta – Prospecting): a CPC channel needs a cost per "
            "click (cpc).",
        ),
        (
            MARKETING,
            "A7",
            "Google Search – Brand",
            "Marketing plan!A6:A17 (channel names): duplicate channel name 'Google Search – "
            "Brand' (channels 1 and 2); names must be unique.",
        ),
        (
            ASSUMPTIONS,
            "C5",
            None,
            "Assumptions!C5 (Plan name): the cell is empty; it must be text.",
        ),
        (
            ASSUMPTIONS,
            "C6",
            2027.5,
            "Assumptions!C6 (Fiscal year): 2,027.5 is not allowed; it must be a whole number.",
        ),
        (
            ASSUMPTIONS,
            "C8",
            "EURO",
            "Assumptions!C8 (Currency (ISO 4217 code)): 'EURO' is not allowed; it must be an ISO "
            "4217 currency code such as EUR, GBP or USD.",
        ),
        (
            ASSUMPTIONS,
            "G26",
            "n/a",
            "Assumptions!G26 (Personnel, Apr 2027): 'n/a' is not allowed; it must be a number.",
        ),
        (
            ASSUMPTIONS,
            "D50",
            0,
            "Assumptions!D50 (CPM, Meta – Prospecting, Jan 2027): 0 is not allowed; it must be "
            "more than 0.",
        ),
    ],
    ids=[
        "text",
        "negative_spend",
        "rate_above_100",
        "empty",
        "formula",
        "unknown_driver",
        "missing_driver",
        "duplicate_name",
        "empty_name",
        "fractional_year",
        "currency",
        "fixed_cost_text",
        "zero_cpm",
    ],
)
def test_a_bad_input_cell_is_named_with_its_sheet_and_cell(
    sample, sample_xlsx, sheet, cell, value, expected
) -> None:
    current = sample

    with pytest.raises(PlanValidationError) as caught:
        current = plan_from_workbook(edited(sample_xlsx, set_cell(sheet, cell, value)))

    assert str(caught.value) == expected
    assert not isinstance(caught.value, WorkbookRefusedError)
    assert current is sample


def test_every_bad_cell_is_reported_at_once(sample_xlsx) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        book[ASSUMPTIONS]["E19"].value = "abc"
        book[MARKETING]["F6"].value = "lots"

    message = refusal(edited(sample_xlsx, edit))

    assert message.splitlines() == [
        "Assumptions!E19 (Return rate, Feb 2027): 'abc' is not allowed; it must be a number.",
        "Marketing plan!F6 (Spend, Google Search – Brand, Mar 2027): 'lots' is not allowed; it "
        "must be a number.",
    ]


def test_a_month_cleared_in_a_monthly_driver_without_a_value_for_the_year_is_named(
    sample, sample_xlsx
) -> None:
    row = layout_of(sample).channel_driver_row("cpc", 1)  # Generic: CPC by month

    message = refusal(edited(sample_xlsx, set_cell(ASSUMPTIONS, f"F{row}", None)))

    assert message == (
        f"Assumptions!F{row} (CPC, Google Search – Generic, Mar 2027): the cell is empty; give "
        "every month a number, or one value for the year in column C."
    )


def test_the_layout_module_and_the_export_agree_on_the_sample_rows(sample) -> None:
    layout = layout_of(sample)

    assert layout.pnl_driver_row("return_rate") == 19
    assert layout.fixed_row(0) == 26
    assert layout.channel_row("spend", 0) == 6
    assert layout.channel_driver_row("cpm", 3) == 50


def test_import_returns_a_plan(sample_xlsx) -> None:
    assert isinstance(plan_from_workbook(sample_xlsx), Plan)
