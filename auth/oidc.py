"""The OpenID Connect client: authorization code flow with PKCE, state and nonce.

Any standard provider works by configuration (OIDC_ISSUER, OIDC_CLIENT_ID,
OIDC_CLIENT_SECRET); the development provider is just one such issuer.
"""

from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask import Flask
from requests import RequestException

from auth import claims as read_claims

EXTENSION = "oidc_client"


def init_app(app: Flask) -> None:
    # One OAuth registry per app, so apps with different issuers never share a client.
    oauth = OAuth(app)
    issuer = app.config["OIDC_ISSUER"]
    oauth.register(
        "idp",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile",
            "code_challenge_method": "S256",
            # Every call to the provider (metadata, keys, token, userinfo) gives up after
            # OIDC_TIMEOUT seconds, so a provider that never answers holds no server thread.
            "default_timeout": app.config["OIDC_TIMEOUT"],
        },
    )
    app.extensions[EXTENSION] = oauth.create_client("idp")


def client():
    return current_app.extensions[EXTENSION]


def verified_claims(token: dict) -> dict:
    """The ID token's claims, completed from the userinfo endpoint when the district or
    birth year is missing from it (many providers send profile claims only there)."""
    claims = dict(token.get("userinfo") or {})
    config = current_app.config
    wanted = (config["OIDC_DISTRICT_CLAIM"], config["OIDC_BIRTH_YEAR_CLAIM"])
    if all(name in claims for name in wanted) or not token.get("access_token"):
        return claims
    if not client().load_server_metadata().get("userinfo_endpoint"):
        return claims
    return read_claims.merged(claims, client().userinfo(token=token))


def end_session_url() -> str | None:
    """Where to send the browser so the provider ends its own sign-in too (OpenID Connect
    RP-Initiated Logout), returning to our home page; None when the provider offers no
    such endpoint or cannot be reached (the app's own sign-out has happened anyway)."""
    try:
        endpoint = client().load_server_metadata().get("end_session_endpoint")
    except RequestException as error:
        current_app.logger.warning("provider unreachable at sign-out: %s", error)
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": current_app.config["OIDC_CLIENT_ID"],
            "post_logout_redirect_uri": current_app.config["PUBLIC_URL"] + "/",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
