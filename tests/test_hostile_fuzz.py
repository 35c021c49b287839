"""Fuzzing the three uploads: whatever the bytes, the result is a plan or a named error.

Plan JSON, the workbook import and the curves CSV each take random input
built around a valid file (values replaced by any JSON, cells overwritten
with any value, CSV text of any characters); no other exception may escape.
"""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets import Plan, PlanValidationError, plan_from_json
from budgets.samples import sample_plan
from models.curve_history import History, HistoryError, fit_curve, read_history
from models.excel.export import plan_workbook
from models.excel.layout import ASSUMPTIONS, MARKETING
from models.excel.reader import plan_from_workbook
from tests.conftest import smallest_plan_data

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=20,
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PLAN_PATHS = _paths(smallest_plan_data())


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PLAN_PATHS), json_values), min_size=1, max_size=4))
def test_any_json_value_anywhere_in_a_plan_ends_in_the_plan_or_a_named_error(replacements):
    data = smallest_plan_data()
    for path, value in replacements:
        node: Any = data
        for part in path[:-1]:
            node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if isinstance(node, dict | list) and _has(node, path[-1]):
            node[path[-1]] = value
    text = json.dumps(data, allow_nan=True)

    result = outcome(plan_from_json, text)

    assert isinstance(result, Plan) or all(str(issue) for issue in result.issues)


def outcome(read: Any, data: Any) -> Plan | PlanValidationError:
    """What reading ``data`` ends in: the plan, or the named error; anything else escapes."""
    try:
        plan: Plan = read(data)
    except PlanValidationError as error:
        return error
    return plan


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return part in node


@FUZZ
@given(st.binary(max_size=2_000) | st.text(max_size=2_000).map(str.encode))
def test_any_bytes_as_a_plan_file_end_in_the_plan_or_a_named_error(data: bytes) -> None:
    with pytest.raises(PlanValidationError):
        plan_from_json(data)


@pytest.fixture(scope="module")
def sample_xlsx() -> bytes:
    return plan_workbook(sample_plan())


cell_values = (
    st.none()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=40)
    | st.sampled_from(["=1/0", "=A1", "\u202e", "\ud7ff", "1e308", "  "])
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    st.lists(
        st.tuples(
            st.sampled_from([ASSUMPTIONS, MARKETING]),
            st.integers(1, 120),
            st.integers(1, 17),
            cell_values,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_cells_overwritten_in_a_workbook_end_in_the_plan_or_a_named_error(
    sample_xlsx, edits
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(sample_xlsx))
    for sheet, row, column, value in edits:
        book[sheet].cell(row, column).value = value
    out = io.BytesIO()
    book.save(out)

    result = outcome(plan_from_workbook, out.getvalue())

    assert isinstance(result, Plan) or result.issues


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.binary(max_size=3_000))
def test_any_bytes_in_a_workbook_end_in_the_plan_or_a_named_error(sample_xlsx, noise) -> None:
    damaged = sample_xlsx[:2_000] + noise + sample_xlsx[2_000 + len(noise) :]

    result = outcome(plan_from_workbook, damaged)

    assert isinstance(result, Plan) or result.issues


csv_text = st.text(
    st.characters(codec="utf-8") | st.sampled_from(list(",\n\"'0123456789-.e ")), max_size=400
)


@FUZZ
@given(
    st.one_of(
        csv_text,
        csv_text.map(lambda body: "month,channel,spend,revenue\n" + body),
        st.lists(
            st.tuples(
                st.sampled_from(["2026-01", "2026-02", "Mar 2026", "x", ""]),
                st.sampled_from(["Search", "search ", "", "Ѕearch"]),
                st.one_of(st.floats(), st.text(max_size=5)).map(str),
                st.one_of(st.floats(), st.text(max_size=5)).map(str),
            ),
            max_size=14,
        ).map(
            lambda rows: (
                "month,channel,spend,revenue\n" + "".join(",".join(row) + "\n" for row in rows)
            )
        ),
    )
)
def test_any_text_as_a_history_ends_in_a_fit_a_refusal_or_a_named_error(text: str) -> None:
    try:
        history = read_history(text.encode("utf-8", "surrogatepass"))
    except HistoryError:
        return  # a named refusal of the whole file

    assert isinstance(history, History)
    for channel in history.channels[:3]:
        fit = fit_curve(history, channel)
        assert (fit.curve is None) == (fit.refusal is not None)
