"""Rate limits on sign-in and casting, in process and on Redis."""

import uuid

import pytest
from sqlalchemy import update

from auth.models import UserSession
from core import clock
from core.extensions import db
from tests import factories
from tests.conftest import make_app
from tests.conftest import REDIS_URL
from tests.web import csrf_token
from tests.web import sign_in
from voting.casting import services


@pytest.fixture(params=["memory", "redis"])
def limited_app(request, backend, tmp_path):
    storage = "memory://" if request.param == "memory" else REDIS_URL
    app = make_app(
        backend,
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        RATELIMIT_SIGNIN="3 per minute",
        RATELIMIT_CAST="3 per minute",
        OIDC_ISSUER="http://127.0.0.1:9/unreachable",
    )
    with app.app_context():
        yield app
        db.session.remove()


def test_sign_in_is_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.get("/login").status_code for _ in range(4)]
    # The identity provider is unreachable here: a clear 503, never a 500.
    assert statuses[:3] == [503, 503, 503]
    assert statuses[3] == 429


class Resident:
    """A signed-in resident's browser on a forum's ballot page, with its CSRF token."""

    def __init__(self, app):
        self.client = app.test_client()
        self.forum = factories.forum()
        sign_in(self.client, factories.user())
        page = self.client.get(f"/forums/{self.forum.id}/ballot")
        self.token = csrf_token(page.get_data(as_text=True))

    def post(self, step: str, picks: list[str]):
        data = {"csrf_token": self.token, "picks": picks}
        return self.client.post(f"/forums/{self.forum.id}/ballot/{step}", data=data)

    def statuses(self, step: str, picks: list[str], times: int = 4) -> list[int]:
        return [self.post(step, picks).status_code for _ in range(times)]


def test_casting_is_rate_limited_per_resident(limited_app):
    resident = Resident(limited_app)
    picks = factories.item_ids(resident.forum)[:2]
    assert resident.statuses("review", picks) == [422, 422, 422, 429]
    assert "Retry-After" in resident.post("review", picks).headers


def test_casting_counts_only_attempts_that_store_nothing(limited_app):
    """A stored ballot is not counted (the database takes one per voter and forum);
    the attempts after it, which store nothing, are, up to the limit."""
    resident = Resident(limited_app)
    picks = factories.item_ids(resident.forum)[:3]
    first = resident.post("confirm", picks)
    assert first.status_code == 302 and first.headers["Location"].endswith("/my-ballot")
    # "already voted" three times, then limited
    assert resident.statuses("confirm", picks) == [302, 302, 302, 429]


def test_refused_casts_are_limited_and_store_nothing(limited_app):
    resident = Resident(limited_app)
    picks = factories.item_ids(resident.forum)[:2]
    assert resident.statuses("confirm", picks) == [422, 422, 422, 429]
    assert not services.forum_has_ballots(resident.forum.id)


def test_casting_with_an_ended_session_is_limited_and_stores_nothing(limited_app):
    resident = Resident(limited_app)
    # The session is ended on the server (signed out elsewhere); the cookie still holds it.
    db.session.execute(update(UserSession).values(ended_at=clock.now()))
    db.session.commit()
    picks = factories.item_ids(resident.forum)[:3]
    responses = [resident.post("confirm", picks) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "/login" in responses[0].headers["Location"]  # asked to sign in again
    assert not services.forum_has_ballots(resident.forum.id)
