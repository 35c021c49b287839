"""Plans that last: every saved state of every plan, in SQLite or PostgreSQL.

Pages talk to a ``PlanStore`` and never to SQL: ``save`` a plan, ``get`` any
version of it (a frozen, read-only ``Plan``), ``list`` the stored plans,
read a plan's ``history``, ``approve`` a version, ``restore`` an old one.

Where plans are kept (``store_from_env``):
    * ``BUDGET_DB_URL``, when set: a SQLAlchemy URL, e.g.
      ``postgresql+psycopg://planner:secret@db.example/budgets`` for a
      PostgreSQL server the team shares (``sqlite:///path/plans.db`` works too).
    * Otherwise a SQLite file at ``BUDGET_DB_PATH``, by default
      ``~/.budget-planner/plans.db``: in the user's home rather than the
      project, so plans outlive a fresh checkout and never end up in git.
      The folder, the file and the tables are created on first use.

SQLite runs in WAL mode (readers never wait for a writer), waits up to 5 s
for another writer (busy timeout) and flushes every commit to disk.

Rules every store keeps:
    * A plan is identified by its name and fiscal year (``PlanKey``); names
      are compared case-insensitively, so "maison nord" FY2027 is the plan
      "Maison Nord" FY2027. Names are 1-80 characters after trimming, with no
      control characters, and are only ever data: bound parameters, never
      part of SQL or of a file path.
    * Every save appends a version (1, 2, 3... per plan) holding the whole
      plan as validated JSON, the author, the UTC time, the comment and the
      status, ``draft`` or ``submitted``. Nothing is updated or deleted.
    * Optimistic concurrency: a save names the version it was based on
      (``None`` for a new plan). When a newer version exists, or a new plan's
      name and year are taken, the save is refused with ``VersionConflictError``,
      whose message says who saved which version and when. The database
      decides, not the app: writers of a plan are serialised (SQLite's write
      lock taken at BEGIN IMMEDIATE; ``SELECT ... FOR UPDATE`` on the plan's
      row in PostgreSQL) and (plan, version) is a primary key, so two
      sessions can never both save on top of the same version.
    * Approval (``approve``) records who approved a version and when; the
      version's status becomes ``approved`` and stays so, and its content,
      like every version's, never changes. Approving it again raises
      ``ApprovedVersionError``; saving on top of it starts a new version.
    * Restoring a version saves its content again as a new draft on top.

The schema is created and upgraded by the app (``budgets.store_schema``).
``InMemoryPlanStore`` keeps the same rules in memory, for unit tests.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import (
    URL,
    Engine,
    and_,
    create_engine,
    event,
    exc,
    func,
    insert,
    make_url,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry

from budgets.errors import PlanIssue, PlanValidationError
from budgets.files import plan_from_json, plan_to_json
from budgets.plan import Name, Plan
from budgets.store_schema import (
    WRITE_OPTION,
    SchemaTooNewError,
    approvals,
    migrate,
    plan_versions,
    plans,
)

DB_URL_ENV = "BUDGET_DB_URL"
DB_PATH_ENV = "BUDGET_DB_PATH"
DEFAULT_DB_PATH = Path("~/.budget-planner/plans.db")
BUSY_TIMEOUT_S = 5.0
COMMENT_MAX_LENGTH = 2000
FISCAL_YEARS = range(2000, 2101)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- values -------------------------------------------------------------------


class VersionStatus(StrEnum):
    """Where a version stands: a draft, submitted for approval, or approved by finance."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


SAVED_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED)

_NAME = TypeAdapter(Name)


def clean_name(value: Any, where: str = "Plan name") -> str:
    """A plan's or a person's name, trimmed: 1-80 characters, no control characters.

    Raises:
        PlanValidationError: naming ``where``, the value and the rule broken.
    """
    try:
        return _NAME.validate_python(value)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        problem = "it must be text" if detail["type"] == "string_type" else str(detail["msg"])
        raise PlanValidationError([PlanIssue(where, "name", None, value, problem)]) from None


def _clean_comment(value: Any) -> str:
    if not isinstance(value, str):
        raise PlanValidationError([PlanIssue("Comment", None, None, value, "it must be text")])
    comment = value.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        problem = (
            f"a comment must be at most {COMMENT_MAX_LENGTH} characters (it has {len(comment)})"
        )
        raise PlanValidationError.single("Comment", problem)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in comment):
        raise PlanValidationError.single(
            "Comment", "a comment must not contain control characters other than line breaks"
        )
    return comment.replace("\r\n", "\n")


def _match_name(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


@dataclass(frozen=True)
class PlanKey:
    """What identifies a stored plan: its name (trimmed) and fiscal year.

    Raises:
        PlanValidationError: a name that is empty, longer than 80 characters
            or holds control characters; a fiscal year outside 2000-2100.
    """

    name: str
    fiscal_year: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name))
        year = self.fiscal_year
        if isinstance(year, bool) or not isinstance(year, int) or year not in FISCAL_YEARS:
            problem = "it must be a whole number from 2000 to 2100"
            raise PlanValidationError(
                [PlanIssue("Fiscal year", "fiscal_year", None, year, problem)]
            )

    @classmethod
    def of(cls, plan: Plan) -> PlanKey:
        return cls(plan.name, plan.fiscal_year)

    @property
    def match_name(self) -> str:
        """The name as compared: NFKC-normalised and case-folded."""
        return _match_name(self.name)

    def __str__(self) -> str:
        return f"plan '{self.name}' (FY{self.fiscal_year})"


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of a plan, without its content.

    ``saved_at`` and ``approved_at`` are timezone-aware UTC times. ``status``
    is ``approved`` once the version has been approved, else the status it
    was saved with. ``based_on`` is the version the save started from (None
    for a plan's first save); ``restored_from`` the version a restore copied.
    """

    key: PlanKey
    version: int
    status: VersionStatus
    author: str
    saved_at: datetime
    comment: str
    based_on: int | None = None
    restored_from: int | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def is_approved(self) -> bool:
        return self.status is VersionStatus.APPROVED

    def as_row(self) -> dict[str, Any]:
        """The version as one row of a history table."""
        return {
            "version": self.version,
            "status": self.status.value,
            "author": self.author,
            "saved_at": self.saved_at,
            "comment": self.comment,
            "based_on": self.based_on,
            "restored_from": self.restored_from,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
        }


@dataclass(frozen=True)
class StoredPlan:
    """A version's record and its content, a frozen Plan."""

    info: VersionInfo
    plan: Plan


@dataclass(frozen=True)
class PlanSummary:
    """A stored plan as listed: its key, its latest version and its latest approved version."""

    key: PlanKey
    latest: VersionInfo
    approved_version: int | None

    def as_row(self) -> dict[str, Any]:
        return {
            "name": self.key.name,
            "fiscal_year": self.key.fiscal_year,
            "version": self.latest.version,
            "status": self.latest.status.value,
            "author": self.latest.author,
            "saved_at": self.latest.saved_at,
            "approved_version": self.approved_version,
        }


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


# --- errors -------------------------------------------------------------------


class PlanStoreError(Exception):
    """Something the plan store refused or could not do; the message is for the planner."""


class PlanNotFoundError(PlanStoreError, LookupError):
    def __init__(self, key: PlanKey) -> None:
        self.key = key
        super().__init__(f"No {key} is stored. To keep it under this name, save it as a new plan.")


class VersionNotFoundError(PlanStoreError, LookupError):
    def __init__(self, key: PlanKey, version: int, latest: int) -> None:
        self.key, self.version, self.latest = key, version, latest
        super().__init__(f"The {key} has no version {version}; its versions are 1 to {latest}.")


class VersionConflictError(PlanStoreError):
    """A save based on a version that is no longer the latest, or a new plan whose name is taken.

    ``latest`` is the version that stands in the way: who saved it and when.
    The refused save changed nothing; the plan that was being saved is still
    the caller's, to compare with ``latest`` and save again on top of it.
    """

    def __init__(self, key: PlanKey, base_version: int | None, latest: VersionInfo) -> None:
        self.key, self.base_version, self.latest = key, base_version, latest
        who = f"{latest.author} on {_when(latest.saved_at)}"
        if base_version is None:
            message = (
                f"A {key} already exists: version {latest.version} was saved by {who}. "
                "Your plan is not saved: open the stored plan and save on top of it, "
                "or give yours another name."
            )
        else:
            message = (
                f"Version {latest.version} of the {key} was saved by {who}, after "
                f"version {base_version} that your edits started from. Your edits are not "
                f"saved: reload version {latest.version}, compare it with your edits and "
                "save again."
            )
        super().__init__(message)


class ApprovedVersionError(PlanStoreError):
    """An attempt to change an approved version (approving it again included)."""

    def __init__(self, info: VersionInfo) -> None:
        self.info = info
        super().__init__(
            f"Version {info.version} of the {info.key} was approved by {info.approved_by} on "
            f"{_when(info.approved_at or info.saved_at)} and cannot change; "
            "save on top of it to start a new draft."
        )


class StatusError(PlanStoreError, ValueError):
    def __init__(self, status: object) -> None:
        self.status = status
        super().__init__(
            f"A version is saved as a draft or submitted, not as {status!r}; "
            "only approving a saved version makes it approved."
        )


class StoreUnavailableError(PlanStoreError):
    """The plan database cannot be reached or used."""


# --- the interface ------------------------------------------------------------


class PlanStore(Protocol):
    """Where plans are kept: every version of every plan, never overwritten."""

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        author: str,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        """Append a version of ``PlanKey.of(plan)`` on top of ``base_version``.

        ``base_version`` is the version the edits started from, None for a new
        plan. Returns the new version's record.

        Raises:
            VersionConflictError: a newer version exists, or (``base_version`` None)
                a plan of that name and fiscal year does.
            PlanNotFoundError: ``base_version`` given for a plan not stored.
            VersionNotFoundError: ``base_version`` beyond the latest version.
            StatusError: ``status`` is ``approved`` (only ``approve`` does that).
            PlanValidationError: an invalid plan, author or comment.
        """
        ...

    def get(self, key: PlanKey, version: int | None = None) -> StoredPlan:
        """A version of a plan (the latest when ``version`` is None).

        Raises:
            PlanNotFoundError, VersionNotFoundError.
        """
        ...

    def list(self) -> tuple[PlanSummary, ...]:
        """Every stored plan, by name (case-insensitive) then fiscal year."""
        ...

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        """Every version of a plan, newest first.

        Raises:
            PlanNotFoundError.
        """
        ...

    def approve(self, key: PlanKey, version: int, approver: str) -> VersionInfo:
        """Record that ``approver`` approved ``version``; return its record, now approved.

        Raises:
            ApprovedVersionError: the version is already approved.
            PlanNotFoundError, VersionNotFoundError, PlanValidationError (approver's name).
        """
        ...

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, author: str, comment: str = ""
    ) -> VersionInfo:
        """Save ``version``'s content again, as a new draft on top of ``base_version``.

        The comment defaults to "Restored version N".

        Raises:
            VersionConflictError: ``base_version`` is no longer the latest.
            PlanNotFoundError, VersionNotFoundError, PlanValidationError.
        """
        ...


@dataclass(frozen=True)
class _SaveRequest:
    key: PlanKey
    plan_json: str
    author: str
    comment: str
    status: VersionStatus
    base_version: int | None
    restored_from: int | None = None


def _save_request(
    plan: Plan,
    base_version: int | None,
    author: str,
    comment: str,
    status: VersionStatus | str,
    restored_from: int | None = None,
) -> _SaveRequest:
    if status not in SAVED_STATUSES:
        raise StatusError(status)
    if base_version is not None and (
        isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1
    ):
        raise PlanStoreError(f"A base version is a version number from 1, not {base_version!r}.")
    # A Plan built with model_copy(update=...) skips validation: validate what is kept.
    plan_json = plan_to_json(plan)
    checked = plan_from_json(plan_json)
    return _SaveRequest(
        key=PlanKey.of(checked),
        plan_json=plan_json,
        author=clean_name(author, "Author"),
        comment=_clean_comment(comment),
        status=VersionStatus(status),
        base_version=base_version,
        restored_from=restored_from,
    )


def _restore_comment(version: int, comment: str) -> str:
    comment = _clean_comment(comment)
    return comment or f"Restored version {version}"


# --- in memory ----------------------------------------------------------------


@dataclass
class _MemoryPlan:
    key: PlanKey
    versions: list[tuple[VersionInfo, str]] = field(default_factory=list)
    approvals: dict[int, tuple[str, datetime]] = field(default_factory=dict)

    def info(self, version: int) -> VersionInfo:
        if not 1 <= version <= len(self.versions):
            raise VersionNotFoundError(self.key, version, len(self.versions))
        info = self.versions[version - 1][0]
        if version in self.approvals:
            by, at = self.approvals[version]
            return _approved(info, by, at)
        return info


def _approved(info: VersionInfo, by: str, at: datetime) -> VersionInfo:
    return VersionInfo(
        key=info.key,
        version=info.version,
        status=VersionStatus.APPROVED,
        author=info.author,
        saved_at=info.saved_at,
        comment=info.comment,
        based_on=info.based_on,
        restored_from=info.restored_from,
        approved_by=by,
        approved_at=at,
    )


class InMemoryPlanStore:
    """A PlanStore in a dict, for unit tests: the same rules, nothing kept on disk."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._plans: dict[tuple[str, int], _MemoryPlan] = {}
        self._lock = threading.Lock()

    def _find(self, key: PlanKey) -> _MemoryPlan:
        stored = self._plans.get((key.match_name, key.fiscal_year))
        if stored is None:
            raise PlanNotFoundError(key)
        return stored

    def _append(self, request: _SaveRequest) -> VersionInfo:
        with self._lock:
            match = (request.key.match_name, request.key.fiscal_year)
            stored = self._plans.get(match)
            if request.base_version is None:
                if stored is not None:
                    raise VersionConflictError(stored.key, None, stored.info(len(stored.versions)))
                stored = _MemoryPlan(request.key)
            elif stored is None:
                raise PlanNotFoundError(request.key)
            else:
                latest = len(stored.versions)
                if request.base_version > latest:
                    raise VersionNotFoundError(stored.key, request.base_version, latest)
                if request.base_version != latest:
                    raise VersionConflictError(
                        stored.key, request.base_version, stored.info(latest)
                    )
            info = VersionInfo(
                key=stored.key,
                version=len(stored.versions) + 1,
                status=request.status,
                author=request.author,
                saved_at=self._clock(),
                comment=request.comment,
                based_on=request.base_version,
                restored_from=request.restored_from,
            )
            stored.versions.append((info, request.plan_json))
            self._plans[match] = stored
            return info

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        author: str,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        return self._append(_save_request(plan, base_version, author, comment, status))

    def get(self, key: PlanKey, version: int | None = None) -> StoredPlan:
        with self._lock:
            stored = self._find(key)
            number = len(stored.versions) if version is None else version
            info = stored.info(number)
            plan_json = stored.versions[number - 1][1]
        return StoredPlan(info, plan_from_json(plan_json))

    def list(self) -> tuple[PlanSummary, ...]:
        with self._lock:
            summaries = [
                PlanSummary(
                    stored.key,
                    stored.info(len(stored.versions)),
                    max(stored.approvals, default=None),
                )
                for stored in self._plans.values()
            ]
        return _sorted(summaries)

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        with self._lock:
            stored = self._find(key)
            return tuple(stored.info(n) for n in range(len(stored.versions), 0, -1))

    def approve(self, key: PlanKey, version: int, approver: str) -> VersionInfo:
        approver = clean_name(approver, "Approver")
        with self._lock:
            stored = self._find(key)
            info = stored.info(version)
            if info.is_approved:
                raise ApprovedVersionError(info)
            stored.approvals[version] = (approver, self._clock())
            return stored.info(version)

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, author: str, comment: str = ""
    ) -> VersionInfo:
        old = self.get(key, version)
        request = _save_request(
            old.plan,
            base_version,
            author,
            _restore_comment(version, comment),
            VersionStatus.DRAFT,
            restored_from=version,
        )
        return self._append(request)


def _sorted(summaries: list[PlanSummary]) -> tuple[PlanSummary, ...]:
    return tuple(sorted(summaries, key=lambda s: (s.key.match_name, s.key.fiscal_year)))


# --- SQL ----------------------------------------------------------------------


def sqlite_url(path: str | Path) -> URL:
    """The SQLAlchemy URL of a SQLite file (``~`` expanded)."""
    return URL.create("sqlite+pysqlite", database=str(Path(path).expanduser()))


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """``BUDGET_DB_PATH`` if set, else ``~/.budget-planner/plans.db``; ``~`` expanded."""
    env = os.environ if environ is None else environ
    return Path(env.get(DB_PATH_ENV) or DEFAULT_DB_PATH).expanduser()


def store_from_env(environ: Mapping[str, str] | None = None) -> SqlPlanStore:
    """The app's store: ``BUDGET_DB_URL`` if set, else a SQLite file at ``default_db_path``."""
    env = os.environ if environ is None else environ
    url = env.get(DB_URL_ENV, "").strip()
    return SqlPlanStore(url if url else sqlite_url(default_db_path(env)))


def _utc(moment: datetime) -> datetime:
    # SQLite hands back the naive UTC time that was stored; PostgreSQL an aware one.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreUnavailableError(
            "A SQLite plan database must be a file path; use InMemoryPlanStore for memory."
        )
    path = Path(database).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _engine(url: str | URL) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True)
    raise StoreUnavailableError(
        f"The plan store runs on SQLite or PostgreSQL, not {backend!r} "
        f"({parsed.render_as_string(hide_password=True)})."
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
)
_VERSIONS = plans.join(plan_versions, plan_versions.c.plan_id == plans.c.id).outerjoin(
    approvals,
    and_(
        approvals.c.plan_id == plan_versions.c.plan_id,
        approvals.c.version == plan_versions.c.version,
    ),
)


def _info(row: Any) -> VersionInfo:
    approved = row.approved_by is not None
    return VersionInfo(
        key=PlanKey(row.name, row.fiscal_year),
        version=row.version,
        status=VersionStatus.APPROVED if approved else VersionStatus(row.status),
        author=row.author,
        saved_at=_utc(row.saved_at),
        comment=row.comment,
        based_on=row.based_on,
        restored_from=row.restored_from,
        approved_by=row.approved_by,
        approved_at=_utc(row.approved_at) if approved else None,
    )


def _match(key: PlanKey) -> Any:
    return and_(plans.c.match_name == key.match_name, plans.c.fiscal_year == key.fiscal_year)


class SqlPlanStore:
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
        try:
            yield
        except (exc.OperationalError, exc.InterfaceError) as error:
            where = self.url.render_as_string(hide_password=True)
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise StoreUnavailableError(
                f"The plan database at {where} cannot be used right now: {reason}"
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

    def _append(self, request: _SaveRequest) -> VersionInfo:
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

    def _append_in(self, connection: Connection, request: _SaveRequest) -> VersionInfo:
        now = self._clock()
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
            version = latest + 1
        connection.execute(
            insert(plan_versions).values(
                plan_id=plan_id,
                version=version,
                status=request.status.value,
                author=request.author,
                saved_at=now,
                comment=request.comment,
                based_on=request.base_version,
                restored_from=request.restored_from,
                plan_json=request.plan_json,
            )
        )
        return VersionInfo(
            key=key,
            version=version,
            status=request.status,
            author=request.author,
            saved_at=now,
            comment=request.comment,
            based_on=request.base_version,
            restored_from=request.restored_from,
        )

    def save(
        self,
        plan: Plan,
        *,
        base_version: int | None,
        author: str,
        comment: str = "",
        status: VersionStatus = VersionStatus.DRAFT,
    ) -> VersionInfo:
        return self._append(_save_request(plan, base_version, author, comment, status))

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
        return StoredPlan(_info(row), plan_from_json(row.plan_json))

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
        return _sorted(summaries)

    def history(self, key: PlanKey) -> tuple[VersionInfo, ...]:
        with self._reading() as connection:
            plan = self._plan_row(connection, key)
            rows = connection.execute(
                select(*_VERSION_COLUMNS)
                .select_from(_VERSIONS)
                .where(plan_versions.c.plan_id == plan.id)
                .order_by(plan_versions.c.version.desc())
            ).all()
        return tuple(_info(row) for row in rows)

    def approve(self, key: PlanKey, version: int, approver: str) -> VersionInfo:
        approver = clean_name(approver, "Approver")
        try:
            with self._writing() as connection:
                plan = self._plan_row(connection, key, lock=True)
                latest = self._latest_number(connection, plan.id)
                if not 1 <= version <= latest:
                    raise VersionNotFoundError(
                        PlanKey(plan.name, plan.fiscal_year), version, latest
                    )
                info = self._version_info(connection, plan.id, version)
                if info.is_approved:
                    raise ApprovedVersionError(info)
                connection.execute(
                    insert(approvals).values(
                        plan_id=plan.id,
                        version=version,
                        approved_by=approver,
                        approved_at=self._clock(),
                    )
                )
                return self._version_info(connection, plan.id, version)
        except exc.IntegrityError:
            with self._reading() as connection:
                plan = self._plan_row(connection, key)
                info = self._version_info(connection, plan.id, version)
            if not info.is_approved:
                raise
            raise ApprovedVersionError(info) from None

    def restore(
        self, key: PlanKey, version: int, *, base_version: int, author: str, comment: str = ""
    ) -> VersionInfo:
        old = self.get(key, version)
        request = _save_request(
            old.plan,
            base_version,
            author,
            _restore_comment(version, comment),
            VersionStatus.DRAFT,
            restored_from=version,
        )
        return self._append(request)
