"""The development identity provider's pages: discovery, keys, the sign-in form (anyone
types in who they are), sign-out and the token and userinfo endpoints."""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from wtforms import SelectField
from wtforms import StringField
from wtforms import ValidationError

from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.errors import DomainError
from core.extensions import csrf
from core.forms import Form
from devtools import idp_store
from devtools.idp import provider
from devtools.idp_store import ALGORITHM
from devtools.idp_store import Identity
from devtools.idp_store import LOOPBACK_HOSTS
from devtools.idp_store import query_client
from devtools.idp_store import SCOPES
from devtools.idp_store import SUBJECT_MAX

FIRST_BIRTH_YEAR = 1900

bp = Blueprint("devidp", __name__, url_prefix="/dev-idp")


# --- Sign-in form ---------------------------------------------------------------------


def _current_year() -> int:
    zone = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul"))
    return idp_store.wall_clock().astimezone(zone).year


def _district_choices() -> list[tuple[str, str]]:
    korean = str(get_locale()) == "ko"
    return [(code, ko if korean else f"{ko} ({en})") for code, (ko, en) in SEOUL_DISTRICTS.items()]


class SignInForm(Form):
    # Messages come from the validate_* methods so they can be translated per request.
    subject = StringField()
    district = SelectField(default=DEMO_DISTRICT, validate_choice=False)
    birth_year = StringField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district.choices = _district_choices()

    def validate_subject(self, field):
        if not field.data or not field.data.strip():
            raise ValidationError(_("Enter an identifier."))
        if len(field.data) > SUBJECT_MAX:
            raise ValidationError(_("Use at most %(num)d characters.", num=SUBJECT_MAX))

    def validate_district(self, field):
        if field.data not in SEOUL_DISTRICTS:
            raise ValidationError(_("Choose a district."))

    def validate_birth_year(self, field):
        text = (field.data or "").strip()
        last = _current_year()
        if not (text.isascii() and text.isdigit()):
            raise ValidationError(_("Enter a birth year, for example 1980."))
        if not FIRST_BIRTH_YEAR <= int(text) <= last:
            raise ValidationError(
                _(
                    "Enter a birth year between %(first)d and %(last)d.",
                    first=FIRST_BIRTH_YEAR,
                    last=last,
                )
            )


# --- Endpoints ------------------------------------------------------------------------


@bp.get("/.well-known/openid-configuration")
def discovery():
    config = current_app.config
    # The issuer is a constant (the voter key depends on it); the endpoints are where
    # this app actually answers.
    here = config["PUBLIC_URL"] + "/dev-idp"
    return {
        "issuer": config["OIDC_ISSUER"],
        "authorization_endpoint": f"{here}/authorize",
        "token_endpoint": f"{here}/token",
        "jwks_uri": f"{here}/jwks",
        "userinfo_endpoint": f"{here}/userinfo",
        "end_session_endpoint": f"{here}/logout",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": list(
            grants.AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS
        ),
        "scopes_supported": list(SCOPES),
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            config["OIDC_DISTRICT_CLAIM"],
            config["OIDC_BIRTH_YEAR_CLAIM"],
        ],
    }


@bp.get("/jwks")
def jwks():
    return {"keys": [provider().signing_key().as_dict(private=False)]}


def _refuse_unknown_client_or_redirect() -> None:
    """Never redirect to an address that was not checked: refuse with a page instead."""
    client = query_client(request.values.get("client_id"))
    if client is None:
        raise DomainError(
            _("This sign-in request comes from an unknown application."),
            code="invalid_client",
        )
    if not client.check_redirect_uri(request.values.get("redirect_uri")):
        raise DomainError(
            _("This sign-in request has a return address that is not allowed."),
            code="invalid_redirect_uri",
        )


@bp.route("/authorize", methods=["GET", "POST"])
def authorize():
    _refuse_unknown_client_or_redirect()
    server = provider().server
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:
            # The client and its redirect_uri are valid: report back to the client.
            return server.handle_error_response(None, error)
        current_app.logger.info("dev IdP refused an authorization request: %s", error)
        raise DomainError(_("This sign-in request is not valid.")) from None

    form = SignInForm()
    status = 200
    if request.method == "POST":
        if "cancel" in request.form:
            return server.create_authorization_response(grant=grant, grant_user=None)
        if form.validate():
            identity = Identity(
                subject=form.subject.data,
                district=form.district.data,
                birth_year=int(form.birth_year.data.strip()),
            )
            return server.create_authorization_response(grant=grant, grant_user=identity)
        status = 400
    return (
        render_template(
            "devtools/idp_login.html",
            form=form,
            action=request.script_root + request.full_path,
            current_year=_current_year(),
            first_year=FIRST_BIRTH_YEAR,
            subject_max=SUBJECT_MAX,
        ),
        status,
    )


@bp.get("/logout")
def end_session():
    """RP-initiated logout: this provider keeps no sign-in of its own to end, so it only
    sends the browser back to the client's checked address (its home page)."""
    client = query_client(request.args.get("client_id"))
    back = request.args.get("post_logout_redirect_uri", "")
    parts = urlsplit(back)
    issuer_host = urlsplit(current_app.config["OIDC_ISSUER"]).hostname
    if client is None or parts.scheme not in ("http", "https") or parts.username:
        raise DomainError(_("This sign-out request is not valid."), code="invalid_request")
    if parts.hostname not in set(LOOPBACK_HOSTS) | {issuer_host}:
        raise DomainError(_("This sign-out request is not valid."), code="invalid_request")
    return redirect(back)


@bp.post("/token")
@csrf.exempt
def token():
    return provider().server.create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    return provider().server.create_endpoint_response("userinfo")
