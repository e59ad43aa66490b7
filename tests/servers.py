"""Servers a test starts for itself: gunicorn on PostgreSQL, a private Redis or PostgreSQL."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.conftest import PG_URL
from tests.web import csrf_token
from tests.web import session_cookie

ROOT = Path(__file__).resolve().parents[1]


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("private redis-server did not start")


def _postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian layout), or those on PATH."""
    for directory in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (directory / "pg_ctl").exists() and (directory / "initdb").exists():
            return directory
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary directory, to stop at will.

    The machine's shared server is never touched. initdb and postgres refuse to run as
    root, so as root they run as the ``postgres`` OS user.
    """

    def __init__(self, bindir: Path, port: int):
        self.bindir = bindir
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="forum-pg-"))
        self.data = self.root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            pytest.fail(f"{tool} {' '.join(args)} failed:\n{done.stdout}{done.stderr}{tail}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root}"
        log = str(self.root / "server.log")
        data = str(self.data)
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", log, "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends sessions politely; ``immediate`` is a crash, recovered at start."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data))

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def start_private_postgres(port: int) -> PrivatePostgres:
    """Create and start a private cluster on the port; skips when PostgreSQL is absent."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    cluster = PrivatePostgres(bindir, port)
    try:
        cluster.init()
        cluster.start()
    except BaseException:
        shutil.rmtree(cluster.root, ignore_errors=True)
        raise
    return cluster


def start_gunicorn(
    app, port: int, workers: int = 2, database_url: str = PG_URL, log: Path | None = None, **env
) -> subprocess.Popen:
    environment = dict(
        os.environ,
        APP_ENV="testing",
        DATABASE_URL=database_url,
        SECRET_KEY=app.config["SECRET_KEY"],
        VOTER_KEY_PEPPER=app.config["VOTER_KEY_PEPPER"],
        DEV_IDP="0",
        OIDC_ISSUER="http://127.0.0.1:1/unused",
        PUBLIC_URL=f"http://127.0.0.1:{port}",
        **env,
    )
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", "8"]
    # Keep-alive outlasts a test, so a pooled client connection is never closed by the
    # server just as the client reuses it (a race of HTTP, not of the app).
    command += ["--keep-alive", "60", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    errors = log.open("ab") if log else None
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stderr=errors or subprocess.DEVNULL
    )
    if errors:
        errors.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not start")


def voter_session(app, url: str, user, forum_id: int) -> tuple[requests.Session, str]:
    session = requests.Session()
    session.cookies.set("session", session_cookie(app, user), domain="127.0.0.1")
    page = session.get(f"{url}/forums/{forum_id}/ballot", timeout=10)
    assert page.status_code == 200
    return session, csrf_token(page.text)


def end_backend(url: str, pid: int) -> None:
    """End one PostgreSQL server process, as a crash or restart does, from a connection
    of its own (outside any pool), and wait until it is gone."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            time.sleep(0.01)
