"""Median time of the budget allocator on 20 channels x 12 months, in each mode.

    python -m benchmarks.allocator

Twenty traffic channels (the sample's nine repeated across markets, spend
varied by up to +/-30 %), each on a curve through its planned ROAS with
returns halving at 1.5 to 3 times its average month, plus the sample's three
non-working lines (held). Once with s = 1 curves (concave: exact method),
once with S-shaped curves (s = 2: grid greedy). Target: under 1 s with s = 1.
"""

from __future__ import annotations

import numpy as np

from benchmarks.timing import median_ms
from budgets import MONTHS, Plan, parse_plan
from budgets.samples import sample_plan
from models import project_plan
from models.allocator import AllocationMode, allocate
from models.curve_plans import plan_curve

CHANNELS = 20
TARGET_MS = 1000.0


def curve_plan(shape: float, channels: int = CHANNELS, seed: int = 2027) -> Plan:
    """The sample plan with ``channels`` traffic channels on curves of the given shape."""
    base = sample_plan()
    rng = np.random.default_rng(seed)
    traffic = [c for c in base.marketing.channels if c.brings_traffic]
    held = [c for c in base.marketing.channels if not c.brings_traffic]
    copies = -(-channels // len(traffic))
    made = []
    for index in range(channels):
        template = traffic[index % len(traffic)]
        spend = np.array(template.spend) / copies * rng.uniform(0.7, 1.3, size=MONTHS)
        made.append(
            template.model_copy(
                update={
                    "name": f"{template.name} · M{index // len(traffic) + 1:02d}",
                    "spend": tuple(round(float(v), 2) for v in spend),
                }
            )
        )
    data = base.model_dump()
    data["marketing"] = {"channels": [c.model_dump() for c in [*made, *held]]}
    plan = parse_plan(data)
    projection = project_plan(plan)
    for position, channel in enumerate(plan.marketing.channels[:channels]):
        curve = plan_curve(projection, channel.name, 1.5 + 1.5 * position / channels, shape)
        data["marketing"]["channels"][position]["response"] = curve.model_dump()
    return parse_plan(data)


def main() -> None:
    for label, shape in (("s = 1 curves", 1.0), ("S-shaped curves (s = 2)", 2.0)):
        plan = curve_plan(shape)
        for mode in AllocationMode:
            ms = median_ms(lambda plan=plan, mode=mode: allocate(plan, mode), repeat=7, warmup=1)
            verdict = "ok" if ms < TARGET_MS else "OVER TARGET"
            target = f"(target < {TARGET_MS:g} ms) {verdict}" if shape == 1.0 else ""
            print(
                f"allocate, {CHANNELS} channels x 12 months, {label:24s} {mode.value:14s} "
                f"median {ms:7.1f} ms  {target}".rstrip()
            )


if __name__ == "__main__":
    main()
