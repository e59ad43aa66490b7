"""The development identity provider: discovery, keys, the code flow, refusals."""

import base64
import hashlib
import html
import os
import re
import secrets
import threading
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from auth.services import load_user
from auth.services import voter_key_for
from core import create_app
from core.config import ConfigError
from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.extensions import db
from devtools import idp as devidp
from devtools import idp_store
from tests.conftest import make_app

SUBJECT = "resident-7f3a9c-subject"


@pytest.fixture
def key_path(tmp_path):
    return str(tmp_path / "keys" / "dev-idp-key.pem")


@pytest.fixture
def app(backend, tmp_path, key_path):
    app = make_app(backend, tmp_path, DEV_IDP_KEY_PATH=key_path)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


# --- helpers --------------------------------------------------------------------------


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


# --- discovery and keys ---------------------------------------------------------------


def test_discovery_document_is_built_from_the_configured_issuer(client, app):
    response = client.get("/dev-idp/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.get_json()
    issuer = app.config["OIDC_ISSUER"]
    # The test client talks to "localhost"; every address still comes from the issuer.
    assert issuer.startswith("http://127.0.0.1:")
    assert document["issuer"] == issuer
    assert document["authorization_endpoint"] == issuer + "/authorize"
    assert document["token_endpoint"] == issuer + "/token"
    assert document["jwks_uri"] == issuer + "/jwks"
    assert document["userinfo_endpoint"] == issuer + "/userinfo"
    assert document["response_types_supported"] == ["code"]
    assert document["subject_types_supported"] == ["public"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert set(document["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert "openid" in document["scopes_supported"]
    assert {"sub", "district", "birth_year", "nonce"} <= set(document["claims_supported"])


def test_jwks_publishes_only_the_public_rs256_key(client, key_path):
    assert not os.path.exists(key_path)
    response = client.get("/dev-idp/jwks")
    assert response.status_code == 200
    (key,) = response.get_json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
    assert key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)
    modulus = base64.urlsafe_b64decode(key["n"] + "=" * (-len(key["n"]) % 4))
    assert len(modulus) * 8 == 2048
    # Created on first use, readable by its owner only.
    assert os.stat(key_path).st_mode & 0o777 == 0o600


def test_signing_key_is_created_once_and_shared(backend, tmp_path, key_path):
    results = []

    def load():
        results.append(idp_store.load_or_create_key(key_path).as_pem(private=True))

    threads = [threading.Thread(target=load) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(set(results)) == 1
    directory = os.path.dirname(key_path)
    assert os.listdir(directory) == [os.path.basename(key_path)]

    # A second app (another worker) with the same path signs with the same key.
    other = make_app(backend, tmp_path, DEV_IDP_KEY_PATH=key_path)
    kids = set()
    for each in (other, make_app(backend, tmp_path, DEV_IDP_KEY_PATH=key_path)):
        client = each.test_client()
        kids.add(client.get("/dev-idp/jwks").get_json()["keys"][0]["kid"])
    assert len(kids) == 1


def test_key_defaults_to_the_instance_folder():
    app = Flask(__name__, instance_path="/srv/instance")
    app.config.update(APP_ENV="testing", OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s")
    provider = devidp.Provider(app)
    assert provider.key_path == "/srv/instance/dev-idp-key.pem"


# --- the authorize page ---------------------------------------------------------------


def test_authorize_page_shows_the_development_sign_in_form(client, app):
    _, challenge = pkce_pair()
    response = client.get("/dev-idp/authorize?" + urlencode(authorize_params(app, challenge)))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Development sign-in" in page
    assert 'name="csrf_token"' in page
    assert 'name="subject"' in page and 'name="birth_year"' in page
    options = re.findall(r'<option[^>]*value="(\d+)"', page)
    assert options == list(SEOUL_DISTRICTS)
    assert re.search(rf'<option selected value="{DEMO_DISTRICT}">영등포구', page)
    assert 'name="viewport"' in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"subject": ""}, "Enter an identifier."),
        ({"subject": "   "}, "Enter an identifier."),
        ({"subject": "x" * 201}, "Use at most 200 characters."),
        ({"birth_year": ""}, "Enter a birth year"),
        ({"birth_year": "nineteen"}, "Enter a birth year"),
        ({"birth_year": "1899"}, "between 1900 and"),
        ({"birth_year": str(datetime.now(UTC).year + 2)}, "between 1900 and"),
        ({"district": "26110"}, "Choose a district."),
    ],
)
def test_invalid_form_is_shown_again_with_a_message(client, app, fields, message):
    _, challenge = pkce_pair()
    response = submit_sign_in(client, authorize_params(app, challenge), **fields)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert message in response.get_data(as_text=True)
    assert db.session.execute(select(devidp.DevIdpCode)).first() is None


def test_subject_of_200_characters_and_edge_years_are_accepted(client, app):
    code, verifier, _ = obtain_code(client, app, subject="s" * 200, birth_year="1900")
    token = exchange(client, app, code, verifier).get_json()
    claims = jwt.decode(token["id_token"], KeySet.import_key_set(jwks(client))).claims
    assert claims["sub"] == "s" * 200 and claims["birth_year"] == 1900


def test_form_without_csrf_token_is_refused(client, app):
    _, challenge = pkce_pair()
    url = "/dev-idp/authorize?" + urlencode(authorize_params(app, challenge))
    client.get(url)
    response = client.post(
        url, data={"subject": SUBJECT, "district": "11680", "birth_year": "1984"}
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_cancel_reports_access_denied_to_the_client(client, app):
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge)
    url = "/dev-idp/authorize?" + urlencode(params)
    token = csrf_token(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "cancel": "1"})
    assert response.status_code == 302
    returned = query_of(response.headers["Location"])
    assert response.headers["Location"].startswith(callback_uri(app) + "?")
    assert returned["error"] == "access_denied" and returned["state"] == params["state"]
    assert "code" not in returned


# --- refused authorization requests ---------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.example/auth/callback",
        "http://127.0.0.1.evil.example/auth/callback",
        "http://127.0.0.1:5000/auth/callback/more",
        "http://127.0.0.1:5000/other",
        "http://127.0.0.1:5000/auth/callback?next=http://evil.example",
        "http://127.0.0.1:5000/auth/callback#fragment",
        "http://evil.example@127.0.0.1:5000/auth/callback",
        "http://127.0.0.1:5000\\@evil.example/auth/callback",
        "ftp://127.0.0.1/auth/callback",
        "javascript:alert(1)//127.0.0.1/auth/callback",
        "/auth/callback",
        "",
        None,
    ],
)
def test_bad_redirect_uri_gets_an_error_page_never_a_redirect(client, app, redirect_uri):
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge, redirect_uri=redirect_uri)
    response = client.get("/dev-idp/authorize?" + urlencode(params))
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "return address that is not allowed" in response.get_data(as_text=True)


def test_unknown_client_gets_an_error_page_never_a_redirect(client, app):
    _, challenge = pkce_pair()
    for client_id in ("someone-else", None):
        params = authorize_params(app, challenge, client_id=client_id)
        response = client.get("/dev-idp/authorize?" + urlencode(params))
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert "unknown application" in response.get_data(as_text=True)


def test_duplicated_redirect_uri_is_refused_without_a_redirect(client, app):
    _, challenge = pkce_pair()
    query = urlencode(authorize_params(app, challenge))
    query += "&" + urlencode({"redirect_uri": "http://localhost:1/auth/callback"})
    response = client.get("/dev-idp/authorize?" + query)
    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": "openid email"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_invalid_request_is_reported_back_to_the_client(client, app, overrides, error):
    _, challenge = pkce_pair()
    params = authorize_params(app, challenge, **overrides)
    response = client.get("/dev-idp/authorize?" + urlencode(params))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(callback_uri(app) + "?")
    returned = query_of(response.headers["Location"])
    assert returned["error"] == error and returned["state"] == params["state"]


def test_reused_nonce_is_refused(client, app):
    _, _, params = obtain_code(client, app)
    _, challenge = pkce_pair()
    again = authorize_params(app, challenge, nonce=params["nonce"])
    response = client.get("/dev-idp/authorize?" + urlencode(again))
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


# --- the token endpoint ---------------------------------------------------------------


def jwks(client) -> dict:
    return client.get("/dev-idp/jwks").get_json()


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
    response = client.post(
        "/dev-idp/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_uri(app),
            "code_verifier": verifier,
            "client_id": app.config["OIDC_CLIENT_ID"],
            "client_secret": app.config["OIDC_CLIENT_SECRET"],
        },
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
    posted = client.post(
        "/dev-idp/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_uri(app),
            "code_verifier": verifier,
            "client_id": app.config["OIDC_CLIENT_ID"],
            "client_secret": "not-the-secret",
        },
    )
    assert posted.status_code in (400, 401)
    assert posted.get_json()["error"] == "invalid_client"
    unauthenticated = client.post(
        "/dev-idp/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": callback_uri(app),
            "code_verifier": verifier,
            "client_id": app.config["OIDC_CLIENT_ID"],
        },
    )
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
