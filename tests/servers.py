"""Servers a test starts for itself: gunicorn on PostgreSQL, a private Redis."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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


def start_gunicorn(app, port: int, workers: int = 2, **env) -> subprocess.Popen:
    environment = dict(
        os.environ,
        APP_ENV="testing",
        DATABASE_URL=PG_URL,
        SECRET_KEY=app.config["SECRET_KEY"],
        VOTER_KEY_PEPPER=app.config["VOTER_KEY_PEPPER"],
        DEV_IDP="0",
        OIDC_ISSUER="http://127.0.0.1:1/unused",
        **env,
    )
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", "8"]
    command += ["-b", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=subprocess.DEVNULL)
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
