"""Validation messages a planner can act on.

pydantic finds what is wrong; this module says it the way a planner reads it:
which budget, which channel or line, which field, which month, what value,
and what is allowed. ``PlanValidationError`` carries one ``PlanIssue`` per
problem, and its text is every issue on its own line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from budgets.plan import fiscal_month_labels

FIELD_LABELS = {
    "name": "name",
    "fiscal_year": "fiscal year",
    "first_month": "first month of the fiscal year",
    "currency": "currency",
    "schema_version": "schema version",
    "kind": "kind",
    "cost_driver": "cost driver",
    "spend": "spend",
    "cpc": "CPC",
    "cpm": "CPM",
    "ctr": "CTR",
    "conversion_rate": "conversion rate",
    "aov": "AOV",
    "response": "response curve",
    "beta": "maximum monthly revenue (beta)",
    "k": "half-saturation spend (k)",
    "s": "shape (s)",
    "organic_sessions": "organic sessions",
    "site_conversion_rate": "site conversion rate",
    "site_aov": "site AOV",
    "return_rate": "return rate",
    "cogs_rate": "COGS rate",
    "fulfilment_cost_per_order": "fulfilment cost per order",
    "returns_cost_per_return": "returns cost per returned order",
    "payment_fee_rate": "payment fee rate",
    "amounts": "amount",
    "net_sales": "net-sales target",
    "ebitda_margin": "target EBITDA margin",
    "cm3_margin": "target CM3 margin",
}
RATE_FIELDS = frozenset(
    {
        "ctr",
        "conversion_rate",
        "site_conversion_rate",
        "return_rate",
        "cogs_rate",
        "payment_fee_rate",
        "ebitda_margin",
        "cm3_margin",
    }
)
_LENGTH_ERRORS = ("too_short", "too_long")
_NO_VALUE_ERRORS = frozenset(
    {
        "missing",
        "missing_driver",
        "curve_non_working",
        "duplicate_name",
        "model_type",
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
    }
)
_SECTIONS = {"marketing": "Marketing plan", "pnl": "P&L budget", "targets": "Targets"}


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
            return f"{self.where}: {self.problem}."
        shown = _show_value(self.value, self.field)
        return f"{self.where}: {shown} is not allowed; {self.problem}."


class PlanValidationError(ValueError):
    """A plan, or an edit to one, that breaks the plan's rules."""

    def __init__(self, issues: list[PlanIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))

    @classmethod
    def single(cls, where: str, problem: str) -> PlanValidationError:
        return cls([PlanIssue(where, None, None, None, problem, has_value=False)])


def explain(error: ValidationError, raw: Any) -> PlanValidationError:
    """Turn pydantic's errors on ``raw`` (the data that failed) into planner's messages."""
    months = _month_labels(raw)
    return PlanValidationError([_issue(detail, raw, months) for detail in reported_errors(error)])


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
            label = FIELD_LABELS.get(field, field.replace("_", " "))
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
        return "is not a field of a plan"
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
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if field in RATE_FIELDS:
        return f"{value:g} ({value * 100:.4g} %)"
    return f"{value:,.10g}"


def _child(node: Any, key: Any) -> Any:
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _subject(node: Any, collection: str, position: int) -> str:
    item = _child(_child(node, collection), position)
    name = _child(item, "name")
    if isinstance(name, str) and name.strip():
        return f"'{name.strip()}'"
    return f"#{position + 1}"


def _month_labels(raw: Any) -> list[str] | None:
    year = _child(raw, "fiscal_year")
    first = _child(raw, "first_month")
    first = 1 if first is None else first
    if isinstance(year, int) and isinstance(first, int) and 1 <= first <= 12:
        return list(fiscal_month_labels(year, first))
    return None
