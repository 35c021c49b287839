"""Validation messages a planner can act on.

pydantic finds what is wrong; this module says it the way a planner reads it:
which budget, which channel or line, which field, which month, what value,
and what is allowed. ``PlanValidationError`` carries one ``PlanIssue`` per
problem, and its text is every issue on its own line.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from budgets.fields import FIELDS
from budgets.plan import fiscal_month_labels

# Names and kinds of the plan's fields: from their catalogue (budgets.fields).
FIELD_LABELS = {field.key: field.label for field in FIELDS}
RATE_FIELDS = frozenset(field.key for field in FIELDS if field.rate)
_LENGTH_ERRORS = ("too_short", "too_long")
_NO_VALUE_ERRORS = frozenset(
    {
        "missing",
        "missing_driver",
        "curve_non_working",
        "duplicate_name",
        "model_type",
        "too_many",
        "extra_forbidden",
        *_LENGTH_ERRORS,
    }
)
_CUSTOM_ERRORS = frozenset(
    {
        "negative",
        "not_positive",
        "rate_range",
        "shape_range",
        "currency",
        "name_length",
        "name_control",
        "name_invisible",
        "name_mixed_scripts",
        "unencodable",
        "above_bound",
        "below_bound",
        "too_many",
    }
)
_SECTIONS = {"marketing": "Marketing plan", "pnl": "P&L budget", "targets": "Targets"}
# What an unknown field is not a field of, by the field that holds it.
_HOLDERS = {
    "channels": "a channel",
    "fixed_costs": "a fixed-cost line",
    "marketing": "the marketing plan",
    "pnl": "the P&L budget",
    "targets": "the targets",
    "response": "a response curve",
}
WHOLE_NUMBER_FIELDS = frozenset({"fiscal_year", "first_month", "schema_version"})
SHOWN_WHOLE = 100
"""Text up to this many characters is quoted whole in a message; longer text is cut."""
SHOWN_CUT = 80
"""How many characters of a longer text a message quotes, before an ellipsis."""
MAX_REPORTED_ISSUES = 30
"""The most problems one refusal lists; the rest are counted."""


def shown_text(text: str) -> str:
    """User text as a message quotes it: cut to 80 characters and an ellipsis when longer
    than 100; lone surrogates and invisible format characters written as their escapes."""
    if len(text) > SHOWN_WHOLE:
        text = f"{text[:SHOWN_CUT]}… ({len(text):,} characters)"
    # A bidirectional control would reorder the rest of the message, a zero-width
    # character hide itself: both are shown as their escapes.
    return encodable(
        "".join(
            f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cf", "Zl", "Zp") else ch
            for ch in text
        )
    )


def encodable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape (``\\ud800``), so it encodes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def quoted(value: str) -> str:
    """User text in quotes, non-printable characters escaped, cut like ``shown_text``."""
    if len(value) > SHOWN_WHOLE:
        return f"{value[:SHOWN_CUT]!r}… ({len(value):,} characters)"
    return repr(value)


@dataclass(frozen=True)
class PlanIssue:
    """One problem in a plan: where it is, the offending value and what is allowed."""

    where: str
    field: str | None
    month: str | None
    value: Any
    problem: str
    has_value: bool = True

    def __str__(self) -> str:
        if not self.has_value:
            return encodable(f"{self.where}: {self.problem}.")
        shown = _show_value(self.value, self.field)
        return encodable(f"{self.where}: {shown} is not allowed; {self.problem}.")


class PlanValidationError(ValueError):
    """A plan, or an edit to one, that breaks the plan's rules.

    ``issues`` lists at most ``MAX_REPORTED_ISSUES`` problems, then one that
    counts the rest, so a refusal stays readable however broken the input.
    """

    def __init__(self, issues: list[PlanIssue]) -> None:
        if len(issues) > MAX_REPORTED_ISSUES + 1:
            rest = len(issues) - MAX_REPORTED_ISSUES
            issues = [
                *issues[:MAX_REPORTED_ISSUES],
                PlanIssue(
                    "And more",
                    None,
                    None,
                    None,
                    f"{rest:,} other problems are not listed; fix these first",
                    has_value=False,
                ),
            ]
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @classmethod
    def single(cls, where: str, problem: str) -> PlanValidationError:
        return cls([PlanIssue(where, None, None, None, problem, has_value=False)])


def explain(error: ValidationError, raw: Any) -> PlanValidationError:
    """Turn pydantic's errors on ``raw`` (the data that failed) into planner's messages."""
    months = _month_labels(raw)
    return PlanValidationError([_issue(detail, raw, months) for detail in reported_errors(error)])


def issue_at(raw: Any, loc: tuple[str | int, ...], value: Any, problem: str) -> PlanIssue:
    """The issue of ``value`` at ``loc`` in the plan data ``raw``, named as ``explain`` names."""
    detail = {"loc": loc, "type": "plan_shape", "input": value, "msg": problem}
    return _issue(detail, raw, _month_labels(raw))


def reported_errors(error: ValidationError) -> list[dict[str, Any]]:
    """pydantic's errors as ``explain`` reports them, one issue each, in order.

    A list whose items fail also reports a wrong length (only the valid items
    are counted), which would blame the planner for a length they got right:
    that length error is dropped.
    """
    details: list[dict[str, Any]] = [dict(detail) for detail in error.errors(include_url=False)]
    failing = {d["loc"][:-1] for d in details if d["loc"] and isinstance(d["loc"][-1], int)}
    return [d for d in details if not (d["type"] in _LENGTH_ERRORS and d["loc"] in failing)]


def _issue(detail: dict[str, Any], raw: Any, months: list[str] | None) -> PlanIssue:
    loc = [part for part in detail["loc"] if part not in ("once", "monthly")]
    unknown: str | None = None
    if detail["type"] == "extra_forbidden" and loc:
        unknown = str(loc.pop())
        holder = next((str(p) for p in reversed(loc) if isinstance(p, str)), None)
        detail = {**detail, "msg": f"{quoted(unknown)} is not a field of "
                  f"{_HOLDERS.get(holder or '', 'a plan')}"}  # fmt: skip
    parts: list[str] = []
    field: str | None = None
    month: str | None = None
    node = raw
    index = 0
    while index < len(loc):
        part = loc[index]
        if part == "channels" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = loc[index + 1]
            parts = [f"Channel {_subject(node, 'channels', position)}"]
            node = _child(_child(node, "channels"), position)
            index += 2
            continue
        if part == "fixed_costs" and index + 1 < len(loc) and isinstance(loc[index + 1], int):
            position = loc[index + 1]
            parts = [f"Fixed-cost line {_subject(node, 'fixed_costs', position)}"]
            node = _child(_child(node, "fixed_costs"), position)
            index += 2
            continue
        if isinstance(part, int):
            month = months[part] if months and 0 <= part < len(months) else f"month {part + 1}"
            parts.append(month)
        elif part in _SECTIONS and not parts:
            parts.append(_SECTIONS[str(part)])
            node = _child(node, part)
        else:
            field = str(part)
            label = FIELD_LABELS.get(field, shown_text(field.replace("_", " ")))
            parts.append(label if parts else label[:1].upper() + label[1:])
            node = _child(node, part)
        index += 1
    where = ", ".join(parts) if parts else "Plan"
    has_value = detail["type"] not in _NO_VALUE_ERRORS
    return PlanIssue(where, field, month, detail.get("input"), _problem(detail), has_value)


def _problem(detail: dict[str, Any]) -> str:
    ctx = detail.get("ctx") or {}
    kind = detail["type"]
    if kind in ("float_type", "float_parsing"):
        return "it must be a number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "it must be a whole number"
    if kind == "finite_number":
        return "it must be a finite number, not NaN or infinity"
    if kind in _LENGTH_ERRORS:
        expected = ctx.get("min_length", ctx.get("max_length"))
        return f"has {ctx.get('actual_length', '?')} values; it must have {expected}, one per month"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return str(detail["msg"])
    if kind == "greater_than_equal":
        return f"it must be at least {_bound(ctx['ge'])}"
    if kind == "less_than_equal":
        return f"it must be at most {_bound(ctx['le'])}"
    if kind == "enum":
        return f"it must be one of {ctx.get('expected')}"
    if kind == "literal_error":
        return f"it must be {ctx.get('expected')}"
    if kind == "string_type":
        return "it must be text"
    if kind in ("model_type", "dict_type"):
        return "must be an object with named fields"
    if kind in ("tuple_type", "list_type"):
        return "it must be a list of 12 monthly values"
    message = str(detail["msg"])
    if kind in _CUSTOM_ERRORS:
        return message if message.startswith("a ") else "it " + message
    return message


def _bound(value: float) -> str:
    return f"{value:g} ({value * 100:g} %)" if -1 <= value <= 1 and value != 0 else f"{value:g}"


def _show_value(value: Any, field: str | None) -> str:
    if value is None:
        return "an empty cell"
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return shown_text(str(value))
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if field in WHOLE_NUMBER_FIELDS:
        # A year is written 2027, never 2,027; a fraction shows it is one: 2027.5.
        return shown_text(str(value))
    if field in RATE_FIELDS:
        return f"{value:g} ({value * 100:.4g} %)"
    return f"{value:,.10g}"


def _child(node: Any, key: Any) -> Any:
    if isinstance(key, int) and key < 0:
        return None  # a negative position names nothing, never an item from the end
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _subject(node: Any, collection: str, position: int) -> str:
    item = _child(_child(node, collection), position)
    name = _child(item, "name")
    if isinstance(name, str) and name.strip():
        return f"'{shown_text(name.strip())}'"
    return f"#{position + 1}"


def _month_labels(raw: Any) -> list[str] | None:
    year = _child(raw, "fiscal_year")
    first = _child(raw, "first_month")
    first = 1 if first is None else first
    if isinstance(year, int) and isinstance(first, int) and 1 <= first <= 12:
        return list(fiscal_month_labels(year, first))
    return None
