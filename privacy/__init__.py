"""Personal data: the retention schedule, the privacy policy, consent and its gate."""

from flask import Flask
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_login import current_user

# Pages a signed-in resident without current consent can still open: consent itself,
# the policy, signing in and out, the language switch, the development provider.
OPEN_WITHOUT_CONSENT = {"privacy", "auth", "core", "devidp", "static"}
# Set by "not now" on the consent page: reading goes on, and only the ballot asks again.
LATER_KEY = "consent_later"
ASK_EVEN_LATER = {"voting.ballot"}


def init_app(app: Flask) -> None:
    from core import hooks
    from privacy import access_log
    from privacy import cli
    from privacy import models  # noqa: F401  (tables for migrations)
    from privacy import services
    from privacy import texts
    from privacy import views

    texts.init_app(app)
    app.register_blueprint(views.bp)
    cli.init_app(app)
    hooks.answer(app, hooks.PARTICIPATION_REFUSAL, services.participation_refusal)
    app.before_request(_ask_for_consent)
    app.after_request(access_log.record)


def _ask_for_consent():
    """A signed-in person who has not agreed to the current texts is asked first, on
    any page they open (first sign-in, or a new version of the texts)."""
    if request.method != "GET" or request.path.startswith("/api/"):
        return None
    blueprint = (request.endpoint or "").partition(".")[0]
    if not request.endpoint or blueprint in OPEN_WITHOUT_CONSENT:
        return None
    if session.get(LATER_KEY) and request.endpoint not in ASK_EVEN_LATER:
        return None
    from privacy import services

    if current_user.is_authenticated and not services.has_current_consent(current_user):
        return redirect(url_for("privacy.consent", next=request.full_path))
    return None
