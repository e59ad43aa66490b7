"""The one-ballot rule under real concurrency: many workers, one identity, one ballot.

Runs against PostgreSQL whatever ``--db`` says: gunicorn with several worker processes
and threads, and 50 simultaneous confirm requests for the same resident.
"""

import threading
from pathlib import Path

import pytest
import requests
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.servers import start_gunicorn
from tests.web import csrf_token
from tests.web import session_cookie
from voting.models import Ballot
from voting.models import BallotChoice

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.servers
REQUESTS = 50


@pytest.fixture
def gunicorn(pg_app):
    port = _free_port()
    # Every one of the fifty casts must reach the database, so none is shed at the gate
    # (tests/integration/test_overload.py covers shedding).
    process = start_gunicorn(
        pg_app, port, workers=4, RATELIMIT_ENABLED="0", CAST_ADMISSION_LIMIT=str(REQUESTS)
    )
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def test_fifty_simultaneous_casts_for_one_identity_leave_one_ballot(pg_app, gunicorn):
    forum = factories.forum()
    voter = factories.user()
    picks = factories.item_ids(forum)[:3]
    browser = requests.Session()
    browser.cookies.set("session", session_cookie(pg_app, voter), domain="127.0.0.1")
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
