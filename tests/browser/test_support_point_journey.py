"""At a support point (주민센터): the resident verifies on the staff's tablet, the staff
member enters their ballot with them, and the next resident starts afresh."""

import re

from playwright.sync_api import expect

from devtools.demo import STAFF
from tests import factories


def test_a_resident_votes_at_a_support_point_with_staff_help(
    app, live_server, demo, page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    staff_subject = next(subject for subject, role, _name in STAFF if role == "district_team")
    assisted_url = f"{base}/manage/forums/{demo.current}/assisted"
    page.goto(assisted_url)
    sign_in(page, staff_subject)
    expect(page).to_have_url(re.compile(re.escape(assisted_url) + "$"))
    expect(page.locator("#verify-resident")).to_be_visible()
    fits_phone(page)
    screenshot(page, "support_point_start.png")

    # The resident signs in with their own provider, asked afresh, on the same tablet.
    page.locator("#verify-resident").click()
    expect(page).to_have_url(re.compile(r"/dev-idp/authorize\?.*prompt=login"))
    page.fill("#subject", "support-point-resident")
    page.fill("#birth_year", "1948")
    fits_phone(page)
    screenshot(page, "support_point_provider.png")
    page.locator("form[action*='/dev-idp/authorize'] button.wide:not([name=cancel])").click()
    expect(page).to_have_url(re.compile(re.escape(assisted_url) + "$"))
    expect(page.locator("#verified-resident")).to_contain_text("영등포구")
    expect(page.locator("#verified-resident")).to_contain_text("1948")
    boxes = page.locator("#assisted-form input[name=picks]")
    for index in (0, 6, 9):
        boxes.nth(index).check()
    fits_phone(page)
    screenshot(page, "support_point_verified.png")
    page.locator("#assisted-form button[type=submit]").click()
    expect(page.locator("#receipt-code")).to_be_visible()
    expect(page.locator("#verify-resident")).to_be_visible()  # the next resident verifies anew
    fits_phone(page)
    screenshot(page, "support_point_receipt.png")

    # The same resident later tries online: already voted.
    online = factories.user("support-point-resident", issuer=app.config["OIDC_ISSUER"])
    from voting.casting import services

    assert services.my_ballot(demo.current, online)[1] is not None
