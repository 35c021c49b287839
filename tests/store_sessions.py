"""Start a save and stop inside its transaction, to be killed there (the crash-safety test).

    python -m tests.save_and_hang DB_URL PLAN_JSON_PATH BASE_VERSION AUTHOR

Prints "inside the transaction" once the new version is inserted and the
commit is about to run, then sleeps until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from budgets import load_plan
from budgets.store import SqlPlanStore


def main() -> None:
    url, plan_path, base_version, author = sys.argv[1:5]
    plan = load_plan(Path(plan_path))
    store = SqlPlanStore(url)

    @event.listens_for(store.engine, "commit")
    def _hang(_connection: Any) -> None:
        print("inside the transaction", flush=True)
        time.sleep(300)

    store.save(plan, base_version=int(base_version), author=author, comment="never committed")
    print("committed", flush=True)


if __name__ == "__main__":
    main()
