"""An empty plan, a plan without a traffic channel and a plan without sales read as words and
"-" in every export too: the CSV, the text summary and the workbook as pandas reads it."""

from __future__ import annotations

import io
import math
import re

import pandas as pd
import pytest

from budgets import parse_plan
from models import project_plan
from models.csv_export import pnl_csv
from models.excel.export import plan_workbook
from models.summary import summary_text
from tests.conftest import edge_plan_data

UNREADABLE = re.compile(r"\bnan\b|\binf\b|(?<![\w.,])-0(?:[.,]0+)?(?![\d.,])", re.IGNORECASE)


@pytest.mark.parametrize("name", ["empty", "no traffic channel", "no sales"])
def test_the_csv_and_the_text_summary_show_no_nan_inf_or_minus_zero(name) -> None:
    projection = project_plan(parse_plan(edge_plan_data(name)))

    for text in (pnl_csv(projection), summary_text(projection)):
        assert not [line for line in text.splitlines() if UNREADABLE.search(line)]


@pytest.mark.parametrize("name", ["empty", "no traffic channel", "no sales"])
def test_the_workbook_read_without_recalculation_holds_no_nan_inf_or_minus_zero(name) -> None:
    data = plan_workbook(parse_plan(edge_plan_data(name)))

    sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, header=None)
    bad = [
        (sheet, value)
        for sheet, frame in sheets.items()
        for value in frame.to_numpy().ravel()
        if (isinstance(value, float) and not math.isnan(value) and not math.isfinite(value))
        or (isinstance(value, float) and value == 0 and math.copysign(1, value) < 0)
        or (isinstance(value, str) and UNREADABLE.search(value))
    ]
    assert not bad
