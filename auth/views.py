"""Sign-in and sign-out pages, and a resident verifying on a support point's device."""

from dataclasses import asdict

from authlib.common.errors import AuthlibBaseError
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user
from joserfc.errors import JoseError
from requests import RequestException

from auth import oidc
from auth import services
from auth.decorators import role_required
from core import clock
from core.errors import DomainError
from core.extensions import limiter
from core.redirects import safe_next

bp = Blueprint("auth", __name__)

NEXT_KEY = "signin_next"
# Set at sign-out: the next sign-in in this browser asks the provider for a fresh login,
# so on a shared phone or a support-point tablet nobody is signed in as the last person.
FRESH_LOGIN_KEY = "fresh_login"
# A resident verifying on a support-point device while the staff member stays signed in:
# where to return, then who the provider vouched for (for VERIFIED_MINUTES).
VERIFY_KEY = "verify_resident_next"
VERIFIED_KEY = "verified_resident"
VERIFIED_MINUTES = 10


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN"]


def _unreachable(error: RequestException) -> DomainError:
    current_app.logger.warning("identity provider unreachable: %s", error)
    return DomainError(
        _("The identity provider cannot be reached. Please try again in a moment."),
        status=503,
        code="idp_unreachable",
    )


@bp.get("/login")
@limiter.limit(_signin_limit)
def login():
    session.pop(VERIFY_KEY, None)
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    # From configuration, never from the Host header a client sends.
    redirect_uri = current_app.config["PUBLIC_URL"] + url_for("auth.callback")
    fresh = {"prompt": "login"} if session.get(FRESH_LOGIN_KEY) else {}
    try:
        return oidc.client().authorize_redirect(redirect_uri, **fresh)
    except RequestException as error:
        raise _unreachable(error) from None


@bp.get("/auth/callback")
@limiter.limit(_signin_limit)
def callback():
    if "error" in request.args:
        raise DomainError(_("Sign-in was cancelled or refused by the identity provider."))
    try:
        # The ID token must come from our issuer and be meant for us (OIDC Core 3.1.3.7).
        token = oidc.client().authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [current_app.config["OIDC_ISSUER"]]},
                "aud": {"essential": True, "values": [current_app.config["OIDC_CLIENT_ID"]]},
            }
        )
        claims = oidc.verified_claims(token)
    except RequestException as error:
        raise _unreachable(error) from None
    # AuthlibBaseError covers the provider's refusals and the client's own checks
    # (a missing code is MissingCodeException, a mismatched state is MismatchingStateError).
    except (AuthlibBaseError, JoseError, ValueError) as error:
        # "signin_refused" is the code a team greps for in the logs.
        current_app.logger.warning("signin_refused %s: %s", type(error).__name__, error)
        raise DomainError(
            _("Sign-in could not be verified. Please start again."), code="signin_failed"
        ) from None
    if not claims.get("sub"):
        raise DomainError(_("Sign-in could not be verified. Please start again."))
    if current_user.is_authenticated and VERIFY_KEY in session:
        return _resident_verified(claims)
    user = services.record_sign_in(current_app.config["OIDC_ISSUER"], dict(claims))
    target = safe_next(session.get(NEXT_KEY))
    # A fresh session at sign-in: nothing from before the login survives.
    session.clear()
    login_user(user)
    return redirect(target or url_for("index"))


@bp.get("/auth/verify-resident")
@role_required("district_team")
@limiter.limit(_signin_limit)
def verify_resident():
    """A resident proves who they are with the identity provider on this device (a
    support point's tablet) while the staff member stays signed in. The provider is
    asked for a fresh login, so the staff member's own sign-in there is never used."""
    session[VERIFY_KEY] = safe_next(request.args.get("next")) or url_for("index")
    session.pop(VERIFIED_KEY, None)
    redirect_uri = current_app.config["PUBLIC_URL"] + url_for("auth.callback")
    try:
        return oidc.client().authorize_redirect(redirect_uri, prompt="login")
    except RequestException as error:
        raise _unreachable(error) from None


def _resident_verified(claims: dict):
    resident = services.resident_from_claims(current_app.config["OIDC_ISSUER"], claims)
    session[VERIFIED_KEY] = dict(asdict(resident), at=int(clock.now().timestamp()))
    return redirect(session.pop(VERIFY_KEY))


def verified_resident() -> services.Resident | None:
    """The resident verified on this device in the last VERIFIED_MINUTES, if any."""
    found = session.get(VERIFIED_KEY)
    if not found or clock.now().timestamp() - found["at"] > VERIFIED_MINUTES * 60:
        return None
    return services.Resident(found["voter_key"], found["district_code"], found["birth_year"])


def forget_verified_resident() -> None:
    """After the resident's ballot (or refusal): the next resident verifies anew."""
    session.pop(VERIFIED_KEY, None)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.end_session(current_user)
    logout_user()
    session.clear()
    session[FRESH_LOGIN_KEY] = True
    flash(_("You are signed out. The next person signs in afresh."), "success")
    return redirect(oidc.end_session_url() or url_for("index"))
