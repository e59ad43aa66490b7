"""Fixtures of the development identity provider's tests: an app with its own key file,
and a client that reads the pages in English."""

import pytest

from core.extensions import db
from tests.conftest import make_app


@pytest.fixture
def key_path(tmp_path):
    return str(tmp_path / "keys" / "dev-idp-key.pem")


@pytest.fixture
def app(backend, tmp_path, key_path):
    app = make_app(backend, tmp_path, DEV_IDP_KEY_PATH=key_path)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client
