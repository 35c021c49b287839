"""How figures read: money in the plan's currency, rates as percentages, "-" for undefined.

Used by the command line, the target sentences, the dashboard and the
workbook's text, so a figure reads the same everywhere.
"""

from __future__ import annotations

import math

UNDEFINED = "-"


def _defined(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _unsigned_zero(value: float, decimals: int) -> float:
    """``value``, or 0 where it would show as "-0": a cost of nothing is 0, not minus 0."""
    return 0.0 if round(value, decimals) == 0 else value


def format_money(value: float | None, currency: str, decimals: int = 0) -> str:
    """'EUR 1,234,567' (or with decimals); negative amounts as 'EUR -1,234'; '-' when undefined."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{currency} {_unsigned_zero(value, decimals):,.{decimals}f}"


def format_money_compact(value: float | None, currency: str) -> str:
    """'EUR 14.21 M', 'EUR 850.0 k', 'EUR 950': amounts in a sentence."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{currency} {format_compact(value)}"


def format_amount(value: float | None, decimals: int = 0) -> str:
    """A money amount without its currency, for tables headed by it: '-7,097,069'."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value, decimals):,.{decimals}f}"


def amount_text(value: float) -> str:
    """An amount as a field or a list of changes shows it: thousands separators, cents only
    where there are some ('17,500,000', '16,006.74')."""
    return format_amount(value, 0 if float(value).is_integer() else 2)


def format_compact(value: float | None) -> str:
    """A large amount in a headline figure, currency given by its label: '16.48 M', '850.0 k'."""
    if value is None or not _defined(value):
        return UNDEFINED
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:,.2f} M"
    if size >= 1e4:
        return f"{value / 1e3:,.1f} k"
    return f"{_unsigned_zero(value, 0):,.0f}"


def format_rate(value: float | None, decimals: int = 1) -> str:
    """A fraction as a percentage: 0.1234 -> '12.3 %'; '-' when undefined."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value * 100, decimals):,.{decimals}f} %"


def a_rate(value: float | None, decimals: int = 1) -> str:
    """A rate with its article, as a sentence says it: 'a 9.0 %', 'an 8.0 %', 'an 11.0 %'."""
    shown = format_rate(value, decimals)
    whole = shown.split(".")[0].split(" ")[0].replace(",", "")  # "-8" is said "minus eight"
    said_with_vowel = whole.startswith("8") or whole in ("11", "18")
    return f"{'an' if said_with_vowel else 'a'} {shown}"


def format_change(value: float | None, decimals: int = 1) -> str:
    """A relative change with its sign: 0.081 -> '+8.1 %'."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value * 100, decimals):+,.{decimals}f} %"


def format_points(value: float | None, decimals: int = 1) -> str:
    """A difference of two rates in percentage points, with its sign: 0.018 -> '+1.8 pp'."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value * 100, decimals):+,.{decimals}f} pp"


def format_roas(value: float | None) -> str:
    """A return multiple (ROAS, MER): 3.4167 -> '3.42'; '-' when undefined."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value, 2):,.2f}"


def format_count(value: float | None) -> str:
    """Sessions, orders, impressions: '1,234,567'."""
    if value is None or not _defined(value):
        return UNDEFINED
    return f"{_unsigned_zero(value, 0):,.0f}"
