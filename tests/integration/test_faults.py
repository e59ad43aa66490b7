"""Faults: Redis going away during casting, and a worker killed mid-load.

Each test starts its own servers (a private Redis, gunicorn on PostgreSQL) so the
machine's shared services are never stopped.
"""

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.servers import start_gunicorn
from tests.servers import start_redis
from tests.servers import voter_session
from voting.models import Ballot

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.faults, pytest.mark.servers]


def ballots() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()


def test_casting_goes_on_when_redis_stops_and_after_it_returns(pg_app):
    redis_port, port = _free_port(), _free_port()
    redis = start_redis(redis_port)
    server = start_gunicorn(
        pg_app,
        port,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        RATELIMIT_ENABLED="1",
        RATELIMIT_CAST="1000 per minute",
    )
    url = f"http://127.0.0.1:{port}"
    try:
        forum = factories.forum()
        picks = factories.item_ids(forum)[:3]
        voters = [factories.user(f"redis-{n}") for n in range(6)]

        def cast(user):
            session, token = voter_session(pg_app, url, user, forum.id)
            return session.post(
                f"{url}/forums/{forum.id}/ballot/confirm",
                data={"csrf_token": token, "picks": picks},
                timeout=20,
            )

        assert cast(voters[0]).status_code == 200
        redis.kill()
        redis.wait()
        during = [cast(v) for v in voters[1:3]]
        assert [r.status_code for r in during] == [200, 200]
        again = cast(voters[1])
        assert again.status_code == 200 and ("이미" in again.text or "already" in again.text)
        redis = start_redis(redis_port)
        after = [cast(v) for v in voters[3:]]
        assert [r.status_code for r in after] == [200, 200, 200]
        assert ballots() == 6
    finally:
        server.terminate()
        server.wait(timeout=10)
        redis.kill()


def test_a_worker_killed_mid_load_loses_no_acknowledged_ballot(pg_app):
    port = _free_port()
    server = start_gunicorn(pg_app, port, workers=3, RATELIMIT_ENABLED="0")
    url = f"http://127.0.0.1:{port}"
    try:
        forum = factories.forum()
        forum_id = forum.id  # signing in expires it; threads could not reload it
        picks = factories.item_ids(forum)[:3]
        voters = [factories.user(f"kill-{n}") for n in range(120)]
        sessions = [voter_session(pg_app, url, v, forum_id) for v in voters]
        workers = [
            int(pid)
            for pid in subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
        ]
        assert workers
        receipts: list[str] = []
        lock = threading.Lock()

        def cast(entry):
            session, token = entry
            try:
                response = session.post(
                    f"{url}/forums/{forum_id}/ballot/confirm",
                    data={"csrf_token": token, "picks": picks},
                    timeout=30,
                )
            except requests.RequestException:
                return  # the connection died with the worker: no receipt was given
            if response.status_code == 200 and 'id="receipt-code"' in response.text:
                code = response.text.split('id="receipt-code">', 1)[1].split("<", 1)[0]
                with lock:
                    receipts.append(code.replace("-", ""))

        def killer():
            time.sleep(0.3)
            os.kill(workers[0], signal.SIGKILL)

        threading.Thread(target=killer).start()
        with ThreadPoolExecutor(max_workers=24) as pool:
            list(pool.map(cast, sessions))
        db.session.expire_all()
        stored = set(
            db.session.execute(
                select(Ballot.receipt_code).where(Ballot.forum_id == forum_id)
            ).scalars()
        )
        assert receipts and set(receipts) <= stored  # every acknowledged ballot is stored
        keys = db.session.execute(
            select(Ballot.voter_key).where(Ballot.forum_id == forum_id)
        ).scalars()
        keys = list(keys)
        assert len(keys) == len(set(keys))  # and none twice
        assert requests.get(f"{url}/healthz", timeout=10).ok  # the service went on
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_thousand_casts_for_one_identity_across_two_instances_make_one_ballot(pg_app):
    """Two stateless app instances on two ports share PostgreSQL: one ballot, whatever."""
    ports = [_free_port(), _free_port()]
    # Every cast must reach the database, so none is shed at the casting gate.
    servers = [
        start_gunicorn(pg_app, port, workers=2, RATELIMIT_ENABLED="0", CAST_ADMISSION_LIMIT="50")
        for port in ports
    ]
    try:
        forum = factories.forum()
        forum_id = forum.id  # signing in expires it; threads could not reload it
        picks = factories.item_ids(forum)[:3]
        voter = factories.user("one-person")
        entries = [voter_session(pg_app, f"http://127.0.0.1:{p}", voter, forum_id) for p in ports]
        barrier = threading.Barrier(50)

        def cast(n):
            session, token = entries[n % 2]
            url = f"http://127.0.0.1:{ports[n % 2]}"
            if n < 50:
                barrier.wait()
            response = session.post(
                f"{url}/forums/{forum_id}/ballot/confirm",
                data={"csrf_token": token, "picks": picks},
                allow_redirects=False,
                timeout=60,
            )
            return response.status_code, response.headers.get("Location", "")

        with ThreadPoolExecutor(max_workers=50) as pool:
            outcomes = list(pool.map(cast, range(1000)))
        assert ballots() == 1
        # Every answer sends the resident to their receipt: cast, or already voted.
        answers = Counter((status, where.rsplit("/", 1)[-1]) for status, where in outcomes)
        assert answers == {(302, "my-ballot"): 1000}
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
