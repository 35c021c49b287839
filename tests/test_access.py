"""Roles and rights (budgets.access): which part of a plan needs which role, and what a refusal says."""

from __future__ import annotations

import pytest

from budgets.access import (
    EDIT_MARKETING,
    EDIT_PNL,
    EDIT_SETTINGS,
    EDIT_TARGETS,
    REVIEW,
    SAVE,
    AccessError,
    Role,
    User,
    clean_email,
    require_change,
    rights_to_change,
)
from budgets.edits import Change, apply_changes
from budgets.samples import sample_plan


def _edited(*changes: tuple[tuple[object, ...], object]):  # type: ignore[no-untyped-def]
    plan, issues = apply_changes(sample_plan(), [Change(path, value) for path, value in changes])
    assert not issues
    return plan


SPEND = (("marketing", "channels", 0, "spend", 0), 1.0)
FEE = (("pnl", "payment_fee_rate", 0), 0.05)
TARGET = (("targets", "net_sales"), 1.0)


@pytest.mark.parametrize(
    ("changes", "rights"),
    [
        ((SPEND,), (EDIT_MARKETING,)),
        ((FEE,), (EDIT_PNL,)),
        ((TARGET,), (EDIT_TARGETS,)),
        ((SPEND, FEE, TARGET), (EDIT_MARKETING, EDIT_PNL, EDIT_TARGETS)),
        ((), ()),
    ],
)
def test_each_part_of_the_plan_needs_its_editors_right(changes, rights) -> None:  # type: ignore[no-untyped-def]
    assert rights_to_change(sample_plan(), _edited(*changes)) == rights


def test_renaming_the_plan_needs_a_managers_right() -> None:
    renamed = sample_plan().model_copy(update={"name": "Renamed"})

    assert rights_to_change(sample_plan(), renamed) == (EDIT_SETTINGS,)
    assert EDIT_SETTINGS.needs() == "the marketing manager or the e-commerce manager role"


def test_a_refusal_names_every_part_and_the_role_it_needs() -> None:
    finance = User("omar@example.com", "Omar", frozenset({Role.FINANCE}))

    with pytest.raises(AccessError) as refused:
        require_change(finance, sample_plan(), _edited(SPEND, FEE))

    assert str(refused.value) == (
        "Editing the marketing plan needs the marketing manager role; Editing the P&L budget "
        "needs the e-commerce manager role. Omar (omar@example.com) holds: finance."
    )


def test_a_user_may_hold_several_roles() -> None:
    both = User("kim@example.com", "Kim", frozenset({Role.MARKETING, Role.FINANCE}))

    require_change(both, sample_plan(), _edited(SPEND))
    assert (both.may(REVIEW), both.may(SAVE), both.may(EDIT_PNL)) == (True, True, False)
    assert both.roles_text() == "marketing manager, finance"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("  Ana@Example.COM ", "ana@example.com"), ("o'neil+plans@sub.example.org", None)],
)
def test_addresses_are_trimmed_and_lower_cased(typed: str, kept: str | None) -> None:
    assert clean_email(typed) == (kept or typed)


@pytest.mark.parametrize("typed", ["", "ana", "@example.com", "ana@", "a b@example.com",
                                   "ana@ex@ample.com", "ana\x00@example.com", 5, None])  # fmt: skip
def test_what_is_not_an_address_is_refused_with_it_quoted(typed: object) -> None:
    with pytest.raises(AccessError, match=r"is not an e-mail address|is text"):
        clean_email(typed)
