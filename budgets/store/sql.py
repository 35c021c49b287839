"""A PlanStore in SQLite or PostgreSQL through SQLAlchemy 2 (the rules: ``budgets.store``).

SQLite: WAL mode, a 5 s busy timeout, a flush to disk at every commit, and
writers begin ``IMMEDIATE`` (taking the write lock before they read the latest
version). PostgreSQL: writers lock the plan's row with ``SELECT ... FOR
UPDATE``. On both, (plan, version) is a primary key and (name, fiscal year) is
unique, so a save that slipped past the lock would still be refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import (
    URL,
    Engine,
    and_,
    create_engine,
    delete,
    event,
    exc,
    func,
    insert,
    make_url,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry

from budgets.access import Role, User, clean_email, roles_from
from budgets.errors import encodable, shown_text
from budgets.store.model import (
    CONFIGURATION,
    NOTED_STEPS,
    REVIEW_STATUS,
    Actor,
    AppendingStore,
    ApprovedVersionError,
    AuditAction,
    AuditEntry,
    Clock,
    PlanKey,
    PlanNotFoundError,
    PlanSummary,
    SaveRequest,
    StoredPlan,
    StoreUnavailableError,
    VersionConflictError,
    VersionInfo,
    VersionNotFoundError,
    VersionStatus,
    actor,
    check_review_step,
    role_changes,
    sorted_summaries,
    stored_plan_content,
    utc_now,
)
from budgets.store.schema import (
    WRITE_OPTION,
    SchemaTooNewError,
    approvals,
    audit_log,
    migrate,
    plan_versions,
    plans,
    user_roles,
)

BUSY_TIMEOUT_S = 5.0
# An arbitrary constant: the key of the advisory lock role changes hold in PostgreSQL.
_ROLES_LOCK = 5_202_706
# The database's own words on why it failed, cut there: a driver may quote a whole query.
_REASON_LENGTH = 300


def sqlite_url(path: str | Path) -> URL:
    """The SQLAlchemy URL of a SQLite file (``~`` expanded)."""
    return URL.create("sqlite+pysqlite", database=str(Path(path).expanduser()))


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the naive UTC time that was stored; PostgreSQL an aware one.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def describe(url: URL) -> str:
    """Where a store's database is, as its messages name it: a SQLite file's path, or the
    URL without its password."""
    if url.get_backend_name() == "sqlite" and url.database:
        return str(Path(url.database).expanduser())
    return str(url.render_as_string(hide_password=True))


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreUnavailableError(
            "A SQLite plan database must be a file path; use InMemoryPlanStore for memory."
        )
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        # A file where a folder should be, a folder that may not be written...
        reason = error.strerror or type(error).__name__
        raise StoreUnavailableError(
            f"The plan database at {path} cannot be created: its folder {path.parent} cannot "
            f"be made ({reason}). Set BUDGET_DB_PATH to a file in a folder you may write to."
        ) from None
    engine = create_engine(url.set(database=str(path)), connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # The driver's own transaction handling is off: "begin" below says how to begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer takes the write lock before it reads the latest version, so
        # two writers queue (busy timeout) instead of both reading the same one.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def _parsed(url: str | URL) -> URL:
    try:
        return make_url(url)
    except exc.ArgumentError:
        shown = shown_text(_PASSWORD.sub(r"\1***@", str(url)))
        raise StoreUnavailableError(
            f"The plan database URL {shown!r} (BUDGET_DB_URL) is not a database URL; write it "
            "as postgresql+psycopg://user:password@host/budgets or sqlite:////path/plans.db."
        ) from None


def _engine(url: str | URL) -> Engine:
    parsed = _parsed(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except (exc.ArgumentError, ImportError) as error:
            raise StoreUnavailableError(
                f"The plan database at {describe(parsed)} cannot be used: {error}"
            ) from None
    raise StoreUnavailableError(
        f"The plan store runs on SQLite or PostgreSQL, not {backend!r} "
        f"({parsed.render_as_string(hide_password=True)})."
    )


_review = audit_log.alias("review")
_submission = audit_log.alias("submission")


def _latest_step(*actions: AuditAction) -> Any:
    """The audit row of a version's latest step among ``actions`` (a correlated subquery)."""
    steps = audit_log.alias("steps")
    return (
        select(func.max(steps.c.id))
        .where(
            steps.c.plan_id == plan_versions.c.plan_id,
            steps.c.version == plan_versions.c.version,
            steps.c.action.in_([action.value for action in actions]),
        )
        .correlate(plan_versions)
        .scalar_subquery()
    )


_VERSION_COLUMNS = (
    plans.c.name,
    plans.c.fiscal_year,
    plan_versions.c.version,
    plan_versions.c.status,
    plan_versions.c.author,
    plan_versions.c.saved_at,
    plan_versions.c.comment,
    plan_versions.c.based_on,
    plan_versions.c.restored_from,
    approvals.c.approved_by,
    approvals.c.approved_at,
    plan_versions.c.author_email,
    approvals.c.approved_by_email,
    _review.c.action.label("review_action"),
    _review.c.note.label("review_note"),
    _submission.c.actor_name.label("submitted_by"),
    _submission.c.at.label("submitted_at"),
)
_VERSIONS = (
    plans.join(plan_versions, plan_versions.c.plan_id == plans.c.id)
    .outerjoin(
        approvals,
        and_(
            approvals.c.plan_id == plan_versions.c.plan_id,
            approvals.c.version == plan_versions.c.version,
        ),
    )
    .outerjoin(
        _review,
        _review.c.id == _latest_step(*NOTED_STEPS),
    )
    .outerjoin(_submission, _submission.c.id == _latest_step(AuditAction.SUBMITTED))
)


def _info(row: Any, key: PlanKey | None = None) -> VersionInfo:
    approved = row.approved_by is not None
    if approved:
        status = VersionStatus.APPROVED
    elif row.review_action is not None:
        status = REVIEW_STATUS[AuditAction(row.review_action)]
    else:
        status = VersionStatus(row.status)
    return VersionInfo(
        key=key or PlanKey(row.name, row.fiscal_year),
        version=row.version,
        status=status,
        author=row.author,
        saved_at=_utc(row.saved_at),
        comment=row.comment,
        based_on=row.based_on,
        restored_from=row.restored_from,
        approved_by=row.approved_by,
        approved_at=_utc(row.approved_at) if approved else None,
        author_email=row.author_email,
        approved_by_email=row.approved_by_email if approved else None,
        submitted_by=row.submitted_by,
        submitted_at=_utc(row.submitted_at) if row.submitted_at is not None else None,
        review_note=row.review_note or "",
    )


def _match(key: PlanKey) -> Any:
    return and_(plans.c.match_name == key.match_name, plans.c.fiscal_year == key.fiscal_year)


class SqlPlanStore(AppendingStore):
    """A PlanStore in SQLite or PostgreSQL, at a SQLAlchemy URL.

    Opening it creates the database file (SQLite) and the tables, or upgrades
    them, as needed. Close it (or use it as a context manager) to release its
    connections.

    Raises:
        StoreUnavailableError: the database cannot be reached, is not SQLite or
            PostgreSQL, or was upgraded by a newer release of the app.
    """

    def __init__(self, url: str | URL, clock: Clock = utc_now) -> None:
        self._clock = clock
        self.engine = _engine(url)
        self.url = self.engine.url
        with self._reaching():
            try:
                migrate(self.engine)
            except SchemaTooNewError as error:
                self.engine.dispose()
                raise StoreUnavailableError(str(error)) from None

    def __repr__(self) -> str:
        return f"SqlPlanStore({self.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> SqlPlanStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        """Database failures as ``StoreUnavailableError``: which database, and why.

        A constraint's refusal (``IntegrityError``) is left to the caller, who
        turns it into a conflict; every other failure of the database (it is
        unreachable, locked, not a database, damaged) is the store's.
        """
        try:
            yield
        except exc.IntegrityError:
            raise
        except exc.DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreUnavailableError(
                f"The plan database at {describe(self.url)} cannot be used right now: "
                f"{encodable(reason[:_REASON_LENGTH])}"
            ) from error

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self._reaching(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self._reaching(), self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection

    def _plan_row(self, connection: Connection, key: PlanKey, lock: bool = False) -> Any:
        query = select(plans.c.id, plans.c.name, plans.c.fiscal_year).where(_match(key))
        row = connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise PlanNotFoundError(key)
        return row

    def _latest_number(self, connection: Connection, plan_id: int) -> int:
        query = select(func.max(plan_versions.c.version)).where(plan_versions.c.plan_id == plan_id)
        return int(connection.execute(query).scalar_one())

    def _version_info(self, connection: Connection, plan_id: int, version: int) -> VersionInfo:
        row = connection.execute(
            select(*_VERSION_COLUMNS)
            .select_from(_VERSIONS)
            .where(plan_versions.c.plan_id == plan_id, plan_versions.c.version == version)
        ).one()
        return _info(row)

    def _append(self, request: SaveRequest) -> VersionInfo:
        try:
            with self._writing() as connection:
                return self._append_in(connection, request)
        except exc.IntegrityError:
            # Another session inserted the same plan or version first; the
            # constraint refused ours. Report who won.
            with self._reading() as connection:
                plan = self._plan_row(connection, request.key)
                latest = self._version_info(
                    connection, plan.id, self._latest_number(connection, plan.id)
                )
            if latest.version == request.base_version:
                raise
            raise VersionConflictError(latest.key, request.base_version, latest) from None

    def _now(self) -> datetime:
        # Stored without a zone by SQLite, so always in UTC.
        return self._clock().astimezone(UTC)

    def _append_in(self, connection: Connection, request: SaveRequest) -> VersionInfo:
        now = self._now()
        key = request.key
        try:
            plan = self._plan_row(connection, key, lock=True)
        except PlanNotFoundError:
            if request.base_version is not None:
                raise
            plan_id = connection.execute(
                insert(plans)
                .values(
                    name=key.name,
                    match_name=key.match_name,
                    fiscal_year=key.fiscal_year,
                    created_at=now,
                )
                .returning(plans.c.id)
            ).scalar_one()
            version = 1
        else:
            plan_id = plan.id
            key = PlanKey(plan.name, plan.fiscal_year)
            latest = self._latest_number(connection, plan_id)
            if request.base_version is not None and request.base_version > latest:
                raise VersionNotFoundError(key, request.base_version, latest)
            if request.base_version != latest:
                raise VersionConflictError(
                    key, request.base_version, self._version_info(connection, plan_id, latest)
                )
            base_json = connection.execute(
                select(plan_versions.c.plan_json).where(
                    plan_versions.c.plan_id == plan_id, plan_versions.c.version == latest
                )
            ).scalar_one()
            request.check_rights(base_json)
            version = latest + 1
        connection.execute(
            insert(plan_versions).values(
                plan_id=plan_id,
                version=version,
                status=request.status.value,
                author=request.author.name,
                author_email=request.author.email,
                saved_at=now,
                comment=request.comment,
                based_on=request.base_version,
                restored_from=request.restored_from,
                plan_json=request.plan_json,
            )
        )
        for action in request.actions:
            self._log(connection, now, action, request.author, plan_id, version, request.comment)
        return self._version_info(connection, plan_id, version)

    @staticmethod
    def _log(
        connection: Connection,
        at: datetime,
        action: AuditAction,
        who: Actor,
        plan_id: int | None = None,
        version: int | None = None,
        note: str = "",
        subject: str | None = None,
    ) -> None:
        connection.execute(
            insert(audit_log).values(
                at=at,
                action=action.value,
                actor_email=who.email,
                actor_name=who.name,
                plan_id=plan_id,
                version=version,
                note=note,
                subject=subject,
            )
        )

    def get(self, key: PlanKey, version: int | None = None) -> StoredPlan:
        with self._reading() as connection:
            plan = self._plan_row(connection, key)
            latest = self._latest_number(connection, plan.id)
            number = latest if version is None else version
            row = connection.execute(
                select(*_VERSION_COLUMNS, plan_versions.c.plan_json)
                .select_from(_VERSIONS)
                .where(plan_versions.c.plan_id == plan.id, plan_versions.c.version == number)
            ).first()
        if row is None:
            raise VersionNotFoundError(PlanKey(plan.name, plan.fiscal_year), number, latest)
        info = _info(row)
        return StoredPlan(info, stored_plan_content(info, row.plan_json, describe(self.url)))

    def list(self) -> tuple[PlanSummary, ...]:
        versions, approved_ones = plan_versions.alias("newer"), approvals.alias("approved")
        latest = (
            select(func.max(versions.c.version))
            .where(versions.c.plan_id == plans.c.id)
            .scalar_subquery()
        )
        approved = (
            select(func.max(approved_ones.c.version))
            .where(approved_ones.c.plan_id == plans.c.id)
            .scalar_subquery()
        )
        query = (
            select(*_VERSION_COLUMNS, approved.label("approved_version"))
            .select_from(_VERSIONS)
            .where(plan_versions.c.version == latest)
        )
        with self._reading() as connection:
            rows = connection.execute(query).all()
        summaries = []
        for row in rows:
            info = _info(row)
            summaries.append(PlanSummary(info.key, info, row.approved_version))
        return sorted_summaries(summaries)

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        with self._reading() as connection:
            plan = self._plan_row(connection, key)
            rows = connection.execute(
                select(*_VERSION_COLUMNS)
                .select_from(_VERSIONS)
                .where(plan_versions.c.plan_id == plan.id)
                .order_by(plan_versions.c.version.desc())
            ).all()
        stored_key = PlanKey(plan.name, plan.fiscal_year)
        return tuple(_info(row, stored_key) for row in rows)

    def _review(
        self, key: PlanKey, version: int, by: User, action: AuditAction, note: str
    ) -> VersionInfo:
        who = actor(by)
        try:
            with self._writing() as connection:
                plan = self._plan_row(connection, key, lock=True)
                latest = self._latest_number(connection, plan.id)
                if not 1 <= version <= latest:
                    raise VersionNotFoundError(
                        PlanKey(plan.name, plan.fiscal_year), version, latest
                    )
                check_review_step(
                    self._version_info(connection, plan.id, version), latest, action, by
                )
                now = self._now()
                if action is AuditAction.APPROVED:
                    connection.execute(
                        insert(approvals).values(
                            plan_id=plan.id,
                            version=version,
                            approved_by=who.name,
                            approved_by_email=who.email,
                            approved_at=now,
                        )
                    )
                self._log(connection, now, action, who, plan.id, version, note)
                return self._version_info(connection, plan.id, version)
        except exc.IntegrityError:
            # Another session approved it first: the approvals key refused this one.
            with self._reading() as connection:
                plan = self._plan_row(connection, key)
                info = self._version_info(connection, plan.id, version)
            if not info.is_approved:
                raise
            raise ApprovedVersionError(info) from None

    def audit(self, key: PlanKey | None = None) -> tuple[AuditEntry, ...]:
        query = (
            select(audit_log, plans.c.name, plans.c.fiscal_year)
            .select_from(audit_log.outerjoin(plans, plans.c.id == audit_log.c.plan_id))
            .order_by(audit_log.c.id.desc())
        )
        with self._reading() as connection:
            if key is not None:
                plan = self._plan_row(connection, key)
                query = query.where(audit_log.c.plan_id == plan.id)
            rows = connection.execute(query).all()
        return tuple(
            AuditEntry(
                at=_utc(row.at),
                action=AuditAction(row.action),
                actor_email=row.actor_email,
                actor_name=row.actor_name,
                key=None if row.name is None else PlanKey(row.name, row.fiscal_year),
                version=row.version,
                note=row.note,
                subject=row.subject,
            )
            for row in rows
        )

    def roles_of(self, email: str) -> frozenset[Role]:
        address = email.strip().lower()
        with self._reading() as connection:
            rows = connection.execute(
                select(user_roles.c.role).where(user_roles.c.email == address)
            ).scalars()
            return roles_from(rows)

    def role_holders(self) -> dict[str, frozenset[Role]]:
        with self._reading() as connection:
            rows = connection.execute(
                select(user_roles.c.email, user_roles.c.role).order_by(user_roles.c.email)
            ).all()
        holders: dict[str, set[str]] = {}
        for row in rows:
            holders.setdefault(row.email, set()).add(row.role)
        return {email: roles_from(roles) for email, roles in holders.items()}

    def _change_roles(
        self,
        connection: Connection,
        email: str,
        changes: tuple[tuple[AuditAction, Role], ...],
        who: Actor,
    ) -> None:
        now = self._now()
        for action, role in changes:
            if action is AuditAction.ROLE_GRANTED:
                connection.execute(
                    insert(user_roles).values(
                        email=email, role=role.value, granted_by=who.email, granted_at=now
                    )
                )
            else:
                connection.execute(
                    delete(user_roles).where(
                        user_roles.c.email == email, user_roles.c.role == role.value
                    )
                )
            self._log(connection, now, action, who, note=role.label, subject=email)

    def _lock_roles(self, connection: Connection) -> None:
        # Role changes queue behind one another (SQLite's write lock is taken at BEGIN).
        if connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_ROLES_LOCK)))

    def set_roles(self, email: str, roles: frozenset[Role], by: User) -> frozenset[Role]:
        email, who = clean_email(email), actor(by)
        with self._writing() as connection:
            self._lock_roles(connection)
            held = roles_from(
                connection.execute(
                    select(user_roles.c.role).where(user_roles.c.email == email)
                ).scalars()
            )
            changes = role_changes(held, frozenset(roles), email, by)
            self._change_roles(connection, email, changes, who)
        return self.roles_of(email)

    def name_first_admins(self, emails: tuple[str, ...]) -> bool:
        addresses = tuple(dict.fromkeys(clean_email(email) for email in emails))
        if not addresses:
            return False
        with self._writing() as connection:
            self._lock_roles(connection)
            admins = connection.execute(
                select(func.count()).where(user_roles.c.role == Role.ADMIN.value)
            ).scalar_one()
            if admins:
                return False
            grant = ((AuditAction.ROLE_GRANTED, Role.ADMIN),)
            for email in addresses:
                self._change_roles(connection, email, grant, CONFIGURATION)
            return True
