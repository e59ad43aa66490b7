"""A shared phone or a support-point tablet: after sign-out the provider's own sign-in is
ended too, and the next person is asked to sign in afresh, never taken for the last."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from auth.services import voter_key_for
from tests.conftest import make_app
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.functional.test_oidc_client import signed_in_user_id
from tests.functional.test_oidc_client import start_sign_in
from tests.web import voter_key_signed_in


@pytest.fixture
def app(provider_app):
    return provider_app


def sign_in_as(server, browser, subject: str) -> None:
    callback = sign_in_at_provider(browser, start_sign_in(server, browser), subject=subject)
    assert browser.get(callback, allow_redirects=False).status_code == 302


def sign_out(server, browser):
    home = browser.get(f"{server.url}/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)
    return browser.post(f"{server.url}/logout", data={"csrf_token": token}, allow_redirects=False)


def signed_in_voter_key(app, browser) -> str | None:
    """The voter key of whoever this browser's session cookie signs in."""
    return voter_key_signed_in(signed_in_user_id(app, browser))


def test_sign_out_ends_the_providers_sign_in_and_comes_back_home(live_server, app):
    browser = new_browser()
    sign_in_as(live_server, browser, "resident-a")
    out = sign_out(live_server, browser)
    assert out.status_code == 302
    end = urlsplit(out.headers["Location"])
    assert f"{end.scheme}://{end.netloc}{end.path}" == app.config["OIDC_ISSUER"] + "/logout"
    query = parse_qs(end.query)
    assert query["client_id"] == [app.config["OIDC_CLIENT_ID"]]
    assert query["post_logout_redirect_uri"] == [app.config["PUBLIC_URL"] + "/"]
    back = browser.get(out.headers["Location"], allow_redirects=False)
    assert back.status_code == 302 and back.headers["Location"] == app.config["PUBLIC_URL"] + "/"


def test_the_next_sign_in_on_that_browser_asks_for_a_fresh_login(live_server, app):
    browser = new_browser()
    first = start_sign_in(live_server, browser)
    assert "prompt" not in parse_qs(urlsplit(first).query)
    sign_in_as(live_server, browser, "resident-a")
    sign_out(live_server, browser)
    again = start_sign_in(live_server, browser)
    assert parse_qs(urlsplit(again).query)["prompt"] == ["login"]


def test_the_next_person_on_a_shared_browser_is_themselves(live_server, app):
    browser = new_browser()
    issuer = app.config["OIDC_ISSUER"]
    sign_in_as(live_server, browser, "resident-a")
    assert signed_in_voter_key(app, browser) == voter_key_for(issuer, "resident-a")
    sign_out(live_server, browser)
    assert signed_in_voter_key(app, browser) is None
    sign_in_as(live_server, browser, "resident-b")
    assert signed_in_voter_key(app, browser) == voter_key_for(issuer, "resident-b")


def test_sign_out_still_works_when_the_provider_cannot_be_reached(backend, tmp_path):
    app = make_app(backend, tmp_path, OIDC_ISSUER="http://127.0.0.1:9", DEV_IDP=False,
                   OIDC_TIMEOUT=0.5)
    client = app.test_client()
    response = client.post("/logout")
    assert response.status_code in (302, 400)  # CSRF refuses a tokenless post first
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
