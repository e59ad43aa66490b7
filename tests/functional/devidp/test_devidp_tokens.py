"""The development identity provider: the token endpoint, the whole code flow as a
browser sees it, and never in production."""

import hashlib
import re
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from auth.models import User
from auth.services import load_user
from auth.services import voter_key_for
from core import create_app
from core.config import ConfigError
from core.districts import DEMO_DISTRICT
from core.extensions import db
from devtools import idp as devidp
from devtools import idp_store
from tests.functional.devidp.flow import csrf_token
from tests.functional.devidp.flow import exchange
from tests.functional.devidp.flow import form_action
from tests.functional.devidp.flow import jwks
from tests.functional.devidp.flow import obtain_code
from tests.functional.devidp.flow import pkce_pair
from tests.functional.devidp.flow import post_in_body
from tests.functional.devidp.flow import query_of
from tests.functional.devidp.flow import shift_clock
from tests.functional.devidp.flow import SUBJECT
from tests.functional.devidp.flow import users

# --- the token endpoint ---------------------------------------------------------------


def test_code_exchange_issues_a_signed_id_token_with_the_typed_claims(client, app):
    code, verifier, params = obtain_code(client, app)
    response = exchange(client, app, code, verifier)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = response.get_json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 600
    assert "refresh_token" not in token

    key_set = KeySet.import_key_set(jwks(client))
    decoded = jwt.decode(token["id_token"], key_set)
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["kid"] == jwks(client)["keys"][0]["kid"]
    claims = decoded.claims
    assert claims["iss"] == app.config["OIDC_ISSUER"]
    assert claims["aud"] == app.config["OIDC_CLIENT_ID"]
    assert claims["sub"] == SUBJECT
    assert claims["district"] == "11680" and claims["birth_year"] == 1984
    assert claims["nonce"] == params["nonce"]
    assert claims["exp"] - claims["iat"] == 600
    assert abs(claims["auth_time"] - claims["iat"]) <= 5
    assert abs(claims["iat"] - datetime.now(UTC).timestamp()) <= 5
    assert claims["at_hash"]

    info = client.get(
        "/dev-idp/userinfo",
        headers={"Authorization": "Bearer " + token["access_token"]},
    )
    assert info.status_code == 200
    assert info.get_json() == {"sub": SUBJECT, "district": "11680", "birth_year": 1984}


def test_client_secret_post_is_accepted(client, app):
    code, verifier, _ = obtain_code(client, app)
    response = post_in_body(
        client, app, code, verifier, client_secret=app.config["OIDC_CLIENT_SECRET"]
    )
    assert response.status_code == 200 and "id_token" in response.get_json()


def test_codes_and_tokens_are_stored_only_as_digests(client, app):
    code, verifier, _ = obtain_code(client, app)
    access_token = exchange(client, app, code, verifier).get_json()["access_token"]
    stored_code = db.session.execute(select(devidp.DevIdpCode)).scalar_one()
    stored_token = db.session.execute(select(devidp.DevIdpToken)).scalar_one()
    assert stored_code.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert stored_token.token_hash == hashlib.sha256(access_token.encode()).hexdigest()
    for row in (stored_code, stored_token):
        values = [str(getattr(row, c.key)) for c in row.__table__.columns]
        assert code not in values and access_token not in values


def test_replayed_code_is_refused_and_revokes_its_tokens(client, app):
    code, verifier, _ = obtain_code(client, app)
    first = exchange(client, app, code, verifier)
    assert first.status_code == 200
    bearer = {"Authorization": "Bearer " + first.get_json()["access_token"]}
    assert client.get("/dev-idp/userinfo", headers=bearer).status_code == 200

    replay = exchange(client, app, code, verifier)
    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"
    assert client.get("/dev-idp/userinfo", headers=bearer).status_code == 401


def test_code_expires_after_five_minutes(client, app, monkeypatch):
    code, verifier, _ = obtain_code(client, app)
    shift_clock(monkeypatch, timedelta(minutes=5, seconds=1))
    response = exchange(client, app, code, verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_code_is_still_good_just_before_five_minutes(client, app, monkeypatch):
    code, verifier, _ = obtain_code(client, app)
    shift_clock(monkeypatch, timedelta(minutes=4, seconds=50))
    assert exchange(client, app, code, verifier).status_code == 200


def test_access_token_expires_after_ten_minutes(client, app, monkeypatch):
    code, verifier, _ = obtain_code(client, app)
    token = exchange(client, app, code, verifier).get_json()["access_token"]
    bearer = {"Authorization": "Bearer " + token}
    shift_clock(monkeypatch, timedelta(minutes=9, seconds=50))
    assert client.get("/dev-idp/userinfo", headers=bearer).status_code == 200
    shift_clock(monkeypatch, timedelta(minutes=10))
    assert client.get("/dev-idp/userinfo", headers=bearer).status_code == 401


def test_token_request_without_code_verifier_is_refused(client, app):
    code, _, _ = obtain_code(client, app)
    response = exchange(client, app, code)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert "id_token" not in response.get_json()


def test_token_request_with_wrong_code_verifier_is_refused(client, app):
    code, _, _ = obtain_code(client, app)
    other_verifier, _ = pkce_pair()
    response = exchange(client, app, code, other_verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused_and_leaves_the_code_usable(client, app):
    code, verifier, _ = obtain_code(client, app)
    basic = exchange(client, app, code, verifier, secret="not-the-secret")
    assert basic.status_code == 401
    assert basic.get_json()["error"] == "invalid_client"
    posted = post_in_body(client, app, code, verifier, client_secret="not-the-secret")
    assert posted.status_code in (400, 401)
    assert posted.get_json()["error"] == "invalid_client"
    unauthenticated = post_in_body(client, app, code, verifier)
    assert unauthenticated.status_code in (400, 401)
    assert unauthenticated.get_json()["error"] == "invalid_client"
    assert exchange(client, app, code, verifier).status_code == 200


def test_token_request_with_another_redirect_uri_is_refused(client, app):
    code, verifier, _ = obtain_code(client, app)
    response = exchange(
        client, app, code, verifier, redirect_uri="http://localhost:1/auth/callback"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_unknown_code_is_refused(client, app):
    verifier, _ = pkce_pair()
    response = exchange(client, app, "no-such-code", verifier)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_userinfo_requires_a_valid_bearer_token(client):
    assert client.get("/dev-idp/userinfo").status_code == 401
    bad = client.get("/dev-idp/userinfo", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


# --- the whole flow, as a browser sees it ---------------------------------------------


def session_user_id(app, browser: requests.Session) -> str | None:
    cookie = browser.cookies.get("session")
    if cookie is None:
        return None
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    return data.get("_user_id")


def test_full_code_flow_over_http_signs_the_resident_in(live_server, app):
    browser = requests.Session()
    browser.cookies.set("lang", "en")

    start = browser.get(f"{live_server.url}/login", allow_redirects=False)
    assert start.status_code == 302
    authorize_url = start.headers["Location"]
    assert authorize_url.startswith(app.config["OIDC_ISSUER"] + "/authorize?")
    request_params = query_of(authorize_url)
    assert request_params["response_type"] == "code"
    assert request_params["client_id"] == app.config["OIDC_CLIENT_ID"]
    assert request_params["redirect_uri"] == f"{live_server.url}/auth/callback"
    assert request_params["code_challenge_method"] == "S256"
    assert request_params["code_challenge"] and request_params["nonce"]
    assert "openid" in request_params["scope"].split()

    page = browser.get(authorize_url)
    assert page.status_code == 200
    assert "Development sign-in" in page.text
    granted = browser.post(
        form_action(page.text, authorize_url),
        data={
            "csrf_token": csrf_token(page.text),
            "subject": SUBJECT,
            "district": "11680",
            "birth_year": "1984",
        },
        allow_redirects=False,
    )
    assert granted.status_code == 302
    callback = granted.headers["Location"]
    assert callback.startswith(f"{live_server.url}/auth/callback?")
    assert query_of(callback)["state"] == request_params["state"]
    assert query_of(callback)["code"]

    done = browser.get(callback, allow_redirects=False)
    assert done.status_code == 302, done.text
    assert urlsplit(done.headers["Location"]).path == "/"

    user = db.session.execute(select(User)).scalar_one()
    assert load_user(session_user_id(app, browser)).id == user.id
    assert user.district_code == "11680"
    assert user.birth_year == 1984
    assert re.fullmatch(r"[0-9a-f]{64}", user.voter_key)
    assert user.voter_key == voter_key_for(app.config["OIDC_ISSUER"], SUBJECT)
    for column in User.__table__.columns:
        assert SUBJECT not in str(getattr(user, column.key))

    # The same identifier, in another browser, signs in as the same resident.
    browser = requests.Session()
    again = browser.get(f"{live_server.url}/login", allow_redirects=False)
    page = browser.get(again.headers["Location"])
    granted = browser.post(
        form_action(page.text, again.headers["Location"]),
        data={
            "csrf_token": csrf_token(page.text),
            "subject": SUBJECT,
            "district": DEMO_DISTRICT,
            "birth_year": "1984",
        },
        allow_redirects=False,
    )
    done = browser.get(granted.headers["Location"], allow_redirects=False)
    assert done.status_code == 302
    assert users() == 1
    db.session.expire_all()
    assert db.session.execute(select(User)).scalar_one().district_code == DEMO_DISTRICT


# --- never in production --------------------------------------------------------------


def test_production_refuses_the_development_provider(tmp_path):
    with pytest.raises(ConfigError, match="DEV_IDP"):
        create_app(
            {
                "APP_ENV": "production",
                "DEV_IDP": True,
                "SECRET_KEY": "a-real-secret",
                "VOTER_KEY_PEPPER": "a-real-pepper",
                "OIDC_ISSUER": "https://id.example",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
            }
        )


def test_init_app_refuses_production_on_its_own():
    app = Flask(__name__)
    app.config.update(APP_ENV="production", OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s")
    with pytest.raises(RuntimeError):
        devidp.init_app(app)
    assert devidp.EXTENSION not in app.extensions


@pytest.mark.parametrize(
    "uri, allowed",
    [
        ("http://127.0.0.1:5000/auth/callback", True),
        ("http://localhost/auth/callback", True),
        ("https://localhost:8443/auth/callback", True),
        ("https://forum.example:8443/auth/callback", True),
        ("https://other.example/auth/callback", False),
        ("http://127.0.0.1:notaport/auth/callback", False),
        ("http://127.0.0.1:5000/auth/callback ", False),
        ("http://127.0.0.1:5000/AUTH/callback", False),
        ("http://127.0.0.1:5000/auth/callback/", False),
    ],
)
def test_redirect_uri_rule(uri, allowed):
    assert idp_store.redirect_uri_allowed(uri, "forum.example") is allowed
