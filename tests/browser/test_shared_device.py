"""A support-point tablet: one resident signs out, the next signs in and is themselves."""

import re

from playwright.sync_api import expect

from auth.services import voter_key_for
from tests.web import voter_key_signed_in


def _voter_key_of(app, page) -> str | None:
    """Whose session this page's browser holds, read from its session cookie."""
    cookie = next((c for c in page.context.cookies() if c["name"] == "session"), None)
    if cookie is None:
        return None
    session = app.session_interface.get_signing_serializer(app).loads(cookie["value"])
    return voter_key_signed_in(session.get("_user_id"))


def test_the_next_resident_on_a_shared_tablet_signs_in_as_themselves(
    app, live_server, demo, page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    issuer = app.config["OIDC_ISSUER"]
    page.goto(f"{base}/forums/{demo.current}/ballot")
    sign_in(page, "tablet-resident-a")
    expect(page.locator("#ballot-form")).to_be_visible()
    assert _voter_key_of(app, page) == voter_key_for(issuer, "tablet-resident-a")

    page.locator('form[action="/logout"] button').click()
    expect(page).to_have_url(re.compile(re.escape(base) + "/$"))
    assert _voter_key_of(app, page) is None
    expect(page.locator(".flash-success")).to_contain_text("로그아웃했습니다")
    fits_phone(page)
    screenshot(page, "signed_out.png")

    # The next resident starts again: the provider is asked for a fresh sign-in.
    page.goto(f"{base}/forums/{demo.current}/ballot")
    expect(page).to_have_url(re.compile(r"/dev-idp/authorize\?.*prompt=login"))
    sign_in(page, "tablet-resident-b")
    expect(page.locator("#ballot-form")).to_be_visible()
    assert _voter_key_of(app, page) == voter_key_for(issuer, "tablet-resident-b")
