"""The plan database's tables and the numbered migrations that create and upgrade them.

Tables (the current schema; ``budgets.store`` queries these):

``plans``
    One row per plan: its name as first saved, ``match_name`` (the name
    NFKC-normalised and case-folded, so "Maison Nord" and "maison nord" are
    one plan), the fiscal year, and when it was first saved. Unique on
    (``match_name``, ``fiscal_year``).
``plan_versions``
    One row per save, keyed (``plan_id``, ``version``), versions numbered
    1, 2, 3... per plan: the whole plan as JSON, the author, the UTC time,
    the comment, the status it was saved with (draft or submitted), the
    version it was based on and, for a restore, the version it restored.
``approvals``
    One row per approved version: who approved it and when. A version's
    status is ``approved`` when it has a row here.
``audit_log``
    One row per step, numbered in order: a version saved, restored,
    submitted for review, sent back with changes requested or approved, a
    role granted or revoked; who took it (e-mail address and name), when,
    which plan and version, the note, and for a role the address it is about.
    A version's review status is its latest submitted or sent-back row, unless
    it has an approval.
``user_roles``
    One row per role a user holds, keyed (e-mail address, role): who granted
    it and when. Granting inserts a row, revoking deletes it; both are in
    ``audit_log``.
``schema_version``
    One row per migration applied: its number, what it did and when.

Rows of ``plan_versions``, ``approvals`` and ``audit_log`` are never updated
or deleted: database triggers refuse it, whoever asks (from migration 2 for
the first two, from migration 3 for the log).

Migrations: ``MIGRATIONS`` lists them in order, each with a number, a
description and a function that applies it on an open transaction.
``migrate(engine)`` applies the ones a database lacks, in one transaction
(SQLite takes its write lock first; PostgreSQL takes an advisory lock, so two
app processes starting at once do not both migrate), and records each in
``schema_version``. A database whose schema is newer than this code knows is
refused rather than used. To change the schema, append a migration with the
next number and update the tables below; never edit a released migration:
each creates what it creates as it was when released.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

WRITE_OPTION = "budget_store_write"
"""Execution option on a connection whose transaction writes (SQLite then begins IMMEDIATE)."""

# Wide enough for an 80-character name after case-folding and normalisation.
MATCH_NAME_LENGTH = 400
EMAIL_LENGTH = 254
# An arbitrary constant: the key of the advisory lock PostgreSQL migrations hold.
_MIGRATION_LOCK = 5_202_705

metadata = MetaData()

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),
    Column("match_name", String(MATCH_NAME_LENGTH), nullable=False),
    Column("fiscal_year", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("match_name", "fiscal_year", name="plans_name_year_key"),
)

plan_versions = Table(
    "plan_versions",
    metadata,
    Column("plan_id", Integer, ForeignKey("plans.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("status", String(10), nullable=False),
    Column("author", String(80), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    Column("comment", Text, nullable=False),
    Column("based_on", Integer, nullable=True),
    Column("restored_from", Integer, nullable=True),
    Column("plan_json", Text, nullable=False),
    Column("author_email", String(EMAIL_LENGTH), nullable=False, server_default=""),
    CheckConstraint("version >= 1", name="plan_versions_version_positive"),
    CheckConstraint("status IN ('draft', 'submitted')", name="plan_versions_saved_status"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("plan_id", Integer, primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("approved_by", String(80), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
    Column("approved_by_email", String(EMAIL_LENGTH), nullable=False, server_default=""),
    ForeignKeyConstraint(
        ["plan_id", "version"], ["plan_versions.plan_id", "plan_versions.version"]
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(20), nullable=False),
    Column("actor_email", String(EMAIL_LENGTH), nullable=False),
    Column("actor_name", String(80), nullable=False),
    Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True),
    Column("version", Integer, nullable=True),
    Column("note", Text, nullable=False),
    Column("subject", String(EMAIL_LENGTH), nullable=True),
    Index("audit_log_version_steps", "plan_id", "version", "action"),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("email", String(EMAIL_LENGTH), primary_key=True),
    Column("role", String(20), primary_key=True),
    Column("granted_by", String(EMAIL_LENGTH), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "role IN ('marketing', 'ecommerce', 'finance', 'admin')", name="user_roles_known_role"
    ),
)

schema_version = Table(
    "schema_version",
    MetaData(),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


class SchemaTooNewError(RuntimeError):
    """The database was upgraded by a newer release of the app than this one."""


@dataclass(frozen=True)
class Migration:
    number: int
    description: str
    apply: Callable[[Connection], None]


def _create_tables(connection: Connection) -> None:
    # The tables as migration 1 released them (frozen here, not the current ones).
    released = MetaData()
    Table(
        "plans",
        released,
        Column("id", Integer, primary_key=True),
        Column("name", String(80), nullable=False),
        Column("match_name", String(MATCH_NAME_LENGTH), nullable=False),
        Column("fiscal_year", Integer, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        UniqueConstraint("match_name", "fiscal_year", name="plans_name_year_key"),
    )
    Table(
        "plan_versions",
        released,
        Column("plan_id", Integer, ForeignKey("plans.id"), primary_key=True),
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("status", String(10), nullable=False),
        Column("author", String(80), nullable=False),
        Column("saved_at", DateTime(timezone=True), nullable=False),
        Column("comment", Text, nullable=False),
        Column("based_on", Integer, nullable=True),
        Column("restored_from", Integer, nullable=True),
        Column("plan_json", Text, nullable=False),
        CheckConstraint("version >= 1", name="plan_versions_version_positive"),
        CheckConstraint("status IN ('draft', 'submitted')", name="plan_versions_saved_status"),
    )
    Table(
        "approvals",
        released,
        Column("plan_id", Integer, primary_key=True),
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("approved_by", String(80), nullable=False),
        Column("approved_at", DateTime(timezone=True), nullable=False),
        ForeignKeyConstraint(
            ["plan_id", "version"], ["plan_versions.plan_id", "plan_versions.version"]
        ),
    )
    released.create_all(connection)


_IMMUTABLE = ("plan_versions", "approvals")


def _refuse_changes(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE FUNCTION budget_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'plan versions and approvals are never changed or "
            "deleted; save a new version instead'; END $$"
        )
        for table in _IMMUTABLE:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_refuse_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION budget_refuse_change()"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION budget_refuse_change()"
            )
        return
    for table in _IMMUTABLE:
        for action in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_refuse_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'rows of {table} are never changed or deleted; "
                "save a new version instead'); END"
            )


def _people_and_audit(connection: Connection) -> None:
    # The additions as migration 3 released them.
    connection.exec_driver_sql(
        f"ALTER TABLE plan_versions ADD COLUMN author_email VARCHAR({EMAIL_LENGTH}) "
        "NOT NULL DEFAULT ''"
    )
    connection.exec_driver_sql(
        f"ALTER TABLE approvals ADD COLUMN approved_by_email VARCHAR({EMAIL_LENGTH}) "
        "NOT NULL DEFAULT ''"
    )
    released = MetaData()
    Table("plans", released, Column("id", Integer, primary_key=True))
    Table(
        "audit_log",
        released,
        Column("id", Integer, primary_key=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("action", String(20), nullable=False),
        Column("actor_email", String(EMAIL_LENGTH), nullable=False),
        Column("actor_name", String(80), nullable=False),
        Column("plan_id", Integer, ForeignKey("plans.id"), nullable=True),
        Column("version", Integer, nullable=True),
        Column("note", Text, nullable=False),
        Column("subject", String(EMAIL_LENGTH), nullable=True),
    )
    Table(
        "user_roles",
        released,
        Column("email", String(EMAIL_LENGTH), primary_key=True),
        Column("role", String(20), primary_key=True),
        Column("granted_by", String(EMAIL_LENGTH), nullable=False),
        Column("granted_at", DateTime(timezone=True), nullable=False),
        CheckConstraint(
            "role IN ('marketing', 'ecommerce', 'finance', 'admin')",
            name="user_roles_known_role",
        ),
    )
    for table in ("audit_log", "user_roles"):
        released.tables[table].create(connection)
    connection.exec_driver_sql(
        "CREATE INDEX audit_log_version_steps ON audit_log (plan_id, version, action)"
    )
    # The steps the versions already stored took, in the order they took them.
    connection.exec_driver_sql(
        "INSERT INTO audit_log (at, action, actor_email, actor_name, plan_id, version, note) "
        "SELECT at, action, '', who, plan_id, version, note FROM ("
        " SELECT saved_at AS at, CASE WHEN restored_from IS NULL THEN 'saved' ELSE 'restored' "
        "  END AS action, author AS who, plan_id, version, comment AS note, 0 AS step "
        "  FROM plan_versions"
        " UNION ALL SELECT saved_at, 'submitted', author, plan_id, version, comment, 1 "
        "  FROM plan_versions WHERE status = 'submitted'"
        " UNION ALL SELECT approved_at, 'approved', approved_by, plan_id, version, '', 2 "
        "  FROM approvals"
        ") AS steps ORDER BY at, plan_id, version, step"
    )
    _refuse_changes_of_log(connection)


def _refuse_changes_of_log(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "CREATE FUNCTION budget_refuse_log_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is never changed or deleted'; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER audit_log_refuse_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION budget_refuse_log_change()"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER audit_log_refuse_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION budget_refuse_log_change()"
        )
        return
    for action in ("UPDATE", "DELETE"):
        connection.exec_driver_sql(
            f"CREATE TRIGGER audit_log_refuse_{action.lower()} BEFORE {action} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is never changed or deleted'); END"
        )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "plans, their versions and approvals", _create_tables),
    Migration(2, "plan versions and approvals refuse UPDATE and DELETE", _refuse_changes),
    Migration(3, "who saved and approved by e-mail, the audit log, user roles", _people_and_audit),
)
LATEST_SCHEMA = MIGRATIONS[-1].number


def migrate(engine: Engine, target: int = LATEST_SCHEMA) -> int:
    """Bring the database's schema up to migration ``target``; return the version it is at.

    Raises:
        SchemaTooNewError: the database is at a migration this code does not know.
    """
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            schema_version.create(connection, checkfirst=True)
            current = connection.execute(select(func.max(schema_version.c.version))).scalar()
            current = int(current or 0)
            if current > LATEST_SCHEMA:
                raise SchemaTooNewError(
                    f"The plan database is at schema version {current}; this release of the "
                    f"app knows versions up to {LATEST_SCHEMA}. Upgrade the app to open it."
                )
            for migration in MIGRATIONS:
                if current < migration.number <= target:
                    migration.apply(connection)
                    connection.execute(
                        insert(schema_version).values(
                            version=migration.number,
                            description=migration.description,
                            applied_at=datetime.now(UTC),
                        )
                    )
                    current = migration.number
            return current


def schema_version_of(connection: Connection) -> int:
    """The last migration applied to a database (0 for an empty one)."""
    if not connection.dialect.has_table(connection, "schema_version"):
        return 0
    return int(connection.execute(text("SELECT max(version) FROM schema_version")).scalar() or 0)
