"""Plan-store sessions in processes of their own, for the concurrency and crash-safety tests.

    python -m tests.store_sessions hang DB_URL PLAN_JSON_PATH BASE_VERSION AUTHOR
    python -m tests.store_sessions save DB_URL PLAN_NAME FISCAL_YEAR AUTHOR SAVES

``hang`` starts a save of the plan file on top of BASE_VERSION, prints
"inside the transaction" once the new version is inserted and the commit is
about to run, then sleeps until killed.

``save`` opens the store, prints "ready", waits for a line on standard input
(the start signal shared by every session), then SAVES times reloads the
latest version and saves on top of it with the comment "AUTHOR N", reloading
and trying again after each VersionConflictError. It ends by printing
"conflicts N".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from budgets import load_plan
from budgets.store import PlanKey, SqlPlanStore, VersionConflictError
from tests.conftest import person


def hang(url: str, plan_path: str, base_version: str, author: str) -> None:
    plan = load_plan(Path(plan_path))
    store = SqlPlanStore(url)
    if store.engine.dialect.name == "sqlite":
        # A one-page cache spills the new version into the WAL file before the
        # commit, so the kill leaves uncommitted data on disk, not just in memory.
        @event.listens_for(store.engine, "connect")
        def _small_cache(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA cache_size=1")

        store.engine.dispose()

    @event.listens_for(store.engine, "commit")
    def _hang(_connection: Any) -> None:
        print("inside the transaction", flush=True)
        time.sleep(300)

    store.save(plan, base_version=int(base_version), by=person(author), comment="never committed")
    print("committed", flush=True)


def save(url: str, name: str, fiscal_year: str, author: str, saves: str) -> None:
    key = PlanKey(name, int(fiscal_year))
    store = SqlPlanStore(url)
    print("ready", flush=True)
    sys.stdin.readline()
    conflicts = 0
    for number in range(int(saves)):
        while True:
            latest = store.get(key)
            try:
                store.save(
                    latest.plan,
                    base_version=latest.info.version,
                    by=person(author),
                    comment=f"{author} {number}",
                )
                break
            except VersionConflictError:
                conflicts += 1
    store.close()
    print(f"conflicts {conflicts}", flush=True)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"hang": hang, "save": save}[command](*arguments)
