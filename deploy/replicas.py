"""Start the planner's replicas: ``streamlit run app.py`` once per port, with one setup.

Every replica gets the settings of ``deploy/replica.toml`` as command-line flags and
its own ``server.port``. From the environment it takes the cookie secret
(``STREAMLIT_SERVER_COOKIE_SECRET``, the same on every replica) and the plan database
(``BUDGET_DB_URL``, the one PostgreSQL they share); a replica is not started without
them. nginx (``deploy/nginx/budget-planner.conf``) spreads browsers over the replicas
and keeps each browser on one.

    python -m deploy.replicas 8501 8502        # run both until Ctrl+C or SIGTERM
    python -m deploy.replicas --nginx-site 8501 8502 8503   # the nginx site for these ports
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SETTINGS = HERE / "replica.toml"
NGINX_SITE = HERE / "nginx" / "budget-planner.conf"
SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
DB_URL_ENV = "BUDGET_DB_URL"
PLACEHOLDER = "CHANGE-ME"
MIN_SECRET_LENGTH = 32


class ReplicaSetupError(RuntimeError):
    """A replica cannot be started or did not come up; the message says why."""


@dataclass(frozen=True)
class Replica:
    """One running app process and the loopback port it serves."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid


def _flag_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def shared_flags(path: Path = SETTINGS) -> list[str]:
    """The settings file as ``streamlit run`` flags: ``--section.option value`` each."""
    settings = tomllib.loads(path.read_text(encoding="utf-8"))
    flags: list[str] = []
    for section, options in settings.items():
        for option, value in options.items():
            flags += [f"--{section}.{option}", _flag_value(value)]
    return flags


def check_environment(env: Mapping[str, str]) -> None:
    """Refuse to start without a real shared cookie secret and a PostgreSQL URL.

    Raises:
        ReplicaSetupError: the secret is missing, the placeholder or shorter than
            32 characters, or ``BUDGET_DB_URL`` is not a PostgreSQL URL.
    """
    secret = env.get(SECRET_ENV, "")
    if not secret or PLACEHOLDER in secret or len(secret) < MIN_SECRET_LENGTH:
        raise ReplicaSetupError(
            f"{SECRET_ENV} must be the same random secret of at least {MIN_SECRET_LENGTH} "
            "characters on every replica; make one with "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    url = env.get(DB_URL_ENV, "")
    if not url.startswith("postgresql") or PLACEHOLDER in url:
        raise ReplicaSetupError(
            f"{DB_URL_ENV} must name the PostgreSQL database every replica shares, e.g. "
            "postgresql+psycopg://planner:PASSWORD@127.0.0.1:5432/budgets"
        )


def replica_command(port: int) -> list[str]:
    """The command line of the replica on ``port`` (run from the project's folder)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        *shared_flags(), "--server.port", str(port),
    ]  # fmt: skip


def _output(log_dir: Path | None, port: int) -> IO[bytes] | None:
    if log_dir is None:
        return None
    log_dir.mkdir(parents=True, exist_ok=True)
    return (log_dir / f"replica-{port}.log").open("ab")


def start_replicas(
    ports: Sequence[int], env: Mapping[str, str] | None = None, log_dir: Path | None = None
) -> list[Replica]:
    """Start one replica per port with ``env`` (default: this process's environment).

    Each replica's output goes to ``log_dir/replica-PORT.log``, or to this
    process's own output when ``log_dir`` is None. Use ``wait_until_healthy``
    before sending browsers, and ``stop_replicas`` to end them.
    """
    environment = dict(os.environ if env is None else env)
    check_environment(environment)
    replicas: list[Replica] = []
    for port in ports:
        output = _output(log_dir, port)
        process = subprocess.Popen(
            replica_command(port), cwd=ROOT, env=environment, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        if output is not None:
            output.close()  # the replica holds its own copy
        replicas.append(Replica(port, process))
    return replicas


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return bool(response.read() == b"ok")
    except OSError:
        return False


def wait_until_healthy(replicas: Sequence[Replica], timeout: float = 90.0) -> None:
    """Wait until every replica answers ``/_stcore/health`` with "ok".

    Raises:
        ReplicaSetupError: a replica exited, or was not healthy within ``timeout`` s.
    """
    deadline = time.monotonic() + timeout
    waiting = list(replicas)
    while waiting:
        for replica in list(waiting):
            if replica.process.poll() is not None:
                raise ReplicaSetupError(
                    f"the replica on port {replica.port} exited ({replica.process.returncode})"
                )
            if _healthy(replica.url):
                waiting.remove(replica)
        if waiting and time.monotonic() > deadline:
            ports = ", ".join(str(replica.port) for replica in waiting)
            raise ReplicaSetupError(f"no health on port(s) {ports} within {timeout:.0f} s")
        if waiting:
            time.sleep(0.3)


def stop_replicas(replicas: Sequence[Replica], timeout: float = 15.0) -> None:
    """Stop every replica (SIGTERM, then SIGKILL after ``timeout`` s) and wait for it."""
    for replica in replicas:
        if replica.process.poll() is None:
            replica.process.terminate()
    for replica in replicas:
        try:
            replica.process.wait(timeout)
        except subprocess.TimeoutExpired:
            replica.process.kill()
            replica.process.wait(timeout)


def nginx_site(ports: Sequence[int], listen: str = "80", log_dir: str = "/var/log/nginx") -> str:
    """The shipped nginx site with one upstream server per port, ``listen`` and its log folder."""
    text = NGINX_SITE.read_text(encoding="utf-8")
    servers = "".join(f"    server 127.0.0.1:{port};\n" for port in ports)
    text = re.sub(r"(    server 127\.0\.0\.1:\d+;\n)+", lambda _match: servers, text, count=1)
    text = text.replace("    listen 80;", f"    listen {listen};", 1)
    return text.replace("/var/log/nginx/", f"{log_dir.rstrip('/')}/")


def _stop_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _run(ports: Sequence[int]) -> int:
    replicas = start_replicas(ports)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        wait_until_healthy(replicas)
        print("replicas ready: " + " ".join(replica.url for replica in replicas), flush=True)
        while all(replica.process.poll() is None for replica in replicas):
            time.sleep(1)
        print("a replica exited; stopping the others", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            stop_replicas(replicas)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.replicas", description=__doc__)
    parser.add_argument("ports", nargs="+", type=int, help="one loopback port per replica")
    parser.add_argument(
        "--nginx-site", action="store_true", help="print the nginx site for these ports and exit"
    )
    args = parser.parse_args(argv)
    if args.nginx_site:
        print(nginx_site(args.ports), end="")
        return 0
    try:
        return _run(args.ports)
    except ReplicaSetupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
