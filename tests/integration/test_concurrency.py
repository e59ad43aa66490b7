"""The one-ballot rule under real concurrency: many workers, one identity, one ballot.

Runs against PostgreSQL whatever ``--db`` says: gunicorn with several worker processes
and threads, and 50 simultaneous confirm requests for the same resident.
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.conftest import make_app
from tests.conftest import PG_URL
from tests.web import csrf_token
from voting.models import Ballot
from voting.models import BallotChoice

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.servers
REQUESTS = 50


@pytest.fixture
def pg_app(tmp_path, request):
    if not factories_reachable():
        pytest.fail(f"PostgreSQL is needed for this test at {PG_URL}")
    app = make_app("postgres", tmp_path)
    with app.app_context():
        yield app
        db.session.remove()


def factories_reachable() -> bool:
    from tests.conftest import _reachable

    return _reachable(PG_URL)


@pytest.fixture
def gunicorn(pg_app):
    port = _free_port()
    env = dict(
        os.environ,
        APP_ENV="testing",
        DATABASE_URL=PG_URL,
        SECRET_KEY=pg_app.config["SECRET_KEY"],
        VOTER_KEY_PEPPER=pg_app.config["VOTER_KEY_PEPPER"],
        DEV_IDP="0",
        OIDC_ISSUER="http://127.0.0.1:1/unused",
        RATELIMIT_ENABLED="0",
    )
    command = [sys.executable, "-m", "gunicorn", "-w", "4", "--threads", "8"]
    command += ["-b", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=5).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield url
    process.terminate()
    process.wait(timeout=10)


def signed_in_cookie(app, user) -> str:
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.dumps({"_user_id": str(user.id), "_fresh": True})


def test_fifty_simultaneous_casts_for_one_identity_leave_one_ballot(pg_app, gunicorn):
    forum = factories.forum()
    voter = factories.user()
    picks = factories.item_ids(forum)[:3]
    browser = requests.Session()
    browser.cookies.set("session", signed_in_cookie(pg_app, voter), domain="127.0.0.1")
    page = browser.get(f"{gunicorn}/forums/{forum.id}/ballot")
    assert page.status_code == 200
    token = csrf_token(page.text)
    cookie = browser.cookies.get("session", domain="127.0.0.1")

    barrier = threading.Barrier(REQUESTS)
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def cast():
        session = requests.Session()
        session.cookies.set("session", cookie, domain="127.0.0.1")
        barrier.wait()
        response = session.post(
            f"{gunicorn}/forums/{forum.id}/ballot/confirm",
            data={"csrf_token": token, "picks": picks},
            allow_redirects=True,
            timeout=30,
        )
        with lock:
            outcomes.append((response.status_code, response.text))

    threads = [threading.Thread(target=cast) for _ in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    db.session.expire_all()
    ballots = db.session.execute(select(Ballot)).scalars().all()
    assert len(ballots) == 1
    choices = db.session.execute(select(func.count()).select_from(BallotChoice)).scalar_one()
    assert choices == 3
    code = ballots[0].receipt_code
    shown = "-".join(code[i : i + 4] for i in range(0, 20, 4))
    assert len(outcomes) == REQUESTS
    for status, body in outcomes:
        # Every answer is the receipt page: just cast, or "already voted" with that receipt.
        assert status == 200 and shown in body
    assert any("already" in body or "이미" in body for _, body in outcomes)
