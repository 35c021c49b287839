"""Numbers as planners type and paste them, read exactly or refused with the reason.

A grid cell holds text; ``read_number`` turns it into the number the planner
meant, as a ``Decimal`` so that what was typed is kept digit for digit, or
raises ``TypedNumberError`` saying why it cannot be read as exactly one
number. Nothing is guessed: a form that could mean two numbers is refused.

Accepted, for every number:

- digits with a decimal point: ``12500``, ``12500.75``, ``.5``;
- thousands separators: commas (``12,500``), spaces, no-break spaces or
  apostrophes (``12 500``, ``12'500``), in groups of three;
- a decimal comma: ``12,5`` and ``1.234,56`` (when both a point and a comma
  are present, the last one is the decimal mark); a comma followed by exactly
  three digits (``1,234``) is a thousands separator;
- a sign: ``-250``, ``−250`` (the minus sign), ``(250)`` as accountants write a
  negative; whether a negative is allowed is the plan's rule, not this one.

Amounts (not rates) may also carry:

- a multiplier: ``12k`` (thousand), ``1.2M`` or ``1.2m`` (million), ``2bn``
  (billion), with or without a space;
- the plan's currency, as its ISO code or symbol, before or after the number:
  ``EUR 5,000``, ``€5,000``, ``5.000,00 €``. Another currency is refused.

Rates may end with a percent sign (``1.8 %``); the value is read in percent.

Refused: letters other than those above (``abc``, ``12x``), an exponent
(``1e3``), underscores (``1_000``), several numbers (``5 6``), separators out
of place (``1,23,456``, ``1.234.5``), ``nan`` and ``inf``.
"""

from __future__ import annotations

import re
from decimal import Decimal

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "CHF": "Fr.", "SEK": "kr"}
MULTIPLIERS = {"k": Decimal(1_000), "m": Decimal(1_000_000), "bn": Decimal(1_000_000_000)}
# Separators people type or paste between groups of thousands.
_GROUP_SEPARATORS = " \u00a0\u202f\u2009'’"
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+$")
_PLAIN = re.compile(r"^\d*\.?\d*$")
_LONGEST_TEXT = 60


class TypedNumberError(ValueError):
    """Text that is not exactly one number; the message says what is wrong with it."""


def read_number(text: str, *, percent: bool = False, currency: str | None = None) -> Decimal:
    """The number ``text`` stands for, exactly as typed.

    Args:
        text: what the planner typed or pasted into one cell.
        percent: the cell is a rate shown in percent; a trailing ``%`` is
            allowed, multipliers and currencies are not. The result is in
            percent (``"1.8 %"`` gives ``Decimal("1.8")``).
        currency: the plan's ISO 4217 code; its code or symbol may surround
            an amount.

    Raises:
        TypedNumberError: the text is empty or is not exactly one number.
    """
    if len(text) > _LONGEST_TEXT:
        raise TypedNumberError(f"is {len(text)} characters long, too long for a number")
    body = text.strip()
    if not body:
        raise TypedNumberError("is empty")
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1].strip()
    if percent:
        body = body.removesuffix("%").strip()
    elif currency is not None:
        body = _without_currency(body, currency)
    if body[:1] in "-−":
        negative, body = not negative, body[1:].strip()
    elif body[:1] == "+":
        body = body[1:].strip()
    multiplier = Decimal(1)
    if not percent:
        body, multiplier = _without_multiplier(body)
    number = _digits(body, percent) * multiplier
    return -number if negative else number


def _without_currency(body: str, currency: str) -> str:
    code = currency.upper()
    marks = [code, CURRENCY_SYMBOLS.get(code, code)]
    for mark in marks:
        if body.upper().startswith(mark.upper()):
            return body[len(mark) :].strip()
        if body.upper().endswith(mark.upper()):
            return body[: -len(mark)].strip()
    other = re.match(r"^([A-Z]{3}|[€£$¥])\s*[\d.,(−-]|[\d.,)]\s*([A-Z]{3}|[€£$¥])$", body)
    if other:
        shown = other.group(1) or other.group(2)
        raise TypedNumberError(f"is in {shown}, but the plan is in {code}")
    return body


def _without_multiplier(body: str) -> tuple[str, Decimal]:
    lowered = body.lower()
    for suffix, factor in MULTIPLIERS.items():
        if lowered.endswith(suffix) and lowered[: -len(suffix)].rstrip()[-1:].isdigit():
            return body[: -len(suffix)].rstrip(), factor
    return body, Decimal(1)


def _digits(body: str, percent: bool) -> Decimal:
    """Digits with separators -> Decimal; every other character is refused."""
    compact = body
    for separator in _GROUP_SEPARATORS:
        if separator in compact:
            _check_groups(compact.split(separator), percent)
            compact = compact.replace(separator, "")
    if "." in compact and "," in compact:
        if compact.rfind(",") > compact.rfind("."):
            # 1.234,56: points group thousands, the comma is the decimal mark.
            whole, _, fraction = compact.partition(",")
            whole = _ungrouped(whole, ".", percent)
        else:
            whole, _, fraction = compact.rpartition(".")
            whole = _ungrouped(whole, ",", percent)
        compact = f"{whole}.{fraction}"
    elif "," in compact:
        # A rate never needs a thousands separator, and 0,500 is a half: decimal commas.
        if not percent and _GROUPED.match(compact) and not compact.startswith("0,"):
            compact = compact.replace(",", "")
        elif compact.count(",") == 1:
            compact = compact.replace(",", ".")
        else:
            raise TypedNumberError(_not_a_number(percent))
    elif compact.count(".") > 1:
        compact = _ungrouped(compact, ".", percent)
    if not compact or not _PLAIN.match(compact) or compact == ".":
        raise TypedNumberError(_not_a_number(percent))
    return Decimal(compact)


def _check_groups(groups: list[str], percent: bool) -> None:
    """``12 500``, ``1 234 567,5``: groups of three after the first; only the last has decimals."""
    head, *rest = groups
    if not (1 <= len(head) <= 3 and head.isdigit()):
        raise TypedNumberError(_not_a_number(percent))
    for position, group in enumerate(rest):
        last = position == len(rest) - 1
        if not group[:3].isdigit() or len(group) < 3:
            raise TypedNumberError(_not_a_number(percent))
        if len(group) > 3 and (not last or group[3] not in ".,"):
            raise TypedNumberError(_not_a_number(percent))


def _ungrouped(whole: str, separator: str, percent: bool) -> str:
    """``1.234.567`` -> ``1234567``, refusing groups that are not of three digits."""
    groups = whole.split(separator)
    if not groups[0] or len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:]):
        raise TypedNumberError(_not_a_number(percent))
    if not all(group.isdigit() for group in groups):
        raise TypedNumberError(_not_a_number(percent))
    return "".join(groups)


def _not_a_number(percent: bool) -> str:
    if percent:
        return "is not a number; type a percentage such as 2.5 or 2,5 %"
    return "is not a number; type an amount such as 12500, 12,500, 12.5k or 1.2M"


def as_text(value: float | None, *, percent: bool = False, decimals: int = 2) -> str:
    """A plan value as a grid cell shows it, so that reading it back gives the same value.

    Amounts get thousands separators, and ``decimals`` decimals unless they
    are all zero (``12,500``, ``14,726.20``); rates are shown in percent with
    up to 4 decimals and at least one (``1.8``, ``2.25``, ``2.0``), which is
    as precise as a rate can be typed. ``None`` is an empty cell.
    """
    if value is None or value != value:
        return ""
    if percent:
        shown = f"{round(value * 100, 4):.4f}".rstrip("0")
        return shown + "0" if shown.endswith(".") else shown
    shown = f"{round(value, decimals):,.{decimals}f}"
    if decimals and shown.endswith("." + "0" * decimals):
        shown = shown[: -decimals - 1]
    return "0" if shown == "-0" else shown
