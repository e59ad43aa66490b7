"""The team's live turnout board updates itself while residents vote, on a phone."""

import re

from playwright.sync_api import expect

from tests import factories

TEAM = "browser-turnout-team"


def test_the_turnout_board_refreshes_without_reloading(
    app, live_server, new_page, sign_in, screenshot, fits_phone
):
    app.config["TURNOUT_REFRESH_SECONDS"] = 1
    forum = factories.forum()
    factories.staff(TEAM, "district_team", "11560", issuer=app.config["OIDC_ISSUER"])
    picks = factories.item_ids(forum)[:3]
    for n in range(5):
        factories.cast(forum.id, factories.user(f"turnout-{n}", birth_year=1984), picks)
    page = new_page()
    page.goto(f"{live_server.url}/manage/forums/{forum.id}/turnout")
    sign_in(page, TEAM)
    expect(page).to_have_url(re.compile(rf"/manage/forums/{forum.id}/turnout$"))
    expect(page.locator("#live-ballots")).to_have_text("5")
    expect(page.locator('#live-age-bands tr[data-key="40s"] td')).to_have_text("5")
    page.locator("#population").fill("250")
    page.locator("#population-form button[type=submit]").click()
    expect(page.locator("#live-share")).to_have_text("2.0")
    fits_phone(page)
    screenshot(page, "live_turnout.png")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    for n in range(5, 12):
        factories.cast(forum.id, factories.user(f"turnout-{n}", birth_year=1962), picks)
    expect(page.locator("#live-ballots")).to_have_text("12", timeout=8000)
    expect(page.locator("#live-share")).to_have_text("4.8")
    expect(page.locator('#live-age-bands tr[data-key="60s"] td')).to_have_text("7")
    assert navigations == []  # updated in place, no reload
    screenshot(page, "live_turnout_refreshed.png")
