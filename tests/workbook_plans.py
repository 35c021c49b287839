"""Plans that exercise the workbook's edges, and readers of its recalculated values.

Each builder returns plan data (a dict, as from JSON) built on
``smallest_plan_data()``; the readers turn a recalculated workbook's cells
into arrays shaped like the engine's (12 months then the year).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from budgets import Plan, parse_plan
from budgets.samples import sample_plan
from models.excel.layout import FY_COLUMN, Layout, month_column
from tests.conftest import monthly, smallest_plan_data

HOSTILE_PLAN_NAME = "=cmd|' /C calc'!A0"
HOSTILE_CHANNELS = (
    '=HYPERLINK("http://example.invalid","Click")',
    "+SUM(1,2)",
    "-Agency fee",
    "@Zero spend",
)
HOSTILE_FIXED_COST = "=1+1 Rent"


def edge_plan_data() -> dict[str, Any]:
    """Every awkward case in one plan.

    A channel with no spend at all (ROAS and CPA undefined), April with every
    order returned (no net sales: margins undefined), names that look like
    formulas, monthly CTR and AOV, a CPM channel that also carries an unused
    CPC, and a CM3 margin target.
    """
    data = smallest_plan_data()
    data["name"] = HOSTILE_PLAN_NAME
    search, social, agency = data["marketing"]["channels"]
    search["name"] = HOSTILE_CHANNELS[0]
    social["name"] = HOSTILE_CHANNELS[1]
    # Short decimals, as planners type them: LibreOffice keeps 15 significant digits.
    social["ctr"] = [round(0.01 + 0.001 * month, 4) for month in range(12)]
    social["aov"] = [80.0 + month for month in range(12)]
    social["cpc"] = 0.9
    agency["name"] = HOSTILE_CHANNELS[2]
    zero = {
        "name": HOSTILE_CHANNELS[3],
        "kind": "affiliates",
        "cost_driver": "cpc",
        "spend": monthly(0.0),
        "cpc": 0.4,
        "conversion_rate": 0.03,
        "aov": 70.0,
    }
    data["marketing"]["channels"] = [search, social, agency, zero]
    data["pnl"]["return_rate"][3] = 1.0
    data["pnl"]["fixed_costs"][1]["name"] = HOSTILE_FIXED_COST
    data["targets"]["cm3_margin"] = 0.2
    return data


def non_working_plan_data() -> dict[str, Any]:
    """Only non-working channels (agency fee, tools), one idle in summer; no fixed costs."""
    data = smallest_plan_data()
    agency = data["marketing"]["channels"][2]
    tools = {
        "name": "Tools",
        "kind": "tools_agency",
        "cost_driver": "none",
        "spend": [150.0] * 6 + [0.0, 0.0] + [150.0] * 4,
    }
    data["marketing"]["channels"] = [agency, tools]
    data["pnl"]["fixed_costs"] = []
    return data


def empty_plan_data() -> dict[str, Any]:
    """No channels and no fixed costs: the organic business alone."""
    data = smallest_plan_data()
    data["name"] = "Organic only"
    data["marketing"]["channels"] = []
    data["pnl"]["fixed_costs"] = []
    return data


CURVES: dict[str, dict[str, float]] = {
    # channel: its response curve, revenue near what its CPC or CPM bought at the planned spend
    "Google Search – Generic": {"beta": 120_000.0, "k": 40_000.0, "s": 1.0},
    "Google Shopping (PMax)": {"beta": 190_000.0, "k": 35_000.0, "s": 1.0},
    "Meta – Prospecting": {"beta": 110_000.0, "k": 30_000.0, "s": 2.2},
    "TikTok Ads": {"beta": 30_000.0, "k": 15_000.0, "s": 0.8},
}
SHOPPING_AOV = (104.0, 118.5, 126.0, 121.0, 117.0, 110.0, 96.5, 112.0, 127.0, 122.0, 109.0, 131.0)


def curve_plan_data() -> dict[str, Any]:
    """The sample plan with response curves on four channels.

    Two plain curves (s = 1) on CPC channels, one of them with an AOV by
    month; an S-curve (s = 2.2) on a CPM channel; and a curve of shape 0.8 on
    a CPM channel with its own AOV and no spend in its sixth month, where its marginal
    ROAS is infinite (undefined).
    """
    data = sample_plan().model_dump(mode="json")
    for channel in data["marketing"]["channels"]:
        curve = CURVES.get(channel["name"])
        if curve is not None:
            channel["response"] = dict(curve)
        if channel["name"] == "Google Shopping (PMax)":
            channel["aov"] = list(SHOPPING_AOV)
        if channel["name"] == "TikTok Ads":
            channel["spend"][5] = 0.0
    data["name"] = "Maison Nord – Online (curves)"
    return data


def curve_plan() -> Plan:
    return parse_plan(curve_plan_data())


def curve_edge_plan_data(*, organic: bool = True) -> dict[str, Any]:
    """Curves where their formulas branch: no spend, no demand, no conversion.

    Search (s = 1) spends nothing in April: marginal ROAS beta / k there.
    Social (s = 3) spends nothing in January (marginal ROAS 0) and converts
    nothing in June (no sessions). August has no organic sessions, so no
    demand: neither curve brings revenue then. With ``organic=False`` there
    are no organic sessions at all, and every month has a demand index of 1.
    """
    data = smallest_plan_data()
    data["name"] = "Smallest with curves" if organic else "Curves without organic traffic"
    search, social, _ = data["marketing"]["channels"]
    search["spend"][3] = 0.0
    search["response"] = {"beta": 5_000.0, "k": 1_500.0, "s": 1.0}
    social["conversion_rate"] = [0.0 if month == 5 else 0.02 for month in range(12)]
    social["response"] = {"beta": 3_000.0, "k": 400.0, "s": 3.0}
    if organic:
        data["pnl"]["organic_sessions"][7] = 0.0
    else:
        data["pnl"]["organic_sessions"] = monthly(0.0)
    return data


def curve_edge_plan() -> Plan:
    return parse_plan(curve_edge_plan_data())


def curves_without_organic_plan() -> Plan:
    return parse_plan(curve_edge_plan_data(organic=False))


def edge_plan() -> Plan:
    return parse_plan(edge_plan_data())


def non_working_plan() -> Plan:
    return parse_plan(non_working_plan_data())


def empty_plan() -> Plan:
    return parse_plan(empty_plan_data())


def as_typed(value: Any) -> Any:
    """Plan data with every number cut to 12 significant digits, as planners type them.

    Spreadsheets keep 15 to 16 significant digits (openpyxl writes 16,
    LibreOffice 15), so a float with 17 comes back rounded in its last digit.
    """
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list):
        return [as_typed(item) for item in value]
    if isinstance(value, dict):
        return {key: as_typed(item) for key, item in value.items()}
    return value


# --- reading recalculated workbooks ---------------------------------------------------


def number(value: Any) -> float:
    """A recalculated cell as a number; "-" (undefined) and empty cells are NaN."""
    if value is None or value == "-":
        return math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AssertionError(f"expected a number or '-', found {value!r}")
    return float(value)


def row_values(ws: Any, row: int) -> np.ndarray:
    """The 12 months and the FY of one row (columns D to P), as numbers."""
    return np.array([number(ws.cell(row, month_column(m)).value) for m in range(12)] + [
        number(ws.cell(row, FY_COLUMN).value)
    ])  # fmt: skip


def layout_of(plan: Plan) -> Layout:
    channels = plan.marketing.channels
    curves = tuple(i for i, channel in enumerate(channels) if channel.response is not None)
    return Layout(len(channels), len(plan.pnl.fixed_costs), curves)
