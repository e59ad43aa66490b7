"""What the development identity provider keeps: codes and access tokens (two small
tables, so several worker processes can serve one flow), its one client (the app
itself) and its signing key (a PEM file created once and shared the same way).
"""

import hashlib
import hmac
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from flask import current_app
from joserfc.jwk import RSAKey
from sqlalchemy import delete
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from core.extensions import db

ALGORITHM = "RS256"
SCOPES = ("openid", "profile")
CODE_LIFETIME = timedelta(minutes=5)
TOKEN_LIFETIME = timedelta(minutes=10)
CALLBACK_PATH = "/auth/callback"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
SUBJECT_MAX = 200
NONCE_MAX = 255
REDIRECT_URI_MAX = 500


def wall_clock() -> datetime:
    """Protocol times (codes, tokens, iat/exp) follow the real clock, as the client's
    checks do; the app's voting clock may be moved in tests and must not affect them.
    Called as ``idp_store.wall_clock()`` everywhere, so that one place moves it."""
    return datetime.now(UTC)


def digest(value: str) -> str:
    """Codes and access tokens are stored as SHA-256 digests, never as issued."""
    return hashlib.sha256(value.encode()).hexdigest()


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --- Storage --------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """Whoever signed in at the development provider, as they typed it."""

    subject: str
    district: str
    birth_year: int


class SignedIn:
    """Who a code or a token was issued to, as they typed it in."""

    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    district_code: Mapped[str] = mapped_column(String(16))
    birth_year: Mapped[int]

    def identity(self) -> Identity:
        return Identity(self.subject, self.district_code, self.birth_year)


class DevIdpCode(SignedIn, AuthorizationCodeMixin, db.Model):
    __tablename__ = "dev_idp_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(200))
    redirect_uri: Mapped[str] = mapped_column(String(REDIRECT_URI_MAX))
    scope: Mapped[str] = mapped_column(String(200))
    nonce: Mapped[str] = mapped_column(String(NONCE_MAX), index=True)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(16))
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
        return epoch(self.auth_time)


class DevIdpToken(SignedIn, TokenMixin, db.Model):
    __tablename__ = "dev_idp_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The code this token was issued for: a replayed code revokes its tokens.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self):
        return wall_clock() >= self.expires_at

    def is_revoked(self):
        return False

    def get_user(self):
        return self.identity()

    def get_client(self):
        return query_client(self.client_id)


def purge_expired(now: datetime) -> None:
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
