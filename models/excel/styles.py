"""The plan workbook's named styles, number formats and data-validation rules.

Finance's colour convention: inputs blue on a pale yellow fill, formulas
black, links to another sheet's cell green. Each named style appears in
Excel's "Cell Styles" gallery, so a user marks a new input as the planner does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from budgets.plan import SHAPE_MAX, SHAPE_MIN

INPUT = "Plan input"
FORMULA = "Plan formula"
LINK = "Plan link"  # a formula that only refers to another sheet: green, as finance reads it
TOTAL = "Plan total"
HEADER = "Plan header"
TITLE = "Plan title"
SECTION = "Plan section"
NOTE = "Plan note"

_FONT = {"font_name": "Calibri", "font_size": 10}
# Each named style as XlsxWriter format properties.
NAMED_STYLES: dict[str, dict[str, Any]] = {
    INPUT: {
        **_FONT,
        "font_color": "#1F3FAF",
        "bg_color": "#FFF4CE",
        "pattern": 1,
        "border": 1,
        "border_color": "#BFBFBF",
        "locked": False,
    },
    FORMULA: {**_FONT, "font_color": "#000000"},
    LINK: {**_FONT, "font_color": "#007A33"},
    TOTAL: {**_FONT, "bold": True, "bg_color": "#EDEDED", "pattern": 1, "top": 1,
            "top_color": "#7F7F7F"},
    HEADER: {**_FONT, "bold": True, "font_color": "#FFFFFF", "bg_color": "#1F3864", "pattern": 1,
             "align": "center", "valign": "vcenter"},
    TITLE: {"font_name": "Calibri", "font_size": 16, "bold": True, "font_color": "#1F3864"},
    SECTION: {**_FONT, "bold": True, "font_color": "#1F3864", "bg_color": "#D9E1F2", "pattern": 1},
    NOTE: {"font_name": "Calibri", "font_size": 9, "italic": True, "font_color": "#595959"},
}  # fmt: skip
# Greyed-out cells (a driver a channel does not use): a conditional format.
UNUSED = {"font_color": "#A6A6A6", "bg_color": "#F2F2F2", "pattern": 1}


@dataclass(frozen=True)
class Formats:
    """Number formats: money with the plan's ISO currency code, rates as percentages."""

    money: str
    money_cents: str
    count: str = "#,##0"
    rate: str = "0.0%"
    points: str = '+0.0" pp";-0.0" pp";0.0" pp"'  # a difference of two rates, x 100
    fine_rate: str = "0.00%"
    roas: str = "0.00"
    whole: str = "0"
    index: str = "0.000"
    shape: str = "0.00"
    fiscal_year: str = '"FY"0'
    month: str = "mmm yyyy"
    timestamp: str = 'yyyy-mm-dd hh:mm "UTC"'

    @classmethod
    def of(cls, currency: str) -> Formats:
        code = f'"{currency} "'
        return cls(
            # Negative money in parentheses, positive figures padded to stay aligned with it.
            money=f"{code}#,##0_);{code}(#,##0)",
            money_cents=f"{code}#,##0.00_);{code}(#,##0.00)",
        )


@dataclass(frozen=True, slots=True)
class Validation:
    """A data-validation rule: what Excel accepts in some cells, and the message it shows.

    ``kind`` is "decimal", "whole" or "list"; ``operator`` "between",
    "greaterThan" or "greaterThanOrEqual" (``low`` is the bound, ``high`` the
    upper one for "between"); a list's options are in ``options``.
    """

    kind: Literal["decimal", "whole", "list"]
    title: str
    message: str
    operator: Literal["between", "greaterThan", "greaterThanOrEqual"] = "between"
    low: str = ""
    high: str = ""
    options: tuple[str, ...] = ()
    allow_blank: bool = True


def rate_rule() -> Validation:
    return Validation("decimal", "Rate", "Enter a rate from 0 % to 100 %.", low="0", high="1")


def margin_rule() -> Validation:
    return Validation(
        "decimal", "Margin", "Enter a margin from -100 % to 100 %.", low="-1", high="1"
    )


def money_rule() -> Validation:
    return Validation(
        "decimal", "Amount", "Enter an amount of 0 or more.", "greaterThanOrEqual", low="0"
    )


def positive_rule() -> Validation:
    return Validation("decimal", "Amount", "Enter an amount above 0.", "greaterThan", low="0")


def shape_rule() -> Validation:
    return Validation(
        "decimal",
        "Curve shape",
        f"Enter a shape from {SHAPE_MIN:g} to {SHAPE_MAX:g} (1: the plain saturating curve).",
        low=f"{SHAPE_MIN:g}",
        high=f"{SHAPE_MAX:g}",
        allow_blank=False,
    )


def whole_number(low: int, high: int, message: str) -> Validation:
    return Validation("whole", "Whole number", message, low=str(low), high=str(high),
                      allow_blank=False)  # fmt: skip


def list_rule(options: tuple[str, ...], what: str) -> Validation:
    return Validation(
        "list",
        "Choose from the list",
        f"Choose {what} from the list.",
        options=options,
        allow_blank=False,
    )
