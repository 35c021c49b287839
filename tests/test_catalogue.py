"""Every P&L line, KPI and plan field has one catalogue entry, and the app, the workbook,
the CSV, the messages and the import all read it."""

from __future__ import annotations

import csv
import io
import typing

import openpyxl
from pydantic import BaseModel

from budgets import Plan
from budgets.errors import FIELD_LABELS, RATE_FIELDS
from budgets.fields import FIELDS, FieldGroup, fields_of
from budgets.samples import sample_plan
from models import PNL_LABELS, PNL_LINES, project_plan
from models.catalogue import KPI, KPI_CATALOGUE, PNL_CATALOGUE, PNL_LINE, help_text
from models.csv_export import pnl_csv
from models.excel.export import plan_workbook
from models.excel.layout import (
    ASSUMPTIONS,
    KIND_COLUMN,
    KPI_ROWS,
    KPIS,
    LABEL_COLUMN,
    PNL,
    PNL_ROWS,
    Layout,
)
from models.excel.reader import plan_from_workbook
from models.pnl import COST_LINES, COUNT_LINES
from ui import grids, kpis, tables


def test_each_line_and_kpi_has_exactly_one_entry() -> None:
    keys = [line.key for line in PNL_CATALOGUE]
    assert len(keys) == len(set(keys))
    assert tuple(keys) == PNL_LINES
    labels = [line.label for line in PNL_CATALOGUE]
    assert len(labels) == len(set(labels)), "two lines share a label"
    assert len({kpi.key for kpi in KPI_CATALOGUE}) == len(KPI_CATALOGUE)
    assert not set(PNL_LINE) & set(KPI), "a key names both a line and a KPI"


def test_the_engine_takes_names_and_kinds_from_the_catalogue() -> None:
    assert {line.key: line.label for line in PNL_CATALOGUE} == PNL_LABELS
    assert {line.key for line in PNL_CATALOGUE if line.cost} == COST_LINES
    assert {line.key for line in PNL_CATALOGUE if line.count} == COUNT_LINES
    statement = project_plan(sample_plan()).statement
    assert list(statement.index) == [line.label for line in PNL_CATALOGUE]


def test_the_apps_tables_and_tooltips_read_the_catalogue() -> None:
    projection = project_plan(sample_plan())
    shown = [line.shown for line in PNL_CATALOGUE]
    assert list(tables.pnl_summary(projection).index) == shown
    assert list(tables.pnl_statement(projection).index)[: len(shown)] == shown
    for key, text in kpis.HELP.items():
        assert text == help_text(key)


def test_the_workbook_and_its_import_read_the_catalogue() -> None:
    plan = sample_plan()
    data = plan_workbook(plan)
    book = openpyxl.load_workbook(io.BytesIO(data))
    pnl, kpi_sheet = book[PNL], book[KPIS]
    for line in PNL_CATALOGUE:
        row = PNL_ROWS[line.key]
        assert pnl.cell(row, LABEL_COLUMN).value == line.label
        assert pnl.cell(row, KIND_COLUMN).value == line.how
        if line.excel_name is not None:
            assert line.excel_name in book.defined_names
    for kpi in KPI_CATALOGUE:
        if kpi.how is None:
            assert kpi.key not in KPI_ROWS
            continue
        assert kpi_sheet.cell(KPI_ROWS[kpi.key], LABEL_COLUMN).value == kpi.label
        assert kpi_sheet.cell(KPI_ROWS[kpi.key], KIND_COLUMN).value == kpi.how
    # The import checks those labels where it expects them, and reads the plan back.
    assert plan_from_workbook(data) == plan


def test_the_csv_names_and_signs_its_lines_from_the_catalogue() -> None:
    projection = project_plan(sample_plan())
    rows = list(csv.reader(io.StringIO(pnl_csv(projection))))
    totals = {row[0]: row for row in rows[1:] if row[1] == ""}
    assert list(totals) == [line.label for line in PNL_CATALOGUE]
    for line in PNL_CATALOGUE:
        fy = float(totals[line.label][-1])
        if line.cost and projection.year(line.key):
            assert fy < 0, f"{line.label} is a cost and must be negative in the CSV"
        unit = totals[line.label][2]
        assert unit == (line.key if line.count else projection.plan.currency)


# --- plan fields ---------------------------------------------------------------------


def _leaf_fields(model: type[BaseModel]) -> set[str]:
    """The names of every value a plan holds (not the models that group them)."""
    names = set()
    for name, info in model.model_fields.items():
        inner = [info.annotation, *typing.get_args(info.annotation)]
        inner += [a for t in list(inner) for a in typing.get_args(t)]
        models = [t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)]
        if models:
            for sub in models:
                names |= _leaf_fields(sub)
        else:
            names.add(name)
    return names


def test_every_value_a_plan_holds_has_one_field_entry() -> None:
    keys = [field.key for field in FIELDS]
    assert len(keys) == len(set(keys))
    # "response" names the curve that groups beta, k and s; messages name it too.
    assert _leaf_fields(Plan) == set(keys) - {"response"}
    assert all(field.label for field in FIELDS)
    # Messages name fields and read rates as percent from the catalogue.
    assert {field.key: field.label for field in FIELDS} == FIELD_LABELS
    assert frozenset(field.key for field in FIELDS if field.rate) == RATE_FIELDS


def test_the_workbook_and_the_grids_name_fields_from_the_catalogue() -> None:
    plan = sample_plan()
    book = openpyxl.load_workbook(io.BytesIO(plan_workbook(plan)))
    sheet = book[ASSUMPTIONS]
    layout = Layout(len(plan.marketing.channels), len(plan.pnl.fixed_costs))
    for field in fields_of(FieldGroup.PLAN):
        if field.title:
            assert sheet.cell(layout.plan_row(field.key), LABEL_COLUMN).value == field.title
    for field in fields_of(FieldGroup.TARGET):
        assert sheet.cell(layout.target_row(field.key), LABEL_COLUMN).value == field.title
    for field in fields_of(FieldGroup.PNL_DRIVER):
        assert sheet.cell(layout.pnl_driver_row(field.key), LABEL_COLUMN).value == field.title
    drivers = grids.pnl_driver_grid(plan)
    assert list(drivers.columns) == [f.column for f in fields_of(FieldGroup.PNL_DRIVER)]
    channel_columns = list(grids.channel_driver_grid(plan).columns)
    for field in fields_of(FieldGroup.CHANNEL_DRIVER):
        assert field.column in channel_columns


def test_the_solves_compute_and_their_sentences_are_written_in_one_module() -> None:
    import ast
    import inspect

    import models.targets
    from models.target_sentences import REASONS

    tree = ast.parse(inspect.getsource(models.targets))
    # The solves hold no sentence: no f-string, no formatting of figures.
    assert not [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    assert "models.formatting" not in inspect.getsource(models.targets)
    report = project_plan(sample_plan()).targets
    for solve in report.solves:
        assert solve.reason in REASONS, solve.key
        assert solve.explanation.endswith("."), solve.key


def test_a_solves_sentence_follows_its_facts() -> None:
    solve = project_plan(sample_plan()).targets.net_sales_needed

    assert solve.facts["needed"] == solve.value
    assert f"{solve.facts['m'] * 100:.1f} % EBITDA margin" in solve.explanation


def test_a_rate_in_a_sentence_takes_the_article_it_is_said_with() -> None:
    from models.formatting import a_rate

    assert a_rate(0.09) == "a 9.0 %"
    assert a_rate(0.08) == "an 8.0 %"
    assert a_rate(0.11) == "an 11.0 %"
    assert a_rate(0.18) == "an 18.0 %"
    assert a_rate(0.85) == "an 85.0 %"
    assert a_rate(0.111) == "an 11.1 %"
    assert a_rate(1.1) == "a 110.0 %"
