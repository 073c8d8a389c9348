"""Shared fixtures: a demo workspace on SQLite (session-wide), and a real PostgreSQL server.

The PostgreSQL server is a throw-away cluster (initdb in a temporary folder, pg_ctl on 127.0.0.1 and a
free port), run as the ``postgres`` system user when the tests run as root. Debian's ``postgresql`` package
is installed when missing (as root). Tests that need it are skipped, with the reason, only when the server
cannot be installed or started.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from atomcomm import Workspace
from atomcomm.db import make_engine
from atomcomm.erp.demo import create_demo

REPO = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 27)
SEED = 42


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_workspace(folder: Path, database_url: str, extra: str = "") -> Path:
    """A workspace folder whose atomcomm.toml points at a database and the repository's templates."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "atomcomm.toml").write_text(
        f'[database]\nurl = "{database_url}"\n\n[templates]\npath = "{REPO / "templates"}"\n\n{extra}',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="session")
def demo_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file with the default demo data set (seed 42, reference day TODAY)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_demo(engine, seed=SEED, today=TODAY)
    engine.dispose()
    return url


def copy_demo(demo_sqlite_url: str, dest: Path) -> str:
    """A private copy of the session's demo database (SQLite backup API: consistent even in WAL mode)."""
    import sqlite3

    source = sqlite3.connect(demo_sqlite_url.removeprefix("sqlite:///"))
    target = sqlite3.connect(dest)
    with target:
        source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{dest}"


@pytest.fixture(scope="session")
def demo_workspace_dir(tmp_path_factory: pytest.TempPathFactory, demo_sqlite_url: str) -> Path:
    return write_workspace(tmp_path_factory.mktemp("ws"), demo_sqlite_url)


@pytest.fixture
def ws(demo_workspace_dir: Path) -> Iterator[Workspace]:
    """The demo workspace on SQLite, acting as the company, with the reference day pinned."""
    w = Workspace.open(demo_workspace_dir, today=TODAY, environ={})
    yield w
    w.close()


# --- PostgreSQL ---------------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _ensure_postgres_installed() -> Path | None:
    if _pg_bin() is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
            check=False,
            env=env,
            capture_output=True,
        )
    return _pg_bin()


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="atomcomm-pg-"))
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        self.user = "atomcomm"

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        full = list(cmd)
        if self.as_root:
            full = ["runuser", "-u", "postgres", "--", *full]
        return subprocess.run(full, capture_output=True, text=True, check=False, cwd=self.dir)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = self.dir / "data"
        r = self._run(
            str(self.bindir / "initdb"), "-D", str(data), "-U", self.user, "-A", "trust", "-E", "UTF8"
        )
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr or r.stdout}")
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c full_page_writes=off"
        r = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(self.dir / "log"),
            "-o",
            opts,
            "-w",
            "start",
        )
        if r.returncode:
            log = (self.dir / "log").read_text() if (self.dir / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr or r.stdout} {log}")
        r = self._run(
            str(self.bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.user,
            "atomcomm",
        )
        if r.returncode:
            raise RuntimeError(f"createdb failed: {r.stderr}")

    def url(self, database: str = "atomcomm") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def createdb(self, name: str) -> str:
        r = self._run(
            str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name
        )
        if r.returncode:
            raise RuntimeError(f"createdb {name} failed: {r.stderr}")
        return self.url(name)

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 for the whole session (skipped only if it cannot exist)."""
    bindir = _ensure_postgres_installed()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries are not installed and could not be installed (apt-get postgresql)"
        )
    server = PostgresServer(bindir)
    try:
        server.start()
    except RuntimeError:
        server.stop()
        raise  # installed but not starting is a failure to see, not a reason to skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def demo_pg_url(pg_server: PostgresServer) -> str:
    """A PostgreSQL database with the same demo data set as demo_sqlite_url."""
    url = pg_server.createdb("demo")
    engine = make_engine(url)
    create_demo(engine, seed=SEED, today=TODAY)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """The demo database on SQLite, then on PostgreSQL (ERP tests run against both)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("demo_sqlite_url"))
    return str(request.getfixturevalue("demo_pg_url"))


@pytest.fixture
def any_ws(any_db_url: str, tmp_path: Path) -> Iterator[Workspace]:
    w = Workspace.open(write_workspace(tmp_path / "ws", any_db_url), today=TODAY, environ={})
    yield w
    w.close()
