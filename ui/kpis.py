"""Headline KPIs with their formulas as tooltips."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from models import Projection
from models.catalogue import help_text
from models.formatting import (
    format_change,
    format_compact,
    format_points,
    format_rate,
    format_roas,
)

# The tooltips, from the catalogue of P&L lines and KPIs (models.catalogue).
HELP = {
    key: help_text(key)
    for key in (
        "net_sales", "ebitda_margin", "marketing", "mer", "cm3", "break_even_roas",
        "target_roas", "channel_revenue",
    )
}  # fmt: skip


def _metric(label: str, value: str, **options: Any) -> None:
    """A KPI as wide as its label and figure: never cut, it moves to a new line instead."""
    st.metric(label, value, width="content", **options)


def row(projection: Projection, metrics: Sequence[Callable[[Projection], None]]) -> None:
    """KPIs side by side, wrapping onto another line where the window is too narrow."""
    with st.container(horizontal=True, gap="medium"):
        for metric in metrics:
            metric(projection)


def net_sales(projection: Projection) -> None:
    plan = projection.plan
    value = projection.year("net_sales")
    target = plan.targets.net_sales
    _metric(
        f"Net sales ({plan.currency})",
        format_compact(value),
        delta=f"{format_change(value / target - 1)} vs target" if target else None,
        help=HELP["net_sales"],
    )


def ebitda_margin(projection: Projection) -> None:
    margin = projection.margin("ebitda")[-1]
    target = projection.plan.targets.ebitda_margin
    _metric(
        "EBITDA margin",
        format_rate(margin),
        delta=(
            f"{format_points(margin - target)} vs target {format_rate(target)}"
            if math.isfinite(margin)
            else None
        ),
        help=HELP["ebitda_margin"],
    )


def marketing(projection: Projection) -> None:
    _metric(
        f"Marketing ({projection.plan.currency})",
        format_compact(projection.year("marketing")),
        delta=f"{format_rate(projection.marketing_share[-1])} of net sales",
        delta_color="off",
        delta_arrow="off",
        help=HELP["marketing"],
    )


def mer(projection: Projection) -> None:
    _metric("MER", format_roas(projection.mer[-1]), help=HELP["mer"])


def ebitda(projection: Projection) -> None:
    _metric(
        f"EBITDA ({projection.plan.currency})",
        format_compact(projection.year("ebitda")),
        help="EBITDA = CM3 - fixed costs.",
    )


def cm3(projection: Projection) -> None:
    _metric(
        f"CM3 ({projection.plan.currency})",
        format_compact(projection.year("cm3")),
        delta=f"{format_rate(projection.margin('cm3')[-1])} of net sales",
        delta_color="off",
        delta_arrow="off",
        help=HELP["cm3"],
    )


def break_even_roas(projection: Projection) -> None:
    _metric(
        "Break-even ROAS", format_roas(projection.targets.break_even_roas[-1]),
        help=HELP["break_even_roas"],
    )  # fmt: skip


def target_roas(projection: Projection) -> None:
    _metric(
        "Target ROAS", format_roas(projection.targets.target_roas[-1]), help=HELP["target_roas"]
    )


def channel_revenue(projection: Projection) -> None:
    _metric(
        f"Channel revenue ({projection.plan.currency})",
        format_compact(projection.channel_total("revenue")[-1]),
        help=HELP["channel_revenue"],
    )


def _tile(label: str, value: str, note: str, help_text: str) -> None:
    """A small KPI that wraps its label instead of cutting it, for narrow columns."""
    st.markdown(
        f":small[:gray[{label}]]  \n**{value}**" + (f"  \n:small[:gray[{note}]]" if note else ""),
        help=help_text,
    )


def _linked(projection: Projection) -> list[tuple[str, str, str, str]]:
    """The figures that tie the spend plan to the P&L: (label, value, note, help) each."""
    currency = projection.plan.currency
    report = projection.targets
    return [
        (
            f"Marketing ({currency})", format_compact(projection.year("marketing")),
            f"{format_rate(projection.marketing_share[-1])} of net sales", HELP["marketing"],
        ),
        (
            f"Channel revenue ({currency})",
            format_compact(projection.channel_total("revenue")[-1]),
            f"MER {format_roas(projection.mer[-1])}", HELP["channel_revenue"],
        ),
        ("Break-even ROAS", format_roas(report.break_even_roas[-1]), "", HELP["break_even_roas"]),
        ("Target ROAS", format_roas(report.target_roas[-1]), "", HELP["target_roas"]),
        (
            f"CM3 ({currency})", format_compact(projection.year("cm3")),
            f"{format_rate(projection.margin('cm3')[-1])} of net sales", HELP["cm3"],
        ),
        (
            f"EBITDA ({currency})", format_compact(projection.year("ebitda")),
            f"{format_rate(projection.margin('ebitda')[-1])} margin", HELP["ebitda_margin"],
        ),
    ]  # fmt: skip


def linked_row(projection: Projection) -> None:
    """The linked figures side by side, across the page, wrapping in a narrow window."""
    # Six tiles of 118 px fit a laptop's page beside the sidebar; narrower, they wrap.
    with st.container(horizontal=True, gap="small"):
        for tile in _linked(projection):
            with st.container(width=118):
                _tile(*tile)
