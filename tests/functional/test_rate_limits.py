"""Rate limits on sign-in and casting, in process and on Redis."""

import uuid

import pytest

from core.extensions import db
from tests import factories
from tests.conftest import make_app
from tests.conftest import REDIS_URL
from tests.web import csrf_token
from tests.web import sign_in


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
