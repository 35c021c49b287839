"""The linked projection: spend -> sessions -> orders -> revenue -> P&L.

The formulas are sections 1-2 of docs/financial-model.md.

``project_plan(plan)`` is the one call every screen, export and test uses. The
arithmetic runs on numpy arrays of shape (channels, 12) and (12,), with no loop
over cells; the same core (``PlanArrays`` -> ``pnl_lines``) is re-run by the
target solves on scaled copies of the arrays.

Conventions:
    * Money in the plan's currency, excluding VAT; rates as fractions.
    * Cost lines (returns, COGS, fulfilment, ...) are positive amounts that
      are subtracted; statements show them as costs.
    * Yearly figures of additive lines are sums of the 12 months; yearly
      ratios are ratios of the yearly sums, never averages of monthly ratios.
    * A ratio whose denominator is zero (ROAS with no spend, CPA with no
      orders, a margin with no net sales) is undefined: NaN in the arrays and
      DataFrames, ``null`` in JSON, "-" on screen. Undefined ratios never
      enter a sum.
    * Values are not rounded: they agree with docs/financial-model.md to float precision,
      so to the cent once rounded for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from budgets import Plan
from models.measures import weighted_mean
from models.pnl import (
    MONEY_LINES,
    PNL_LABELS,
    PNL_LINES,
    STATEMENT_SIGNS,
    YEAR,
    PlanArrays,
    contribution_per_revenue,
    line,
    marginal_revenue,
    project_arrays,
    ratio,
    with_year,
)
from models.targets import TargetReport, solve_targets


@dataclass(frozen=True)
class ChannelResults:
    """Every channel's month-by-month and yearly results.

    Additive metrics (``spend``, ``impressions``, ``sessions``, ``orders``,
    ``revenue``) are arrays (channels, 13): 12 months then the year's sum.
    ROAS (revenue / spend) and CPA (spend / orders) are ratios of those,
    undefined (NaN) where spend or orders are 0.

    ``marginal_roas`` (channels, 13) is d revenue / d spend in each month: the
    ROAS itself for a channel without a response curve (constant returns,
    defined even without spend), the curve's slope for one with a curve
    (undefined at no spend for a curve of shape below 1, where it is
    infinite), 0 for non-working channels. The year's value is the return of
    one more unit spread like the year's spend: the spend-weighted mean of the
    months, undefined without spend.
    """

    names: tuple[str, ...]
    months: tuple[str, ...]
    spend: np.ndarray
    impressions: np.ndarray
    sessions: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray
    is_cpm: np.ndarray
    brings_traffic: np.ndarray
    marginal_roas: np.ndarray

    @property
    def roas(self) -> np.ndarray:
        return ratio(self.revenue, self.spend)

    @property
    def cpa(self) -> np.ndarray:
        return ratio(self.spend, self.orders)

    def metric(self, name: str) -> np.ndarray:
        """Any metric or ratio by name, (channels, 13)."""
        value: np.ndarray = getattr(self, name)
        return value

    def table(self, name: str) -> pd.DataFrame:
        """A metric as a table: channels down, months then FY across."""
        index = pd.Index(self.names, name="channel")
        return pd.DataFrame(self.metric(name), index=index, columns=[*self.months, YEAR])

    def year_summary(self) -> pd.DataFrame:
        """The year per channel, one row each.

        Columns: spend, impressions, sessions, orders, revenue, roas, cpa,
        share_of_spend.

        Impressions are NaN for channels not bought by CPM; share of spend is
        a fraction of the year's marketing (NaN when nothing is spent).
        """
        spend = self.spend[:, -1]
        frame = pd.DataFrame(
            {
                "spend": spend,
                "impressions": np.where(self.is_cpm, self.impressions[:, -1], np.nan),
                "sessions": self.sessions[:, -1],
                "orders": self.orders[:, -1],
                "revenue": self.revenue[:, -1],
                "roas": self.roas[:, -1],
                "cpa": self.cpa[:, -1],
                "share_of_spend": ratio(spend, spend.sum()),
            },
            index=pd.Index(self.names, name="channel"),
        )
        return frame


@dataclass(frozen=True)
class Projection:
    """Everything the plan implies, for every month and the year.

    Attributes:
        plan: the plan projected.
        months: labels of the 12 fiscal months ("Jan 2027"...).
        lines: P&L lines (len(PNL_LINES), 13): months then FY, in currency
            (sessions and orders in counts).
        channels: per-channel results.
        targets: break-even and target ROAS and the target solves (section 3).
    """

    plan: Plan
    arrays: PlanArrays
    months: tuple[str, ...]
    lines: np.ndarray
    channels: ChannelResults

    @cached_property
    def contribution_per_revenue(self) -> np.ndarray:
        """CM2 per unit of each channel's attributed revenue, (channels, 12) fractions.

        See ``models.pnl.contribution_per_revenue``; its inverse is the
        marginal ROAS at which a channel's next unit of spend pays for itself.
        """
        return contribution_per_revenue(self.arrays)

    def line(self, name: str) -> np.ndarray:
        """One P&L line: 12 months then the year (13 values)."""
        return line(self.lines, name)

    def year(self, name: str) -> float:
        """One P&L line for the year."""
        return float(self.line(name)[-1])

    def margin(self, name: str) -> np.ndarray:
        """A line as a fraction of net sales of the same period (13 values, NaN without sales)."""
        return ratio(self.line(name), self.line("net_sales"))

    @property
    def conversion_rate(self) -> np.ndarray:
        """Orders / sessions, organic and paid together (13 values)."""
        return ratio(self.line("orders"), self.line("sessions"))

    @property
    def aov(self) -> np.ndarray:
        """Gross sales / orders (13 values)."""
        return ratio(self.line("gross_sales"), self.line("orders"))

    @property
    def marketing_share(self) -> np.ndarray:
        """Marketing as a fraction of net sales (13 values)."""
        return self.margin("marketing")

    @property
    def mer(self) -> np.ndarray:
        """Marketing efficiency ratio, gross sales / marketing: the blended ROAS (13 values)."""
        return ratio(self.line("gross_sales"), self.line("marketing"))

    @property
    def paid_roas(self) -> np.ndarray:
        """Attributed channel revenue / marketing (13 values): the channels' blended ROAS, which
        the ROAS hurdles apply to; MER also counts organic sales."""
        return ratio(self.channel_total("revenue"), self.line("marketing"))

    @cached_property
    def pnl(self) -> pd.DataFrame:
        """The P&L: lines (PNL_LINES keys) down, months then FY across; costs positive."""
        return pd.DataFrame(
            self.lines, index=pd.Index(PNL_LINES, name="line"), columns=[*self.months, YEAR]
        )

    def channel_summary(self) -> pd.DataFrame:
        """The year per channel (``ChannelResults.year_summary``) and its ROAS against the hurdles.

        Column ``versus``: "Non-working" (no traffic by design), "-" (no
        spend), "At or above target", "Above break-even" or "Below
        break-even", against the year's target and break-even ROAS.
        """
        summary = self.channels.year_summary()
        roas = summary["roas"].to_numpy()
        target = np.nan_to_num(self.targets.target_roas[-1], nan=np.inf)
        break_even = np.nan_to_num(self.targets.break_even_roas[-1], nan=np.inf)
        summary["versus"] = np.select(
            [~self.channels.brings_traffic, np.isnan(roas), roas >= target, roas >= break_even],
            ["Non-working", "-", "At or above target", "Above break-even"],
            default="Below break-even",
        )
        return summary

    def channel_total(self, metric: str) -> np.ndarray:
        """A channel metric summed over every channel (13 values: months then FY)."""
        total: np.ndarray = self.channels.metric(metric).sum(axis=0)
        return total

    @cached_property
    def statement(self) -> pd.DataFrame:
        """The P&L as a statement: labelled lines, costs negative, months then FY across."""
        return pd.DataFrame(
            self.lines * STATEMENT_SIGNS[:, None],
            index=pd.Index([PNL_LABELS[name] for name in PNL_LINES], name="line"),
            columns=[*self.months, YEAR],
        )

    @cached_property
    def kpis(self) -> pd.DataFrame:
        """Ratios by month and year (rows; months then FY across).

        Rows: ``<line>_margin`` for every money line on net sales, then
        conversion_rate, aov, marketing_share and mer.
        """
        rows = {f"{name}_margin": self.margin(name) for name in MONEY_LINES if name != "net_sales"}
        rows.update(
            conversion_rate=self.conversion_rate,
            aov=self.aov,
            marketing_share=self.marketing_share,
            mer=self.mer,
        )
        return pd.DataFrame(rows, index=[*self.months, YEAR]).T

    targets: TargetReport


def _marginal_roas(marginal: np.ndarray, spend: np.ndarray) -> np.ndarray:
    """Monthly marginal ROAS (infinite: undefined) and the year's spend-weighted mean."""
    monthly = np.where(np.isfinite(marginal), marginal, np.nan)
    year = np.asarray(weighted_mean(monthly, spend))
    return np.concatenate([monthly, year[:, None]], axis=1)


def project_plan(plan: Plan) -> Projection:
    """Project a plan: every channel's results and the P&L for every month and the year.

    An empty plan (no channels, no fixed costs) projects the organic business
    alone; a channel with no spend brings nothing and has undefined ROAS/CPA.
    """
    arrays = PlanArrays.of(plan)
    flows, lines = project_arrays(arrays)
    channels = plan.marketing.channels
    results = ChannelResults(
        names=tuple(c.name for c in channels),
        months=plan.month_labels,
        spend=with_year(flows.spend),
        impressions=with_year(flows.impressions),
        sessions=with_year(flows.sessions),
        orders=with_year(flows.orders),
        revenue=with_year(flows.revenue),
        is_cpm=arrays.is_cpm,
        brings_traffic=np.array([c.brings_traffic for c in channels], dtype=bool),
        marginal_roas=_marginal_roas(marginal_revenue(arrays), flows.spend),
    )
    targets = solve_targets(plan, arrays, lines)
    return Projection(plan, arrays, plan.month_labels, lines, results, targets)
