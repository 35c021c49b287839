"""Plans that open with no set-up: the fashion sample, and large plans for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from budgets.files import load_plan, parse_plan
from budgets.plan import Channel, CostDriver, Plan

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
