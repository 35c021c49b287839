"""Median times of the plan store: save and load the 50-channel plan, list 1,000 stored versions.

    python -m benchmarks.store

Runs on a SQLite file in a temporary directory (as the app uses it: WAL, a
flush to disk at every commit) and, when one can be started here, on a
temporary PostgreSQL server with its default durability settings
(``tests.pg_server``). Each figure is the median of 200 calls:

* save: a new version of the 50-channel plan on top of the latest (validation,
  JSON, one transaction);
* load: the latest version back as a validated Plan;
* list: every plan with its latest version, over 100 plans holding 1,000
  versions in all;
* history: every version of the plan that received the saves.

Targets on SQLite: save < 50 ms, load < 30 ms, list < 100 ms.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks.timing import median_ms
from budgets.access import EVERY_ROLE, User
from budgets.samples import large_plan
from budgets.store import PlanKey, SqlPlanStore, sqlite_url
from tests.pg_server import PostgresUnavailableError, TemporaryPostgres

BENCHMARK = User("benchmark@localhost", "Benchmark", EVERY_ROLE)

STORED_VERSIONS = 1_000
PLANS = 100
TARGETS_MS = {"save": 50.0, "load": 30.0, "list": 100.0}


def _report(database: str, what: str, ms: float) -> None:
    target = TARGETS_MS.get(what)
    verdict = ""
    if target is not None:
        verdict = f"(target < {target:g} ms) " + ("ok" if ms < target else "OVER TARGET")
    print(f"{database:10s} {what:24s} median {ms:8.2f} ms  {verdict}".rstrip())


def run(database: str, store: SqlPlanStore) -> None:
    plan = large_plan(50)
    key = PlanKey.of(plan)
    latest = store.save(plan, base_version=None, by=BENCHMARK).version

    def save() -> None:
        nonlocal latest
        latest = store.save(plan, base_version=latest, by=BENCHMARK).version

    _report(database, "save", median_ms(save))
    _report(database, "load", median_ms(lambda: store.get(key)))

    stored = latest
    others = [plan.model_copy(update={"name": f"Plan {n:03d}"}) for n in range(1, PLANS)]
    versions = dict.fromkeys(range(len(others)), 0)
    while stored < STORED_VERSIONS:
        index = stored % len(others)
        base = versions[index] or None
        versions[index] = store.save(others[index], base_version=base, by=BENCHMARK).version
        stored += 1
    listed = store.list()
    assert len(listed) == PLANS
    assert sum(summary.latest.version for summary in listed) == STORED_VERSIONS
    _report(database, "list", median_ms(store.list))
    _report(database, f"history ({latest} versions)", median_ms(lambda: store.history(key)))


def main() -> None:
    print(f"Plan store, 50-channel plan; list over {PLANS} plans and {STORED_VERSIONS:,} versions")
    with (
        tempfile.TemporaryDirectory() as folder,
        SqlPlanStore(sqlite_url(Path(folder) / "plans.db")) as store,
    ):
        run("SQLite", store)
    try:
        server = TemporaryPostgres(settings={}).start()
    except PostgresUnavailableError as error:
        print(f"PostgreSQL skipped: no server could be started here ({error})")
        return
    try:
        with SqlPlanStore(server.create_database("benchmark")) as store:
            run("PostgreSQL", store)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
