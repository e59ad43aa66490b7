"""Faults: PostgreSQL restarted, or a connection dropped, while ballots are being cast.

The tests run their own PostgreSQL cluster (tests/servers.py) on a free port, so the
machine's shared server is never stopped. While residents cast through gunicorn, the
cluster is stopped (politely, or as a crash), left down for a moment and started again:
requests made meanwhile must fail cleanly (503 with Retry-After), nothing acknowledged
may be lost or doubled, and the same gunicorn processes must cast again as soon as the
database is back. The same is checked in-process at each moment of a request, by ending
the server process behind the request's connection.
"""

import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from flask import g
from flask import has_request_context
from flask.signals import before_render_template
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import text

from core.extensions import db
from tests import factories
from tests.conftest import _free_port
from tests.conftest import make_app
from tests.servers import end_backend
from tests.servers import start_gunicorn
from tests.servers import start_private_postgres
from tests.servers import voter_session
from tests.web import csrf_token
from tests.web import sign_in
from voting.casting import ballot_cache
from voting.models import Ballot
from voting.models import BallotChoice

pytestmark = [pytest.mark.faults, pytest.mark.servers]

VOTERS = 240
CLIENTS = 8
STOP_AFTER = 30  # acknowledged ballots before the database goes away
HELD_BACK = 60  # voters after this one wait for the outage, so that some always meet it
DOWNTIME = 2.0  # seconds the database stays down


@pytest.fixture(scope="module")
def cluster():
    made = start_private_postgres(_free_port())
    yield made
    made.destroy()


@pytest.fixture
def cluster_app(cluster, tmp_path):
    if not cluster.running():  # a failed restart test left it stopped
        cluster.start()
    app = make_app("postgres", tmp_path, SQLALCHEMY_DATABASE_URI=cluster.url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def stored_ballots(forum_id: int) -> list[tuple[str, list[int]]]:
    """Each stored ballot's voter key and sorted item ids, read afresh, by voter key."""
    db.session.remove()
    query = (
        select(Ballot.id, Ballot.voter_key, BallotChoice.item_id)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.forum_id == forum_id)
    )
    found: dict[int, tuple[str, list[int]]] = {}
    for ballot_id, key, item_id in db.session.execute(query):
        found.setdefault(ballot_id, (key, []))[1].append(item_id)
    return sorted((key, sorted(items)) for key, items in found.values())


# --- the whole stack: gunicorn under load while PostgreSQL restarts -------------------


@dataclass(frozen=True)
class Answer:
    sent: float
    status: int
    location: str
    retry_after: str | None


def worker_pids(server: subprocess.Popen) -> set[int]:
    found = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True)
    return {int(pid) for pid in found.stdout.split()}


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the load did not get going"
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_casting_through_a_postgres_restart_loses_nothing_and_needs_no_app_restart(
    cluster, cluster_app, tmp_path, mode
):
    app = cluster_app
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(
        app, port, workers=2, database_url=cluster.url, log=log, RATELIMIT_ENABLED="0"
    )
    url = f"http://127.0.0.1:{port}"
    try:
        forum = factories.forum()
        forum_id = forum.id
        picks = factories.item_ids(forum)[:3]
        voters = [factories.user(f"restart-{n}") for n in range(VOTERS + 1)]
        keys = {voter.voter_key for voter in voters[:VOTERS]}
        sessions = [voter_session(app, url, voter, forum_id) for voter in voters]
        probe, _ = sessions.pop()  # a resident who only looks at the ballot page
        before = worker_pids(server)
        assert len(before) == 2
        answers: list[Answer] = []
        lock = threading.Lock()
        outage = threading.Event()

        def cast(n: int) -> bool:
            """Cast until acknowledged; a client retries a 503 (sooner than Retry-After)."""
            if n >= HELD_BACK:
                outage.wait(120)
            session, token = sessions[n]
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                sent = time.monotonic()
                response = session.post(
                    f"{url}/forums/{forum_id}/ballot/confirm",
                    data={"csrf_token": token, "picks": picks},
                    allow_redirects=False,
                    timeout=60,
                )
                answer = Answer(
                    sent,
                    response.status_code,
                    response.headers.get("Location", ""),
                    response.headers.get("Retry-After"),
                )
                with lock:
                    answers.append(answer)
                if answer.status != 503:
                    return answer.status == 302 and answer.location.endswith("/my-ballot")
                time.sleep(0.2)
            return False

        def acknowledged() -> int:
            with lock:
                return sum(answer.status == 302 for answer in answers)

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            results = pool.map(cast, range(VOTERS))
            try:
                wait_for(lambda: acknowledged() >= STOP_AFTER, 120)
                cluster.stop(mode)
                stopped = time.monotonic()
            finally:
                outage.set()
            # While the database is down a page answers 503 too, signed in or not.
            pages = [
                probe.get(f"{url}/forums/{forum_id}/ballot", allow_redirects=False, timeout=30),
                requests.get(f"{url}/healthz", timeout=30),
            ]
            time.sleep(max(0.0, DOWNTIME - (time.monotonic() - stopped)))
            cluster.start()
            started = time.monotonic()
            cast_ok = list(results)

        failures = log.read_text(errors="replace")[-4000:]
        statuses = Counter(answer.status for answer in answers)
        assert set(statuses) <= {302, 503}, (statuses, failures)
        assert all(cast_ok), (statuses, failures)  # every resident got a receipt in the end
        for page in pages:
            assert page.status_code == 503, (page.status_code, failures)
            assert page.headers["Retry-After"].isdigit()
        refused = [answer for answer in answers if answer.status == 503]
        assert refused, "no cast met the outage"
        assert all(answer.retry_after and answer.retry_after.isdigit() for answer in refused)
        # Once the database is back, the same processes cast at the first attempt.
        after = [answer for answer in answers if answer.sent >= started]
        assert after and all(answer.status == 302 for answer in after), statuses
        assert server.poll() is None and worker_pids(server) == before

        # Every acknowledged ballot is stored, once, with exactly the choices it was cast
        # with: no half-written ballot survived the crash.
        expected = sorted(int(pick) for pick in picks)
        assert stored_ballots(forum_id) == [(key, expected) for key in sorted(keys)]
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- in-process: the connection dies at one chosen moment of a request ----------------


def backend_pid() -> int:
    return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(pid: int) -> None:
    """End one server process of the app's database, as a crash or restart does."""
    end_backend(db.engine.url.render_as_string(hide_password=False), pid)


def pid_of(connection) -> int:
    """The server process behind a SQLAlchemy connection, without a query."""
    return connection.connection.driver_connection.info.backend_pid


@pytest.fixture
def drop_connection(cluster_app):
    """Set ``moment`` to end the request's server process at that point of the request."""
    app = cluster_app
    plan = {"moment": None}

    def once(moment: str) -> bool:
        if plan["moment"] != moment or not has_request_context() or g.get("dropped"):
            return False
        g.dropped = True
        return True

    def sending(connection, cursor, statement, parameters, context, executemany):
        if once("request"):  # the request's first statement is next, on this connection
            terminate(pid_of(connection))

    def rendering(sender, **extra):
        if once("render"):  # the page's queries ran in a transaction still open
            terminate(backend_pid())

    def committing(connection):
        if once("commit"):  # every statement is sent; the COMMIT is next
            terminate(pid_of(connection))

    @app.after_request
    def answered(response):
        if once("answer"):  # a transaction is open until the request's teardown
            terminate(backend_pid())
        return response

    before_render_template.connect(rendering, app, weak=False)
    event.listen(db.engine, "before_cursor_execute", sending)
    event.listen(db.engine, "commit", committing)
    yield plan
    event.remove(db.engine, "commit", committing)
    event.remove(db.engine, "before_cursor_execute", sending)
    before_render_template.disconnect(rendering, app)


@pytest.mark.parametrize(
    ("moment", "method", "status"),
    [
        ("request", "get", 503),
        ("request", "post", 503),
        ("render", "get", 503),
        ("commit", "post", 503),
        ("answer", "get", 200),
        ("answer", "post", 302),
    ],
)
def test_a_connection_dropped_mid_request_answers_503_or_goes_unnoticed(
    cluster_app, drop_connection, moment, method, status
):
    forum = factories.forum()
    forum_id = forum.id
    picks = factories.item_ids(forum)[:3]
    voter = factories.user("dropped")
    key = voter.voter_key
    client = cluster_app.test_client()
    sign_in(client, voter)
    token = csrf_token(client.get(f"/forums/{forum_id}/ballot").get_data(as_text=True))
    if moment == "commit":
        # Casting on PostgreSQL is one statement, its own transaction, with no COMMIT
        # to lose; a forum changed since this process last read it sends the cast
        # through the full checks, which commit a transaction.
        ballot_cache.definition(forum_id)
        db.session.execute(text("UPDATE forums SET revision = revision + 1"))
        db.session.commit()

    def confirm():
        return client.post(
            f"/forums/{forum_id}/ballot/confirm", data={"csrf_token": token, "picks": picks}
        )

    drop_connection["moment"] = moment
    if method == "get":
        response = client.get(f"/forums/{forum_id}/ballot")
    else:
        response = confirm()
    drop_connection["moment"] = None
    assert response.status_code == status
    if status == 503:
        assert response.headers["Retry-After"].isdigit()
        assert stored_ballots(forum_id) == []  # the failed commit left nothing behind
    # The next request gets a working connection from the same pool.
    again = confirm()
    assert again.status_code == 302 and again.headers["Location"].endswith("/my-ballot")
    assert stored_ballots(forum_id) == [(key, sorted(int(pick) for pick in picks))]


def test_pages_answer_503_while_postgres_is_down_and_work_again_after(cluster, cluster_app):
    forum = factories.forum()
    forum_id = forum.id
    client = cluster_app.test_client()
    sign_in(client, factories.user("waiting"))
    pages = [f"/forums/{forum_id}/ballot", f"/api/v1/forums/{forum_id}", "/healthz", "/"]
    db.session.remove()
    cluster.stop("fast")
    try:
        down = [client.get(page) for page in pages]
    finally:
        cluster.start()
    for response in down:
        assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert down[1].get_json()["error"] == "unavailable"
    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]
