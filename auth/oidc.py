"""The OpenID Connect client: authorization code flow with PKCE, state and nonce.

Any standard provider works by configuration (OIDC_ISSUER, OIDC_CLIENT_ID,
OIDC_CLIENT_SECRET); the development provider is just one such issuer.
"""

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask import Flask

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
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"},
    )
    app.extensions[EXTENSION] = oauth.create_client("idp")


def client():
    return current_app.extensions[EXTENSION]
