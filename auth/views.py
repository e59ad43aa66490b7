"""Sign-in and sign-out pages, and a resident verifying on a support point's device."""

from dataclasses import asdict

from authlib.common.errors import AuthlibBaseError
from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
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
# Session keys kept through the sign-in, which otherwise starts a fresh session: only
# values that name no person and grant nothing (see ``carry_across_sign_in``).
CARRIED_ACROSS_SIGN_IN: set[str] = set()


def carry_across_sign_in(key: str) -> None:
    """A feature keeps ``key`` of the browser's session through the sign-in (the OIDC
    round trip clears the session): for a value that names no person and grants no
    right, such as the outreach link a resident arrived through."""
    CARRIED_ACROSS_SIGN_IN.add(key)


# The provider a sign-in in progress (or the signed-in session) went through.
PROVIDER_KEY = "signin_provider"
STAFF_PROVIDER_KEY = "staff_signin_provider"


def _signin_limit() -> str:
    return current_app.config["RATELIMIT_SIGNIN"]


def _unreachable(error: RequestException) -> DomainError:
    current_app.logger.warning("identity provider unreachable: %s", error)
    return DomainError(
        _("The identity provider cannot be reached. Please try again in a moment."),
        status=503,
        code="idp_unreachable",
    )


def _choose_provider():
    """The provider named by ?provider=, the only one configured, or None after which
    the caller shows the sign-in page offering each provider."""
    name = request.args.get("provider")
    chosen = oidc.provider(name)
    if chosen is None and name is not None:
        raise DomainError(_("Unknown sign-in provider."), status=404)
    return chosen


def _providers_page(endpoint: str):
    return render_template(
        "auth/sign_in.html",
        providers=oidc.providers(),
        endpoint=endpoint,
        next=request.args.get("next"),
    )


def _authorize(chosen, **params):
    session[PROVIDER_KEY] = chosen.name
    # From configuration, never from the Host header a client sends.
    redirect_uri = current_app.config["PUBLIC_URL"] + url_for("auth.callback")
    try:
        return oidc.client(chosen.name).authorize_redirect(redirect_uri, **params)
    except RequestException as error:
        raise _unreachable(error) from None


@bp.get("/login")
@limiter.limit(_signin_limit)
def login():
    chosen = _choose_provider()
    if chosen is None:
        return _providers_page("auth.login")
    session.pop(VERIFY_KEY, None)
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    fresh = {"prompt": "login"} if session.get(FRESH_LOGIN_KEY) else {}
    return _authorize(chosen, **fresh)


@bp.get("/auth/callback")
@limiter.limit(_signin_limit)
def callback():
    if "error" in request.args:
        raise DomainError(_("Sign-in was cancelled or refused by the identity provider."))
    chosen = oidc.provider(session.get(PROVIDER_KEY))
    if chosen is None:
        current_app.logger.warning("signin_refused NoProvider: no sign-in in progress")
        raise DomainError(
            _("Sign-in could not be verified. Please start again."), code="signin_failed"
        )
    try:
        # The ID token must come from the issuer and be meant for us (OIDC Core 3.1.3.7).
        token = oidc.client(chosen.name).authorize_access_token(
            claims_options={
                "iss": {"essential": True, "values": [chosen.issuer]},
                "aud": {"essential": True, "values": [chosen.client_id]},
            }
        )
        claims = oidc.verified_claims(chosen, token)
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
        return _resident_verified(chosen, claims)
    user = services.record_sign_in(chosen, dict(claims))
    target = safe_next(session.get(NEXT_KEY))
    carried = {key: session[key] for key in CARRIED_ACROSS_SIGN_IN if key in session}
    # A fresh session at sign-in: nothing from before the login survives but what a
    # feature declared harmless to carry (an outreach link's tag).
    session.clear()
    session.update(carried)
    login_user(user)
    session[PROVIDER_KEY] = chosen.name
    unknown = services.unknown_district(chosen, claims)
    if unknown:
        message = _(
            "Your sign-in gave %(place)s as where you live, which is not a Seoul district. "
            "Forums here are for residents of their district.",
            place=unknown,
        )
        flash(message, "warning")
    return redirect(target or url_for("index"))


@bp.get("/auth/verify-resident")
@role_required("district_team")
@limiter.limit(_signin_limit)
def verify_resident():
    """A resident proves who they are with the identity provider on this device (a
    support point's tablet) while the staff member stays signed in. The provider is
    asked for a fresh login, so the staff member's own sign-in there is never used."""
    chosen = _choose_provider()
    if chosen is None:
        return _providers_page("auth.verify_resident")
    session[VERIFY_KEY] = safe_next(request.args.get("next")) or url_for("index")
    session.pop(VERIFIED_KEY, None)
    session[STAFF_PROVIDER_KEY] = session.get(PROVIDER_KEY)
    return _authorize(chosen, prompt="login")


def _resident_verified(chosen, claims: dict):
    # The staff member's own provider stays the one their sign-out ends.
    session[PROVIDER_KEY] = session.pop(STAFF_PROVIDER_KEY, None)
    resident = services.resident_from_claims(chosen, claims)
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
    provider_name = session.get(PROVIDER_KEY)
    logout_user()
    session.clear()
    session[FRESH_LOGIN_KEY] = True
    flash(_("You are signed out. The next person signs in afresh."), "success")
    return redirect(oidc.end_session_url(provider_name) or url_for("index"))
