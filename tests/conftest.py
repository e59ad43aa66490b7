"""Shared fixtures: an app per test on SQLite or PostgreSQL, a client, a live server."""

import contextvars
import os
import socket
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine
from sqlalchemy import text
from werkzeug.serving import make_server

from core import create_app
from core.extensions import db

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str) -> bool:
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def pytest_sessionstart(session):
    """Compile the message catalogs so the pages render in Korean, as `make` does."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source)
        with po.with_suffix(".mo").open("wb") as target:
            write_mo(target, catalog)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        action="store",
        default=os.environ.get("TEST_DB", "sqlite"),
        help="database backend for database-backed tests: sqlite or postgres",
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def backend(request) -> str:
    name = request.config.getoption("--db")
    if name == "postgres" and not _reachable(PG_URL):
        message = f"PostgreSQL is not reachable at {PG_URL}"
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.fail(message)
    return name


def _database_url(backend: str, tmp_path) -> str:
    if backend == "postgres":
        return PG_URL
    return f"sqlite:///{tmp_path / 'test.db'}"


def _reset_postgres():
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


class IsolatedClient(FlaskClient):
    """Runs each request in a fresh context, as a server does.

    Tests keep an app context open for their own queries; without this, requests would
    reuse it and share ``g`` (the signed-in user, the locale) across requests.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


# Apps made during the running test: their pooled connections are closed when it ends,
# so a long run never holds more PostgreSQL connections than one test uses.
_CREATED: list = []


@pytest.fixture(autouse=True)
def _close_pooled_connections():
    yield
    while _CREATED:
        app = _CREATED.pop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def make_app(backend: str, tmp_path, create_schema: bool = True, **overrides):
    """A fresh app on an empty database; tables come from the models unless told not to."""
    port = overrides.pop("port", None) or _free_port()
    config = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "VOTER_KEY_PEPPER": "test-pepper",
        "SQLALCHEMY_DATABASE_URI": _database_url(backend, tmp_path),
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "DEV_IDP": True,
        "OIDC_ISSUER": f"http://127.0.0.1:{port}/dev-idp",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SERVER_PORT": port,
    }
    config.update(overrides)
    app = create_app(config)
    _CREATED.append(app)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if backend == "postgres":
            _reset_postgres()
        if create_schema:
            db.create_all()
    return app


@pytest.fixture
def app(backend, tmp_path):
    app = make_app(backend, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.port = app.config["SERVER_PORT"]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture
def provider_app(backend, tmp_path):
    """An app whose development identity provider keeps its signing key in the test's own
    folder, for tests that sign in through it over HTTP."""
    app = make_app(backend, tmp_path, DEV_IDP_KEY_PATH=str(tmp_path / "dev-idp-key.pem"))
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def pg_app(tmp_path):
    """An app on PostgreSQL whatever --db says, for tests that start their own servers."""
    if not _reachable(PG_URL):
        pytest.fail(f"PostgreSQL is needed for this test at {PG_URL}")
    app = make_app("postgres", tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
