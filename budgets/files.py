"""Plans as JSON files: the format planners keep and share.

A plan file is untrusted: ``plan_from_json`` reads it within bounded work,
whatever it holds. Before parsing, a file over 10 MB, or one whose brackets,
colons or commas say it holds more objects, fields or values than any plan
can, is refused; while parsing, a number written with more digits than a
plan's figures ever have; after parsing, and before the plan's own rules are
checked (``parse_plan``), data nested deeper, a list longer, an object with
more fields or a text longer than a plan's, or text that is not valid
Unicode (a lone surrogate such as ``"\\ud800"``). Every refusal is a
``PlanValidationError`` naming where and what.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from budgets.errors import MAX_REPORTED_ISSUES, PlanIssue, PlanValidationError, explain, issue_at
from budgets.plan import (
    MAX_CHANNELS,
    MAX_FIXED_COST_LINES,
    MONTHS,
    NAME_MAX_LENGTH,
    Plan,
    unencodable_at,
)

MEGABYTE = 1024 * 1024
MAX_PLAN_FILE_BYTES = 10 * MEGABYTE
# The deepest a plan nests: plan > marketing > channels > a channel > its spend.
MAX_NESTING = 6
MAX_LIST_ITEMS = max(MAX_CHANNELS, MAX_FIXED_COST_LINES, MONTHS)
# A channel, the plan's widest object, has 10 fields.
MAX_OBJECT_FIELDS = 20
# Names are at most 80 characters; codes and kinds are shorter. Longer text is
# refused before the plan's rules are checked, so no message quotes it whole.
MAX_TEXT_LENGTH = 4 * NAME_MAX_LENGTH
# A plan's figures are below 1e16; a number written with more characters is not one.
MAX_NUMBER_CHARACTERS = 40
# Upper bounds on what a file's punctuation declares: a plan of 150 channels
# has about 2,000 objects and lists, 2,500 fields and 20,000 values; its
# names (251 of 80 characters at most) may add 20,000 of any of them.
MAX_BRACKETS = 50_000
MAX_COLONS = 50_000
MAX_COMMAS = 100_000


class _NumberTooLongError(ValueError):
    def __init__(self, literal: str) -> None:
        self.literal = literal
        super().__init__(literal)


def _bounded_number(kind: type[int] | type[float]) -> Any:
    def parse(literal: str) -> int | float:
        if len(literal) > MAX_NUMBER_CHARACTERS:
            raise _NumberTooLongError(literal)
        return kind(literal)

    return parse


def parse_plan(data: Any) -> Plan:
    """Validate plan data (a dict as read from JSON) into a Plan.

    Raises:
        PlanValidationError: naming every field, channel or line, month and
            value that breaks a rule, or the place where the data is shaped
            as no plan is (nested too deep, a list or a text too long).
    """
    if not isinstance(data, dict):
        raise PlanValidationError.single("Plan", "a plan must be a JSON object with named fields")
    issues: list[PlanIssue] = []
    _check_shape(data, data, (), 1, issues)
    if issues:
        raise PlanValidationError(issues)
    try:
        return Plan.model_validate(data)
    except ValidationError as error:
        raise explain(error, data) from None


def _check_shape(
    raw: dict[str, Any], node: Any, loc: tuple[str | int, ...], depth: int, issues: list[PlanIssue]
) -> None:
    """Collect where ``node`` (at ``loc`` in ``raw``) is shaped as no plan is; stop after enough."""
    if len(issues) > MAX_REPORTED_ISSUES:
        return
    if isinstance(node, str):
        position = unencodable_at(node)
        if position is not None:
            issues.append(
                issue_at(
                    raw, loc, node,
                    f"it is not valid Unicode text: character {position + 1} is a lone "
                    f"surrogate (\\u{ord(node[position]):04x}), which no file can hold",
                )
            )  # fmt: skip
        elif len(node) > MAX_TEXT_LENGTH:
            issues.append(
                issue_at(
                    raw, loc, node,
                    f"no text in a plan is longer than {MAX_TEXT_LENGTH} characters (names are "
                    f"at most {NAME_MAX_LENGTH})",
                )
            )  # fmt: skip
        return
    if not isinstance(node, dict | list | tuple):
        return
    if depth > MAX_NESTING:
        problem = f"it nests deeper than any plan does ({MAX_NESTING} levels)"
        issues.append(replace(issue_at(raw, loc, None, problem), has_value=False))
        return
    if isinstance(node, dict):
        if len(node) > MAX_OBJECT_FIELDS:
            problem = (
                f"it has {len(node):,} fields; no part of a plan has more than {MAX_OBJECT_FIELDS}"
            )
            issues.append(replace(issue_at(raw, loc, None, problem), has_value=False))
            return
        for key, value in node.items():
            if isinstance(key, str) and (
                len(key) > MAX_TEXT_LENGTH or unencodable_at(key) is not None
            ):
                problem = "it is not a field of a plan (a field name is short, valid Unicode text)"
                issues.append(issue_at(raw, loc, key, problem))
                continue
            _check_shape(raw, value, (*loc, key), depth + 1, issues)
        return
    if len(node) > MAX_LIST_ITEMS:
        problem = (
            f"it has {len(node):,} values; no list in a plan has more than {MAX_LIST_ITEMS} "
            f"(a plan has at most {MAX_CHANNELS} channels and {MAX_FIXED_COST_LINES} fixed-cost "
            "lines)"
        )
        issues.append(replace(issue_at(raw, loc, None, problem), has_value=False))
        return
    for index, value in enumerate(node):
        _check_shape(raw, value, (*loc, index), depth + 1, issues)


def _declared_too_much(text: str | bytes) -> str | None:
    """What the file's punctuation says it holds beyond any plan, before it is parsed."""
    size = len(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    if size > MAX_PLAN_FILE_BYTES:
        return (
            f"the file is {size / MEGABYTE:.1f} MB, over the "
            f"{MAX_PLAN_FILE_BYTES // MEGABYTE} MB a plan file may have"
        )
    marks: tuple[Any, ...] = ("[", "{", ":", ",")
    if isinstance(text, bytes):
        marks = tuple(mark.encode() for mark in marks)
    brackets = text.count(marks[0]) + text.count(marks[1])
    colons = text.count(marks[2])
    commas = text.count(marks[3])
    for count, most, what in (
        (brackets, MAX_BRACKETS, "objects and lists"),
        (colons, MAX_COLONS, "fields"),
        (commas, MAX_COMMAS, "values"),
    ):
        if count > most:
            return (
                f"it holds up to {count:,} {what}, more than any plan (at most {MAX_CHANNELS} "
                f"channels and {MAX_FIXED_COST_LINES} fixed-cost lines) has; it was not read"
            )
    return None


def plan_from_json(text: str | bytes) -> Plan:
    """Read a plan from JSON text (at most 10 MB) within bounded work.

    Raises:
        PlanValidationError: bad JSON, a file shaped as no plan is, or a plan
            that breaks the plan's rules; each names where and what.
    """
    declared = _declared_too_much(text)
    if declared is not None:
        raise PlanValidationError.single("File", declared)
    try:
        data = json.loads(text, parse_int=_bounded_number(int), parse_float=_bounded_number(float))
    except _NumberTooLongError as error:
        problem = (
            f"it holds a number written with {len(error.literal):,} characters; a plan's "
            f"numbers are written with at most {MAX_NUMBER_CHARACTERS}"
        )
        raise PlanValidationError.single("File", problem) from None
    except RecursionError:
        problem = f"it nests deeper than any plan does ({MAX_NESTING} levels)"
        raise PlanValidationError.single("File", problem) from None
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
    """Read a plan JSON file; a file over 10 MB is refused without being read.

    Raises:
        OSError: the file cannot be read.
        PlanValidationError: as ``plan_from_json``.
    """
    file = Path(path)
    with file.open("rb") as handle:
        data = handle.read(MAX_PLAN_FILE_BYTES + 1)
    return plan_from_json(data)


def save_plan(plan: Plan, path: str | Path) -> None:
    """Write a plan JSON file."""
    Path(path).write_text(plan_to_json(plan), encoding="utf-8")
