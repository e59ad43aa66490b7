"""A team makes an outreach link; a resident opens it on a phone, signs in and votes; the
team's turnout board counts the ballot under the link's name."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from tests import factories
from voting.models import OutreachLink

TEAM = "browser-outreach-team"
RESIDENT = "browser-outreach-resident"
NAME = "역삼1동 주민센터"


def _link(code: str) -> OutreachLink:
    return db.session.execute(select(OutreachLink).filter_by(code=code)).scalar_one()


def test_a_resident_arriving_through_a_qr_link_is_counted_under_it(
    app, live_server, new_page, sign_in, screenshot, fits_phone
):
    forum = factories.forum()
    factories.staff(TEAM, "district_team", "11560", issuer=app.config["OIDC_ISSUER"])

    # The team makes the link and gets its printable sheet with the QR code.
    team = new_page()
    team.goto(f"{live_server.url}/manage/forums/{forum.id}/outreach")
    sign_in(team, TEAM)
    expect(team).to_have_url(re.compile(rf"/manage/forums/{forum.id}/outreach$"))
    team.fill("#name", NAME)
    team.select_option("#kind", "dong_office")
    team.locator("#outreach-form button[type=submit]").click()
    expect(team.locator("#outreach-name")).to_have_text(NAME)
    expect(team.locator("#outreach-sheet svg.qr")).to_be_visible()
    fits_phone(team)
    screenshot(team, "outreach_sheet.png")
    url = team.locator("#outreach-url").inner_text()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/o/[A-Za-z0-9_-]{{8}}", url)
    # Back to the list: the link's full address fits the phone, in English too.
    team.goto(f"{live_server.url}/lang/en?next=/manage/forums/{forum.id}/outreach")
    expect(team.locator("#outreach-links")).to_contain_text(url)
    fits_phone(team)
    screenshot(team, "outreach_links_en.png")
    team.goto(f"{live_server.url}/lang/ko?next=/manage/forums/{forum.id}/outreach")
    fits_phone(team)
    team.go_back()
    team.go_back()
    expect(team.locator("#outreach-sheet svg.qr")).to_be_visible()
    team.emulate_media(media="print")
    expect(team.locator(".topbar")).to_be_hidden()
    expect(team.locator("#print-sheet")).to_be_hidden()
    screenshot(team, "outreach_sheet_print.png")
    team.emulate_media(media="screen")

    # Five neighbours came through the same link before.
    code = url.rsplit("/", 1)[1]
    assert _link(code).forum_id == forum.id
    picks = factories.item_ids(forum)[:3]
    for n in range(5):
        factories.cast_tagged(forum.id, factories.user(f"neighbour-{n}"), picks, code)

    # A resident scans the code with a phone: the forum's page, then sign-in and a ballot.
    phone = new_page()
    phone.goto(url)
    expect(phone).to_have_url(f"{live_server.url}/forums/{forum.id}")
    fits_phone(phone)
    screenshot(phone, "outreach_arrival.png")
    phone.locator(f'.hero a[href="/forums/{forum.id}/ballot"]').click()
    sign_in(phone, RESIDENT)
    expect(phone).to_have_url(f"{live_server.url}/forums/{forum.id}/ballot")
    boxes = phone.locator("#ballot-form input[name=picks]")
    for n in range(3):
        boxes.nth(n).check()
    phone.locator("#review-button").click()
    phone.locator("#confirm").click()
    expect(phone).to_have_url(f"{live_server.url}/forums/{forum.id}/my-ballot")
    screenshot(phone, "outreach_receipt.png")

    # The team's board shows the link's row: six ballots came through it.
    team.goto(f"{live_server.url}/manage/forums/{forum.id}/turnout")
    row = team.locator("#live-by-tag tr").filter(has_text=NAME)
    expect(row.locator("td")).to_have_text("6")
    expect(team.locator("#live-ballots")).to_have_text("6")
    fits_phone(team)
    screenshot(team, "outreach_turnout.png")
