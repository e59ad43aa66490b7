"""Development identity provider: a real OpenID Connect provider for demos and tests.

It issues authorization codes (PKCE S256 required, nonce required) and RS256 ID tokens
carrying ``sub``, the residence district and the birth year, all typed in by whoever
signs in. It never runs in production (``init_app`` refuses).

This module wires authlib's server for one app (grants, ID tokens, PKCE, userinfo);
what it stores is in ``idp_store`` and its pages in ``idp_pages``.
"""

import os
import threading
from datetime import timedelta

from authlib.common.security import generate_token
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2 import ResourceProtector
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749 import InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core import UserInfo
from authlib.oidc.core import UserInfoEndpoint
from flask import current_app
from flask import Flask
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update

from core.extensions import db
from devtools import idp_store
from devtools.idp_store import ALGORITHM
from devtools.idp_store import CODE_LIFETIME
from devtools.idp_store import DevIdpCode
from devtools.idp_store import DevIdpToken
from devtools.idp_store import digest
from devtools.idp_store import epoch
from devtools.idp_store import Identity
from devtools.idp_store import load_or_create_key
from devtools.idp_store import NONCE_MAX
from devtools.idp_store import purge_expired
from devtools.idp_store import query_client
from devtools.idp_store import SCOPES
from devtools.idp_store import TOKEN_LIFETIME

EXTENSION = "dev_idp"
KEY_FILE = "dev-idp-key.pem"


# --- Grant and extensions -------------------------------------------------------------


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    def save_authorization_code(self, code, request):
        now = idp_store.wall_clock()
        user: Identity = request.user
        data = request.payload.data
        purge_expired(now)
        db.session.add(
            DevIdpCode(
                code_hash=digest(code),
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
        now = idp_store.wall_clock()
        hashed = digest(code)
        consumed = db.session.execute(
            update(DevIdpCode)
            .where(
                DevIdpCode.code_hash == hashed,
                DevIdpCode.client_id == client.get_client_id(),
                DevIdpCode.used_at.is_(None),
                DevIdpCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if consumed.rowcount != 1:
            # A replayed code revokes whatever was issued for it.
            db.session.execute(delete(DevIdpToken).where(DevIdpToken.code_hash == hashed))
            db.session.commit()
            return None
        db.session.commit()
        return db.session.execute(
            select(DevIdpCode).where(DevIdpCode.code_hash == hashed)
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
        now = epoch(idp_store.wall_clock())
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
            select(DevIdpToken).where(DevIdpToken.token_hash == digest(token_string))
        ).scalar_one_or_none()


class UserInfoClaims(UserInfoEndpoint):
    def generate_user_info(self, user, scope):
        return user_claims(user)

    def get_issuer(self):
        return current_app.config["OIDC_ISSUER"]

    def resolve_private_key(self):
        return KeySet([provider().signing_key()])


def save_token(token, request):
    now = idp_store.wall_clock()
    user: Identity = request.user
    db.session.add(
        DevIdpToken(
            token_hash=digest(token["access_token"]),
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
    from devtools.idp_pages import bp  # the pages ask this module for the provider

    app.register_blueprint(bp)
