"""Pooled database connections are checked before use only after they sat idle.

A connection used moments ago is very likely alive, and checking it would cost a round
trip on every request (on the casting path, about as much as the cast itself). One
that sat idle for ``IDLE_CHECK_SECONDS`` or more is pinged at checkout and replaced if
the server has gone (a restarted database is noticed). A connection that dies while
busy fails its statement, the request answers 503 (see ``core.errors``), and the pool
drops every connection opened before the failure.
"""

import time

from flask import Flask
from sqlalchemy import event
from sqlalchemy import exc

from core.extensions import db

IDLE_CHECK_SECONDS = 1.0


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        return  # a file, not a server: nothing to lose between requests

    def returned(dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    def checked_out(dbapi_connection, record, proxy) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < IDLE_CHECK_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out a new one.
            raise exc.DisconnectionError() from error

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checked_out)
