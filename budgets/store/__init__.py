"""Plans that last: every saved state of every plan, in SQLite or PostgreSQL.

Pages talk to a ``PlanStore`` and never to SQL: ``save`` a plan, ``get`` any
version of it (a frozen, read-only ``Plan``), ``list`` the stored plans,
read a plan's ``history``, ``restore`` an old version; take a version through
its review (``submit``, ``send_back``, ``approve``); read the ``audit`` log;
keep who holds which role (``roles_of``, ``role_holders``, ``set_roles``).

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
    * Every change names who makes it (a ``budgets.access.User``) and needs
      their role: saving and submitting a manager's role, each part of the
      plan a save changes its editor's role (marketing plan: marketing
      manager; P&L budget and targets: e-commerce manager), approving and
      sending back finance, assigning roles admin. A refusal
      (``AccessError``) names the role needed.
    * Every save appends a version (1, 2, 3... per plan) holding the whole
      plan as validated JSON, the author's e-mail address and name, the UTC
      time, the comment and the status, ``draft`` or ``submitted``. Nothing
      is updated or deleted.
    * The review: a draft (or a version sent back) is submitted for review,
      then finance approves it or sends it back with changes requested (a
      note saying what). Each step, each save and each role change is a row
      of the audit log: who, when, which version, what, the note.
    * Optimistic concurrency: a save names the version it was based on
      (``None`` for a new plan). When a newer version exists, or a new plan's
      name and year are taken, the save is refused with ``VersionConflictError``,
      whose message says who saved which version and when. The database
      decides, not the app: writers of a plan are serialised (SQLite's write
      lock taken at BEGIN IMMEDIATE; ``SELECT ... FOR UPDATE`` on the plan's
      row in PostgreSQL) and (plan, version) is a primary key, so two
      sessions can never both save on top of the same version.
    * Approval (``approve``) of a submitted version records who approved it
      and when; the version's status becomes ``approved`` and stays so, and
      its content, like every version's, never changes. Approving it again
      raises ``ApprovedVersionError``; saving on top of it starts a new version.
    * Restoring a version saves its content again as a new draft on top.

The schema is created and upgraded by the app (``budgets.store.schema``).
``InMemoryPlanStore`` keeps the same rules in memory, for unit tests.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from budgets.store.memory import InMemoryPlanStore
from budgets.store.model import (
    ApprovedVersionError,
    AuditAction,
    AuditEntry,
    PlanKey,
    PlanNotFoundError,
    PlanStore,
    PlanStoreError,
    PlanSummary,
    ReviewStepError,
    StatusError,
    StoredPlan,
    StoredVersionInvalidError,
    StoreUnavailableError,
    VersionConflictError,
    VersionInfo,
    VersionNotFoundError,
    VersionStatus,
    clean_name,
)
from budgets.store.sql import SqlPlanStore, sqlite_url

DB_URL_ENV = "BUDGET_DB_URL"
DB_PATH_ENV = "BUDGET_DB_PATH"
DEFAULT_DB_PATH = Path("~/.budget-planner/plans.db")

__all__ = [
    "DB_PATH_ENV",
    "DB_URL_ENV",
    "DEFAULT_DB_PATH",
    "ApprovedVersionError",
    "AuditAction",
    "AuditEntry",
    "InMemoryPlanStore",
    "PlanKey",
    "PlanNotFoundError",
    "PlanStore",
    "PlanStoreError",
    "PlanSummary",
    "ReviewStepError",
    "SqlPlanStore",
    "StatusError",
    "StoreUnavailableError",
    "StoredPlan",
    "StoredVersionInvalidError",
    "VersionConflictError",
    "VersionInfo",
    "VersionNotFoundError",
    "VersionStatus",
    "clean_name",
    "default_db_path",
    "sqlite_url",
    "store_from_env",
]


def default_db_path(environ: Mapping[str, str] | None = None) -> Path:
    """``BUDGET_DB_PATH`` if set, else ``~/.budget-planner/plans.db``; ``~`` expanded."""
    env = os.environ if environ is None else environ
    return Path(env.get(DB_PATH_ENV) or DEFAULT_DB_PATH).expanduser()


def store_from_env(environ: Mapping[str, str] | None = None) -> SqlPlanStore:
    """The app's store: ``BUDGET_DB_URL`` if set, else a SQLite file at ``default_db_path``."""
    env = os.environ if environ is None else environ
    url = env.get(DB_URL_ENV, "").strip()
    return SqlPlanStore(url if url else sqlite_url(default_db_path(env)))
