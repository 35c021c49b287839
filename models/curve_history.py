"""A curve fitted to last year: a channel's monthly spend and revenue from a CSV file.

The file has one row per channel and month (``month, channel, spend,
revenue``), read within bounded work (``read_history``); each month is
deseasonalised by this plan's demand index of the same calendar month, and
the Hill curve of ``models.curves`` is fitted by bounded least squares
(``fit_curve``).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy.optimize import least_squares

from budgets import MONTHS, ResponseCurve
from budgets.errors import quoted, shown_text
from budgets.plan import (
    MAX_CHANNELS,
    MAX_CURVE_AMOUNT,
    MAX_MONTHLY_AMOUNT,
    MIN_UNIT_PRICE,
    NAME_MAX_LENGTH,
    SHAPE_MAX,
    SHAPE_MIN,
    unencodable_at,
)
from models.curves import hill_revenue
from models.formatting import format_amount, format_rate

HISTORY_COLUMNS: tuple[str, ...] = ("month", "channel", "spend", "revenue")
HISTORY_HELP = (
    "One row per channel and month of last year: **month** (2026-01 or Jan 2026), "
    "**channel** (as named in this plan), **spend** and **revenue** (the channel's attributed "
    "revenue, gross of returns, as its ad platform or analytics reports it), in the plan's "
    "currency, with a decimal point and no currency sign."
)
MIN_MONTHS = 6
MEGABYTE = 1024 * 1024
# A history file is read within bounded work: at most 10 MB, 50 columns and
# 20,000 rows (every month of ten years for 150 channels, the most a plan has),
# amounts within the plan's bounds. Beyond them it is refused before pandas
# reads it.
MAX_HISTORY_BYTES = 10 * MEGABYTE
MAX_HISTORY_COLUMNS = 50
MAX_HISTORY_ROWS = 20_000
MAX_HEADER_CHARACTERS = 10_000
MAX_HISTORY_REVENUE = 1e15
"""A month's attributed revenue of one channel in a history file (plan currency)."""
# How many of a file's channels a refusal names before it counts the rest.
_NAMED_CHANNELS = 10
# The fit's bounds: 1/1000 to 1000 times the data, as natural logarithms.
_DECADES = math.log(1e3)
# Spend that moves less than this between its lowest and highest month shows
# one point of the curve, not its shape.
MIN_SPEND_RANGE = 0.05
_MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%b %Y", "%B %Y", "%m/%Y", "%Y/%m")


class HistoryError(ValueError):
    """A history file that cannot be read at all (not CSV, columns missing)."""


# --- last year's spend and revenue ------------------------------------------------


@dataclass(frozen=True)
class History:
    """Last year's monthly spend and revenue by channel, as read from a CSV file.

    Attributes:
        rows: the valid rows; columns line (the file's line number), month
            (a pandas monthly Period), channel (as written, trimmed), spend,
            revenue (currency).
        problems: per channel (casefolded name), the messages of its rows that
            could not be used; such a channel is refused a fit.
        channels: the channel names in the order they first appear.
    """

    rows: pd.DataFrame
    problems: dict[str, tuple[str, ...]]
    channels: tuple[str, ...]

    def rows_of(self, channel: str) -> pd.DataFrame:
        """The valid rows of one channel (names compared without case), by month."""
        mask = self.rows["channel"].str.casefold() == channel.strip().casefold()
        return self.rows[mask].sort_values("month").reset_index(drop=True)


def _parse_month(text: str) -> pd.Period | None:
    cleaned = text.strip()
    for fmt in _MONTH_FORMATS:
        try:
            return pd.Period(datetime.strptime(cleaned, fmt), freq="M")
        except ValueError:
            continue
    return None


def _parse_amount(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _history_text(data: bytes | str) -> str:
    """The file as text, refused before pandas reads it when it is not one a plan could use.

    Raises:
        HistoryError: over 10 MB, not UTF-8, NUL characters, a header over
            50 columns or 10,000 characters, or more than 20,000 rows.
    """
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "surrogatepass"))
    if size > MAX_HISTORY_BYTES:
        raise HistoryError(
            f"File: it is {size / MEGABYTE:.1f} MB, over the {MAX_HISTORY_BYTES // MEGABYTE} MB "
            "a history file may have."
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise HistoryError("File: it is not a text (UTF-8) CSV file.") from None
    else:
        text = data
    if unencodable_at(text) is not None:
        raise HistoryError("File: it is not valid Unicode text (it holds a lone surrogate).")
    nul = text.find("\x00")
    if nul >= 0:
        raise HistoryError(
            f"File: line {text.count(chr(10), 0, nul) + 1} holds a NUL character, which a "
            "text CSV file never does; save the history as CSV (UTF-8) and upload it again."
        )
    header = text.split("\n", 1)[0]
    columns = header.count(",") + 1
    if columns > MAX_HISTORY_COLUMNS or len(header) > MAX_HEADER_CHARACTERS:
        raise HistoryError(
            f"File: its header has {columns:,} columns and {len(header):,} characters; a "
            f"history file has the columns {', '.join(HISTORY_COLUMNS)} (at most "
            f"{MAX_HISTORY_COLUMNS} columns and {MAX_HEADER_CHARACTERS:,} characters in all)."
        )
    lines = text.count("\n") + (not text.endswith("\n"))
    if lines - 1 > MAX_HISTORY_ROWS:
        raise HistoryError(
            f"File: it has {lines - 1:,} rows; a history file has at most "
            f"{MAX_HISTORY_ROWS:,} (every month of ten years for {MAX_CHANNELS} channels)."
        )
    return text


def read_history(data: bytes | str) -> History:
    """Read a ``month, channel, spend, revenue`` CSV file (header names without case or spaces).

    Rows with a month that is not a month, an amount that is not a finite
    number, a negative amount or a month given twice for a channel are left
    out and reported against their channel. Other columns are ignored.

    A file over the bounds of ``_history_text`` is refused before it is read;
    amounts above a plan's bounds (spend 1e10, revenue 1e15 a month) and
    channel names over 80 characters are reported against their row.

    Raises:
        HistoryError: when the file is not text, not CSV, has no rows, lacks
            one of the four columns, or is larger than any plan's history.
    """
    text = _history_text(data)
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise HistoryError(f"File: it is not a CSV file ({shown_text(str(error))}).") from None
    frame.columns = [str(column).strip().casefold() for column in frame.columns]
    missing = [column for column in HISTORY_COLUMNS if column not in frame.columns]
    if missing:
        raise HistoryError(
            f"File: the column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} missing; the file needs the columns "
            f"{', '.join(HISTORY_COLUMNS)}."
        )
    if frame.empty:
        raise HistoryError("File: it has a header but no rows.")
    rows: list[dict[str, object]] = []
    problems: dict[str, list[str]] = {}
    seen: dict[tuple[str, pd.Period], int] = {}
    order: list[str] = []
    known: set[str] = set()
    for position, record in enumerate(frame[list(HISTORY_COLUMNS)].itertuples(index=False)):
        line = position + 2  # the header is line 1
        month_text, channel, spend_text, revenue_text = (str(v) for v in record)
        channel = channel.strip()
        key = channel.casefold()
        if channel and key not in known:
            known.add(key)
            order.append(channel)
        issues: list[str] = []
        if not channel:
            issues.append(f"Line {line}: the channel is empty")
        elif len(channel) > NAME_MAX_LENGTH:
            issues.append(
                f"Line {line}: the channel {quoted(channel)} is not allowed; a channel's name "
                f"has at most {NAME_MAX_LENGTH} characters"
            )
        month = _parse_month(month_text)
        if month is None:
            issues.append(
                f"Line {line}: month {quoted(month_text.strip())} is not a month; "
                "write it as 2026-01 or Jan 2026"
            )
        amounts: dict[str, float] = {}
        for name, raw, most in (
            ("spend", spend_text, MAX_MONTHLY_AMOUNT),
            ("revenue", revenue_text, MAX_HISTORY_REVENUE),
        ):
            value = _parse_amount(raw)
            if value is None or not math.isfinite(value):
                issues.append(f"Line {line}: {name} {quoted(raw.strip())} is not a number")
            elif value < 0:
                issues.append(
                    f"Line {line}: {name} {value:,.10g} is not allowed; it must be 0 or more"
                )
            elif value > most:
                issues.append(
                    f"Line {line}: {name} {value:,.10g} is not allowed; it must be at most "
                    f"{most:,.0f}, the bound on a channel's {name} in a month"
                )
            else:
                amounts[name] = value
        if month is not None and channel:
            earlier = seen.get((key, month))
            if earlier is not None:
                issues.append(
                    f"Line {line}: {month.strftime('%b %Y')} is given twice for this channel "
                    f"(also line {earlier})"
                )
            else:
                seen[(key, month)] = line
        if issues:
            problems.setdefault(key, []).extend(issues)
            continue
        rows.append({"line": line, "month": month, "channel": channel, **amounts})
    table = pd.DataFrame(rows, columns=["line", "month", "channel", "spend", "revenue"])
    return History(
        rows=table,
        problems={name: tuple(messages) for name, messages in problems.items()},
        channels=tuple(order),
    )


@dataclass(frozen=True)
class CurveFit:
    """A curve fitted to one channel's history, or the reason it was refused.

    Attributes:
        channel: the plan's channel name.
        curve: the fitted curve; None when refused (the channel stays as it is).
        refusal: "Refused, because ..." when no curve could be fitted.
        r_squared: share of the monthly revenue's variation the curve explains
            (NaN when refused).
        rmse: root mean square error of monthly revenue (currency; NaN when refused).
        points: the months used; columns month (label), spend, revenue,
            demand_index, fitted (currency; fitted NaN when refused).
        notes: what the planner should know about a fitted curve.
    """

    channel: str
    curve: ResponseCurve | None
    refusal: str | None
    r_squared: float
    rmse: float
    points: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def fitted(self) -> bool:
        return self.curve is not None


def _refuse(channel: str, reason: str, points: pd.DataFrame | None = None) -> CurveFit:
    empty = pd.DataFrame(columns=["month", "spend", "revenue", "demand_index", "fitted"])
    return CurveFit(
        channel, None, f"Refused, because {reason}.", math.nan, math.nan,
        empty if points is None else points,
    )  # fmt: skip


def calendar_demand(index: np.ndarray, first_month: int) -> np.ndarray:
    """A plan's demand index (fiscal order) by calendar month, January first."""
    return np.roll(np.asarray(index, dtype=float), first_month - 1)


def fit_curve(
    history: History,
    channel: str,
    demand_by_calendar_month: np.ndarray | None = None,
    shape: float | None = 1.0,
) -> CurveFit:
    """Fit beta and k (and s when ``shape`` is None) to one channel's months by least squares.

    Each month's revenue is compared with d * revenue(spend / d), d this
    plan's demand index of the same calendar month (``calendar_demand``; all
    1 when None), so last year's seasonality is not mistaken for saturation.
    The fit is bounded (scipy ``least_squares``, trust region reflective):
    beta from 1/1000 to 1000 times the largest deseasonalised revenue, k from
    1/1000 to 1000 times the spend range, s from 0.5 to 5; it starts from
    three values of k and keeps the best.

    Refused (the channel keeps its CPC or CPM) when the channel's rows have
    problems, there are fewer than 6 months, spend never varies (by less
    than 5 % between its lowest and highest month), or there is no revenue
    or revenue never varies.
    """
    rows = history.rows_of(channel)
    problems = history.problems.get(channel.strip().casefold(), ())
    if problems:
        shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
        return _refuse(channel, f"some of its rows cannot be used ({shown})")
    if rows.empty:
        named = history.channels[:_NAMED_CHANNELS]
        known = ", ".join(quoted(name) for name in named) or "none"
        if len(history.channels) > len(named):
            known += f" and {len(history.channels) - len(named):,} more"
        return _refuse(
            channel, f"the file has no rows for {quoted(channel)} (its channels: {known})"
        )
    calendar_index = (
        np.ones(MONTHS)
        if demand_by_calendar_month is None
        else np.asarray(demand_by_calendar_month, dtype=float)
    )
    months = rows["month"].map(lambda p: p.month).to_numpy(dtype=int)
    demand = calendar_index[months - 1]
    spend = rows["spend"].to_numpy(dtype=float)
    revenue = rows["revenue"].to_numpy(dtype=float)
    points = pd.DataFrame(
        {
            "month": [p.strftime("%b %Y") for p in rows["month"]],
            "spend": spend,
            "revenue": revenue,
            "demand_index": demand,
            "fitted": np.nan,
        }
    )
    if len(rows) < MIN_MONTHS:
        return _refuse(
            channel,
            f"it has {len(rows)} month{'s' if len(rows) != 1 else ''} of data; a curve needs "
            f"at least {MIN_MONTHS} to be told apart from a straight line",
            points,
        )
    if (demand <= 0).any():
        return _refuse(
            channel, "some of its months have no demand in this plan (no organic sessions)", points
        )
    high, low = float(spend.max()), float(spend.min())
    if high <= 0:
        return _refuse(channel, "there is no spend in any month", points)
    if (high - low) / high < MIN_SPEND_RANGE:
        return _refuse(
            channel,
            f"spend never varies (from {format_amount(low)} to {format_amount(high)}, less than "
            f"{format_rate(MIN_SPEND_RANGE, 0)} apart): the data show one point of the curve, "
            "not its shape",
            points,
        )
    if revenue.max() <= 0:
        return _refuse(
            channel, "there is no revenue in any month: nothing responds to spend", points
        )
    total_variation = float(((revenue - revenue.mean()) ** 2).sum())
    if total_variation <= 0:
        return _refuse(channel, "revenue is the same every month: there is nothing to fit", points)

    x, y = spend / demand, revenue / demand
    scale = float(np.abs(y).max())
    span = float(x[x > 0].min()), float(x.max())
    fit_shape = shape is None
    fixed_shape = 1.0 if shape is None else float(shape)

    def model(theta: np.ndarray) -> np.ndarray:
        s = float(theta[2]) if fit_shape else fixed_shape
        fitted: np.ndarray = demand * hill_revenue(x, math.exp(theta[0]), math.exp(theta[1]), s)
        return fitted

    def residuals(theta: np.ndarray) -> np.ndarray:
        result: np.ndarray = (model(theta) - revenue) / scale
        return result

    # Within 1/1000 to 1000 times the data, and within what a plan's curves may hold.
    least, most = math.log(MIN_UNIT_PRICE), math.log(MAX_CURVE_AMOUNT)
    lower = [max(math.log(scale) - _DECADES, least), max(math.log(span[0]) - _DECADES, least)]
    upper = [min(math.log(scale) + _DECADES, most), min(math.log(span[1]) + _DECADES, most)]
    if lower[0] >= upper[0] or lower[1] >= upper[1]:
        return _refuse(
            channel,
            "its spend or revenue is too small or too large for a curve a plan can hold "
            f"(from {MIN_UNIT_PRICE:g} to {MAX_CURVE_AMOUNT:,.0f})",
            points,
        )
    if fit_shape:
        lower.append(SHAPE_MIN)
        upper.append(SHAPE_MAX)
    best = None
    for k0 in (float(np.median(x[x > 0])), span[1], 3 * span[1]):
        basis = hill_revenue(x, 1.0, k0, fixed_shape)
        beta0 = float((basis * y).sum() / max((basis**2).sum(), 1e-300))
        start = [
            min(max(math.log(max(beta0, 1e-300)), lower[0]), upper[0]),
            min(max(math.log(k0), lower[1]), upper[1]),
        ]
        if fit_shape:
            start.append(fixed_shape)
        try:
            with np.errstate(all="ignore"):
                result = least_squares(
                    residuals, np.array(start), bounds=(lower, upper), method="trf"
                )
        except (ValueError, OverflowError, FloatingPointError, np.linalg.LinAlgError):
            continue  # this start leads nowhere; the others may not
        if np.isfinite(result.cost) and (best is None or result.cost < best.cost):
            best = result
    if best is None:
        return _refuse(channel, "no curve fits its months (the fit did not converge)", points)
    theta = best.x
    s_fit = float(theta[2]) if fit_shape else fixed_shape
    try:
        curve = ResponseCurve(beta=math.exp(theta[0]), k=math.exp(theta[1]), s=s_fit)
    except ValidationError:
        return _refuse(channel, "the fitted curve is outside what a plan's curves may hold", points)
    fitted = model(theta)
    residual = revenue - fitted
    r_squared = 1.0 - float((residual**2).sum()) / total_variation
    rmse = math.sqrt(float((residual**2).mean()))
    points["fitted"] = fitted
    notes = [
        f"Beyond last year's highest monthly spend ({format_amount(high)}) the curve is an "
        "extrapolation."
    ]
    if theta[1] >= upper[1] - 1e-6:
        notes.append(
            "Last year's data show almost no saturation: the curve is close to a straight line "
            "over them, and its ceiling is uncertain."
        )
    if r_squared < 0.5:
        notes.append(
            f"The curve explains only {format_rate(max(r_squared, 0.0), 0)} of the monthly "
            "variation of revenue: other causes (promotions, stock, tracking) move it more than "
            "spend does."
        )
    return CurveFit(channel, curve, None, r_squared, rmse, points, tuple(notes))
