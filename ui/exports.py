"""Workbooks built in a separate process, so that building one never holds up other sessions.

A workbook takes about 200 ms of CPU, all of it Python holding the
interpreter's lock: built in the server process, it stalls every other
session's edit for that long. Built in a worker process of its own, it runs on
another core while the server goes on; the script run that asked for it only
waits. The worker is started once per server process (``spawn``: a fresh
interpreter, not a fork of the server's threads) and started again if it dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import streamlit as st

from budgets import Plan, plan_from_json, plan_to_json
from models.workbook import plan_workbook

WORKERS = max(1, min(2, (os.cpu_count() or 2) - 1))
TIMEOUT_S = 120.0
_LOG = logging.getLogger(__name__)


def _workbook_of(plan_json: str) -> bytes:
    """In the worker: the workbook of the plan given as JSON."""
    return plan_workbook(plan_from_json(plan_json))


@st.cache_resource(show_spinner=False)
def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("spawn"))


def workbook(plan: Plan) -> bytes:
    """The plan's workbook, built by the worker process (here, if the worker cannot start)."""
    try:
        return _pool().submit(_workbook_of, plan_to_json(plan)).result(TIMEOUT_S)
    except BrokenProcessPool:
        _LOG.warning("The workbook worker stopped; starting a new one, this workbook built here.")
        _pool.clear()
    except (OSError, RuntimeError) as error:  # TimeoutError is an OSError
        _LOG.warning("The workbook worker failed (%s); this workbook is built here.", error)
    return plan_workbook(plan)
