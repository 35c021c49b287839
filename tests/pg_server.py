"""A throwaway PostgreSQL server for the store's tests and benchmarks.

``TemporaryPostgres`` runs Debian's ``initdb`` and ``pg_ctl`` on a temporary
data directory and a free loopback port, with trust authentication on
127.0.0.1 only, and removes everything on ``stop()``. ``stop_server()`` and
``restart()`` take the server down and bring it back on the same port and data,
as an outage of the database does. As root the server runs
as the ``postgres`` OS user (``initdb`` refuses root), through ``runuser``.

``PostgresUnavailableError`` says why no server could be started (no binaries, no
``postgres`` user, initdb or start failed), so callers can skip with that reason.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

SERVER_USER = "postgres"
# Settings for a server that lives for one test session: nothing it holds must
# survive a power cut, so it skips the disk flushes that make tests slow.
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server could be started here; the message says why."""


def postgres_bindir() -> Path:
    """The directory of initdb, pg_ctl and postgres: pg_config's, else Debian's newest."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            )
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(path) for path in debian]
    for directory in candidates:
        if (directory / "initdb").is_file() and (directory / "pg_ctl").is_file():
            return directory
    raise PostgresUnavailableError(
        "no PostgreSQL server binaries (initdb, pg_ctl) found via pg_config or in "
        "/usr/lib/postgresql/*/bin; install Debian's 'postgresql' package"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TemporaryPostgres:
    """A PostgreSQL server on 127.0.0.1 in a temporary directory, for one session.

    Use as a context manager, or call ``start()`` and ``stop()``. ``url(database)``
    is the SQLAlchemy URL (psycopg 3 driver) of a database on it;
    ``create_database(name)`` makes a fresh, empty one. ``stop_server()`` stops
    it and keeps its data; ``restart()`` starts it again on the same port.
    """

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = dict(FAST_SETTINGS if settings is None else settings)
        self.port = 0
        self._root: Path | None = None
        self._as_user: list[str] = []

    @property
    def data_dir(self) -> Path:
        assert self._root is not None, "the server is not started"
        return self._root / "data"

    def start(self) -> TemporaryPostgres:
        bindir = postgres_bindir()
        self._root = Path(tempfile.mkdtemp(prefix="budget-pg-"))
        try:
            if os.geteuid() == 0:
                self._run_as_server_user()
            self._run([str(bindir / "initdb"), *self._initdb_args()], "initdb", timeout=120)
            self._start_server(bindir)
        except BaseException:
            self._remove_root()
            raise
        return self

    def _run_as_server_user(self) -> None:
        assert self._root is not None
        try:
            account = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresUnavailableError(
                f"running as root and there is no '{SERVER_USER}' OS user to run the server as"
            ) from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise PostgresUnavailableError("running as root and 'runuser' is not installed")
        os.chown(self._root, account.pw_uid, account.pw_gid)
        self._as_user = [runuser, "-u", SERVER_USER, "--"]

    def _initdb_args(self) -> list[str]:
        return [
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]

    def _start_server(self, bindir: Path) -> None:
        last_error = ""
        for _attempt in range(3):
            # Another process may take the port between probe and start: try again.
            self.port = _free_port()
            try:
                self._pg_ctl_start(bindir)
                return
            except PostgresUnavailableError as error:
                last_error = str(error)
        raise PostgresUnavailableError(last_error)

    def _pg_ctl_start(self, bindir: Path) -> None:
        """``pg_ctl start`` on ``self.port``, waiting until the server accepts connections."""
        assert self._root is not None
        options = [
            f"-p {self.port}",
            f"-k {self._root}",
            "-c listen_addresses=127.0.0.1",
            *(f"-c {name}={value}" for name, value in self.settings.items()),
        ]
        log = self._root / "server.log"
        command = [str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(log)]
        try:
            self._run(
                [*command, "-o", " ".join(options), "-w", "-t", "60", "start"],
                "pg_ctl start",
                timeout=90,
            )
        except PostgresUnavailableError as error:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailableError(f"{error}\n{tail}".strip()) from None

    def _run(self, command: list[str], what: str, timeout: float) -> None:
        try:
            result = subprocess.run(
                [*self._as_user, *command],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PostgresUnavailableError(f"{what} failed: {error}") from None
        if result.returncode != 0:
            raise PostgresUnavailableError(
                f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
            )

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        if self._root is None:
            return
        with contextlib.suppress(PostgresUnavailableError):
            self.stop_server()
        self._remove_root()

    def stop_server(self) -> None:
        """Stop the server (fast shutdown) and keep its data directory for ``restart()``."""
        assert self._root is not None, "the server is not started"
        if (self.data_dir / "postmaster.pid").exists():
            pg_ctl = str(postgres_bindir() / "pg_ctl")
            self._run(
                [pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"],
                "pg_ctl stop",
                timeout=90,
            )

    def restart(self) -> TemporaryPostgres:
        """Start a server stopped by ``stop_server()`` again, on the same port and data."""
        assert self._root is not None, "the server is not started"
        self._pg_ctl_start(postgres_bindir())
        return self

    def _remove_root(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name)
                )
            )
        return self.url(name)

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
