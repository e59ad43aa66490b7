"""Error pages: every failure a user can cause ends in a clear message and a 4xx.

When the database cannot be reached (down, restarting, or a pooled connection it has
dropped), the answer is a 503 with Retry-After, never a 500.
"""

from flask import Flask
from flask import g
from flask import render_template
from flask import request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import InterfaceError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from core.extensions import db
from core.extensions import login_manager


class DomainError(Exception):
    """A refused request with a user-facing message and an HTTP status (4xx)."""

    status = 400

    def __init__(self, message: str, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.code = code or "bad_request"


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, message: str, code: str):
    if _wants_json():
        return {"error": code, "message": message}, status
    return render_template("core/error.html", status=status, message=message), status


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You are not allowed to do that."),
        404: _("That page does not exist."),
        405: _("That method is not allowed here."),
        413: _("The request is too large. Shorten the text and try again."),
        429: _("Too many requests. Please wait a moment and try again."),
    }


def _unreachable(error: DBAPIError) -> bool:
    """The database is down, restarting, or dropped the connection: worth a retry."""
    return isinstance(error, OperationalError | InterfaceError) or error.connection_invalidated


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        return _render(error.status, error.message, error.code)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        message = _(
            "Your form expired or was not sent from this site. Reload the page and try again."
        )
        return _render(400, message, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        message = _messages().get(status, error.description or "")
        body, status = _render(status, message, error.name.lower().replace(" ", "_"))
        # Keep the headers the error carries (Allow on a 405), not its HTML content type.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if status == 429:
            headers["Retry-After"] = "60"
        return body, status, headers

    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        if not _unreachable(error):
            raise error  # a real bug (e.g. an unexpected IntegrityError): logged, 500
        try:
            db.session.rollback()
        except DBAPIError:
            pass  # the connection is gone; the session is reset all the same
        # The page must not touch the database again: loading the signed-in user or their
        # roles for the navigation would fail the same way and turn this 503 into a 500.
        g._login_user = login_manager.anonymous_user()
        body, status = _render(
            503, _("The service is busy. Please try again in a moment."), "unavailable"
        )
        return body, 503, {"Retry-After": "5"}

    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it (Flask runs
    # them in reverse). That one would roll back over a connection the database dropped
    # after the last query and raise, turning an answer already made into a 500.
    @app.teardown_appcontext
    def end_transaction(exc):
        try:
            db.session.close()
        except DBAPIError as error:
            if not _unreachable(error):
                raise
            app.logger.warning("database connection lost at the end of a request: %s", error)
