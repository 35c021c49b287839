"""A team's load on one server: N planners editing spend and downloading the workbook at once.

    python -m benchmarks.load [--levels 10,25,50,100] [--duration 60] [--think 5]
    python -m benchmarks.load --url http://127.0.0.1:8501[,http://...] [--pid 1234[,5678]]

Without ``--url`` it starts the app on a free loopback port with a fresh
SQLite store in a temporary directory, and stops it at the end (also on
Ctrl-C or an error). With ``--url`` it loads servers already running (one or
more base URLs, sessions spread over them in turn, or a proxy in front of
replicas); the server's CPU and memory are then measured only for the
processes given with ``--pid``.

Each session is a browser tab spoken over Streamlit's websocket protocol
(``benchmarks.st_client``). It opens the app, then, every ``--think``
seconds (±20 %), edits one spend cell of "Side by side" with a value no other
session types, and every ``--download-every``-th action downloads the
workbook instead. Sessions stay open from one level to the next: a level
adds the sessions it needs, spreads their first page over one think time,
then runs every session for ``--duration`` seconds.

One row per level: the sessions, the edits made and their round trip (p50,
p95: from the rerun sent to the run finished), the downloads made and
failed (by HTTP status), the server's CPU (percent of one core, over the
level), its RSS at the end of the level and per session above idle, and the
cross-session leaks: a value typed in one session seen in another session's
grid or workbook, and the sessions lost (their websocket closed). The last
two columns say what else shared the machine: the load generator's own CPU
(it runs on the same host) and the host's 1-minute load average.

After the last level every session is closed, and the RSS is read again
after ``--settle`` seconds. The server keeps a closed session's state for its
``server.disconnectedSessionTTL`` (120 s by default), so a settle time
shorter than that still counts the closed sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.cluster import running_cluster
from benchmarks.st_client import AppSession, DownloadError, SessionError, find_grid
from tests.browser import ROOT, free_port

FIRST_VALUE = 100_000
VALUES_PER_SESSION = 1_000
START_TIMEOUT_S = 60


# --- the server --------------------------------------------------------------------


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` on a free loopback port with its own SQLite store in
    ``folder``; yields its URL and process id, and stops it (and its children) after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BUDGET_DB_PATH": str(folder / "plans.db")}
    env.pop("BUDGET_DB_URL", None)
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_healthy(url, process)
            yield url, process.pid
        finally:
            _stop(process)


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited at start (code {process.returncode})")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app did not start within {START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate the server's process group; kill it if it has not gone in 15 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


# --- the server's processes ---------------------------------------------------------


def process_tree(pids: list[int]) -> list[int]:
    """``pids`` and every live descendant of theirs."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds of ``pids`` and their descendants so far."""
    ticks = 0
    for pid in process_tree(pids):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(pids: list[int]) -> float:
    """Resident memory of ``pids`` and their descendants, in MB (VmRSS)."""
    kib = 0
    for pid in process_tree(pids):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kib += int(line.split()[1])
    return kib / 1024


# --- sessions -------------------------------------------------------------------------


@dataclass
class LevelStats:
    """What the sessions did during one level."""

    edit_seconds: list[float] = field(default_factory=list)
    edit_failures: Counter[str] = field(default_factory=Counter)
    downloads: int = 0
    download_failures: Counter[str] = field(default_factory=Counter)
    connect_failures: int = 0
    lost_sessions: int = 0
    examples: list[str] = field(default_factory=list)

    def failed(self, counter: Counter[str], kind: str, error: Exception) -> None:
        counter[kind] += 1
        self.note(kind, error)

    def note(self, kind: str, error: Exception) -> None:
        """Keep the first few failures' messages, to print under the table."""
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {error}")


@dataclass
class Planner:
    """One session and the values it typed."""

    index: int
    url: str
    session: AppSession
    connected: bool = False
    alive: bool = True
    actions: int = 0
    typed: list[float] = field(default_factory=list)

    def next_value(self, taken: set[float]) -> float:
        """A spend value no other session types (and not one of the sample plan's)."""
        value = float(FIRST_VALUE + self.index * VALUES_PER_SESSION + self.actions)
        while value in taken:
            value += 0.25
        return value


@dataclass
class Settings:
    think: float
    duration: float
    download_every: int
    column: str = ""
    rows: int = 1
    baseline: set[float] = field(default_factory=set)


async def _act(planner: Planner, settings: Settings, stats: LevelStats) -> None:
    """One action of the planner: a spend edit, or every few actions a download."""
    planner.actions += 1
    session = planner.session
    if planner.actions % settings.download_every == 0 and session.last_edit is not None:
        try:
            await session.download_workbook()
            stats.downloads += 1
        except DownloadError as error:
            status = str(error.status) if error.status else "no file"
            stats.failed(stats.download_failures, status, error)
        return
    value = planner.next_value(settings.baseline)
    row = planner.index % settings.rows
    column = _month(session, settings, planner.actions)
    try:
        stats.edit_seconds.append(await session.edit_spend(row, column, value))
        planner.typed.append(value)
    except SessionError as error:
        if session.closed:
            raise
        stats.failed(stats.edit_failures, type(error).__name__, error)


def _month(session: AppSession, settings: Settings, action: int) -> str:
    """The month column of the action: each action of a session edits the next month."""
    months = find_grid(session.page, settings.column).editable_columns
    return months[action % len(months)]


async def _run_planner(
    planner: Planner, settings: Settings, stats: LevelStats, start: float, end: float
) -> None:
    """The planner's loop for one level: open the app at ``start`` if it is new, act
    every think time (±20 %) until ``end``."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, start - loop.time()))
    if not planner.connected:
        try:
            await planner.session.connect(planner.url)
            planner.connected = True
        except (SessionError, OSError) as error:
            planner.alive = False
            stats.connect_failures += 1
            stats.note("connect", error)
            return
    while planner.alive and loop.time() < end:
        try:
            await _act(planner, settings, stats)
        except (SessionError, OSError) as error:
            planner.alive = False
            stats.lost_sessions += 1
            stats.note("lost", error)
            return
        pause = settings.think * random.uniform(0.8, 1.2)
        if loop.time() + pause >= end:
            return
        await asyncio.sleep(pause)


def leaks(planners: list[Planner]) -> list[str]:
    """Values typed in one session and seen in another's grid or workbook."""
    owner = {value: p.index for p in planners for value in p.typed}
    found = []
    for planner in planners:
        for value in planner.session.seen:
            other = owner.get(value, planner.index)
            if other != planner.index:
                found.append(f"session {other}'s {value:g} seen in session {planner.index}")
    return found


# --- levels ---------------------------------------------------------------------------


@dataclass
class LevelRow:
    sessions: int
    edits: int
    edit_failures: int
    edit_p50_s: float | None
    edit_p95_s: float | None
    downloads: int
    download_failures: dict[str, int]
    cpu_percent: float | None
    client_cpu_percent: float
    load_average: float
    rss_mb: float | None
    mb_per_session: float | None
    leaks: int
    lost_sessions: int
    examples: list[str]


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def run_level(
    planners: list[Planner],
    size: int,
    urls: list[str],
    settings: Settings,
    pids: list[int],
    idle_rss: float | None,
) -> LevelRow:
    """Bring the sessions up to ``size`` and run them all for one level."""
    loop = asyncio.get_running_loop()
    new = [Planner(i, urls[i % len(urls)], AppSession()) for i in range(len(planners), size)]
    planners.extend(new)
    stats = LevelStats()
    cpu_before, began = cpu_seconds(pids) if pids else 0.0, loop.time()
    client_before = time.process_time()
    ramp_end = began + settings.think
    end = ramp_end + settings.duration
    starts = {p.index: began + settings.think * n / max(len(new), 1) for n, p in enumerate(new)}
    await asyncio.gather(
        *(
            _run_planner(
                p, settings, stats, starts.get(p.index, began + random.uniform(0, settings.think)),
                end,
            )
            for p in planners
            if p.alive
        )
    )  # fmt: skip
    elapsed = loop.time() - began
    rss = rss_mb(pids) if pids else None
    found = leaks(planners)
    return LevelRow(
        sessions=sum(p.alive for p in planners),
        edits=len(stats.edit_seconds),
        edit_failures=sum(stats.edit_failures.values()),
        edit_p50_s=_percentile(stats.edit_seconds, 0.50),
        edit_p95_s=_percentile(stats.edit_seconds, 0.95),
        downloads=stats.downloads,
        download_failures=dict(stats.download_failures),
        cpu_percent=(cpu_seconds(pids) - cpu_before) / elapsed * 100 if pids else None,
        client_cpu_percent=(time.process_time() - client_before) / elapsed * 100,
        load_average=os.getloadavg()[0],
        rss_mb=rss,
        mb_per_session=(rss - idle_rss) / size if rss is not None and idle_rss else None,
        leaks=len(found),
        lost_sessions=stats.lost_sessions + stats.connect_failures,
        examples=stats.examples + found[:3],
    )


# --- printing --------------------------------------------------------------------------

HEADER = (
    "| sessions | edits (failed) | edit p50 s | edit p95 s | downloads ok / failed "
    "| server CPU % of a core | RSS MB | MB / session | leaks | lost "
    "| client CPU % | host load |"
)
RULE = "|" + "---:|" * 12


def _number(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown_row(row: LevelRow) -> str:
    failures = sum(row.download_failures.values())
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(row.download_failures.items()))
    downloads = f"{row.downloads} / {failures}" + (f" ({statuses})" if statuses else "")
    return (
        f"| {row.sessions} | {row.edits} ({row.edit_failures}) | {_number(row.edit_p50_s)} "
        f"| {_number(row.edit_p95_s)} | {downloads} | {_number(row.cpu_percent, 0)} "
        f"| {_number(row.rss_mb, 0)} | {_number(row.mb_per_session, 1)} | {row.leaks} "
        f"| {row.lost_sessions} | {row.client_cpu_percent:.0f} | {row.load_average:.1f} |"
    )


# --- the benchmark ---------------------------------------------------------------------


async def _warm_up(url: str, settings: Settings) -> None:
    """One session that opens the app, edits and downloads once, and closes: the server
    has then loaded everything a session needs, and ``settings`` learns the grid."""
    session = AppSession()
    try:
        await session.connect(url)
        grid = find_grid(session.page, settings.column)
        settings.rows = grid.table.num_rows
        settings.baseline = session.spend_values(settings.column)
        await session.edit_spend(0, settings.column, FIRST_VALUE - 1)
        await session.download_workbook()
    finally:
        await session.close()


async def benchmark(
    args: argparse.Namespace, urls: list[str], pids: list[int], warm: list[str] | None = None
) -> dict:
    """Every level in turn, then the memory once all sessions are closed.

    ``warm`` are the servers to warm up before the idle memory is read (each
    replica's own URL behind a proxy); by default the first of ``urls``.
    """
    settings = Settings(args.think, args.duration, args.download_every, column=args.column)
    cold_rss = rss_mb(pids) if pids else None
    for url in warm or urls[:1]:
        await _warm_up(url, settings)
    await asyncio.sleep(args.idle_wait)
    idle_rss = rss_mb(pids) if pids else None
    servers = "each server" if len(warm or urls[:1]) > 1 else "the server"
    print(f"Server RSS: {_number(cold_rss, 0)} MB at start, {_number(idle_rss, 0)} MB idle "
          f"after one session on {servers} opened, edited, downloaded and closed.")  # fmt: skip
    print(HEADER)
    print(RULE, flush=True)
    planners: list[Planner] = []
    rows = []
    try:
        for size in args.levels:
            row = await run_level(planners, size, urls, settings, pids, idle_rss)
            rows.append(row)
            print(markdown_row(row), flush=True)
    finally:
        await asyncio.gather(*(p.session.close() for p in planners), return_exceptions=True)
    settled = await _settle(pids, args.settle)
    return {"cold_rss_mb": cold_rss, "idle_rss_mb": idle_rss, "levels": rows, **settled}


async def _settle(pids: list[int], seconds: float) -> dict:
    """The RSS while the server settles after every session closed, every 10 s."""
    samples = []
    began = time.monotonic()
    while pids:
        samples.append((round(time.monotonic() - began), rss_mb(pids)))
        if time.monotonic() - began >= seconds:
            break
        await asyncio.sleep(min(10.0, max(0.0, seconds - (time.monotonic() - began))))
    return {"settle_s": seconds, "rss_after_close_mb": samples[-1][1] if samples else None,
            "rss_while_settling_mb": samples}  # fmt: skip


def report(result: dict) -> None:
    """The final markdown table and the memory after the sessions closed."""
    print("\n## Load, per level\n")
    print(HEADER)
    print(RULE)
    for row in result["levels"]:
        print(markdown_row(row))
    for row in result["levels"]:
        for example in row.examples:
            print(f"- {row.sessions} sessions: {example}")
    idle, after = result["idle_rss_mb"], result["rss_after_close_mb"]
    if idle is None or after is None:
        print("\nServer memory not measured (give --pid with --url).")
        return
    verdict = "within" if after <= idle * 1.2 else "NOT within"
    series = ", ".join(f"{mb:.0f} MB at {s} s" for s, mb in result["rss_while_settling_mb"])
    print(
        f"\nIdle RSS {idle:.0f} MB; {after:.0f} MB {result['settle_s']:g} s after every session "
        f"closed: {verdict} 20 % of idle ({series})."
    )


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--levels", default="10,25,50,100", help="session counts, in order")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--think", type=float, default=5.0, help="seconds between actions")
    parser.add_argument("--download-every", type=int, default=5, help="every n-th action")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds after closing")
    parser.add_argument("--idle-wait", type=float, default=5.0, help="seconds before idle RSS")
    parser.add_argument("--column", default="Jan 2027", help="a month column of the grid")
    parser.add_argument(
        "--replicas", type=int, default=1,
        help="app processes to start: more than one runs them over one PostgreSQL behind nginx",
    )  # fmt: skip
    parser.add_argument("--url", help="base URL(s) of running servers, comma separated")
    parser.add_argument("--pid", help="process id(s) of those servers, comma separated")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    args.levels = [int(n) for n in args.levels.split(",")]
    return args


def run_levels(
    urls: list[str],
    levels: list[int],
    *,
    duration: float = 60.0,
    think: float = 5.0,
    download_every: int = 5,
    pids: list[int] | None = None,
    column: str = "Jan 2027",
) -> list[LevelRow]:
    """Run the levels against servers already running at ``urls``; one row per level."""
    args = argparse.Namespace(
        levels=list(levels), duration=duration, think=think, download_every=download_every,
        column=column, settle=0.0, idle_wait=0.0,
    )  # fmt: skip
    # A thread of its own: the caller may already run an event loop (a browser test's).
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        result = thread.submit(
            lambda: asyncio.run(benchmark(args, list(urls), list(pids or [])))
        ).result()
    rows: list[LevelRow] = result["levels"]
    return rows


def main(argv: list[str] | None = None) -> None:
    args = _arguments(argv)
    warm: list[str] | None = None
    with contextlib.ExitStack() as stack:
        if args.url:
            urls = [url.strip() for url in args.url.split(",") if url.strip()]
            pids = [int(pid) for pid in args.pid.split(",")] if args.pid else []
            warm = urls
        elif args.replicas > 1:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            cluster = stack.enter_context(running_cluster(folder, args.replicas))
            print(
                f"{args.replicas} replicas over one PostgreSQL behind nginx at {cluster.nginx_url}"
            )
            urls, pids = [cluster.nginx_url], cluster.pids
            warm = [replica.url for replica in cluster.replicas]
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url, pid = stack.enter_context(serve(folder))
            urls, pids = [url], [pid]
        result = asyncio.run(benchmark(args, urls, pids, warm))
    report(result)
    if args.json:
        figures = {**result, "levels": [asdict(row) for row in result["levels"]]}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
