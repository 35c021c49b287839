"""What a planner types into a number cell: read exactly as meant, or refused saying why."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import plan_from_json, plan_to_json
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan
from budgets.store import DB_PATH_ENV, VersionStatus, store_from_env
from budgets.typed import TypedNumberError, as_text, read_number
from models.excel.export import plan_workbook
from models.excel.reader import plan_from_workbook
from tests.conftest import person


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12500", "12500"),
        ("12500.75", "12500.75"),
        (".5", "0.5"),
        ("12,500", "12500"),  # a comma before three digits groups thousands
        ("1,234,567.89", "1234567.89"),
        ("12 500", "12500"),
        ("12\u00a0500", "12500"),  # a no-break space, as spreadsheets paste it
        ("12'500", "12500"),
        ("12,5", "12.5"),  # a comma before one or two digits is a decimal comma
        ("0,500", "0.5"),  # a whole part of 0 is never a thousands group
        ("1.234,56", "1234.56"),  # the last of point and comma is the decimal mark
        ("1.234.567", "1234567"),
        ("1 234 567,5", "1234567.5"),
        ("12k", "12000"),
        ("12.5k", "12500"),
        ("12 K", "12000"),
        ("1.2M", "1200000"),
        ("1,5m", "1500000"),
        ("2bn", "2000000000"),
        ("-250", "-250"),
        ("−250", "-250"),  # the minus sign
        ("(250)", "-250"),  # as accountants write a negative
        ("+250", "250"),
        ("EUR 5,000", "5000"),
        ("EUR5000", "5000"),
        ("€5,000", "5000"),
        ("5.000,00 €", "5000"),
        ("  42  ", "42"),
    ],
)
def test_an_amount_is_read_as_typed(typed: str, expected: str) -> None:
    assert read_number(typed, currency="EUR") == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1.8", "1.8"), ("1,8", "1.8"), ("1.8 %", "1.8"), ("1,8%", "1.8"), ("2.2345", "2.2345")],
)
def test_a_rate_is_read_in_percent(typed: str, expected: str) -> None:
    assert read_number(typed, percent=True) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "percent", "why"),
    [
        ("abc", False, "is not a number; type an amount such as 12500, 12,500, 12.5k or 1.2M"),
        ("12x", False, "is not a number"),
        ("1e3", False, "is not a number"),
        ("1_000", False, "is not a number"),
        ("5 6", False, "is not a number"),
        ("1,23,456", False, "is not a number"),
        ("1.234.5", False, "is not a number"),
        ("12345 678", False, "is not a number"),
        ("nan", False, "is not a number"),
        ("inf", False, "is not a number"),
        ("-", False, "is not a number"),
        ("k", False, "is not a number"),
        ("USD 5,000", False, "is in USD, but the plan is in EUR"),
        ("$5,000", False, "is in $, but the plan is in EUR"),
        ("12k", True, "is not a number; type a percentage such as 2.5 or 2,5 %"),
        ("EUR 5", True, "is not a number"),
        ("   ", False, "is empty"),
        ("1" * 61, False, "is 61 characters long, too long for a number"),
    ],
)
def test_text_that_is_not_exactly_one_number_is_refused(
    typed: str, percent: bool, why: str
) -> None:
    with pytest.raises(TypedNumberError) as refused:
        read_number(typed, percent=percent, currency="EUR")

    assert why in str(refused.value)


@pytest.mark.parametrize(
    ("value", "percent", "shown"),
    [
        (12500.0, False, "12,500"),
        (1234.5, False, "1,234.50"),
        (0.1 + 0.2, False, "0.30"),
        (-0.0, False, "0"),
        (None, False, ""),
        (0.018, True, "1.8"),  # 0.018 x 100 is 1.7999999999999998 in floating point
        (0.022, True, "2.2"),
        (0.02, True, "2.0"),
        (0.012345, True, "1.2345"),
    ],
)
def test_a_value_is_shown_as_it_would_be_typed(value, percent, shown) -> None:
    assert as_text(value, percent=percent) == shown


percentages = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False)


@given(percentages)
def test_a_percentage_typed_with_four_decimals_reopens_exactly(typed: Decimal) -> None:
    fraction = float(read_number(str(typed), percent=True) / 100)

    assert Decimal(as_text(fraction, percent=True)) == typed


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_an_amount_typed_with_cents_reopens_exactly(typed: Decimal) -> None:
    amount = float(read_number(f"{typed:,}"))

    assert read_number(as_text(amount)) == typed


@pytest.mark.parametrize("typed", ["1.8", "2.2", "0.0001", "12.3456", "99.9999"])
def test_a_typed_rate_round_trips_through_json_the_store_and_the_workbook(
    typed: str, tmp_path
) -> None:
    fraction = float(read_number(typed, percent=True) / 100)
    plan, issues = apply_changes(sample_plan(), [Change(("pnl", "return_rate", 0), fraction)])
    assert not issues
    store = store_from_env({DB_PATH_ENV: str(tmp_path / "plans.db")})

    stored_json = json.loads(plan_to_json(plan))["pnl"]["return_rate"][0]
    info = store.save(
        plan, base_version=None, by=person("Mia"), comment="", status=VersionStatus.DRAFT
    )
    from_store = store.get(info.key, info.version).plan
    from_workbook = plan_from_workbook(plan_workbook(plan))

    # The JSON holds the shortest decimal of the fraction: 0.018, not 0.018000000000000002.
    assert Decimal(repr(stored_json)) == Decimal(typed) / 100
    for reopened in (plan_from_json(plan_to_json(plan)), from_store, from_workbook):
        assert reopened.pnl.return_rate[0] == fraction
        assert as_text(reopened.pnl.return_rate[0], percent=True) == typed
