"""Hypothesis strategies for random valid plans, as plain dicts."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from budgets import ChannelKind

rates = st.floats(0.0, 1.0, allow_nan=False)
small_rates = st.floats(0.0, 0.1, allow_nan=False)
money = st.floats(0.0, 1e6, allow_nan=False)
positive_money = st.floats(0.01, 500.0, allow_nan=False)


def twelve(values: st.SearchStrategy[float]) -> st.SearchStrategy[list[float]]:
    return st.lists(values, min_size=12, max_size=12)


def once_or_monthly(values: st.SearchStrategy[float]) -> st.SearchStrategy[Any]:
    return st.one_of(values, twelve(values))


@st.composite
def channels(draw: st.DrawFn, index: int) -> dict[str, Any]:
    driver = draw(st.sampled_from(["cpc", "cpm", "none"]))
    channel: dict[str, Any] = {
        "name": f"Channel {index}",
        "kind": draw(st.sampled_from(list(ChannelKind))).value,
        "cost_driver": driver,
        "spend": draw(twelve(st.one_of(st.just(0.0), st.floats(0.0, 1e5, allow_nan=False)))),
    }
    if driver == "cpc":
        channel["cpc"] = draw(once_or_monthly(st.floats(0.05, 5.0)))
    if driver == "cpm":
        channel["cpm"] = draw(once_or_monthly(st.floats(0.5, 50.0)))
        channel["ctr"] = draw(once_or_monthly(st.floats(0.0, 0.05)))
    if driver != "none":
        channel["conversion_rate"] = draw(once_or_monthly(small_rates))
        if draw(st.booleans()):
            channel["aov"] = draw(once_or_monthly(positive_money))
    return channel


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 5))
    return {
        "name": "Random",
        "fiscal_year": draw(st.integers(2020, 2035)),
        "first_month": draw(st.integers(1, 12)),
        "currency": draw(st.sampled_from(["EUR", "GBP", "USD", "SEK"])),
        "marketing": {"channels": [draw(channels(i)) for i in range(count)]},
        "pnl": {
            "organic_sessions": draw(twelve(st.floats(0.0, 1e6))),
            "site_conversion_rate": draw(twelve(small_rates)),
            "site_aov": draw(twelve(positive_money)),
            "return_rate": draw(twelve(rates)),
            "cogs_rate": draw(twelve(rates)),
            "fulfilment_cost_per_order": draw(twelve(st.floats(0.0, 30.0))),
            "returns_cost_per_return": draw(twelve(st.floats(0.0, 30.0))),
            "payment_fee_rate": draw(twelve(small_rates)),
            "fixed_costs": [
                {"name": f"Fixed {i}", "amounts": draw(twelve(st.floats(0.0, 1e5)))}
                for i in range(draw(st.integers(0, 3)))
            ],
        },
        "targets": {
            "net_sales": draw(money),
            "ebitda_margin": draw(st.floats(-0.2, 0.3)),
            "cm3_margin": draw(st.one_of(st.none(), st.floats(0.0, 0.4))),
        },
    }


@st.composite
def plans_with_curves(draw: st.DrawFn) -> dict[str, Any]:
    """Random valid plans whose traffic channels each may have a curve of any allowed shape."""
    data = draw(plans())
    for channel in data["marketing"]["channels"]:
        if channel["cost_driver"] != "none" and draw(st.booleans()):
            channel["response"] = {
                "beta": draw(st.floats(1.0, 1e7)),
                "k": draw(st.floats(1.0, 1e6)),
                "s": draw(st.floats(0.5, 5.0)),
            }
    return data
