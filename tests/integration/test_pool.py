"""Pooled PostgreSQL connections are checked only after they sat idle (core.pool)."""


import pytest
from sqlalchemy import text

from core import pool
from core.extensions import db
from tests.conftest import PG_URL
from tests.servers import end_backend


@pytest.fixture
def pg_app(app, backend):
    if backend != "postgres":
        pytest.skip("a server connection pool (PostgreSQL)")
    return app


def backend_pid() -> int:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(pid: int) -> None:
    end_backend(PG_URL, pid)


@pytest.fixture
def pings(monkeypatch):
    dialect = db.engine.dialect
    done: list[int] = []
    real = dialect.do_ping

    def counted(dbapi_connection):
        done.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return done


def test_a_connection_used_moments_ago_is_not_pinged(pg_app, pings):
    assert backend_pid() == backend_pid()  # the same pooled connection, reused
    assert pings == []


def test_a_connection_idle_past_the_threshold_is_pinged(pg_app, pings, monkeypatch):
    backend_pid()
    monkeypatch.setattr(pool, "IDLE_CHECK_SECONDS", 0.0)
    backend_pid()
    assert pings == [1]


def test_an_idle_connection_whose_server_is_gone_is_replaced_at_checkout(pg_app, monkeypatch):
    first = backend_pid()
    terminate(first)
    monkeypatch.setattr(pool, "IDLE_CHECK_SECONDS", 0.0)  # every connection counts as idle
    replaced = backend_pid()  # no error: the dead connection was found and replaced
    assert replaced != first


def test_without_the_idle_check_the_dead_connection_would_fail(pg_app, monkeypatch):
    first = backend_pid()
    terminate(first)
    monkeypatch.setattr(pool, "IDLE_CHECK_SECONDS", 3600.0)  # never idle long enough
    with pytest.raises(Exception, match="terminat|closed|connection"):
        backend_pid()
    assert backend_pid() != first  # the pool dropped it after the failure
