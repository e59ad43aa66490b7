"""The OpenID Connect client: authorization code flow with PKCE, state and nonce.

Any standard provider works by configuration (``OIDC_PROVIDERS``, or the single-provider
``OIDC_ISSUER``, ``OIDC_CLIENT_ID``, ``OIDC_CLIENT_SECRET``); the development provider
is just one such issuer.
"""

from urllib.parse import urlencode

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask import Flask
from joserfc.errors import UnsupportedAlgorithmError
from requests import RequestException

from auth import claims as read_claims
from core.providers import configured
from core.providers import Provider

EXTENSION = "oidc_clients"


def init_app(app: Flask) -> None:
    # One OAuth registry per app, so apps with different issuers never share a client.
    oauth = OAuth(app)
    clients = {}
    for provider in configured(app.config):
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.discovery_url,
            client_kwargs={
                "scope": provider.scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": provider.token_endpoint_auth_method,
                # Every call to the provider (metadata, keys, token, userinfo) gives up
                # after OIDC_TIMEOUT seconds, so a silent provider holds no server thread.
                "default_timeout": app.config["OIDC_TIMEOUT"],
            },
        )
        made = oauth.create_client(provider.name)
        made.parse_id_token = _rereading_on_new_algorithm(made)
        clients[provider.name] = (provider, made)
    app.extensions[EXTENSION] = clients


def _rereading_on_new_algorithm(made):
    """The client's ID-token check, which reads the provider's metadata and keys again
    once when a token is signed with an algorithm the cached metadata does not list (the
    provider changed it while the app runs). An unknown key id alone already makes the
    client fetch the keys again."""
    parse = made.parse_id_token

    def parse_id_token(token, nonce, **options):
        try:
            return parse(token, nonce, **options)
        except UnsupportedAlgorithmError:
            made.server_metadata.pop("_loaded_at", None)
            made.server_metadata.pop("jwks", None)
            return parse(token, nonce, **options)

    return parse_id_token


def providers() -> list[Provider]:
    return [provider for provider, _ in current_app.extensions[EXTENSION].values()]


def provider(name: str | None) -> Provider | None:
    """The configured provider of this name; the only one when the name is None."""
    clients = current_app.extensions[EXTENSION]
    if name is None and len(clients) == 1:
        return next(iter(clients.values()))[0]
    found = clients.get(name) if isinstance(name, str) else None
    return found[0] if found else None


def client(name: str | None = None):
    chosen = provider(name)
    return current_app.extensions[EXTENSION][chosen.name][1]


def verified_claims(chosen: Provider, token: dict) -> dict:
    """The ID token's claims, completed from the userinfo endpoint when the person,
    district or birth year claim is missing from it (many providers send profile
    claims only there)."""
    claims = dict(token.get("userinfo") or {})
    wanted = [chosen.district_claim, chosen.birth_year_claim]
    if chosen.person_claim:
        wanted.append(chosen.person_claim)
    if all(name in claims for name in wanted) or not token.get("access_token"):
        return claims
    oauth = client(chosen.name)
    if not oauth.load_server_metadata().get("userinfo_endpoint"):
        return claims
    return read_claims.merged(claims, oauth.userinfo(token=token))


def end_session_url(name: str | None) -> str | None:
    """Where to send the browser so the provider ends its own sign-in too (OpenID Connect
    RP-Initiated Logout), returning to our home page; None when the provider offers no
    such endpoint or cannot be reached (the app's own sign-out has happened anyway)."""
    chosen = provider(name)
    if chosen is None:
        return None
    try:
        endpoint = client(chosen.name).load_server_metadata().get("end_session_endpoint")
    except RequestException as error:
        current_app.logger.warning("provider unreachable at sign-out: %s", error)
        return None
    if not endpoint:
        return None
    query = urlencode(
        {
            "client_id": chosen.client_id,
            "post_logout_redirect_uri": current_app.config["PUBLIC_URL"] + "/",
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
