"""Server CPU of each interaction, on a running app, as one planner's tab causes it.

    python -m benchmarks.server_cpu [--repeats 20] [--only 'Side by side']

Starts the app on a free loopback port with its own SQLite store and talks to
it over Streamlit's websocket protocol (``benchmarks.st_client``), as a
browser does. For every interaction it prints the server's CPU (user +
system of the app process and its children, from /proc) per interaction,
averaged over ``--repeats`` of them, and the median round trip:

- an edit in each grid: spend on Side by side and on the Marketing plan, a
  channel's cost driver, a monthly P&L driver, a fixed cost;
- switching to each page, and to each tab that holds a grid.

Every kind of interaction is done twice before it is measured, so that what
is built once per plan revision or per session is not counted. Target: a
spend edit on Side by side <= 30 ms of server CPU, and the other edits and
page switches of the same order.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import cpu_seconds, serve
from benchmarks.st_client import AppSession


@dataclass(frozen=True)
class Interaction:
    """One kind of interaction: where it happens, and the step it repeats."""

    name: str
    page: str
    tab: str | None
    step: Callable[[AppSession, int], Awaitable[float]]


def _edit(column: str, rows: int, first: float, step: float):  # type: ignore[no-untyped-def]
    """A step that types a new value into ``column``, moving down ``rows`` rows."""

    async def edit(session: AppSession, number: int) -> float:
        return await session.edit_cell(number % rows, column, first + step * number)

    return edit


EDITS = (
    Interaction("Side by side: spend edit", "", None, _edit("Mar 2027", 6, 20_000, 137)),
    Interaction(
        "Marketing plan: spend edit", "marketing_plan", "Spend by month",
        _edit("Apr 2027", 6, 21_000, 139),
    ),
    Interaction(
        "Marketing plan: cost driver edit", "marketing_plan",
        "Cost drivers, conversion and AOV", _edit("CPC", 1, 0.63, 0.01),
    ),
    Interaction(
        "E-commerce P&L: monthly driver edit", "pnl_budget", "Monthly drivers",
        _edit("Site AOV", 12, 96, 1),
    ),
    Interaction(
        "E-commerce P&L: fixed cost edit", "pnl_budget", "Fixed costs",
        _edit("May 2027", 4, 150_000, 100),
    ),
)  # fmt: skip
PAGES = {
    "Side by side": "",
    "Marketing plan": "marketing_plan",
    "E-commerce P&L": "pnl_budget",
    "Targets": "targets",
    "Curves & allocator": "allocator",
    "History": "history",
}


async def _go(session: AppSession, page: str, tab: str | None) -> None:
    await session.open_page(page)
    if tab is not None:
        await session.open_tab(tab)


def _row(name: str, cpu: float, seconds: list[float]) -> tuple[str, float, float]:
    return name, 1000 * cpu / len(seconds), 1000 * statistics.median(seconds)


async def measure(
    session: AppSession, pid: int, repeats: int, only: str = ""
) -> list[tuple[str, float, float]]:
    """(interaction, server CPU ms per interaction, median round trip ms) for each
    interaction whose name contains ``only``."""
    results = []
    for interaction in (i for i in EDITS if only in i.name):
        await _go(session, interaction.page, interaction.tab)
        for number in range(2):
            await interaction.step(session, repeats + number)
        before = cpu_seconds([pid])
        seconds = [await interaction.step(session, number) for number in range(repeats)]
        spent = cpu_seconds([pid]) - before
        results.append(_row(interaction.name, spent, seconds))
    for title, page in PAGES.items():
        if only not in f"Switch to {title}":
            continue
        back = "history" if page != "history" else ""
        for _ in range(2):
            await session.open_page(back)
            await session.open_page(page)
        spent, seconds = 0.0, []
        for _ in range(repeats):
            await session.open_page(back)
            before = cpu_seconds([pid])
            seconds.append(await session.open_page(page))
            spent += cpu_seconds([pid]) - before
        results.append(_row(f"Switch to {title}", spent, seconds))
    return results


async def _run(url: str, pid: int, repeats: int, only: str) -> list[tuple[str, float, float]]:
    session = AppSession()
    await session.connect(url)
    try:
        return await measure(session, pid, repeats, only)
    finally:
        await session.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", default="", help="only the interactions whose name has this")
    args = parser.parse_args(argv)
    with serve(Path(tempfile.mkdtemp(prefix="server-cpu-"))) as (url, pid):
        results = asyncio.run(_run(url, pid, args.repeats, args.only))
    print(f"| interaction ({args.repeats} each) | server CPU ms | round trip p50 ms |")
    print("|---|---|---|")
    for name, cpu_ms, round_trip_ms in results:
        print(f"| {name} | {cpu_ms:.0f} | {round_trip_ms:.0f} |")


if __name__ == "__main__":
    main()
