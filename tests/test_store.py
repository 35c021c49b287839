"""The plan store: every version kept, no save lost, on SQLite and on a real PostgreSQL server.

Every test taking ``store`` runs three times: in memory (``InMemoryPlanStore``,
the same rules without a database), on a SQLite file in ``tmp_path`` and on a
fresh database of a PostgreSQL server this test session starts itself
(``tests.pg_server``). Tests taking ``db_url`` run on the two databases only.
Without a PostgreSQL server the PostgreSQL runs skip, saying why; under CI
(``CI`` set) they fail instead, so a missing server cannot pass unnoticed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, exc, make_url, text

from budgets import Plan, PlanValidationError, parse_plan, save_plan
from budgets.plan import MAX_CHANNELS
from budgets.samples import large_plan, sample_plan
from budgets.store import (
    ApprovedVersionError,
    InMemoryPlanStore,
    PlanKey,
    PlanNotFoundError,
    PlanStore,
    SqlPlanStore,
    StatusError,
    StoreUnavailableError,
    VersionConflictError,
    VersionNotFoundError,
    VersionStatus,
    clean_name,
    default_db_path,
    sqlite_url,
    store_from_env,
)
from budgets.store.schema import LATEST_SCHEMA, migrate
from tests.conftest import person, smallest_plan_data, with_changes
from tests.pg_server import PostgresUnavailableError, TemporaryPostgres

ROOT = Path(__file__).resolve().parent.parent


class TickingClock:
    """09:01, 09:02, ... on 1 March 2027 (UTC): one minute later at every call."""

    def __init__(self) -> None:
        self.now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            self.now += timedelta(minutes=1)
            return self.now


@pytest.fixture(scope="session")
def postgres() -> Iterator[TemporaryPostgres]:
    server = TemporaryPostgres()
    try:
        server.start()
    except PostgresUnavailableError as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a PostgreSQL server and none could be started: {error}")
        pytest.skip(f"no PostgreSQL server could be started here: {error}")
    yield server
    server.stop()


def _database(request: pytest.FixtureRequest, kind: str) -> str:
    """The URL of an empty database: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if kind == "sqlite":
        tmp_path: Path = request.getfixturevalue("tmp_path")
        return str(sqlite_url(tmp_path / "plans.db"))
    server: TemporaryPostgres = request.getfixturevalue("postgres")
    return server.create_database(f"plans_{uuid.uuid4().hex}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    return _database(request, request.param)


@pytest.fixture
def open_store(db_url: str) -> Iterator[Any]:
    """Opens SqlPlanStores on the test's database (one per session of a user); closes them."""
    opened: list[SqlPlanStore] = []

    def open_one() -> SqlPlanStore:
        store = SqlPlanStore(db_url, clock=TickingClock())
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def sql_store(open_store: Any) -> SqlPlanStore:
    """One store on the test's database, kept across a property test's examples."""
    store: SqlPlanStore = open_store()
    return store


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Iterator[PlanStore]:
    if request.param == "memory":
        yield InMemoryPlanStore(clock=TickingClock())
        return
    with SqlPlanStore(_database(request, request.param), clock=TickingClock()) as opened:
        yield opened


def smallest_plan(*edits: tuple[str, Any], **fields: Any) -> Plan:
    """The smallest plan (tests/conftest.py) with edits at paths and top-level fields replaced."""
    data = smallest_plan_data()
    for path, value in [*edits, *fields.items()]:
        data = with_changes(data, path, value)
    return parse_plan(data)


KEY = PlanKey("Smallest", 2027)


def is_valid_name(name: str) -> bool:
    """Whether ``name`` passes the name rules (a word mixing Latin and Cyrillic does not)."""
    try:
        clean_name(name)
    except PlanValidationError:
        return False
    return True


# --- saving, reading, listing -------------------------------------------------


def test_a_first_save_is_version_1_by_its_author(store: PlanStore) -> None:
    plan = smallest_plan()

    saved = store.save(plan, base_version=None, by=person("Marta"), comment="First draft")

    assert saved.key == KEY
    assert (saved.version, saved.status, saved.author, saved.comment) == (
        1,
        VersionStatus.DRAFT,
        "Marta",
        "First draft",
    )
    assert saved.saved_at == datetime(2027, 3, 1, 9, 1, tzinfo=UTC)
    assert saved.based_on is None


def test_get_returns_the_saved_plan_unchanged(store: PlanStore) -> None:
    plan = sample_plan()
    store.save(plan, base_version=None, by=person("Marta"))

    stored = store.get(PlanKey.of(plan))

    assert stored.plan == plan
    assert stored.info.version == 1


def test_every_save_appends_a_version_and_keeps_the_earlier_ones(store: PlanStore) -> None:
    plans = [smallest_plan(("marketing.channels.0.spend.3", spend)) for spend in (1, 2, 3)]

    for base, plan in enumerate(plans):
        store.save(plan, base_version=base or None, by=person("Marta"), comment=f"spend {base + 1}")

    assert [store.get(KEY, n).plan for n in (1, 2, 3)] == plans
    assert store.get(KEY).info.version == 3
    assert store.get(KEY).plan == plans[2]


def test_history_lists_every_version_newest_first(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"), comment="Draft")
    store.save(smallest_plan(), base_version=1, by=person("Elif"), comment="Targets set")
    store.save(smallest_plan(), base_version=2, by=person("Marta"), status=VersionStatus.SUBMITTED)

    history = store.history(KEY)

    assert [(v.version, v.author, v.status, v.comment, v.based_on) for v in history] == [
        (3, "Marta", VersionStatus.SUBMITTED, "", 2),
        (2, "Elif", VersionStatus.DRAFT, "Targets set", 1),
        (1, "Marta", VersionStatus.DRAFT, "Draft", None),
    ]
    assert [v.saved_at.minute for v in history] == [3, 2, 1]


def test_list_shows_each_plan_by_name_and_year_with_its_latest_version(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    store.save(smallest_plan(fiscal_year=2026), base_version=None, by=person("Elif"))
    store.save(smallest_plan(name="Another"), base_version=None, by=person("Marta"))
    store.save(smallest_plan(), base_version=1, by=person("Jonas"), comment="Q1 cut")

    listed = [
        (s.key.name, s.key.fiscal_year, s.latest.version, s.latest.author) for s in store.list()
    ]

    assert listed == [
        ("Another", 2027, 1, "Marta"),
        ("Smallest", 2026, 1, "Elif"),
        ("Smallest", 2027, 2, "Jonas"),
    ]
    assert store.list()[2].as_row() == {
        "name": "Smallest",
        "fiscal_year": 2027,
        "version": 2,
        "status": "draft",
        "author": "Jonas",
        "saved_at": datetime(2027, 3, 1, 9, 4, tzinfo=UTC),
        "approved_version": None,
    }


def test_an_empty_store_lists_nothing(store: PlanStore) -> None:
    assert store.list() == ()


def test_restore_appends_the_old_content_as_a_new_draft(store: PlanStore) -> None:
    old, new = smallest_plan(), smallest_plan(("targets.net_sales", 500_000.0))
    store.save(old, base_version=None, by=person("Marta"))
    store.save(new, base_version=1, by=person("Elif"), status=VersionStatus.SUBMITTED)

    restored = store.restore(KEY, 1, base_version=2, by=person("Jonas"))

    assert (restored.version, restored.status, restored.restored_from, restored.based_on) == (
        3,
        VersionStatus.DRAFT,
        1,
        2,
    )
    assert restored.comment == "Restored version 1"
    assert store.get(KEY).plan == old
    assert store.get(KEY, 2).plan == new
    assert [v.version for v in store.history(KEY)] == [3, 2, 1]


def test_plan_keys_match_names_case_insensitively(store: PlanStore) -> None:
    store.save(smallest_plan(name="Maison Nord"), base_version=None, by=person("Marta"))

    stored = store.get(PlanKey("  maison NORD ", 2027))

    assert stored.info.key.name == "Maison Nord"


# --- optimistic concurrency ---------------------------------------------------


def test_a_save_on_top_of_an_older_version_is_refused_naming_who_saved_what_and_when(
    store: PlanStore,
) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    store.save(smallest_plan(), base_version=1, by=person("Elif"))

    with pytest.raises(VersionConflictError) as refused:
        store.save(smallest_plan(), base_version=1, by=person("Jonas"))

    assert str(refused.value) == (
        "Version 2 of the plan 'Smallest' (FY2027) was saved by Elif on 2027-03-01 09:02 UTC, "
        "after version 1 that your edits started from. Your edits are not saved: reload "
        "version 2, compare it with your edits and save again."
    )
    assert refused.value.latest.author == "Elif"
    assert [v.version for v in store.history(KEY)] == [2, 1]


def test_a_new_plan_under_a_name_and_year_already_stored_is_refused(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))

    with pytest.raises(VersionConflictError) as refused:
        store.save(smallest_plan(name="SMALLEST"), base_version=None, by=person("Jonas"))

    assert str(refused.value) == (
        "A plan 'Smallest' (FY2027) already exists: version 1 was saved by Marta on "
        "2027-03-01 09:01 UTC. Your plan is not saved: open the stored plan and save on top "
        "of it, or give yours another name."
    )
    assert len(store.history(KEY)) == 1


def test_a_restore_on_top_of_an_older_version_is_refused(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    store.save(smallest_plan(), base_version=1, by=person("Elif"))

    with pytest.raises(VersionConflictError, match="saved by Elif"):
        store.restore(KEY, 1, base_version=1, by=person("Jonas"))

    assert len(store.history(KEY)) == 2


def test_the_loser_of_a_conflict_saves_its_edits_on_top_of_the_winner(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    winner = smallest_plan(("targets.net_sales", 450_000.0))
    loser = smallest_plan(("targets.ebitda_margin", 0.12))
    store.save(winner, base_version=1, by=person("Elif"))
    with pytest.raises(VersionConflictError) as refused:
        store.save(loser, base_version=1, by=person("Jonas"))

    store.save(loser, base_version=refused.value.latest.version, by=person("Jonas"))

    assert store.get(KEY, 2).plan == winner
    assert store.get(KEY, 3).plan == loser


# --- approval -----------------------------------------------------------------


def test_approving_a_version_marks_it_approved_by_whom_and_when(store: PlanStore) -> None:
    store.save(
        smallest_plan(), base_version=None, by=person("Marta"), status=VersionStatus.SUBMITTED
    )

    approved = store.approve(KEY, 1, person("Farid"))

    assert (approved.status, approved.approved_by, approved.approved_at) == (
        VersionStatus.APPROVED,
        "Farid",
        datetime(2027, 3, 1, 9, 2, tzinfo=UTC),
    )
    assert store.get(KEY, 1).info.is_approved
    assert store.list()[0].approved_version == 1


def test_approving_an_approved_version_again_is_refused(store: PlanStore) -> None:
    store.save(
        smallest_plan(), base_version=None, by=person("Marta"), status=VersionStatus.SUBMITTED
    )
    store.approve(KEY, 1, person("Farid"))

    with pytest.raises(ApprovedVersionError) as refused:
        store.approve(KEY, 1, person("Someone else"))

    assert str(refused.value) == (
        "Version 1 of the plan 'Smallest' (FY2027) was approved by Farid on 2027-03-01 09:02 "
        "UTC and cannot change; save on top of it to start a new draft."
    )
    assert store.get(KEY, 1).info.approved_by == "Farid"


def test_saving_on_top_of_an_approved_version_starts_a_new_draft_and_keeps_it(
    store: PlanStore,
) -> None:
    approved_plan = smallest_plan()
    store.save(approved_plan, base_version=None, by=person("Marta"), status=VersionStatus.SUBMITTED)
    store.approve(KEY, 1, person("Farid"))
    edited = smallest_plan(("marketing.channels.2.spend.0", 900.0))

    draft = store.save(edited, base_version=1, by=person("Marta"), comment="Agency fee up")

    assert (draft.version, draft.status) == (2, VersionStatus.DRAFT)
    assert store.get(KEY, 1).plan == approved_plan
    assert store.get(KEY, 1).info.status is VersionStatus.APPROVED
    summary = store.list()[0]
    assert (summary.latest.version, summary.latest.status, summary.approved_version) == (
        2,
        VersionStatus.DRAFT,
        1,
    )


def test_restoring_an_approved_version_makes_a_draft_copy(store: PlanStore) -> None:
    store.save(
        smallest_plan(), base_version=None, by=person("Marta"), status=VersionStatus.SUBMITTED
    )
    store.approve(KEY, 1, person("Farid"))
    store.save(smallest_plan(("targets.net_sales", 1.0)), base_version=1, by=person("Marta"))

    restored = store.restore(KEY, 1, base_version=2, by=person("Marta"), comment="Back to approved")

    assert (restored.status, restored.comment) == (VersionStatus.DRAFT, "Back to approved")
    assert store.get(KEY, 1).info.is_approved


@pytest.mark.parametrize("status", ["approved", VersionStatus.APPROVED, "final"])
def test_a_save_cannot_make_a_version_approved(store: PlanStore, status: Any) -> None:
    with pytest.raises(StatusError, match="only finance's review approves a version"):
        store.save(smallest_plan(), base_version=None, by=person("Marta"), status=status)

    assert store.list() == ()


# --- what is missing ----------------------------------------------------------


def test_a_plan_not_stored_is_reported_by_name(store: PlanStore) -> None:
    with pytest.raises(PlanNotFoundError) as missing:
        store.get(PlanKey("Nowhere", 2027))

    assert str(missing.value) == (
        "No plan 'Nowhere' (FY2027) is stored. To keep it under this name, save it as a new plan."
    )
    with pytest.raises(PlanNotFoundError):
        store.history(PlanKey("Nowhere", 2027))
    with pytest.raises(PlanNotFoundError):
        store.save(smallest_plan(), base_version=1, by=person("Marta"))


@pytest.mark.parametrize("version", [0, 3, 99])
def test_a_version_not_stored_is_reported_with_the_versions_there_are(
    store: PlanStore, version: int
) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    store.save(smallest_plan(), base_version=1, by=person("Marta"))

    with pytest.raises(VersionNotFoundError) as missing:
        store.get(KEY, version)

    assert str(missing.value) == (
        f"The plan 'Smallest' (FY2027) has no version {version}; its versions are 1 to 2."
    )
    with pytest.raises(VersionNotFoundError):
        store.approve(KEY, version, person("Farid"))


def test_a_save_on_top_of_a_version_beyond_the_latest_is_refused(store: PlanStore) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))

    with pytest.raises(VersionNotFoundError):
        store.save(smallest_plan(), base_version=5, by=person("Marta"))


# --- names are data -----------------------------------------------------------

DATA_NAMES = [
    "O'Brien's \"best\" plan",
    "'; DROP TABLE plans; --",
    "Robert'); DELETE FROM plan_versions WHERE ('1'='1",
    "../../etc/passwd",
    "C:\\plans\\fy27.json",
    "100% _wild_ [card]",
    "Café Zürich – 北京 · 🚀",
    "x" * 80,
]


@pytest.mark.parametrize("name", DATA_NAMES)
def test_names_with_quotes_sql_paths_and_unicode_round_trip_as_data(
    store: PlanStore, name: str
) -> None:
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    plan = smallest_plan(name=name)

    store.save(plan, base_version=None, by=person(name))

    assert store.get(PlanKey(name, 2027)).plan == plan
    assert store.get(PlanKey(name, 2027)).info.author == name
    assert sorted(s.key.name for s in store.list()) == sorted(["Smallest", name])
    assert len(store.history(KEY)) == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(
        st.characters(exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=80,
    )
    .filter(str.strip)
    .filter(is_valid_name)
)
def test_any_valid_name_round_trips_as_data(sql_store: SqlPlanStore, name: str) -> None:
    store = sql_store
    key = PlanKey(name, 2027)
    assume(all(s.key.match_name != key.match_name for s in store.list()))

    store.save(smallest_plan(name=name), base_version=None, by=person("Marta"))

    assert store.get(key).plan.name == name.strip()
    assert key.name in [s.key.name for s in store.list()]


def test_names_are_trimmed(store: PlanStore) -> None:
    store.save(smallest_plan(name="  Padded  "), base_version=None, by=person("  Marta "))

    summary = store.list()[0]

    assert (summary.key.name, summary.latest.author) == ("Padded", "Marta")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("bad\x00name", "a name must not contain control characters"),
        ("new\nline", "a name must not contain control characters"),
        ("tab\there", "a name must not contain control characters"),
        ("\x1b[31mred", "a name must not contain control characters"),
        ("   ", "a name must be 1 to 80 characters after trimming spaces (it has 0)"),
        ("y" * 81, "a name must be 1 to 80 characters after trimming spaces (it has 81)"),
    ],
)
def test_bad_plan_names_are_refused(store: PlanStore, name: str, problem: str) -> None:
    with pytest.raises(PlanValidationError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        PlanKey(name, 2027)
    # A plan copied without validation is checked again when saved.
    unchecked = smallest_plan().model_copy(update={"name": name})
    with pytest.raises(PlanValidationError):
        store.save(unchecked, base_version=None, by=person("Marta"))

    assert store.list() == ()


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("  Marta   Ruiz ", "Marta Ruiz"),
        ("new\nline", "new line"),
        ("   ", "someone@example.com"),
        ("y" * 81, "y" * 80),
    ],
)
def test_a_signed_in_name_is_kept_tidy_and_the_address_stands_in_for_none(
    store: PlanStore, name: str, kept: str
) -> None:
    saved = store.save(smallest_plan(), base_version=None, by=person(name))

    assert saved.author == kept
    assert saved.author_email == person(name).email


def test_a_name_with_control_characters_is_refused(store: PlanStore) -> None:
    with pytest.raises(PlanValidationError, match=r"^Name: "):
        store.save(smallest_plan(), base_version=None, by=person("bad\x00name"))
    assert store.list() == ()


def test_a_plan_copied_with_invalid_figures_is_refused_on_save(store: PlanStore) -> None:
    plan = smallest_plan()
    pnl = plan.pnl.model_copy(update={"return_rate": (1.5,) * 12})
    broken = plan.model_copy(update={"pnl": pnl})

    with pytest.raises(PlanValidationError, match="return rate"):
        store.save(broken, base_version=None, by=person("Marta"))

    assert store.list() == ()


@pytest.mark.parametrize("year", [1999, 2101, "2027", True])
def test_a_plan_key_needs_a_fiscal_year_from_2000_to_2100(year: Any) -> None:
    with pytest.raises(PlanValidationError, match="Fiscal year"):
        PlanKey("Smallest", year)


def test_comments_keep_line_breaks_and_refuse_other_control_characters(store: PlanStore) -> None:
    saved = store.save(smallest_plan(), base_version=None, by=person("M"), comment=" Two\nlines ")

    assert saved.comment == "Two\nlines"
    with pytest.raises(PlanValidationError, match="Comment"):
        store.save(smallest_plan(), base_version=1, by=person("M"), comment="bell\x07")
    with pytest.raises(PlanValidationError, match="at most 2000 characters"):
        store.save(smallest_plan(), base_version=1, by=person("M"), comment="c" * 2001)


# --- concurrency, on the real databases --------------------------------------


def _race(*calls: Any) -> list[Any]:
    """Run the calls at once, in threads released by one barrier; each one's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except Exception as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("round_", range(4))
@pytest.mark.parametrize("shared", [False, True], ids=["own-stores", "one-shared-store"])
def test_two_sessions_saving_on_top_of_the_same_version_one_wins(
    open_store: Any, shared: bool, round_: int
) -> None:
    # Two app processes each have their own store; two browser sessions of one
    # app process share one store (and its connection pool).
    first = open_store()
    first.save(smallest_plan(), base_version=None, by=person("Marta"))
    elif_store, jonas_store = (first, first) if shared else (open_store(), open_store())
    elif_plan = smallest_plan(("targets.net_sales", 450_000.0))
    jonas_plan = smallest_plan(("targets.ebitda_margin", 0.12))

    results = _race(
        lambda: elif_store.save(elif_plan, base_version=1, by=person("Elif")),
        lambda: jonas_store.save(jonas_plan, base_version=1, by=person("Jonas")),
    )

    conflicts = [r for r in results if isinstance(r, VersionConflictError)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert (len(saved), len(conflicts)) == (1, 1), results
    winner, refused = saved[0], conflicts[0]
    assert winner.version == 2
    assert refused.latest.author == winner.author
    assert f"Version 2 of the plan 'Smallest' (FY2027) was saved by {winner.author}" in str(refused)
    assert [v.version for v in first.history(KEY)] == [2, 1]
    won_plan, lost_plan = (
        (elif_plan, jonas_plan) if winner.author == "Elif" else (jonas_plan, elif_plan)
    )
    assert first.get(KEY, 2).plan == won_plan
    # Nothing is lost: the loser still holds its plan and saves it on top.
    loser = jonas_store if winner.author == "Elif" else elif_store
    loser.save(lost_plan, base_version=2, by=person("Loser"))
    assert first.get(KEY, 3).plan == lost_plan


def test_two_sessions_saving_the_same_new_plan_one_wins(open_store: Any) -> None:
    one, two = open_store(), open_store()

    results = _race(
        lambda: one.save(smallest_plan(), base_version=None, by=person("Marta")),
        lambda: two.save(smallest_plan(), base_version=None, by=person("Elif")),
    )

    conflicts = [r for r in results if isinstance(r, VersionConflictError)]
    saved = [r for r in results if not isinstance(r, Exception)]
    assert (len(saved), len(conflicts)) == (1, 1), results
    assert conflicts[0].latest.author == saved[0].author
    assert "already exists" in str(conflicts[0])
    assert len(one.list()) == 1
    assert [v.version for v in one.history(KEY)] == [1]


def test_a_save_waits_for_a_save_in_progress_and_then_conflicts(open_store: Any) -> None:
    first = open_store()
    first.save(smallest_plan(), base_version=None, by=person("Marta"))
    slow, fast = open_store(), open_store()
    inside, release = threading.Event(), threading.Event()

    def pause_before_commit(_connection: Any) -> None:
        inside.set()
        release.wait(timeout=30)

    event.listen(slow.engine, "commit", pause_before_commit)
    slow_result = _Background(lambda: slow.save(smallest_plan(), base_version=1, by=person("Elif")))
    assert inside.wait(timeout=30)
    fast_result = _Background(
        lambda: fast.save(smallest_plan(), base_version=1, by=person("Jonas"))
    )
    time.sleep(0.5)

    assert not fast_result.done(), "a second writer went ahead while the first held the plan"
    release.set()
    assert slow_result.value().version == 2
    assert isinstance(fast_result.error(), VersionConflictError)
    assert "saved by Elif" in str(fast_result.error())


class _Background:
    def __init__(self, call: Any) -> None:
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,))
        self._thread.start()

    def _run(self, call: Any) -> None:
        try:
            self._result = call()
        except Exception as error:
            self._error = error

    def done(self) -> bool:
        return not self._thread.is_alive()

    def value(self) -> Any:
        self._thread.join(timeout=60)
        if self._error is not None:
            raise self._error
        return self._result

    def error(self) -> BaseException | None:
        self._thread.join(timeout=60)
        return self._error


SAVES_PER_SESSION = 5


def _session(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_sessions", *arguments],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sessions_in_separate_processes_lose_no_version(open_store: Any, db_url: str) -> None:
    open_store().save(smallest_plan(), base_version=None, by=person("Marta"), comment="start")
    authors = ["Elif", "Jonas", "Farid"]
    sessions = [
        _session("save", db_url, KEY.name, str(KEY.fiscal_year), author, str(SAVES_PER_SESSION))
        for author in authors
    ]
    for session in sessions:
        assert session.stdout is not None
        assert session.stdout.readline().strip() == "ready", session.communicate()[1]

    for session in sessions:
        assert session.stdin is not None
        session.stdin.write("go\n")
        session.stdin.flush()
    outputs = [session.communicate(timeout=120) for session in sessions]

    assert [session.returncode for session in sessions] == [0, 0, 0], outputs
    history = open_store().history(KEY)
    assert [v.version for v in history] == list(range(1 + 3 * SAVES_PER_SESSION, 0, -1))
    comments = sorted(v.comment for v in history)
    expected = sorted(["start"] + [f"{a} {n}" for a in authors for n in range(SAVES_PER_SESSION)])
    assert comments == expected
    assert all(v.based_on == v.version - 1 for v in history if v.version > 1)


# --- crash safety -------------------------------------------------------------


def test_a_save_killed_inside_its_transaction_leaves_earlier_versions_intact(
    open_store: Any, db_url: str, tmp_path: Path
) -> None:
    store = open_store()
    first, second = smallest_plan(), smallest_plan(("targets.net_sales", 450_000.0))
    store.save(first, base_version=None, by=person("Marta"))
    store.save(second, base_version=1, by=person("Elif"))
    plan_file = tmp_path / "edited.json"
    save_plan(large_plan(MAX_CHANNELS).model_copy(update={"name": "Smallest"}), plan_file)
    on_sqlite = make_url(db_url).get_backend_name() == "sqlite"
    wal = Path(f"{make_url(db_url).database}-wal")
    wal_before = wal.stat().st_size if on_sqlite else 0
    saving = _session("hang", db_url, str(plan_file), "2", "Jonas")
    try:
        line = saving.stdout.readline() if saving.stdout else ""
        assert line.strip() == "inside the transaction", (
            saving.stderr.read() if saving.stderr else ""
        )
        if on_sqlite:
            # The new version reached the disk uncommitted: reopening must ignore it.
            assert wal.stat().st_size > wal_before
        # Readers are not held up by the open transaction, and do not see it.
        assert [v.version for v in store.history(KEY)] == [2, 1]
    finally:
        os.kill(saving.pid, signal.SIGKILL)
        saving.communicate(timeout=30)

    assert saving.returncode == -signal.SIGKILL
    reopened = open_store()
    assert [v.version for v in reopened.history(KEY)] == [2, 1]
    assert reopened.get(KEY, 1).plan == first
    assert reopened.get(KEY, 2).plan == second
    assert reopened.save(first, base_version=2, by=person("Jonas")).version == 3


# --- the database keeps versions immutable ------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE plan_versions SET plan_json = '{}' WHERE version = 1",
        "DELETE FROM plan_versions WHERE version = 1",
        "UPDATE approvals SET approved_by = 'Mallory'",
        "DELETE FROM approvals",
        "UPDATE audit_log SET actor_name = 'Mallory'",
        "UPDATE audit_log SET action = 'approved' WHERE action = 'submitted'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'approved'",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_version(
    open_store: Any, db_url: str, statement: str
) -> None:
    store = open_store()
    plan = smallest_plan()
    store.save(plan, base_version=None, by=person("Marta"), status=VersionStatus.SUBMITTED)
    store.approve(KEY, 1, person("Farid"))
    engine = create_engine(db_url)

    with pytest.raises(exc.DBAPIError, match="never changed or deleted"), engine.begin() as raw:
        raw.execute(text(statement))

    engine.dispose()
    assert store.get(KEY, 1).plan == plan
    assert store.get(KEY, 1).info.approved_by == "Farid"


# --- schema and where the store lives -----------------------------------------


def _schema_rows(url: str) -> list[tuple[int, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT version, description FROM schema_version ORDER BY version")
        ).all()
    engine.dispose()
    return [(row[0], row[1]) for row in rows]


def test_a_new_database_gets_every_migration_once(open_store: Any, db_url: str) -> None:
    open_store()
    open_store()

    assert [number for number, _ in _schema_rows(db_url)] == list(range(1, LATEST_SCHEMA + 1))


def test_an_older_schema_is_upgraded_when_the_store_opens(open_store: Any, db_url: str) -> None:
    engine = create_engine(db_url)
    assert migrate(engine, target=1) == 1
    engine.dispose()

    store = open_store()

    assert [number for number, _ in _schema_rows(db_url)] == list(range(1, LATEST_SCHEMA + 1))
    store.save(smallest_plan(), base_version=None, by=person("Marta"))
    assert store.get(KEY).info.version == 1


def test_a_schema_newer_than_the_app_is_refused(open_store: Any, db_url: str) -> None:
    open_store()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO schema_version (version, description, applied_at) "
                "VALUES (99, 'from the future', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()

    with pytest.raises(StoreUnavailableError, match="schema version 99; this release"):
        open_store()


def test_the_sqlite_file_and_its_folders_are_created_on_first_use_in_wal_mode(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "folder" / "plans.db"

    with SqlPlanStore(sqlite_url(path)) as store:
        store.save(smallest_plan(), base_version=None, by=person("Marta"))
        with store.engine.connect() as connection:
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()

    assert path.is_file()
    assert (mode, timeout) == ("wal", 5000)


def test_the_store_comes_from_budget_db_url_when_set(tmp_path: Path) -> None:
    url = str(sqlite_url(tmp_path / "shared.db"))

    with store_from_env({"BUDGET_DB_URL": url, "BUDGET_DB_PATH": str(tmp_path / "no.db")}) as store:
        store.save(smallest_plan(), base_version=None, by=person("Marta"))

    assert (tmp_path / "shared.db").is_file()
    assert not (tmp_path / "no.db").exists()


def test_the_store_is_a_sqlite_file_at_budget_db_path_otherwise(tmp_path: Path) -> None:
    with store_from_env({"BUDGET_DB_PATH": str(tmp_path / "mine" / "plans.db")}) as store:
        store.save(smallest_plan(), base_version=None, by=person("Marta"))

    assert (tmp_path / "mine" / "plans.db").is_file()


def test_the_default_sqlite_file_is_in_the_users_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/planner")

    assert default_db_path({}) == Path("/home/planner/.budget-planner/plans.db")
    assert default_db_path({"BUDGET_DB_PATH": "~/x.db"}) == Path("/home/planner/x.db")


def test_an_unreachable_postgresql_server_is_reported_without_its_password() -> None:
    url = "postgresql+psycopg://planner:s3cret@127.0.0.1:1/budgets?connect_timeout=3"

    with pytest.raises(StoreUnavailableError) as unavailable:
        SqlPlanStore(url)

    assert "cannot be used right now" in str(unavailable.value)
    assert "s3cret" not in str(unavailable.value)


@pytest.mark.parametrize("url", ["mysql://u@localhost/db", "sqlite://", "sqlite:///:memory:"])
def test_only_sqlite_files_and_postgresql_are_stores(url: str) -> None:
    with pytest.raises(StoreUnavailableError):
        SqlPlanStore(url)
