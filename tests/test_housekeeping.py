"""The server's housekeeping: closed sessions' cycles collected, the C heap trimmed."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from ui import housekeeping


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_a_cycle_left_by_a_closed_session_is_collected() -> None:
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    gc.disable()  # as if the generational collector had not come round yet
    try:
        del first, second
        assert gone() is not None
        housekeeping.collect_and_trim()
        assert gone() is None
    finally:
        gc.enable()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_the_c_heap_can_be_trimmed_here() -> None:
    trim = housekeeping._trimmer()

    assert trim is not None
    assert trim() in (0, 1)  # malloc_trim says whether it returned memory
