# ruff: noqa: F811 (the store fixtures of tests.test_store, imported, are parameters here)
"""Who may do what, enforced by the plan store itself: roles, the review loop, the audit log,
in memory, in a SQLite file and on a PostgreSQL server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from budgets import PlanValidationError
from budgets.access import AccessError, Role
from budgets.store import (
    ApprovedVersionError,
    AuditAction,
    PlanStore,
    ReviewStepError,
    VersionStatus,
)
from budgets.store.schema import migrate
from tests.conftest import person
from tests.test_store import (  # noqa: F401 (fixtures)
    KEY,
    db_url,
    open_store,
    postgres,
    smallest_plan,
    store,
)

MARTA = person("Marta", Role.MARKETING)
ELIF = person("Elif", Role.ECOMMERCE)
FARID = person("Farid", Role.FINANCE)
ADA = person("Ada", Role.ADMIN)
SPEND_UP = ("marketing.channels.2.spend.0", 900.0)
FEE_UP = ("pnl.payment_fee_rate.0", 0.03)
TARGET_UP = ("targets.net_sales", 2_000_000.0)


def _first_version(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=MARTA, comment="First draft")


# --- rights to edit ---------------------------------------------------------------


def test_each_manager_saves_the_part_of_the_plan_they_own(store: PlanStore) -> None:
    _first_version(store)

    spend = store.save(smallest_plan(SPEND_UP), base_version=1, by=MARTA)
    fees = store.save(smallest_plan(SPEND_UP, FEE_UP, TARGET_UP), base_version=2, by=ELIF)

    assert (spend.version, spend.author, spend.author_email) == (2, "Marta", "marta@example.com")
    assert (fees.version, fees.author) == (3, "Elif")


@pytest.mark.parametrize(
    ("who", "edit", "needs"),
    [
        (MARTA, FEE_UP, "Editing the P&L budget needs the e-commerce manager role"),
        (MARTA, TARGET_UP, "Editing the targets needs the e-commerce manager role"),
        (ELIF, SPEND_UP, "Editing the marketing plan needs the marketing manager role"),
    ],
)
def test_a_save_changing_a_part_its_author_may_not_edit_is_refused_naming_the_role(
    store: PlanStore, who: Any, edit: tuple[str, Any], needs: str
) -> None:
    _first_version(store)

    with pytest.raises(AccessError) as refused:
        store.save(smallest_plan(edit), base_version=1, by=who)

    assert str(refused.value).startswith(needs)
    assert f"{who.name} ({who.email}) holds: {who.roles_text()}" in str(refused.value)
    assert [info.version for info in store.history(KEY)] == [1]


@pytest.mark.parametrize("who", [FARID, ADA])
def test_finance_and_admins_read_but_do_not_save(store: PlanStore, who: Any) -> None:
    _first_version(store)

    with pytest.raises(AccessError, match=r"^Saving a version needs the marketing manager or"):
        store.save(smallest_plan(), base_version=1, by=who)
    with pytest.raises(AccessError):
        store.restore(KEY, 1, base_version=1, by=who)

    assert store.get(KEY).plan == smallest_plan()
    assert len(store.list()) == 1


def test_a_restore_needs_the_roles_of_what_it_changes_back(store: PlanStore) -> None:
    _first_version(store)
    store.save(smallest_plan(FEE_UP), base_version=1, by=ELIF)

    with pytest.raises(AccessError, match="Editing the P&L budget needs the e-commerce"):
        store.restore(KEY, 1, base_version=2, by=MARTA)

    assert store.restore(KEY, 1, base_version=2, by=ELIF).version == 3


# --- the review loop --------------------------------------------------------------


def test_the_whole_loop_draft_submit_send_back_resubmit_approve_is_recorded(
    store: PlanStore,
) -> None:
    _first_version(store)
    submitted = store.submit(KEY, 1, MARTA, "Ready for Q1 review")
    assert (submitted.status, submitted.submitted_by) == (VersionStatus.SUBMITTED, "Marta")

    sent_back = store.send_back(KEY, 1, FARID, "Paid social is over the ROAS hurdle")
    assert (sent_back.status, sent_back.review_note) == (
        VersionStatus.CHANGES_REQUESTED,
        "Paid social is over the ROAS hurdle",
    )

    store.save(smallest_plan(SPEND_UP), base_version=1, by=MARTA, comment="Social cut")
    store.submit(KEY, 2, MARTA, "Social cut as asked")
    approved = store.approve(KEY, 2, FARID, "Within the margin target")

    assert (approved.status, approved.approved_by, approved.approved_by_email) == (
        VersionStatus.APPROVED,
        "Farid",
        "farid@example.com",
    )
    assert (approved.submitted_by, approved.author) == ("Marta", "Marta")
    assert [info.status for info in store.history(KEY)] == [
        VersionStatus.APPROVED,
        VersionStatus.CHANGES_REQUESTED,
    ]
    assert store.list()[0].approved_version == 2
    steps = [(e.action, e.actor_email, e.version, e.note) for e in reversed(store.audit(KEY))]
    assert steps == [
        (AuditAction.SAVED, "marta@example.com", 1, "First draft"),
        (AuditAction.SUBMITTED, "marta@example.com", 1, "Ready for Q1 review"),
        (AuditAction.SENT_BACK, "farid@example.com", 1, "Paid social is over the ROAS hurdle"),
        (AuditAction.SAVED, "marta@example.com", 2, "Social cut"),
        (AuditAction.SUBMITTED, "marta@example.com", 2, "Social cut as asked"),
        (AuditAction.APPROVED, "farid@example.com", 2, "Within the margin target"),
    ]
    times = [entry.at for entry in store.audit(KEY)]
    assert times == sorted(times, reverse=True)
    assert all(moment.tzinfo is not None for moment in times)


def test_nobody_changes_an_approved_version(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=MARTA, status=VersionStatus.SUBMITTED)
    store.approve(KEY, 1, FARID)
    everyone = person("Root")

    with pytest.raises(ApprovedVersionError):
        store.approve(KEY, 1, everyone)
    with pytest.raises(ApprovedVersionError):
        store.send_back(KEY, 1, everyone, "Too late")
    with pytest.raises(ApprovedVersionError):
        store.submit(KEY, 1, everyone)

    assert store.get(KEY, 1).info.status is VersionStatus.APPROVED
    assert store.get(KEY, 1).plan == smallest_plan()


def test_review_steps_need_their_roles(store: PlanStore) -> None:
    _first_version(store)

    with pytest.raises(AccessError, match=r"^Submitting a version for review needs the"):
        store.submit(KEY, 1, FARID)
    store.submit(KEY, 1, MARTA)
    with pytest.raises(AccessError, match=r"^Approving or sending back a version needs the "
                       "finance role; Marta \\(marta@example.com\\) holds: marketing manager"):  # fmt: skip
        store.approve(KEY, 1, MARTA)
    with pytest.raises(AccessError, match="needs the finance role"):
        store.send_back(KEY, 1, ELIF, "No")

    assert store.get(KEY, 1).info.status is VersionStatus.SUBMITTED


def test_review_steps_follow_the_order_of_the_loop(store: PlanStore) -> None:
    _first_version(store)

    with pytest.raises(ReviewStepError, match="is a draft, not submitted for review"):
        store.approve(KEY, 1, FARID)
    with pytest.raises(ReviewStepError, match="is a draft, not submitted for review"):
        store.send_back(KEY, 1, FARID, "Why")
    store.submit(KEY, 1, MARTA)
    with pytest.raises(ReviewStepError, match=r"was submitted by Marta on .* awaits finance"):
        store.submit(KEY, 1, MARTA)
    with pytest.raises(PlanValidationError, match="sending a version back needs a note"):
        store.send_back(KEY, 1, FARID, "   ")
    store.save(smallest_plan(SPEND_UP), base_version=1, by=MARTA)
    store.send_back(KEY, 1, FARID, "Superseded by version 2")
    with pytest.raises(ReviewStepError, match="is not the latest: version 2 follows it"):
        store.submit(KEY, 1, MARTA)

    assert [entry.action for entry in store.audit(KEY)][:2] == [
        AuditAction.SENT_BACK,
        AuditAction.SAVED,
    ]


def test_a_version_saved_as_submitted_awaits_review_at_once(store: PlanStore) -> None:
    info = store.save(
        smallest_plan(), base_version=None, by=ELIF, comment="All set", status="submitted"
    )

    assert (info.status, info.submitted_by, info.review_note) == (
        VersionStatus.SUBMITTED,
        "Elif",
        "All set",
    )
    assert [entry.action for entry in store.audit(KEY)] == [
        AuditAction.SUBMITTED,
        AuditAction.SAVED,
    ]


# --- roles ------------------------------------------------------------------------


def test_an_empty_store_gets_its_first_admins_from_configuration_once(store: PlanStore) -> None:
    assert store.name_first_admins(("  Ada@Example.com ",))
    assert store.roles_of("ada@example.com") == {Role.ADMIN}

    assert not store.name_first_admins(("mallory@example.com",))
    assert store.roles_of("mallory@example.com") == frozenset()
    [entry] = store.audit()
    assert (entry.action, entry.actor_name, entry.subject, entry.note) == (
        AuditAction.ROLE_GRANTED,
        "configuration",
        "ada@example.com",
        "admin",
    )


def test_admins_assign_roles_by_address_and_every_change_is_logged(store: PlanStore) -> None:
    store.name_first_admins((ADA.email,))

    held = store.set_roles("Farid@Example.com", frozenset({Role.FINANCE, Role.ECOMMERCE}), ADA)
    assert held == {Role.FINANCE, Role.ECOMMERCE}
    store.set_roles("farid@example.com", frozenset({Role.FINANCE}), ADA)

    assert store.role_holders() == {
        "ada@example.com": {Role.ADMIN},
        "farid@example.com": {Role.FINANCE},
    }
    roles = [(e.action, e.subject, e.note) for e in reversed(store.audit())][1:]
    assert roles == [
        (AuditAction.ROLE_GRANTED, "farid@example.com", "e-commerce manager"),
        (AuditAction.ROLE_GRANTED, "farid@example.com", "finance"),
        (AuditAction.ROLE_REVOKED, "farid@example.com", "e-commerce manager"),
    ]
    store.set_roles("farid@example.com", frozenset(), ADA)
    assert "farid@example.com" not in store.role_holders()


def test_only_an_admin_assigns_roles_and_no_admin_removes_their_own(store: PlanStore) -> None:
    store.name_first_admins((ADA.email,))

    with pytest.raises(AccessError, match=r"^Assigning roles needs the admin role"):
        store.set_roles(FARID.email, frozenset({Role.ADMIN}), FARID)
    with pytest.raises(AccessError, match="cannot remove your own admin role"):
        store.set_roles(ADA.email, frozenset({Role.FINANCE}), ADA)
    with pytest.raises(AccessError, match="is not an e-mail address"):
        store.set_roles("not an address", frozenset({Role.FINANCE}), ADA)

    assert store.role_holders() == {"ada@example.com": {Role.ADMIN}}


# --- the audit log lasts ----------------------------------------------------------


def test_a_store_at_schema_2_keeps_its_versions_statuses_and_gains_their_steps(
    open_store: Any, db_url: str
) -> None:
    engine = create_engine(db_url)
    migrate(engine, target=2)
    saved, approved = datetime(2026, 11, 2, 9, 0, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
    plan_json = smallest_plan().model_dump_json()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO plans (id, name, match_name, fiscal_year, created_at) "
                "VALUES (1, 'Smallest', 'smallest', 2027, :at)"
            ),
            {"at": saved},
        )
        for version, status in ((1, "submitted"), (2, "draft")):
            connection.execute(
                text(
                    "INSERT INTO plan_versions (plan_id, version, status, author, saved_at, "
                    "comment, plan_json) VALUES (1, :v, :s, 'Marta', :at, 'old', :json)"
                ),
                {"v": version, "s": status, "at": saved, "json": plan_json},
            )
        connection.execute(
            text("INSERT INTO approvals VALUES (1, 1, 'Farid', :at)"), {"at": approved}
        )
    engine.dispose()

    store = open_store()

    assert [(i.version, i.status, i.author_email) for i in store.history(KEY)] == [
        (2, VersionStatus.DRAFT, ""),
        (1, VersionStatus.APPROVED, ""),
    ]
    assert [(e.action, e.actor_name, e.version) for e in reversed(store.audit(KEY))] == [
        (AuditAction.SAVED, "Marta", 1),
        (AuditAction.SUBMITTED, "Marta", 1),
        (AuditAction.SAVED, "Marta", 2),
        (AuditAction.APPROVED, "Farid", 1),
    ]
    assert store.submit(KEY, 2, MARTA).status is VersionStatus.SUBMITTED
