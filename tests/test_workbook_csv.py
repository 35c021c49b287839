"""The P&L as CSV: every line by month and year as the engine computes it, names made safe."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from budgets import parse_plan
from models import PNL_LABELS, PNL_LINES, project_plan
from models.csv_export import pnl_csv, safe_text
from models.pnl import COST_LINES
from tests.workbook_plans import HOSTILE_CHANNELS, HOSTILE_FIXED_COST, edge_plan_data


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_has_a_row_per_pnl_line_and_a_column_per_month_and_the_year(sample) -> None:
    projection = project_plan(sample)

    rows = rows_of(pnl_csv(projection))

    assert rows[0] == ["line", "item", "unit", *projection.months, "FY"]
    lines = [row for row in rows[1:] if row[1] == ""]
    assert [row[0] for row in lines] == [PNL_LABELS[name] for name in PNL_LINES]
    for name, row in zip(PNL_LINES, lines, strict=True):
        sign = -1.0 if name in COST_LINES else 1.0
        np.testing.assert_allclose(
            [float(v) for v in row[3:]], sign * projection.line(name), rtol=0, atol=0.005
        )


def test_marketing_is_followed_by_each_channel_and_fixed_costs_by_each_line(sample) -> None:
    projection = project_plan(sample)

    rows = rows_of(pnl_csv(projection))

    channels = [row for row in rows if row[0] == "Marketing" and row[1]]
    fixed = [row for row in rows if row[0] == "Fixed costs" and row[1]]
    assert [row[1] for row in channels] == list(projection.channels.names)
    assert [row[1] for row in fixed] == [line.name for line in sample.pnl.fixed_costs]
    assert sum(float(row[-1]) for row in channels) == pytest.approx(
        -projection.year("marketing"), abs=0.05
    )
    assert channels[0][2] == "EUR"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+SUM(1,2)", "'+SUM(1,2)"),
        ("-Agency fee", "'-Agency fee"),
        ("@Zero spend", "'@Zero spend"),
        ("\tTabbed", "'\tTabbed"),
        ("Google Search – Brand", "Google Search – Brand"),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_a_leading_apostrophe(text, expected) -> None:
    assert safe_text(text) == expected


def test_names_that_look_like_formulas_are_neutralised_but_negative_figures_are_not() -> None:
    projection = project_plan(parse_plan(edge_plan_data()))

    rows = rows_of(pnl_csv(projection))

    items = {row[1] for row in rows if row[1]}
    assert {"'" + name for name in HOSTILE_CHANNELS} <= items
    assert "'" + HOSTILE_FIXED_COST in items
    returns = next(row for row in rows if row[0] == "Returns")
    assert returns[3].startswith("-")
    assert float(returns[3]) == pytest.approx(-projection.line("returns")[0], abs=0.005)


def test_a_plan_without_channels_or_fixed_costs_has_no_detail_rows(smallest_data) -> None:
    smallest_data["marketing"]["channels"] = []
    smallest_data["pnl"]["fixed_costs"] = []

    rows = rows_of(pnl_csv(project_plan(parse_plan(smallest_data))))

    assert len(rows) == 1 + len(PNL_LINES)
    assert next(row for row in rows if row[0] == "Marketing")[3:] == ["0.00"] * 13
