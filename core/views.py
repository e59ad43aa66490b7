"""Pages every feature shares: language switch, liveness and health checks."""

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import request
from flask import url_for
from sqlalchemy import text

from core.extensions import db
from core.i18n import LANG_COOKIE
from core.redirects import safe_next

bp = Blueprint("core", __name__)


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(safe_next(request.args.get("next")) or url_for("index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANG_COOKIE,
            code,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.get("/livez")
def live():
    """Liveness: the process answers. Touches nothing else (the framework's own cost)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
