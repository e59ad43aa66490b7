"""The app's side of sign-in (/login, /auth/callback) against the development provider.

Every refusal ends in a 400 page with a clear message, and nobody is signed in or
recorded. Broken ID tokens are produced by patching the provider's token encoding.
"""

import base64
import html
import json
import re
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import pytest
import requests
from joserfc.jwk import KeySet
from joserfc.jwk import RSAKey
from sqlalchemy import func
from sqlalchemy import select

from auth.models import User
from auth.models import UserSession
from core.extensions import db
from devtools import idp as devidp
from devtools import idp_store

SUBJECT = "resident-client-side-subject"
NOT_VERIFIED = "Sign-in could not be verified. Please start again."
REFUSED = "Sign-in was cancelled or refused by the identity provider."


@pytest.fixture
def app(provider_app):
    return provider_app


# --- helpers --------------------------------------------------------------------------


def new_browser() -> requests.Session:
    browser = requests.Session()
    browser.cookies.set("lang", "en")
    return browser


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = query_of(url)
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def start_sign_in(server, browser) -> str:
    """GET /login; returns the provider's authorize URL the app redirected to."""
    response = browser.get(f"{server.url}/login", allow_redirects=False)
    assert response.status_code == 302
    return response.headers["Location"]


def sign_in_at_provider(browser, authorize_url, **fields) -> str:
    """Fill in the provider's form; returns the callback URL it redirects to."""
    page = browser.get(authorize_url)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    action = re.search(r'<form method="post" action="([^"]*/dev-idp/authorize[^"]*)"', page.text)
    data = {"subject": SUBJECT, "district": "11680", "birth_year": "1984"}
    data.update(fields)
    data["csrf_token"] = token.group(1)
    response = browser.post(
        urljoin(authorize_url, html.unescape(action.group(1))),
        data=data,
        allow_redirects=False,
    )
    assert response.status_code == 302
    return response.headers["Location"]


def signed_in_user_id(app, browser) -> str | None:
    cookie = browser.cookies.get("session")
    if cookie is None:
        return None
    return app.session_interface.get_signing_serializer(app).loads(cookie).get("_user_id")


def users() -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(User)).scalar_one()


def assert_refused(response, message: str = NOT_VERIFIED) -> None:
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert message in response.text


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the happy path, for reference ----------------------------------------------------


def test_sign_in_succeeds_and_keeps_the_safe_next_target(live_server, app):
    browser = new_browser()
    response = browser.get(f"{live_server.url}/login?next=/forums/1", allow_redirects=False)
    callback = sign_in_at_provider(browser, response.headers["Location"])
    done = browser.get(callback, allow_redirects=False)
    assert done.status_code == 302
    assert urlsplit(done.headers["Location"]).path == "/forums/1"
    assert signed_in_user_id(app, browser) is not None
    assert users() == 1


# --- where sign-in sends the browser --------------------------------------------------


def signed_in_after(server, browser, query: str):
    """Sign in from /login?QUERY; returns the app's answer to the callback."""
    response = browser.get(f"{server.url}/login?{query}", allow_redirects=False)
    assert response.status_code == 302
    return browser.get(
        sign_in_at_provider(browser, response.headers["Location"]), allow_redirects=False
    )


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example",
        "%09//evil.example",
        "/%0a",
        "/%0d%0a/evil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "/%252F%252Fevil.example",
        "https:evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_returns_to_another_site(live_server, app, target):
    """The same rule as the language switch (tests/functional/test_redirects.py)."""
    browser = new_browser()
    done = signed_in_after(live_server, browser, f"next={target}")
    assert done.status_code == 302
    assert done.headers["Location"] in ("/", f"{live_server.url}/")
    assert signed_in_user_id(app, browser) is not None


def test_sign_in_keeps_a_same_site_target_with_its_query(live_server, app):
    browser = new_browser()
    target = "/forums/1/items/2?tab=comments"
    done = signed_in_after(live_server, browser, urlencode({"next": target}))
    assert done.headers["Location"].removeprefix(live_server.url) == target


def test_redirect_uri_comes_from_configuration_not_the_host_header(live_server, app):
    browser = new_browser()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    response = browser.get(f"{live_server.url}/login", headers=forged, allow_redirects=False)
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    sent = query_of(response.headers["Location"])["redirect_uri"]
    assert sent == f"{live_server.url}/auth/callback"

    app.config["PUBLIC_URL"] = "https://forum.example"
    response = browser.get(f"{live_server.url}/login", headers=forged, allow_redirects=False)
    sent = query_of(response.headers["Location"])["redirect_uri"]
    assert sent == "https://forum.example/auth/callback"


# --- sessions -------------------------------------------------------------------------

SIGN_OUT_FORM = 'action="/logout"'


def signed_in_copy(server, cookie: str) -> bool:
    """Whether another browser presenting this session cookie is signed in."""
    copy = new_browser()
    copy.cookies.set("session", cookie)
    return SIGN_OUT_FORM in copy.get(f"{server.url}/").text


def test_sign_in_issues_a_new_session_and_sign_out_ends_it_everywhere(live_server, app):
    browser = new_browser()
    authorize_url = start_sign_in(live_server, browser)
    before = browser.cookies.get("session")  # the pre-sign-in session (holds the OIDC state)
    assert before
    browser.get(sign_in_at_provider(browser, authorize_url), allow_redirects=False)
    after = browser.cookies.get("session")
    assert after != before
    assert signed_in_user_id(app, browser) != signed_in_user_id(app, new_browser())
    assert not signed_in_copy(live_server, before)
    assert signed_in_copy(live_server, after)

    home = browser.get(f"{live_server.url}/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    out = browser.post(f"{live_server.url}/logout", data={"csrf_token": token})
    assert out.status_code == 200
    assert SIGN_OUT_FORM not in out.text
    # A copy of the signed-in cookie, kept from before sign-out, signs no one in.
    assert not signed_in_copy(live_server, after)
    db.session.expire_all()
    ended = db.session.execute(select(UserSession)).scalar_one()
    assert ended.ended_at is not None


def test_a_second_sign_in_starts_another_session_and_keeps_the_first(live_server, app):
    first, second = new_browser(), new_browser()
    for browser in (first, second):
        authorize_url = start_sign_in(live_server, browser)
        browser.get(sign_in_at_provider(browser, authorize_url), allow_redirects=False)
    assert signed_in_user_id(app, first) != signed_in_user_id(app, second)
    assert signed_in_copy(live_server, first.cookies.get("session"))
    assert signed_in_copy(live_server, second.cookies.get("session"))
    assert users() == 1


def test_a_session_ends_after_its_lifetime(live_server, app):
    browser = new_browser()
    browser.get(sign_in_at_provider(browser, start_sign_in(live_server, browser)))
    cookie = browser.cookies.get("session")
    assert signed_in_copy(live_server, cookie)
    started = db.session.execute(select(UserSession)).scalar_one()
    started.created_at -= timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=1)
    db.session.commit()
    assert not signed_in_copy(live_server, cookie)


def test_a_cookie_naming_a_user_row_id_signs_no_one_in(live_server, app):
    browser = new_browser()
    browser.get(sign_in_at_provider(browser, start_sign_in(live_server, browser)))
    user = db.session.execute(select(User)).scalar_one()
    serializer = app.session_interface.get_signing_serializer(app)
    forged = serializer.dumps({"_user_id": str(user.id), "_fresh": True})
    assert not signed_in_copy(live_server, forged)


# --- replays --------------------------------------------------------------------------


def test_replayed_callback_is_refused_and_signs_nobody_in(live_server, app):
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert browser.get(callback, allow_redirects=False).status_code == 302
    user = db.session.execute(select(User)).scalar_one()
    first_login = user.last_login_at

    # The same browser again: the state was used up.
    assert_refused(browser.get(callback, allow_redirects=False))
    # Someone else with the same callback URL: no state of theirs, no sign-in.
    stranger = new_browser()
    assert_refused(stranger.get(callback, allow_redirects=False))
    assert signed_in_user_id(app, stranger) is None

    assert users() == 1
    assert db.session.execute(select(User)).scalar_one().last_login_at == first_login


def test_callback_without_a_started_sign_in_is_refused(live_server, app):
    browser = new_browser()
    response = browser.get(
        f"{live_server.url}/auth/callback?code=abc&state=never-issued",
        allow_redirects=False,
    )
    assert_refused(response)
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


@pytest.mark.parametrize("code", [None, ""], ids=["absent", "empty"])
def test_callback_with_a_valid_state_and_no_code_is_refused(live_server, app, code):
    browser = new_browser()
    state = query_of(start_sign_in(live_server, browser))["state"]
    query = {"state": state} if code is None else {"state": state, "code": code}
    response = browser.get(
        f"{live_server.url}/auth/callback?{urlencode(query)}", allow_redirects=False
    )
    assert_refused(response)
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


def test_code_from_another_sign_in_attempt_is_refused(live_server, app):
    """State B with the code of attempt A: PKCE binds the code to A's verifier."""
    browser = new_browser()
    first = start_sign_in(live_server, browser)
    second = start_sign_in(live_server, browser)
    callback = sign_in_at_provider(browser, first)
    mixed = with_query(callback, state=query_of(second)["state"])
    assert_refused(browser.get(mixed, allow_redirects=False))
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


# --- forged or unusable ID tokens -----------------------------------------------------


def test_id_token_signed_by_another_key_is_refused(live_server, app, monkeypatch):
    real_kid = devidp.provider().signing_key().kid
    # Same kid, different key: the client must check the signature, not the label.
    impostor = RSAKey.generate_key(2048, parameters={"kid": real_kid, "use": "sig", "alg": "RS256"})
    monkeypatch.setattr(
        devidp.IdToken,
        "resolve_client_private_key",
        lambda self, client: KeySet([impostor]),
    )
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


def test_id_token_with_an_unknown_key_id_is_refused(live_server, app, monkeypatch):
    impostor = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
    monkeypatch.setattr(
        devidp.IdToken,
        "resolve_client_private_key",
        lambda self, client: KeySet([impostor]),
    )
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert users() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda claims: claims.update(district="11110"), id="district"),
        pytest.param(lambda claims: claims.update(sub="someone-else"), id="subject"),
        pytest.param(lambda claims: claims.update(exp=claims["exp"] + 86400), id="expiry"),
    ],
)
def test_id_token_with_a_tampered_payload_is_refused(live_server, app, monkeypatch, tamper):
    original = devidp.IdToken.encode_id_token

    def tampered(self, token, request):
        header, payload, signature = original(self, token, request).split(".")
        claims = json.loads(_unb64(payload))
        tamper(claims)
        payload = _b64(json.dumps(claims).encode())
        return ".".join((header, payload, signature))

    monkeypatch.setattr(devidp.IdToken, "encode_id_token", tampered)
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


def test_unsigned_id_token_is_refused(live_server, app, monkeypatch):
    original = devidp.IdToken.encode_id_token

    def unsigned(self, token, request):
        _, payload, _ = original(self, token, request).split(".")
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{payload}."

    monkeypatch.setattr(devidp.IdToken, "encode_id_token", unsigned)
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert users() == 0


def test_expired_id_token_is_refused(live_server, app, monkeypatch):
    browser = new_browser()
    authorize_url = start_sign_in(live_server, browser)
    # The provider's clock runs an hour behind: its tokens expired 50 minutes ago.
    monkeypatch.setattr(idp_store, "wall_clock", lambda: datetime.now(UTC) - timedelta(hours=1))
    callback = sign_in_at_provider(browser, authorize_url)
    assert_refused(browser.get(callback, allow_redirects=False))
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


def test_id_token_from_another_issuer_is_refused(live_server, app, monkeypatch):
    original = devidp.IdToken.get_client_claims

    def other_issuer(self, client):
        return {**original(self, client), "iss": "http://127.0.0.1:1/elsewhere"}

    monkeypatch.setattr(devidp.IdToken, "get_client_claims", other_issuer)
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert users() == 0


def test_id_token_for_another_client_is_refused(live_server, app, monkeypatch):
    original = devidp.IdToken.get_client_claims

    def other_audience(self, client):
        return {**original(self, client), "aud": "another-app"}

    monkeypatch.setattr(devidp.IdToken, "get_client_claims", other_audience)
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert users() == 0


def test_wrong_nonce_is_refused(live_server, app):
    browser = new_browser()
    authorize_url = start_sign_in(live_server, browser)
    # The provider faithfully returns the nonce it was given, which is not ours.
    tampered = with_query(authorize_url, nonce="a-nonce-the-app-never-made")
    callback = sign_in_at_provider(browser, tampered)
    assert_refused(browser.get(callback, allow_redirects=False))
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


# --- errors reported by the provider --------------------------------------------------


def test_provider_error_parameter_is_refused(live_server, app):
    browser = new_browser()
    state = query_of(start_sign_in(live_server, browser))["state"]
    response = browser.get(
        f"{live_server.url}/auth/callback?error=access_denied&state={state}",
        allow_redirects=False,
    )
    assert_refused(response, REFUSED)
    assert signed_in_user_id(app, browser) is None
    assert users() == 0


def test_cancel_at_the_provider_comes_back_refused(live_server, app):
    browser = new_browser()
    authorize_url = start_sign_in(live_server, browser)
    page = browser.get(authorize_url)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = browser.post(
        authorize_url, data={"csrf_token": token, "cancel": "1"}, allow_redirects=False
    )
    callback = response.headers["Location"]
    assert query_of(callback)["error"] == "access_denied"
    assert_refused(browser.get(callback, allow_redirects=False), REFUSED)
    assert users() == 0


def test_id_token_for_another_audience_naming_us_as_azp_is_refused(live_server, app, monkeypatch):
    """OIDC Core 3.1.3.7: aud MUST contain our client_id; azp is not enough."""
    original = devidp.IdToken.get_client_claims

    def other_audience(self, client):
        claims = original(self, client)
        return {**claims, "aud": ["another-app"], "azp": client.get_client_id()}

    monkeypatch.setattr(devidp.IdToken, "get_client_claims", other_audience)
    browser = new_browser()
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert_refused(browser.get(callback, allow_redirects=False))
    assert users() == 0
