"""The load benchmark's websocket client against the real app: three planners at once.

Each session types its own spend values into the grid of Side by side and
downloads the workbook; every edit must be read back from the grid the server
drew, every workbook must be an .xlsx holding the session's own last value,
and no session may ever be shown a value another one typed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from benchmarks.load import Planner, leaks
from benchmarks.st_client import AppSession, find_grid, workbook_spends
from tests.browser import running_app_with_own_store

SESSIONS = 3
EDITS = 3
MONTHS = ("Jan 2027", "Apr 2027", "Dec 2027")


async def _planner(index: int, url: str) -> tuple[Planner, list[str]]:
    """Open the app, make ``EDITS`` edits with a download after each; what went wrong."""
    planner = Planner(index, url, AppSession())
    session, problems = planner.session, []
    await session.connect(url)
    planner.connected = True
    for edit in range(EDITS):
        value = 100_000 + index * 1_000 + edit
        month = MONTHS[edit]
        seconds = await session.edit_spend(index, month, value)
        planner.typed.append(value)
        grid = find_grid(session.page, month)
        if grid.cell(index, month) != f"{value:,}":
            problems.append(f"session {index}: the grid shows {grid.cell(index, month)!r}")
        if not 0 < seconds < 30:
            problems.append(f"session {index}: an edit took {seconds} s")
        workbook = await session.download_workbook()
        channel = grid.row_label(index)
        spends = workbook_spends(workbook, [channel])
        if spends[channel][grid.data_columns.index(month)] != value:
            problems.append(f"session {index}: the workbook has {spends[channel]}")
    return planner, problems


async def _three_planners(url: str) -> tuple[list[Planner], list[str]]:
    results = await asyncio.gather(*(_planner(i, url) for i in range(SESSIONS)))
    planners = [planner for planner, _ in results]
    try:
        return planners, [problem for _, found in results for problem in found]
    finally:
        await asyncio.gather(*(p.session.close() for p in planners))


@pytest.mark.slow
def test_three_sessions_edit_and_download_their_own_plan(tmp_path: Path) -> None:
    with running_app_with_own_store(tmp_path) as url:
        planners, problems = asyncio.run(asyncio.wait_for(_three_planners(url), 60))

    assert problems == []
    for planner in planners:
        assert planner.session.last_edit is not None
        assert planner.session.last_edit.value == planner.typed[-1]
        assert set(planner.typed) <= planner.session.seen
    assert leaks(planners) == []


def test_a_value_typed_in_one_session_and_seen_in_another_is_a_leak() -> None:
    first, second = Planner(0, "", AppSession()), Planner(1, "", AppSession())
    first.typed, second.typed = [100_000.0], [101_000.0]
    first.session.seen = {100_000.0, 16_006.74}
    second.session.seen = {101_000.0, 16_006.74, 100_000.0}

    assert leaks([first, second]) == ["session 0's 100000 seen in session 1"]
