"""``python -m models``: the plan's numbers from the command line.

    python -m models summary PLAN.json [--json]
    python -m models export PLAN.json -o OUT.xlsx

A plan that fails validation exits with status 2 and its messages, no traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from budgets import PlanValidationError, load_plan
from models.projection import project_plan
from models.summary import summary_dict, summary_text
from models.workbook import write_plan_workbook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    summary = commands.add_parser("summary", help="print the plan's P&L, KPIs and target solves")
    summary.add_argument("plan", help="a plan JSON file")
    summary.add_argument("--json", action="store_true", help="print JSON instead of a statement")
    export = commands.add_parser("export", help="write the plan's Excel workbook for finance")
    export.add_argument("plan", help="a plan JSON file")
    export.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
    args = parser.parse_args(argv)

    try:
        plan = load_plan(args.plan)
    except OSError as error:
        print(f"Cannot read {args.plan}: {error.strerror}", file=sys.stderr)
        return 2
    except PlanValidationError as error:
        print(f"{args.plan} is not a valid plan:\n{error}", file=sys.stderr)
        return 2
    if args.command == "export":
        try:
            write_plan_workbook(plan, args.output)
        except OSError as error:
            print(f"Cannot write {args.output}: {error.strerror}", file=sys.stderr)
            return 2
        print(f"Wrote {args.output}")
        return 0
    projection = project_plan(plan)
    if args.json:
        print(json.dumps(summary_dict(projection), indent=2, ensure_ascii=False))
    else:
        print(summary_text(projection), end="")
    return 0
