"""Two or more app replicas over one throwaway PostgreSQL, behind nginx, on loopback.

What ``deploy/`` ships, started for a test or a benchmark: ``deploy.replicas``
starts the replicas with the shared settings and one fresh cookie secret, and
nginx runs the shipped site (its ports and log folder rendered here) as a
foreground process with its own prefix, pid and logs in ``folder``. Everything
started is stopped when the context ends.
"""

from __future__ import annotations

import http.cookiejar
import os
import secrets
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from budgets.store import DB_PATH_ENV, DB_URL_ENV
from deploy.replicas import (
    SECRET_ENV,
    Replica,
    nginx_site,
    start_replicas,
    stop_replicas,
    wait_until_healthy,
)
from tests.browser import free_port
from tests.pg_server import TemporaryPostgres


@dataclass
class Cluster:
    """A throwaway PostgreSQL, the replicas over its one database, and nginx in front."""

    postgres: TemporaryPostgres
    db_url: str
    replicas: list[Replica]
    nginx_url: str
    folder: Path

    @property
    def access_log(self) -> Path:
        return self.folder / "budget-planner.access.log"

    @property
    def pids(self) -> list[int]:
        return [replica.pid for replica in self.replicas]


def nginx_binary() -> str | None:
    """nginx on the PATH, or where Debian puts it (/usr/sbin is not on every user's PATH)."""
    found = shutil.which("nginx")
    return found or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)


def nginx_main_config(folder: Path) -> str:
    """A main nginx.conf that keeps everything in ``folder`` and includes the site."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
        f"events {{ worker_connections 2048; }}\nhttp {{\n{temp}"
        f"    include {folder}/budget-planner.conf;\n}}\n"
    )


def fresh_client() -> urllib.request.OpenerDirector:
    """An HTTP client with its own cookie jar, as a browser that never came here before."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until ``url``'s health check answers through nginx (at most 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text() if log.exists() else ''}")
        try:
            with fresh_client().open(f"{url}/_stcore/health", timeout=10) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no health through nginx within 30 s: {log.read_text()}")


@contextmanager
def running_nginx(folder: Path, ports: list[int]) -> Iterator[str]:
    """nginx in the foreground on a free loopback port with the shipped site; yield its URL."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("needs nginx (Debian's nginx or nginx-light package)")
    port = free_port()
    (folder / "budget-planner.conf").write_text(
        nginx_site(ports, listen=f"127.0.0.1:{port}", log_dir=str(folder))
    )
    (folder / "nginx.conf").write_text(nginx_main_config(folder))
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-e", str(folder / "error.log"),
         "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, folder / "error.log")
        yield url
    finally:
        process.terminate()
        process.wait(15)


@contextmanager
def running_cluster(folder: Path, replicas: int = 2) -> Iterator[Cluster]:
    """PostgreSQL, ``replicas`` app processes over its one database, and nginx in front.

    Raises ``tests.pg_server.PostgresUnavailableError`` when no PostgreSQL server
    can be started, and ``RuntimeError`` when nginx is missing or does not answer.
    """
    postgres = TemporaryPostgres()
    postgres.start()
    started: list[Replica] = []
    try:
        db_url = postgres.create_database("budgets")
        env = {**os.environ, DB_URL_ENV: db_url, SECRET_ENV: secrets.token_hex(32)}
        env.pop(DB_PATH_ENV, None)
        started = start_replicas([free_port() for _ in range(replicas)], env=env, log_dir=folder)
        wait_until_healthy(started)
        with running_nginx(folder, [replica.port for replica in started]) as url:
            yield Cluster(postgres, db_url, started, url, folder)
    finally:
        stop_replicas(started)
        postgres.stop()
