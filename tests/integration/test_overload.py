"""Casting past capacity on a real server: shed casts get 503 with Retry-After and are
not stored, every acknowledged cast is, and a shed cast sent again is cast.

Runs against PostgreSQL whatever ``--db`` says: gunicorn with one worker whose casting
gate lets one cast in at a time and queues none, and 40 residents confirming at once.
"""

import re
import threading

import pytest
from sqlalchemy import select

from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.servers import start_gunicorn
from tests.servers import voter_session
from voting.models import Ballot

pytestmark = pytest.mark.servers
RESIDENTS = 40


@pytest.fixture
def small_server(pg_app):
    port = _free_port()
    process = start_gunicorn(
        pg_app,
        port,
        workers=1,
        RATELIMIT_ENABLED="0",
        CAST_ADMISSION_LIMIT="1",
        CAST_ADMISSION_QUEUE="0",
        CAST_RETRY_AFTER="1",
    )
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def stored_voters(forum_id: int) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Ballot.voter_key).where(Ballot.forum_id == forum_id)))


def test_an_overloaded_server_sheds_casts_without_storing_them(pg_app, small_server):
    forum = factories.forum()
    forum_id = forum.id
    picks = factories.item_ids(forum)[:3]
    residents = [factories.user(subject=f"resident-{n}") for n in range(RESIDENTS)]
    browsers = [voter_session(pg_app, small_server, user, forum.id) for user in residents]
    barrier = threading.Barrier(RESIDENTS)
    answers: list = [None] * RESIDENTS

    def confirm(n: int):
        browser, token = browsers[n]
        barrier.wait()
        answers[n] = browser.post(
            f"{small_server}/forums/{forum_id}/ballot/confirm",
            data={"csrf_token": token, "picks": picks},
            allow_redirects=False,
            timeout=30,
        )

    threads = [threading.Thread(target=confirm, args=(n,)) for n in range(RESIDENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = [answer.status_code for answer in answers]
    assert set(statuses) <= {302, 503}
    shed = [n for n, status in enumerate(statuses) if status == 503]
    taken = [n for n, status in enumerate(statuses) if status == 302]
    assert shed, "forty simultaneous casts through one place: some must be shed"
    for n in shed:
        assert 1 <= int(answers[n].headers["Retry-After"]) <= 2
    stored = stored_voters(forum.id)
    assert stored == {residents[n].voter_key for n in taken}

    # Each shed resident sends the page's form again, as its script does after the delay.
    for n in shed:
        browser, _token = browsers[n]
        fields = re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', answers[n].text
        )
        again = browser.post(
            f"{small_server}/forums/{forum.id}/ballot/confirm",
            data=fields,
            allow_redirects=False,
            timeout=30,
        )
        assert again.status_code == 302
    assert stored_voters(forum.id) == {user.voter_key for user in residents}
