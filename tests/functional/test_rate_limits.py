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
from voting import services


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


def test_casting_is_rate_limited_per_resident(limited_app):
    client = limited_app.test_client()
    forum = factories.forum()
    sign_in(client, factories.user())
    token = csrf_token(client.get(f"/forums/{forum.id}/ballot").get_data(as_text=True))
    picks = factories.item_ids(forum)[:2]
    statuses = [
        client.post(
            f"/forums/{forum.id}/ballot/review", data={"csrf_token": token, "picks": picks}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    limited = client.post(
        f"/forums/{forum.id}/ballot/review", data={"csrf_token": token, "picks": picks}
    )
    assert "Retry-After" in limited.headers


def test_casting_counts_only_attempts_that_store_nothing(limited_app):
    """A stored ballot is not counted (the database takes one per voter and forum);
    the attempts after it, which store nothing, are, up to the limit."""
    client = limited_app.test_client()
    forum = factories.forum()
    sign_in(client, factories.user())
    token = csrf_token(client.get(f"/forums/{forum.id}/ballot").get_data(as_text=True))

    def confirm(picks):
        return client.post(
            f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": picks}
        )

    first = confirm(factories.item_ids(forum)[:3])
    assert first.status_code == 302 and first.headers["Location"].endswith("/my-ballot")
    again = [confirm(factories.item_ids(forum)[:3]).status_code for _ in range(4)]
    assert again == [302, 302, 302, 429]  # "already voted" three times, then limited


def test_refused_casts_are_limited_and_store_nothing(limited_app):
    client = limited_app.test_client()
    forum = factories.forum()
    sign_in(client, factories.user())
    token = csrf_token(client.get(f"/forums/{forum.id}/ballot").get_data(as_text=True))
    picks = factories.item_ids(forum)[:2]
    statuses = [
        client.post(
            f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": picks}
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    assert not services.forum_has_ballots(forum.id)


def test_casting_with_an_ended_session_is_limited_and_stores_nothing(limited_app):
    client = limited_app.test_client()
    forum = factories.forum()
    sign_in(client, factories.user())
    token = csrf_token(client.get(f"/forums/{forum.id}/ballot").get_data(as_text=True))
    # The session is ended on the server (signed out elsewhere); the cookie still holds it.
    db.session.execute(update(UserSession).values(ended_at=clock.now()))
    db.session.commit()
    picks = factories.item_ids(forum)[:3]
    responses = [
        client.post(
            f"/forums/{forum.id}/ballot/confirm", data={"csrf_token": token, "picks": picks}
        )
        for _ in range(4)
    ]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "/login" in responses[0].headers["Location"]  # asked to sign in again
    assert not services.forum_has_ballots(forum.id)
