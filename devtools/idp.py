"""Development identity provider: a real OpenID Connect provider for demos and tests.

It issues authorization codes (PKCE S256 required, nonce required) and RS256 ID tokens
carrying ``sub``, the residence district and the birth year, all typed in by whoever
signs in. It never runs in production (``init_app`` refuses).

Codes and access tokens live in two small tables so several worker processes can serve
one flow; the signing key is a PEM file created once and shared the same way.
"""

import hashlib
import hmac
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core import UserInfo
from authlib.oidc.core import UserInfoEndpoint
from flask import Blueprint
from flask import current_app
from flask import Flask
from flask import redirect
from flask import render_template
from flask import request
from flask_babel import get_locale
from flask_babel import gettext as _
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import update
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from wtforms import SelectField
from wtforms import StringField
from wtforms import ValidationError

from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.errors import DomainError
from core.extensions import csrf
from core.extensions import db
from core.forms import Form

EXTENSION = "dev_idp"
KEY_FILE = "dev-idp-key.pem"
ALGORITHM = "RS256"
SCOPES = ("openid", "profile")
CODE_LIFETIME = timedelta(minutes=5)
TOKEN_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/auth/callback"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
SUBJECT_MAX = 200
NONCE_MAX = 255
REDIRECT_URI_MAX = 500
FIRST_BIRTH_YEAR = 1900

bp = Blueprint("devidp", __name__, url_prefix="/dev-idp")


def _wall_clock() -> datetime:
    """Protocol times (codes, tokens, iat/exp) follow the real clock, as the client's
    checks do; the app's voting clock may be moved in tests and must not affect them."""
    return datetime.now(UTC)


def _digest(value: str) -> str:
    """Codes and access tokens are stored as SHA-256 digests, never as issued."""
    return hashlib.sha256(value.encode()).hexdigest()


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- Storage --------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Whoever signed in at the development provider, as they typed it."""

    subject: str
    district: str
    birth_year: int


class DevIdpCode(AuthorizationCodeMixin, db.Model):
    __tablename__ = "dev_idp_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str] = mapped_column(String(REDIRECT_URI_MAX))
    scope: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str] = mapped_column(String(NONCE_MAX), index=True)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    district_code: Mapped[str] = mapped_column(String(16))
    birth_year: Mapped[int]
    auth_time: Mapped[datetime]
    expires_at: Mapped[datetime]
    # Set when the code is exchanged; the row is kept a while to spot a replay.
    used_at: Mapped[datetime | None]

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return _epoch(self.auth_time)

    def identity(self) -> Identity:
        return Identity(self.subject, self.district_code, self.birth_year)


class DevIdpToken(TokenMixin, db.Model):
    __tablename__ = "dev_idp_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The code this token was issued for: a replayed code revokes its tokens.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    district_code: Mapped[str] = mapped_column(String(16))
    birth_year: Mapped[int]
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        return _wall_clock() >= self.expires_at

    def is_revoked(self):
        return False

    def get_user(self):
        return Identity(self.subject, self.district_code, self.birth_year)

    def get_client(self):
        return query_client(self.client_id)


def _purge_expired(now: datetime) -> None:
    # Used codes are kept as long as their tokens could live, to revoke on replay.
    db.session.execute(delete(DevIdpCode).where(DevIdpCode.expires_at < now - TOKEN_LIFETIME))
    db.session.execute(delete(DevIdpToken).where(DevIdpToken.expires_at < now))


# --- The one client -------------------------------------------------------------------


class Client(ClientMixin):
    """The app itself, as configured by OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."""

    def __init__(self, client_id: str, client_secret: str, issuer_host: str | None):
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer_host = issuer_host

    @property
    def client_metadata(self) -> dict:
        return {}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # the redirect_uri must always be given

    def get_allowed_scope(self, scope):
        requested = scope_to_list(scope) or []
        if "openid" not in requested:
            return None
        return list_to_scope([s for s in dict.fromkeys(requested) if s in SCOPES])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri_allowed(redirect_uri, self.issuer_host)

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        if endpoint == "token":
            return method in grants.AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS
        return True

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


def redirect_uri_allowed(redirect_uri: str | None, issuer_host: str | None) -> bool:
    """http(s), path exactly /auth/callback, host loopback or the issuer's; any port."""
    if not redirect_uri or len(redirect_uri) > REDIRECT_URI_MAX:
        return False
    if any(not 33 <= ord(char) <= 126 or char in '"\\<>' for char in redirect_uri):
        return False
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return False
    if parts.path != CALLBACK_PATH or parts.query or parts.fragment:
        return False
    allowed = set(LOOPBACK_HOSTS)
    if issuer_host:
        allowed.add(issuer_host)
    return parts.hostname in allowed


def query_client(client_id: str | None) -> Client | None:
    config = current_app.config
    if not client_id or client_id != config["OIDC_CLIENT_ID"]:
        return None
    issuer_host = urlsplit(config["OIDC_ISSUER"]).hostname
    return Client(config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"], issuer_host)


# --- Grant and extensions -------------------------------------------------------------


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    def save_authorization_code(self, code, request):
        now = _wall_clock()
        user: Identity = request.user
        data = request.payload.data
        _purge_expired(now)
        db.session.add(
            DevIdpCode(
                code_hash=_digest(code),
                client_id=request.client.get_client_id(),
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data["nonce"],
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                subject=user.subject,
                district_code=user.district,
                birth_year=user.birth_year,
                auth_time=now,
                expires_at=now + CODE_LIFETIME,
            )
        )
        db.session.commit()

    def query_authorization_code(self, code, client):
        """Consume the code atomically: of two concurrent exchanges only one wins."""
        now = _wall_clock()
        digest = _digest(code)
        consumed = db.session.execute(
            update(DevIdpCode)
            .where(
                DevIdpCode.code_hash == digest,
                DevIdpCode.client_id == client.get_client_id(),
                DevIdpCode.used_at.is_(None),
                DevIdpCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if consumed.rowcount != 1:
            # A replayed code revokes whatever was issued for it.
            db.session.execute(delete(DevIdpToken).where(DevIdpToken.code_hash == digest))
            db.session.commit()
            return None
        db.session.commit()
        return db.session.execute(
            select(DevIdpCode).where(DevIdpCode.code_hash == digest)
        ).scalar_one()

    def delete_authorization_code(self, authorization_code):
        # Already consumed by query_authorization_code; kept for replay detection.
        pass

    def authenticate_user(self, authorization_code):
        return authorization_code.identity()


def user_claims(user: Identity) -> UserInfo:
    config = current_app.config
    return UserInfo(
        {
            "sub": user.subject,
            config["OIDC_DISTRICT_CLAIM"]: user.district,
            config["OIDC_BIRTH_YEAR_CLAIM"]: user.birth_year,
        }
    )


class IdToken(OpenIDCode):
    """ID tokens: RS256 with the provider key, ten minutes, nonce required."""

    def __init__(self):
        super().__init__(require_nonce=True)

    def exists_nonce(self, nonce, request):
        if len(nonce) > NONCE_MAX:
            raise InvalidRequestError("The 'nonce' is too long.")
        found = db.session.execute(
            select(DevIdpCode.id).where(
                DevIdpCode.nonce == nonce,
                DevIdpCode.client_id == request.payload.client_id,
            )
        ).first()
        return found is not None

    def resolve_client_private_key(self, client):
        # A key set lets the encoder put the key's ``kid`` in the header.
        return KeySet([provider().signing_key()])

    def get_client_algorithm(self, client):
        return ALGORITHM

    def get_client_claims(self, client):
        now = _epoch(_wall_clock())
        return {
            "iss": current_app.config["OIDC_ISSUER"],
            "aud": client.get_client_id(),
            "iat": now,
            "exp": now + int(TOKEN_LIFETIME.total_seconds()),
        }

    def generate_user_info(self, user, scope):
        return user_claims(user)


class S256CodeChallenge(CodeChallenge):
    """PKCE is mandatory here, and only with S256."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge' in request.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The 'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class TokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return db.session.execute(
            select(DevIdpToken).where(DevIdpToken.token_hash == _digest(token_string))
        ).scalar_one_or_none()


class UserInfoClaims(UserInfoEndpoint):
    def generate_user_info(self, user, scope):
        return user_claims(user)

    def get_issuer(self):
        return current_app.config["OIDC_ISSUER"]

    def resolve_private_key(self):
        return KeySet([provider().signing_key()])


def save_token(token, request):
    now = _wall_clock()
    user: Identity = request.user
    db.session.add(
        DevIdpToken(
            token_hash=_digest(token["access_token"]),
            code_hash=request.authorization_code.code_hash,
            client_id=request.client.get_client_id(),
            scope=token.get("scope", ""),
            subject=user.subject,
            district_code=user.district,
            birth_year=user.birth_year,
            issued_at=now,
            expires_at=now + timedelta(seconds=token["expires_in"]),
        )
    )
    db.session.commit()


def _access_token(**kwargs) -> str:
    return generate_token(48)


# --- Signing key ----------------------------------------------------------------------


def load_or_create_key(path: str) -> RSAKey:
    """Load the RSA key at ``path``, creating it first if there is none.

    A new key is written to a temporary file and hard-linked into place, which fails if
    another process got there first; everyone then reads the one file that won.
    """
    try:
        with open(path, "rb") as handle:
            pem = handle.read()
    except FileNotFoundError:
        pem = _create_key_file(path)
    key = RSAKey.import_key(pem, parameters={"use": "sig", "alg": ALGORITHM})
    key.ensure_kid()
    return key


def _create_key_file(path: str) -> bytes:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".dev-idp-key-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)
    with open(path, "rb") as handle:
        return handle.read()


# --- Per-app provider -----------------------------------------------------------------


class Provider:
    """Everything the development provider keeps for one app."""

    def __init__(self, app: Flask):
        self.key_path = app.config.get("DEV_IDP_KEY_PATH") or os.path.join(
            app.instance_path, KEY_FILE
        )
        self._key: RSAKey | None = None
        self._lock = threading.Lock()

        server = AuthorizationServer()
        server.init_app(app, query_client=query_client, save_token=save_token)
        server.scopes_supported = list(SCOPES)
        server.register_token_generator(
            "default",
            BearerTokenGenerator(
                _access_token, expires_generator=int(TOKEN_LIFETIME.total_seconds())
            ),
        )
        server.register_grant(AuthorizationCodeGrant, [IdToken(), S256CodeChallenge()])
        protector = ResourceProtector()
        protector.register_token_validator(TokenValidator())
        server.register_endpoint(UserInfoClaims(resource_protector=protector))
        self.server = server

    def signing_key(self) -> RSAKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = load_or_create_key(self.key_path)
        return self._key


def provider() -> Provider:
    return current_app.extensions[EXTENSION]


def init_app(app: Flask) -> None:
    if app.config.get("APP_ENV") == "production":
        raise RuntimeError("the development identity provider never runs in production")
    app.extensions[EXTENSION] = Provider(app)
    app.register_blueprint(bp)


# --- Sign-in form ---------------------------------------------------------------------


def _current_year() -> int:
    zone = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul"))
    return _wall_clock().astimezone(zone).year


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
