"""Workbooks built in a worker process, so that building one never holds up other sessions.

A workbook takes about 200 ms of CPU, all of it Python holding the
interpreter's lock: built in the server process, it stalls every other
session's edit for that long. Built by ``python -m models.excel.worker``, a
process of its own started once per server process, it runs on another core
while the server goes on; the script run that asked for it only waits. The
worker is started again if it dies, and a workbook it could not build is
built here instead.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import streamlit as st

from budgets import Plan, plan_to_json
from models.excel.export import plan_workbook
from models.excel.worker import read_frame, write_frame

_LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]


class _Worker:
    """The worker process and the lock that gives it one request at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None

    def _running(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "models.excel.worker"],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            )  # fmt: skip
        return self.process

    def build(self, request: str) -> bytes:
        with self.lock:
            process = self._running()
            stdin: IO[bytes] = process.stdin  # type: ignore[assignment]
            stdout: IO[bytes] = process.stdout  # type: ignore[assignment]
            try:
                write_frame(stdin, request.encode("utf-8"))
                ok, body = read_frame(stdout)
            except (OSError, EOFError) as error:
                process.kill()
                raise RuntimeError(f"the workbook worker stopped ({error})") from error
            if not ok:
                raise RuntimeError(body.decode("utf-8", "replace"))
            return body


@st.cache_resource(show_spinner=False)
def _worker() -> _Worker:
    return _Worker()


def workbook(plan: Plan, record: Sequence[tuple[str, str]] = ()) -> bytes:
    """The plan's workbook, built by the worker process (here, if the worker fails);
    ``record`` says on its Summary who prepared, submitted and approved it."""
    request = json.dumps({"plan": plan_to_json(plan), "record": [list(line) for line in record]})
    try:
        return _worker().build(request)
    except RuntimeError as error:
        _LOG.warning("The workbook worker failed (%s); this workbook is built here.", error)
    return plan_workbook(plan, record=record)
