"""A process that builds plan workbooks: plans in on stdin, workbooks out on stdout.

Run as ``python -m models.excel.worker``; ``ui.exports`` starts one per
server process. Each frame is an 8-byte big-endian length (its top bit set
for an error) and that many bytes: a request is JSON, ``{"plan": <the plan's
JSON text>, "record": [[label, text], ...]}`` (the record as ``plan_workbook``
takes it), an answer the workbook, or an error's message. The worker ends
when its input closes.
"""

from __future__ import annotations

import json
import sys
from typing import IO

from budgets import plan_from_json
from models.excel.export import plan_workbook

_ERROR = 1 << 63
MAX_FRAME = 64 * 1024 * 1024


def write_frame(stream: IO[bytes], body: bytes, *, error: bool = False) -> None:
    """One frame: its length (top bit for an error), then ``body``."""
    stream.write((len(body) | (_ERROR if error else 0)).to_bytes(8, "big") + body)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            raise EOFError("the stream ended inside a frame")
        data += chunk
    return data


def read_frame(stream: IO[bytes]) -> tuple[bool, bytes]:
    """The next frame: (True, body), or (False, an error's message)."""
    header = int.from_bytes(_read_exactly(stream, 8), "big")
    size = header & ~_ERROR
    if size > MAX_FRAME:
        raise EOFError(f"a frame of {size:,} bytes is more than a workbook can be")
    return not header & _ERROR, _read_exactly(stream, size)


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer every request until ``requests`` ends."""
    while True:
        try:
            _, body = read_frame(requests)
        except EOFError:
            return
        try:
            request = json.loads(body)
            record = [(str(label), str(text)) for label, text in request.get("record", ())]
            workbook = plan_workbook(plan_from_json(request["plan"]), record=record)
        except Exception as error:  # any failure is the caller's answer
            write_frame(answers, f"{type(error).__name__}: {error}".encode(), error=True)
        else:
            write_frame(answers, workbook)


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
