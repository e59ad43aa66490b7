"""The development identity provider: discovery, keys, the sign-in page and the
authorization requests it refuses."""

import base64
import os
import re
import threading
from datetime import datetime
from datetime import UTC
from urllib.parse import urlencode

import pytest
from flask import Flask
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from core.districts import DEMO_DISTRICT
from core.districts import SEOUL_DISTRICTS
from core.extensions import db
from devtools import idp as devidp
from devtools import idp_store
from tests.conftest import make_app
from tests.functional.devidp.flow import authorize_params
from tests.functional.devidp.flow import callback_uri
from tests.functional.devidp.flow import csrf_token
from tests.functional.devidp.flow import exchange
from tests.functional.devidp.flow import jwks
from tests.functional.devidp.flow import obtain_code
from tests.functional.devidp.flow import pkce_pair
from tests.functional.devidp.flow import query_of
from tests.functional.devidp.flow import refused_page
from tests.functional.devidp.flow import SUBJECT
from tests.functional.devidp.flow import submit_sign_in

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
    assert "return address that is not allowed" in refused_page(client, urlencode(params))


def test_unknown_client_gets_an_error_page_never_a_redirect(client, app):
    _, challenge = pkce_pair()
    for client_id in ("someone-else", None):
        params = authorize_params(app, challenge, client_id=client_id)
        assert "unknown application" in refused_page(client, urlencode(params))


def test_duplicated_redirect_uri_is_refused_without_a_redirect(client, app):
    _, challenge = pkce_pair()
    query = urlencode(authorize_params(app, challenge))
    query += "&" + urlencode({"redirect_uri": "http://localhost:1/auth/callback"})
    refused_page(client, query)


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
