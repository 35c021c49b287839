"""The formula evaluator behind the workbook's cached values, on Excel's own rules."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from models.excel.values import FormulaError, UnsupportedFormulaError, formula_values


def _values(**cells: object) -> dict[str, object]:
    book = Workbook()
    sheet = book.active
    sheet.title = "S"
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    found = formula_values(book)
    return {f"{sheet.cell(r, c).coordinate}": v for (_, r, c), v in found.items()}


def test_arithmetic_precedence_and_empty_cells_read_as_excel_does() -> None:
    found = _values(A1=2, A2="=-A1^2", A3="=2*3+4/2-1", A4="=A9+1", A5='=IF(A9="",1,2)')

    assert found["A2"] == 4.0  # Excel's minus binds before the power: (-2)^2
    assert found["A3"] == 7.0
    assert found["A4"] == 1.0
    assert found["A5"] == 1.0


def test_errors_spread_and_iferror_catches_them() -> None:
    found = _values(A1=0, A2="=1/A1", A3="=A2+1", A4="=IFERROR(A2,-1)")

    assert isinstance(found["A2"], FormulaError)
    assert repr(found["A3"]) == "#DIV/0!"
    assert found["A4"] == -1.0


def test_dates_follow_excel_serials_and_refuse_years_past_9999() -> None:
    found = _values(A1="=DATE(2027,1,1)", A2="=DATE(2027,13,1)", A3="=DATE(10000,1,1)")

    assert found["A1"] == 46388.0
    assert found["A2"] == 46753.0  # month 13 rolls into January of the next year
    assert repr(found["A3"]) == "#NUM!"


def test_a_function_it_does_not_know_fails_loudly() -> None:
    with pytest.raises(UnsupportedFormulaError, match="VLOOKUP"):
        _values(A1="=VLOOKUP(1,B1:C2,2)")
