"""Plans that open with no set-up: the fashion sample, and large plans for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from budgets.files import load_plan, parse_plan
from budgets.plan import (
    MAX_CHANNELS,
    MAX_FIXED_COST_LINES,
    MONTHS,
    NAME_MAX_LENGTH,
    Channel,
    CostDriver,
    Plan,
)

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
SAMPLE_PLAN_PATH = SAMPLE_DATA / "fashion_brand_fy2027.json"


def sample_plan() -> Plan:
    """Maison Nord, a mid-size fashion brand's online plan for FY2027 (EUR 16.5 M net sales)."""
    return load_plan(SAMPLE_PLAN_PATH)


def large_plan(channels: int = 50, seed: int = 2027) -> Plan:
    """The sample plan with ``channels`` channels: its channels repeated across markets.

    Each copy's spend is the sample channel's spend divided among the copies
    and varied by up to +/-30 % (reproducibly, from ``seed``), so the P&L stays
    the size of a real business while the spend plan grows.
    """
    base = sample_plan()
    rng = np.random.default_rng(seed)
    templates = base.marketing.channels
    copies = -(-channels // len(templates))
    made: list[Channel] = []
    for index in range(channels):
        template = templates[index % len(templates)]
        market = index // len(templates) + 1
        wiggle = rng.uniform(0.7, 1.3, size=12)
        spend = tuple(round(float(v), 2) for v in np.array(template.spend) / copies * wiggle)
        update: dict[str, object] = {"name": f"{template.name} · M{market:02d}", "spend": spend}
        if template.cost_driver is CostDriver.CPC and index % 3 == 0:
            update["cpc"] = tuple(round(float(v), 3) for v in rng.uniform(0.5, 2.0, size=12))
        made.append(template.model_copy(update=update))
    data = base.model_dump()
    data["name"] = f"{base.name} ({channels} channels)"
    data["marketing"] = {"channels": [channel.model_dump() for channel in made]}
    return parse_plan(data)


def largest_plan() -> Plan:
    """The largest plan the rules allow, with every part a workbook can hold filled.

    150 channels, each traffic channel with every driver given per month and
    a response curve, 100 fixed-cost lines, every name 80 characters long:
    what the export, the import and the benchmarks of hostile uploads are
    measured on.
    """
    data = large_plan(MAX_CHANNELS).model_dump(mode="json")
    rng = np.random.default_rng(MAX_CHANNELS)

    def months(low: float, high: float) -> list[float]:
        return [round(float(v), 4) for v in rng.uniform(low, high, size=MONTHS)]

    for index, channel in enumerate(data["marketing"]["channels"]):
        channel["name"] = f"{channel['name']} {index:03d} ".ljust(NAME_MAX_LENGTH, "x")
        if channel["cost_driver"] == CostDriver.NONE.value:
            continue
        channel["conversion_rate"] = months(0.005, 0.03)
        channel["aov"] = months(60.0, 160.0)
        if channel["cost_driver"] == CostDriver.CPC.value:
            channel["cpc"] = months(0.3, 2.5)
        else:
            channel["cpm"] = months(4.0, 15.0)
            channel["ctr"] = months(0.002, 0.02)
        monthly_spend = max(sum(channel["spend"]) / MONTHS, 100.0)
        channel["response"] = {
            "beta": round(monthly_spend * 8, 2),
            "k": round(monthly_spend * 2, 2),
            "s": 1.0 + index % 3 * 0.5,
        }
    data["pnl"]["fixed_costs"] = [
        {
            "name": f"Fixed cost {index:03d} ".ljust(NAME_MAX_LENGTH, "x"),
            "amounts": months(1e3, 5e4),
        }
        for index in range(MAX_FIXED_COST_LINES)
    ]
    data["name"] = "Largest plan ".ljust(NAME_MAX_LENGTH, "x")
    return parse_plan(data)
