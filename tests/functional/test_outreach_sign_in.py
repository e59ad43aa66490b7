"""The outreach tag survives the sign-in's OIDC round trip, which otherwise starts a
fresh session, and goes with the sign-out."""

import pytest

from tests import factories
from tests.functional.test_oidc_client import new_browser
from tests.functional.test_oidc_client import sign_in_at_provider
from tests.functional.test_oidc_client import start_sign_in
from tests.web import csrf_token
from voting.outreach import services


@pytest.fixture
def app(provider_app):
    return provider_app


def session_of(app, browser) -> dict:
    cookie = browser.cookies.get("session")
    return app.session_interface.get_signing_serializer(app).loads(cookie) if cookie else {}


def test_the_tag_survives_sign_in_and_leaves_with_sign_out(live_server, app):
    forum = factories.forum(code="11680")
    staff = factories.staff("team", "district_team", "11680")
    link = services.create_link(staff, forum.id, "역삼1동 주민센터", "dong_office")
    browser = new_browser()
    arrived = browser.get(f"{live_server.url}/o/{link.code}", allow_redirects=False)
    assert arrived.status_code == 302
    assert session_of(app, browser)["outreach"] == link.code
    callback = sign_in_at_provider(browser, start_sign_in(live_server, browser))
    assert browser.get(callback, allow_redirects=False).status_code == 302
    signed_in = session_of(app, browser)
    assert signed_in.get("_user_id") and signed_in["outreach"] == link.code
    page = browser.get(f"{live_server.url}/forums/{forum.id}")
    browser.post(f"{live_server.url}/logout", data={"csrf_token": csrf_token(page.text)})
    assert "outreach" not in session_of(app, browser)
