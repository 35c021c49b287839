"""The P&L arithmetic on arrays: the core every projection and solve runs.

The formulas are sections 1-2 of docs/financial-model.md.

Arrays have shape (channels, 12) for channel drivers and (12,) for P&L
drivers; nothing loops over cells. Cost lines are positive amounts that are
subtracted. A ratio with a zero denominator is NaN (undefined) and never
enters a sum.

A channel with a response curve (``models.curves``) takes its attributed
revenue from the curve instead of its CPC or CPM; its orders are revenue /
AOV and its sessions orders / conversion rate (none where the rate is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from budgets import MONTHS, CostDriver, Plan, as_monthly
from models.catalogue import PNL_CATALOGUE
from models.curves import demand_index, hill_marginal, hill_revenue

YEAR = "FY"

# The lines in statement order, their labels and kinds: from the catalogue (models.catalogue).
PNL_LINES: tuple[str, ...] = tuple(line.key for line in PNL_CATALOGUE)
PNL_LABELS: dict[str, str] = {line.key: line.label for line in PNL_CATALOGUE}
COST_LINES = frozenset(line.key for line in PNL_CATALOGUE if line.cost)
COUNT_LINES = frozenset(line.key for line in PNL_CATALOGUE if line.count)
MONEY_LINES: tuple[str, ...] = tuple(line for line in PNL_LINES if line not in COUNT_LINES)
CHANNEL_METRICS: tuple[str, ...] = ("spend", "impressions", "sessions", "orders", "revenue")
CHANNEL_RATIOS: tuple[str, ...] = ("roas", "cpa")
_LINE = {name: index for index, name in enumerate(PNL_LINES)}
# On a statement (the P&L sheet, the CSV, the app's table) costs are negative, so it adds
# up from top to bottom: each line's sign there, in statement order.
STATEMENT_SIGNS: np.ndarray = np.array([-1.0 if line.cost else 1.0 for line in PNL_CATALOGUE])
_COUNTABLE = 1e300


def statement_sign(name: str) -> float:
    """-1 for a cost line, +1 for every other: the line's sign on a statement."""
    return float(STATEMENT_SIGNS[_LINE[name]])


def ratio(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """numerator / denominator, NaN (undefined) where the denominator is 0.

    A quotient too large for a float (a denominator of a few 1e-300) is
    undefined too, so no infinity reaches a table or a JSON file.
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    with np.errstate(over="ignore", invalid="ignore"):
        np.divide(num, den, out=out, where=den != 0)
    out[np.isinf(out)] = np.nan
    return out


@dataclass(frozen=True)
class PlanArrays:
    """A plan's drivers as arrays: channel drivers (channels, 12), P&L drivers (12,).

    Driver rates given once for the year are broadcast to 12 months; a
    channel without an AOV takes the site AOV of each month. Driver arrays of
    channels that do not use them (CPC of a CPM channel) hold 1.0 and are
    masked out.

    Response curves: ``curve_beta`` and ``curve_k`` (channels, 12) are each
    curve's beta and k stretched by the month's demand index, ``curve_s``
    (channels, 1) its shape; channels without a curve hold 0, 1 and 1 and are
    masked out by ``has_curve``.
    """

    spend: np.ndarray
    is_cpc: np.ndarray
    is_cpm: np.ndarray
    cpc: np.ndarray
    cpm: np.ndarray
    ctr: np.ndarray
    conversion_rate: np.ndarray
    aov: np.ndarray
    organic_sessions: np.ndarray
    site_conversion_rate: np.ndarray
    site_aov: np.ndarray
    return_rate: np.ndarray
    cogs_rate: np.ndarray
    fulfilment_cost_per_order: np.ndarray
    returns_cost_per_return: np.ndarray
    payment_fee_rate: np.ndarray
    fixed_costs: np.ndarray
    has_curve: np.ndarray
    curve_beta: np.ndarray
    curve_k: np.ndarray
    curve_s: np.ndarray

    @classmethod
    def of(cls, plan: Plan) -> PlanArrays:
        pnl = plan.pnl
        channels = plan.marketing.channels
        site_aov = np.array(pnl.site_aov, dtype=float)

        def per_channel(values: list[float | tuple[float, ...] | None]) -> np.ndarray:
            rows = [as_monthly(1.0 if value is None else value) for value in values]
            return np.array(rows, dtype=float).reshape(len(channels), MONTHS)

        aov = per_channel([c.aov for c in channels])
        no_aov = np.array([c.aov is None for c in channels], dtype=bool)
        aov[no_aov] = site_aov
        fixed = np.array([line.amounts for line in pnl.fixed_costs], dtype=float)
        index = demand_index(pnl.organic_sessions)
        curves = [c.response for c in channels]
        has_curve = np.array([curve is not None for curve in curves], dtype=bool)
        parameters = np.array(
            [(0.0, 1.0, 1.0) if c is None else (c.beta, c.k, c.s) for c in curves], dtype=float
        ).reshape(len(channels), 3)
        return cls(
            spend=np.array([c.spend for c in channels], dtype=float).reshape(len(channels), MONTHS),
            is_cpc=np.array([c.cost_driver is CostDriver.CPC for c in channels], dtype=bool),
            is_cpm=np.array([c.cost_driver is CostDriver.CPM for c in channels], dtype=bool),
            cpc=per_channel([c.cpc for c in channels]),
            cpm=per_channel([c.cpm for c in channels]),
            ctr=per_channel([c.ctr for c in channels]),
            conversion_rate=per_channel([c.conversion_rate for c in channels]),
            aov=aov,
            organic_sessions=np.array(pnl.organic_sessions, dtype=float),
            site_conversion_rate=np.array(pnl.site_conversion_rate, dtype=float),
            site_aov=site_aov,
            return_rate=np.array(pnl.return_rate, dtype=float),
            cogs_rate=np.array(pnl.cogs_rate, dtype=float),
            fulfilment_cost_per_order=np.array(pnl.fulfilment_cost_per_order, dtype=float),
            returns_cost_per_return=np.array(pnl.returns_cost_per_return, dtype=float),
            payment_fee_rate=np.array(pnl.payment_fee_rate, dtype=float),
            fixed_costs=fixed.reshape(len(pnl.fixed_costs), MONTHS),
            has_curve=has_curve,
            curve_beta=np.where(has_curve[:, None], parameters[:, :1] * index, 0.0),
            curve_k=np.where(has_curve[:, None], parameters[:, 1:2] * index, 1.0),
            curve_s=parameters[:, 2:],
        )

    def scaled(
        self, *, spend: float = 1.0, conversion: float = 1.0, aov: float = 1.0
    ) -> PlanArrays:
        """A copy with every channel's spend, every conversion rate or every AOV scaled."""
        return replace(
            self,
            spend=self.spend * spend,
            conversion_rate=self.conversion_rate * conversion,
            site_conversion_rate=self.site_conversion_rate * conversion,
            aov=self.aov * aov,
            site_aov=self.site_aov * aov,
        )


@dataclass(frozen=True)
class ChannelFlows:
    """Per channel and month (channels, 12): what the spend buys (the model's section 1).

    Impressions are counted for CPM channels only (0 elsewhere), at the
    channel's CPM whether or not it has a response curve; non-working
    channels bring no sessions, orders or revenue.
    """

    spend: np.ndarray
    impressions: np.ndarray
    sessions: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray


def channel_flows(arrays: PlanArrays) -> ChannelFlows:
    """Impressions, sessions, attributed orders and attributed (gross) revenue of every channel."""
    spend = arrays.spend
    is_cpc = arrays.is_cpc[:, None]
    is_cpm = arrays.is_cpm[:, None]
    impressions = np.where(is_cpm, spend / arrays.cpm * 1000.0, 0.0)
    sessions = np.where(is_cpc, spend / arrays.cpc, 0.0) + np.where(
        is_cpm, impressions * arrays.ctr, 0.0
    )
    orders = sessions * arrays.conversion_rate
    revenue = orders * arrays.aov
    if arrays.has_curve.any():
        curved = arrays.has_curve[:, None]
        revenue = np.where(
            curved, hill_revenue(spend, arrays.curve_beta, arrays.curve_k, arrays.curve_s), revenue
        )
        orders = np.where(curved, revenue / arrays.aov, orders)
        with np.errstate(over="ignore"):
            paid_sessions = np.divide(
                orders,
                arrays.conversion_rate,
                out=np.zeros_like(orders),
                where=arrays.conversion_rate > 0,
            )
        # A conversion rate of a few 1e-300 would need more sessions than a float holds (or
        # than a year's sum can add): counted as none, so no infinity reaches a table.
        paid_sessions[~(paid_sessions <= _COUNTABLE)] = 0.0
        sessions = np.where(curved, paid_sessions, sessions)
    return ChannelFlows(spend, impressions, sessions, orders, revenue)


def marginal_revenue(arrays: PlanArrays) -> np.ndarray:
    """d attributed revenue / d spend (marginal ROAS) per channel and month, (channels, 12).

    The channel's constant revenue per unit of spend without a curve, the
    curve's slope with one (infinite at no spend for a curve of shape below
    1), 0 for non-working channels.
    """
    is_cpc = arrays.is_cpc[:, None]
    is_cpm = arrays.is_cpm[:, None]
    sessions_per_spend = np.where(is_cpc, 1.0 / arrays.cpc, 0.0) + np.where(
        is_cpm, 1000.0 / arrays.cpm * arrays.ctr, 0.0
    )
    marginal: np.ndarray = sessions_per_spend * arrays.conversion_rate * arrays.aov
    if arrays.has_curve.any():
        slope = hill_marginal(arrays.spend, arrays.curve_beta, arrays.curve_k, arrays.curve_s)
        marginal = np.where(arrays.has_curve[:, None], slope, marginal)
    return marginal


def contribution_per_revenue(arrays: PlanArrays) -> np.ndarray:
    """CM2 that one unit of a channel's attributed revenue brings, per channel and month.

    (channels, 12), a fraction of gross revenue: (1 - return rate) x
    (1 - COGS rate) - payment fee rate - (fulfilment per order + return rate x
    returns handling per return) / the channel's AOV. The P&L is linear in
    channel revenue, so this is exact: revenue R of a channel moves CM2 by
    R times this rate (its 1 / AOV orders each cost fulfilment and returns
    handling). Non-working channels bring no revenue; their rate is still
    computed at the site AOV and unused.
    """
    r = arrays.return_rate
    per_order = arrays.fulfilment_cost_per_order + r * arrays.returns_cost_per_return
    rate: np.ndarray = (
        (1.0 - r) * (1.0 - arrays.cogs_rate) - arrays.payment_fee_rate - per_order / arrays.aov
    )
    return rate


def pnl_lines(arrays: PlanArrays, flows: ChannelFlows) -> np.ndarray:
    """Every P&L line of the model's section 2, by month: an array (len(PNL_LINES), 12)."""
    organic_orders = arrays.organic_sessions * arrays.site_conversion_rate
    sessions = arrays.organic_sessions + flows.sessions.sum(axis=0)
    orders = organic_orders + flows.orders.sum(axis=0)
    gross_sales = organic_orders * arrays.site_aov + flows.revenue.sum(axis=0)
    returns = gross_sales * arrays.return_rate
    net_sales = gross_sales - returns
    cogs = net_sales * arrays.cogs_rate
    gross_margin = net_sales - cogs
    fulfilment = orders * arrays.fulfilment_cost_per_order
    returns_handling = orders * arrays.return_rate * arrays.returns_cost_per_return
    payment_fees = gross_sales * arrays.payment_fee_rate
    cm2 = gross_margin - fulfilment - returns_handling - payment_fees
    marketing = flows.spend.sum(axis=0)
    cm3 = cm2 - marketing
    fixed_costs = arrays.fixed_costs.sum(axis=0)
    ebitda = cm3 - fixed_costs
    return np.stack(
        [
            sessions,
            orders,
            gross_sales,
            returns,
            net_sales,
            cogs,
            gross_margin,
            fulfilment,
            returns_handling,
            payment_fees,
            cm2,
            marketing,
            cm3,
            fixed_costs,
            ebitda,
        ]
    )


def project_arrays(arrays: PlanArrays) -> tuple[ChannelFlows, np.ndarray]:
    """Channel flows and P&L lines (len(PNL_LINES), 13: months then the year) of a plan's arrays."""
    flows = channel_flows(arrays)
    return flows, with_year(pnl_lines(arrays, flows))


def with_year(monthly: np.ndarray) -> np.ndarray:
    """Append the yearly sum as a 13th column (last axis)."""
    return np.concatenate([monthly, monthly.sum(axis=-1, keepdims=True)], axis=-1)


def line(lines: np.ndarray, name: str) -> np.ndarray:
    """One P&L line out of a ``pnl_lines`` array (works on 12 or 13 columns)."""
    row: np.ndarray = lines[_LINE[name]]
    return row
