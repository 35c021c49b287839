"""The plan: a digital-marketing spend plan and an e-commerce P&L budget for one fiscal year.

Every figure is validated on the way in, so the engine never sees a negative
spend, a rate outside 0-100 % or a NaN. Money is in the plan's currency,
excluding VAT; rates are fractions (0.025 = 2.5 %); monthly figures are
tuples of 12 values in fiscal order (index 0 is the first month of the
fiscal year).

A fiscal year is named after the calendar year in which it starts: FY2027
with ``first_month=2`` runs from February 2027 to January 2028.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from budgets.currencies import ISO_4217_CODES

MONTHS = 12
NAME_MAX_LENGTH = 80
# The shapes a response curve may take: below 0.5 the first unit of spend
# would be worth almost everything; above 5 the curve is a switch, not a response.
SHAPE_MIN = 0.5
SHAPE_MAX = 5.0

# --- bounds -------------------------------------------------------------------
# Every amount and count a plan may hold. Each is far above any real business
# (the largest advertisers spend about EUR 2 bn a month on all their media;
# the busiest shops see a few billion sessions a month) and low enough that
# no line of the projection, target solve, response curve or workbook can
# overflow: with the divisors (CPC, CPM, AOV) at their lowest and everything
# else at its highest, the largest figure, a year's gross sales, stays below
# 1e27, against the largest float of 1.8e308 and Excel's 9.99e307.
MAX_CHANNELS = 150
MAX_FIXED_COST_LINES = 100
MAX_MONTHLY_AMOUNT = 1e10
"""A month's spend of one channel, or a month of one fixed-cost line (plan currency)."""
MAX_UNIT_PRICE = 1e6
"""A CPC, CPM, AOV, fulfilment cost per order or returns cost per return (plan currency)."""
MIN_UNIT_PRICE = 1e-4
"""The smallest CPC, CPM or AOV (plan currency): spend and revenue are divided by them."""
MAX_MONTHLY_SESSIONS = 1e10
"""A month's organic sessions."""
MAX_CURVE_AMOUNT = 1e18
"""A response curve's monthly revenue ceiling (beta) and half-saturation spend (k): a
curve's parameters rather than figures of the plan (a steep S halving its returns far
out has a ceiling far above any month's revenue), bounded so that k^s stays finite."""
MAX_YEARLY_TARGET = 1e15
"""The net-sales target for the year (plan currency)."""


class ChannelKind(StrEnum):
    """What a marketing channel is, as marketing teams group their spend."""

    PAID_SEARCH = "paid_search"
    PAID_SOCIAL = "paid_social"
    DISPLAY = "display"
    AFFILIATES = "affiliates"
    EMAIL_CRM = "email_crm"
    SEO = "seo"
    CONTENT = "content"
    INFLUENCERS = "influencers"
    DIGITAL_PR = "digital_pr"
    MARKETPLACE_ADS = "marketplace_ads"
    TOOLS_AGENCY = "tools_agency"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    ChannelKind.PAID_SEARCH: "Paid search",
    ChannelKind.PAID_SOCIAL: "Paid social",
    ChannelKind.DISPLAY: "Display",
    ChannelKind.AFFILIATES: "Affiliates",
    ChannelKind.EMAIL_CRM: "Email / CRM",
    ChannelKind.SEO: "SEO",
    ChannelKind.CONTENT: "Content",
    ChannelKind.INFLUENCERS: "Influencers",
    ChannelKind.DIGITAL_PR: "Digital PR",
    ChannelKind.MARKETPLACE_ADS: "Marketplace ads",
    ChannelKind.TOOLS_AGENCY: "Tools / agency",
    ChannelKind.OTHER: "Other",
}


class CostDriver(StrEnum):
    """How a channel's spend turns into sessions (docs/financial-model.md, section 1)."""

    CPC = "cpc"
    CPM = "cpm"
    NONE = "none"

    @property
    def label(self) -> str:
        return {"cpc": "CPC", "cpm": "CPM + CTR", "none": "None (non-working)"}[self.value]


# --- value checks -------------------------------------------------------------
# Each raises a PydanticCustomError whose message says what is allowed; the
# field, channel, month and value are added by budgets.errors from the error's
# location, so every message names all four.


def _non_negative(value: float) -> float:
    if value < 0:
        raise PydanticCustomError("negative", "must be 0 or more")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise PydanticCustomError("not_positive", "must be more than 0")
    return value


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise PydanticCustomError("rate_range", "a rate must be between 0 % and 100 %")
    return value


def _shape(value: float) -> float:
    if not SHAPE_MIN <= value <= SHAPE_MAX:
        raise PydanticCustomError(
            "shape_range",
            f"must be between {SHAPE_MIN:g} and {SHAPE_MAX:g} (1 is the plain saturating "
            "curve, above 1 an S-shape)",
        )
    return value


def _bound_text(bound: float) -> str:
    return f"{bound:,.0f}" if bound >= 1 else f"{bound:g}"


def _at_most(bound: float, what: str) -> Callable[[float], float]:
    """A check that ``value <= bound``; ``what`` says what the bound is, for the message."""

    def check(value: float) -> float:
        if value > bound:
            raise PydanticCustomError(
                "above_bound",
                "must be at most {bound}, the bound on {what}",
                {"bound": _bound_text(bound), "what": what},
            )
        return value

    return check


def _at_least(bound: float, what: str) -> Callable[[float], float]:
    def check(value: float) -> float:
        if value < bound:
            raise PydanticCustomError(
                "below_bound",
                "must be at least {bound}, the lower bound on {what}",
                {"bound": _bound_text(bound), "what": what},
            )
        return value

    return check


# Characters that show nothing (zero-width spaces and joiners, bidirectional
# controls, fillers) or are not characters at all (lone surrogates,
# noncharacters): a name holding one could look exactly like another name.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_INVISIBLE_LETTERS = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
# Scripts whose letters look like Latin ones: a word may not mix two of them.
_LOOKALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "CHEROKEE", "COPTIC"})
# Cyrillic and Greek letters drawn like Latin ones (after NFKC and case folding),
# compared as the Latin letter: "Сosts" (Cyrillic С) is the name "Costs".
_LOOKALIKES = str.maketrans(
    {
        **dict(zip("авеһніјкмортсухѕԁԛԝӏ", "abehhijkmoptcyxsdqwl", strict=True)),  # Cyrillic
        **dict(zip("αβεηικμνορτυχζϲϳ", "abehikmnoptyxzcj", strict=True)),  # Greek
    }
)


def unencodable_at(text: str) -> int | None:
    """The index of the first character of ``text`` that is not valid Unicode (a lone
    surrogate, as JSON's ``"\\ud800"`` gives), or None when it all encodes as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return error.start
    return None


def _invisible(ch: str) -> bool:
    return (
        unicodedata.category(ch) in _INVISIBLE_CATEGORIES
        or ch in _INVISIBLE_LETTERS
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U000e0100" <= ch <= "\U000e01ef"
    )


def _script(ch: str) -> str | None:
    if not unicodedata.category(ch).startswith("L"):
        return None
    return unicodedata.name(ch, "").split(" ", 1)[0] or None


def _mixed_word(name: str) -> tuple[str, set[str]] | None:
    """The first word of ``name`` mixing letters of two look-alike scripts, and the scripts."""
    for word in unicodedata.normalize("NFKC", name).split():
        scripts = {script for ch in word if (script := _script(ch)) in _LOOKALIKE_SCRIPTS}
        if len(scripts) > 1:
            return word, scripts
    return None


def name_key(name: str) -> str:
    """A name as names are compared: NFKC-normalised, case-folded, runs of spaces as one
    space and letters drawn like Latin ones as those; two names with one key look alike."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    return " ".join(folded.split()).translate(_LOOKALIKES)


def _clean_name(value: str) -> str:
    position = unencodable_at(value)
    if position is not None:
        raise PydanticCustomError(
            "unencodable",
            "a name must be valid Unicode text; character {position} is a lone surrogate "
            "({code}), which no file can hold",
            {"position": position + 1, "code": f"\\u{ord(value[position]):04x}"},
        )
    name = value.strip()
    if not 1 <= len(name) <= NAME_MAX_LENGTH:
        raise PydanticCustomError(
            "name_length",
            "a name must be 1 to {max} characters after trimming spaces (it has {length})",
            {"max": NAME_MAX_LENGTH, "length": len(name)},
        )
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise PydanticCustomError("name_control", "a name must not contain control characters")
    hidden = next((index for index, ch in enumerate(name) if _invisible(ch)), None)
    if hidden is not None:
        ch = name[hidden]
        raise PydanticCustomError(
            "name_invisible",
            "a name must not contain invisible characters (character {position} is {code} "
            "{char_name}): the name would look like another",
            {
                "position": hidden + 1,
                "code": f"U+{ord(ch):04X}",
                "char_name": unicodedata.name(ch, "an unassigned code point"),
            },
        )
    mixed = _mixed_word(name)
    if mixed is not None:
        word, scripts = mixed
        raise PydanticCustomError(
            "name_mixed_scripts",
            "a word of a name must not mix {scripts} letters ({word}): it would look like "
            "another name",
            {
                "scripts": " and ".join(sorted(s.title() for s in scripts)),
                "word": repr(word[:NAME_MAX_LENGTH]),
            },
        )
    return name


def _iso_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in ISO_4217_CODES:
        raise PydanticCustomError(
            "currency", "must be an ISO 4217 currency code such as EUR, GBP or USD"
        )
    return code


_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
_NON_NEGATIVE = AfterValidator(_non_negative)
_POSITIVE = AfterValidator(_positive)
_LEAST_PRICE = AfterValidator(_at_least(MIN_UNIT_PRICE, "a figure spend or revenue is divided by"))
Spend = Annotated[
    _Number,
    _NON_NEGATIVE,
    AfterValidator(_at_most(MAX_MONTHLY_AMOUNT, "a channel's spend in a month")),
]
FixedAmount = Annotated[
    _Number,
    _NON_NEGATIVE,
    AfterValidator(_at_most(MAX_MONTHLY_AMOUNT, "a fixed-cost line's month")),
]
CostPerOrder = Annotated[
    _Number, _NON_NEGATIVE, AfterValidator(_at_most(MAX_UNIT_PRICE, "a cost per order or return"))
]
Price = Annotated[
    _Number, _POSITIVE, _LEAST_PRICE, AfterValidator(_at_most(MAX_UNIT_PRICE, "a CPC, CPM or AOV"))
]
Sessions = Annotated[
    _Number,
    _NON_NEGATIVE,
    AfterValidator(_at_most(MAX_MONTHLY_SESSIONS, "a month's organic sessions")),
]
CurveAmount = Annotated[
    _Number,
    _POSITIVE,
    _LEAST_PRICE,
    AfterValidator(_at_most(MAX_CURVE_AMOUNT, "a curve's ceiling and half-way spend")),
]
YearTarget = Annotated[
    _Number, _NON_NEGATIVE, AfterValidator(_at_most(MAX_YEARLY_TARGET, "the net-sales target"))
]
Rate = Annotated[_Number, AfterValidator(_fraction)]
Name = Annotated[str, Field(strict=True), AfterValidator(_clean_name)]
Shape = Annotated[_Number, AfterValidator(_shape)]


def _once_or_monthly(value: Any) -> str:
    return "monthly" if isinstance(value, list | tuple) else "once"


_TWELVE = Field(min_length=MONTHS, max_length=MONTHS)
MonthlySpend = Annotated[tuple[Spend, ...], _TWELVE]
MonthlyFixedAmount = Annotated[tuple[FixedAmount, ...], _TWELVE]
MonthlyCostPerOrder = Annotated[tuple[CostPerOrder, ...], _TWELVE]
MonthlyRate = Annotated[tuple[Rate, ...], _TWELVE]
MonthlySessions = Annotated[tuple[Sessions, ...], _TWELVE]
MonthlyPrice = Annotated[tuple[Price, ...], _TWELVE]
# A driver given once for the year (one number) or per month (12 numbers).
RateSpec = Annotated[
    Annotated[Rate, Tag("once")] | Annotated[MonthlyRate, Tag("monthly")],
    Discriminator(_once_or_monthly),
]
PriceSpec = Annotated[
    Annotated[Price, Tag("once")] | Annotated[MonthlyPrice, Tag("monthly")],
    Discriminator(_once_or_monthly),
]


def as_monthly(value: float | tuple[float, ...]) -> tuple[float, ...]:
    """A driver given once or per month, as 12 monthly values."""
    if isinstance(value, tuple):
        return value
    return (float(value),) * MONTHS


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ResponseCurve(_Frozen):
    """A channel's diminishing returns: attributed revenue as a Hill curve of monthly spend.

    In a month of average demand, revenue(x) = beta * x^s / (x^s + k^s) for a
    month's spend x (plan currency): ``beta`` is the most revenue the channel
    can bring in such a month (gross, before returns), ``k`` the spend that
    brings half of it, ``s`` the shape (1 the plain saturating curve, above 1
    an S-shape whose first units of spend bring little). How a month's demand
    stretches the curve is in ``models.curves``.
    """

    beta: CurveAmount
    k: CurveAmount
    s: Shape = 1.0


class Channel(_Frozen):
    """One line of the digital-marketing spend plan.

    ``cpc`` (CPC channels), ``cpm`` and ``ctr`` (CPM channels), the conversion
    rate and the AOV may each be given once for the year or per month. With no
    AOV the channel's orders are valued at the site AOV of each month.
    Non-working channels (cost driver ``none``: agency fees, tools, content
    production) bring no sessions, so their drivers are ignored.

    A traffic channel may have a ``response`` curve: its revenue then follows
    the curve rather than its CPC or CPM (see ``models.curves``). A channel
    without one is left out of the plan's data, so plans without curves read
    and save as before.
    """

    name: Name
    kind: ChannelKind
    cost_driver: CostDriver
    spend: MonthlySpend
    cpc: PriceSpec | None = None
    cpm: PriceSpec | None = None
    ctr: RateSpec | None = None
    conversion_rate: RateSpec = 0.0
    aov: PriceSpec | None = None
    response: ResponseCurve | None = None

    @model_validator(mode="after")
    def _driver_inputs_present(self) -> Channel:
        if self.cost_driver is CostDriver.CPC and self.cpc is None:
            raise PydanticCustomError(
                "missing_driver", "a CPC channel needs a cost per click (cpc)"
            )
        if self.cost_driver is CostDriver.CPM and (self.cpm is None or self.ctr is None):
            raise PydanticCustomError(
                "missing_driver", "a CPM channel needs a cost per 1,000 impressions (cpm) and a CTR"
            )
        if self.response is not None and not self.brings_traffic:
            raise PydanticCustomError(
                "curve_non_working",
                "a non-working channel (cost driver none) brings no revenue, so it cannot have "
                "a response curve",
            )
        return self

    @model_serializer(mode="wrap")
    def _without_absent_curve(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.response is None:
            data.pop("response", None)
        return data

    @property
    def brings_traffic(self) -> bool:
        return self.cost_driver is not CostDriver.NONE


class MarketingPlan(_Frozen):
    """The digital-marketing spend plan: any number of channels, names unique."""

    channels: tuple[Channel, ...] = ()

    @field_validator("channels", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        return _at_most_items(value, MAX_CHANNELS, "channels")

    @model_validator(mode="after")
    def _names_unique(self) -> MarketingPlan:
        _check_unique([c.name for c in self.channels], "channel")
        return self

    def channel(self, name: str) -> Channel:
        for channel in self.channels:
            if channel.name == name:
                return channel
        raise KeyError(name)


class FixedCostLine(_Frozen):
    """A fixed-cost line of the P&L (personnel, platform, rent...), 12 monthly amounts."""

    name: Name
    amounts: MonthlyFixedAmount


class PnlBudget(_Frozen):
    """The e-commerce P&L drivers, 12 months each (docs/financial-model.md, section 2)."""

    organic_sessions: MonthlySessions
    site_conversion_rate: MonthlyRate
    site_aov: MonthlyPrice
    return_rate: MonthlyRate
    cogs_rate: MonthlyRate
    fulfilment_cost_per_order: MonthlyCostPerOrder
    returns_cost_per_return: MonthlyCostPerOrder
    payment_fee_rate: MonthlyRate
    fixed_costs: tuple[FixedCostLine, ...] = ()

    @field_validator("fixed_costs", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        return _at_most_items(value, MAX_FIXED_COST_LINES, "fixed-cost lines")

    @model_validator(mode="after")
    def _names_unique(self) -> PnlBudget:
        _check_unique([line.name for line in self.fixed_costs], "fixed-cost line")
        return self


PNL_DRIVERS: tuple[str, ...] = (
    "organic_sessions",
    "site_conversion_rate",
    "site_aov",
    "return_rate",
    "cogs_rate",
    "fulfilment_cost_per_order",
    "returns_cost_per_return",
    "payment_fee_rate",
)


class Targets(_Frozen):
    """What the year must reach: net sales, EBITDA margin and optionally CM3 margin.

    Margins are fractions of net sales and may be negative (a planned loss).
    """

    net_sales: YearTarget
    ebitda_margin: Annotated[_Number, Field(ge=-1.0, le=1.0)]
    cm3_margin: Annotated[_Number, Field(ge=-1.0, le=1.0)] | None = None


class Plan(_Frozen):
    """A whole plan: identity, the spend plan, the P&L budget and the targets."""

    schema_version: Literal[1] = 1
    name: Name
    fiscal_year: Annotated[int, Field(strict=True, ge=2000, le=2100)]
    first_month: Annotated[int, Field(strict=True, ge=1, le=12)] = 1
    currency: Annotated[str, Field(strict=True), AfterValidator(_iso_currency)] = "EUR"
    marketing: MarketingPlan = Field(default_factory=MarketingPlan)
    pnl: PnlBudget
    targets: Targets

    @property
    def month_labels(self) -> tuple[str, ...]:
        return fiscal_month_labels(self.fiscal_year, self.first_month)


def fiscal_month_labels(fiscal_year: int, first_month: int) -> tuple[str, ...]:
    """Labels of the 12 fiscal months, e.g. ('Feb 2027', ..., 'Jan 2028')."""
    labels = []
    for offset in range(MONTHS):
        month0 = first_month - 1 + offset
        year = fiscal_year + month0 // MONTHS
        labels.append(f"{calendar.month_abbr[month0 % MONTHS + 1]} {year}")
    return tuple(labels)


def _at_most_items(value: Any, most: int, what: str) -> Any:
    """Refuse a list longer than ``most`` before any of its items is validated."""
    if isinstance(value, list | tuple) and len(value) > most:
        raise PydanticCustomError(
            "too_many",
            "a plan may have at most {most} {what} (this one has {count:,})",
            {"most": most, "what": what, "count": len(value)},
        )
    return value


def _check_unique(names: list[str], what: str) -> None:
    """Names must differ once compared as ``name_key`` compares them (case, NFKC, look-alikes)."""
    seen: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name_key(name)
        if key in seen:
            raise PydanticCustomError(
                "duplicate_name",
                "duplicate {what} name '{name}' ({what}s {first} and {second}); "
                "names must be unique",
                {"what": what, "name": name, "first": seen[key] + 1, "second": index + 1},
            )
        seen[key] = index
