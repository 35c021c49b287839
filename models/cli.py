"""``python -m models``: the plan's numbers from the command line.

    python -m models summary PLAN.json [--json]
    python -m models export PLAN.json -o OUT.xlsx

Whatever goes wrong ends in a message on stderr and exit status 2, never a
traceback: a plan that fails validation lists its problems (at most 30, each
value cut to 80 characters), a file that cannot be read or written says
why. The message is cut to 20,000 characters whatever it holds.
"""

from __future__ import annotations

import argparse
import json
import sys

from budgets import PlanValidationError, load_plan
from budgets.errors import encodable, shown_text
from models.excel.export import write_plan_workbook
from models.projection import project_plan
from models.summary import summary_dict, summary_text

MAX_MESSAGE_CHARACTERS = 20_000
FAILED = 2


def _fail(message: str) -> int:
    """Print ``message`` on stderr, cut to its bound; the exit status of a failed command."""
    if len(message) > MAX_MESSAGE_CHARACTERS:
        message = message[:MAX_MESSAGE_CHARACTERS] + "\n... (the rest of this message is cut)"
    print(encodable(message), file=sys.stderr)
    return FAILED


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
        return _run(args)
    except KeyboardInterrupt:
        return _fail("Stopped.")
    except Exception as error:  # a message, never a traceback: see the module's docstring
        return _fail(
            f"python -m models {args.command} stopped on an unexpected error "
            f"({type(error).__name__}: {shown_text(str(error))})"
        )


def _run(args: argparse.Namespace) -> int:
    source = shown_text(args.plan)
    try:
        plan = load_plan(args.plan)
    except OSError as error:
        return _fail(f"Cannot read {source}: {error.strerror or error}")
    except PlanValidationError as error:
        return _fail(f"{source} is not a valid plan:\n{error}")
    if args.command == "export":
        try:
            write_plan_workbook(plan, args.output)
        except OSError as error:
            return _fail(f"Cannot write {shown_text(args.output)}: {error.strerror or error}")
        print(f"Wrote {args.output}")
        return 0
    projection = project_plan(plan)
    if args.json:
        print(json.dumps(summary_dict(projection), indent=2, ensure_ascii=False))
    else:
        print(summary_text(projection), end="")
    return 0
