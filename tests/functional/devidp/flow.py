"""Steps of the code flow against the development identity provider, shared by its tests."""

import base64
import hashlib
import html
import re
import secrets
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit

from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from core.extensions import db
from devtools import idp_store

SUBJECT = "resident-7f3a9c-subject"


def callback_uri(app) -> str:
    return f"http://127.0.0.1:{app.config['SERVER_PORT']}/auth/callback"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(app, challenge: str, **overrides) -> dict:
    params = {
        "response_type": "code",
        "client_id": app.config["OIDC_CLIENT_ID"],
        "redirect_uri": callback_uri(app),
        "scope": "openid profile",
        "state": "state-" + secrets.token_hex(8),
        "nonce": "nonce-" + secrets.token_hex(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def form_action(page: str, base: str) -> str:
    action = re.search(r'<form method="post" action="([^"]*/dev-idp/authorize[^"]*)"', page)
    return urljoin(base, html.unescape(action.group(1)))


def submit_sign_in(client, params, **fields):
    url = "/dev-idp/authorize?" + urlencode(params)
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "subject": SUBJECT,
        "district": "11680",
        "birth_year": "1984",
    }
    data.update(fields)
    return client.post(url, data=data)


def query_of(location: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def obtain_code(client, app, **fields) -> tuple[str, str, dict]:
    verifier, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    response = submit_sign_in(client, params, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].startswith(callback_uri(app) + "?")
    returned = query_of(response.headers["Location"])
    assert returned["state"] == params["state"]
    return returned["code"], verifier, params


def exchange(client, app, code, verifier=None, secret=None, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback_uri(app),
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    data.update(extra)
    auth = (app.config["OIDC_CLIENT_ID"], secret or app.config["OIDC_CLIENT_SECRET"])
    return client.post("/dev-idp/token", data=data, auth=auth)


def shift_clock(monkeypatch, delta: timedelta) -> None:
    """Move the provider's protocol clock (the real clock it stamps codes and tokens with)."""
    monkeypatch.setattr(idp_store, "wall_clock", lambda: datetime.now(UTC) + delta)


def users() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def jwks(client) -> dict:
    return client.get("/dev-idp/jwks").get_json()


def post_in_body(client, app, code, verifier, **credentials):
    """The token request with the client's credentials in the form (client_secret_post),
    or with only its id."""
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback_uri(app),
        "code_verifier": verifier,
        "client_id": app.config["OIDC_CLIENT_ID"],
    }
    return client.post("/dev-idp/token", data={**data, **credentials})


def refused_page(client, query: str) -> str:
    """The authorize page's answer to a request it refuses: an error page, never a
    redirect to an address it did not check."""
    response = client.get("/dev-idp/authorize?" + query)
    assert response.status_code == 400
    assert "Location" not in response.headers
    return response.get_data(as_text=True)
