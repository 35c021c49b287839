"""The server's memory, handed back once sessions have closed.

Streamlit's full garbage collection after every script run is turned off
(``runner.postScriptGC`` in ``.streamlit/config.toml``): on this app's heap it
cost more than the rest of an edit. Python's generational collector still
runs as objects are made; what it leaves are the cycles of sessions that have
closed, and freed memory that the C library and Arrow's own pool (the tables
sent to the browser) keep instead of returning it to the system. One thread
per server process collects fully and has both return their free pages every
``INTERVAL_S`` seconds: a pause of a few tens of milliseconds a minute instead
of one on every edit.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Callable

import pyarrow
import streamlit as st

INTERVAL_S = 60.0


def _trimmer() -> Callable[[], object] | None:
    """glibc's ``malloc_trim(0)``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


def collect_and_trim() -> None:
    """One full collection, then Arrow's pool and the C heap return their free pages."""
    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    trim = _trimmer()
    if trim is not None:
        trim()


def _every_interval(stop: threading.Event) -> None:
    while not stop.wait(INTERVAL_S):
        collect_and_trim()


@st.cache_resource(show_spinner=False)
def start() -> threading.Event:
    """Start the server's housekeeping thread once; set the event it returns to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=_every_interval, args=(stop,), name="memory-housekeeping", daemon=True
    ).start()
    return stop
