"""Plans as JSON files: the format planners keep and share."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from budgets.errors import PlanValidationError, explain
from budgets.plan import Plan


def parse_plan(data: Any) -> Plan:
    """Validate plan data (a dict as read from JSON) into a Plan.

    Raises:
        PlanValidationError: naming every field, channel or line, month and
            value that breaks a rule.
    """
    if not isinstance(data, dict):
        raise PlanValidationError.single("Plan", "a plan must be a JSON object with named fields")
    try:
        return Plan.model_validate(data)
    except ValidationError as error:
        raise explain(error, data) from None


def plan_from_json(text: str | bytes) -> Plan:
    """Read a plan from JSON text; bad JSON and bad plans raise PlanValidationError."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlanValidationError.single("File", f"it is not valid JSON ({error})") from None
    return parse_plan(data)


_NUMBER_LIST = re.compile(r"\[\s+([-+0-9.eE,\s]+?)\s+\]")


def plan_to_json(plan: Plan) -> str:
    """The plan as indented JSON, the form it is saved and shared in.

    Lists of numbers (the 12 months) stay on one line, so a plan file reads
    and diffs like a table.
    """
    text = plan.model_dump_json(indent=2)
    return _NUMBER_LIST.sub(lambda match: "[" + " ".join(match.group(1).split()) + "]", text) + "\n"


def load_plan(path: str | Path) -> Plan:
    """Read a plan JSON file."""
    return plan_from_json(Path(path).read_bytes())


def save_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan JSON file."""
    Path(path).write_text(plan_to_json(plan), encoding="utf-8")
