"""The one home of what each plan field is called and how it is shown.

Messages (``budgets.errors``, ``budgets.diff``), the workbook's Assumptions
sheet and its import (``models.excel.layout``) and the app's grids
(``ui.grids``) read a field's names and whether it is a rate here. Within a
group the order is the order of the workbook's rows and the grids' columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldGroup(StrEnum):
    """Where a field sits in a plan."""

    PLAN = "plan"
    TARGET = "target"
    PNL_DRIVER = "pnl_driver"
    CHANNEL = "channel"
    CHANNEL_DRIVER = "channel_driver"
    CURVE = "curve"
    FIXED_COST = "fixed_cost"


@dataclass(frozen=True)
class PlanField:
    """One field of a plan.

    Attributes:
        key: its name in the plan ("returns_cost_per_return").
        group: where it sits in a plan.
        label: its name inside a sentence, as messages say it.
        title: its name as a heading, where the workbook shows one.
        column: its header in the app's grids, where a grid shows it.
        rate: a fraction, shown and typed in percent.
        whole: counted in whole units (sessions), shown without decimals.
    """

    key: str
    group: FieldGroup
    label: str
    title: str = ""
    column: str = ""
    rate: bool = False
    whole: bool = False


_P, _T, _D = FieldGroup.PLAN, FieldGroup.TARGET, FieldGroup.PNL_DRIVER
_C, _CD, _K = FieldGroup.CHANNEL, FieldGroup.CHANNEL_DRIVER, FieldGroup.CURVE

FIELDS: tuple[PlanField, ...] = (
    PlanField("name", _P, "name", "Plan name"),
    PlanField("fiscal_year", _P, "fiscal year", "Fiscal year"),
    PlanField(
        "first_month", _P, "first month of the fiscal year",
        "First month of the fiscal year (1 = January)",
    ),
    PlanField("currency", _P, "currency", "Currency (ISO 4217 code)"),
    PlanField("schema_version", _P, "schema version"),
    PlanField("net_sales", _T, "net-sales target", "Net-sales target for the year"),
    PlanField("ebitda_margin", _T, "target EBITDA margin", "Target EBITDA margin", rate=True),
    PlanField(
        "cm3_margin", _T, "target CM3 margin",
        "Target CM3 margin (empty: the margin the EBITDA target needs)", rate=True,
    ),
    PlanField(
        "organic_sessions", _D, "organic sessions", "Organic sessions", "Organic sessions",
        whole=True,
    ),
    PlanField(
        "site_conversion_rate", _D, "site conversion rate", "Site conversion rate",
        "Site conversion %", rate=True,
    ),
    PlanField("site_aov", _D, "site AOV", "Site AOV", "Site AOV"),
    PlanField("return_rate", _D, "return rate", "Return rate", "Return rate %", rate=True),
    PlanField("cogs_rate", _D, "COGS rate", "COGS rate (on net sales)", "COGS %", rate=True),
    PlanField(
        "fulfilment_cost_per_order", _D, "fulfilment cost per order",
        "Fulfilment cost per order", "Fulfilment / order",
    ),
    PlanField(
        "returns_cost_per_return", _D, "returns cost per returned order",
        "Returns cost per returned order", "Returns cost / return",
    ),
    PlanField(
        "payment_fee_rate", _D, "payment fee rate", "Payment fee rate (on gross sales)",
        "Payment fees %", rate=True,
    ),
    PlanField("kind", _C, "kind"),
    PlanField("cost_driver", _C, "cost driver"),
    PlanField("spend", _C, "spend"),
    PlanField("response", _C, "response curve"),
    PlanField("cpc", _CD, "CPC", "CPC (cost per click)", "CPC"),
    PlanField("cpm", _CD, "CPM", "CPM (cost per 1,000 impressions)", "CPM"),
    PlanField("ctr", _CD, "CTR", "CTR (clicks per impression)", "CTR %", rate=True),
    PlanField(
        "conversion_rate", _CD, "conversion rate", "Conversion rate (orders per session)",
        "Conversion %", rate=True,
    ),
    PlanField("aov", _CD, "AOV", "AOV (empty: the site AOV of the month)", "AOV"),
    PlanField("beta", _K, "maximum monthly revenue (beta)", "Revenue ceiling (beta)"),
    PlanField("k", _K, "half-saturation spend (k)", "Spend for half (k)"),
    PlanField("s", _K, "shape (s)", "Shape (s)"),
    PlanField("amounts", FieldGroup.FIXED_COST, "amount"),
)  # fmt: skip
FIELD: dict[str, PlanField] = {field.key: field for field in FIELDS}


def fields_of(group: FieldGroup) -> tuple[PlanField, ...]:
    """The fields of ``group``, in the order of the workbook's rows and the grids' columns."""
    return tuple(field for field in FIELDS if field.group is group)
