"""A resident checks, on a phone, that their ballot is in the published result."""

from playwright.sync_api import expect

from tests import elections

PICKS = [(0, 1, 2), (1, 3), (2, 4), (0, 4), (3,), (0, 1)]


def test_a_resident_checks_their_proof(live_server, page, fits_phone, screenshot):
    forum = elections.closed_forum(PICKS)
    codes = [elections.receipt(forum.id * 10_000 + n) for n in range(len(PICKS))]
    elections.exclude(forum, [codes[5]])
    elections.publish(forum.id)

    page.goto(f"{live_server.url}/receipt")
    page.fill("#code", codes[1].lower())
    page.click("form button[type=submit]")
    status = page.locator("#proof-status")
    expect(status).to_contain_text("브라우저에서 확인했습니다")
    expect(status).to_contain_text("집계된 투표 5표")
    expect(page.locator("#proof-download")).to_be_visible()
    fits_phone(page)
    screenshot(page, "proof-counted-ko.png")

    page.goto(f"{live_server.url}/receipt?code={codes[5]}")
    expect(status).to_contain_text("제외된 투표 1표")
    expect(status).to_contain_text(elections.REASON)
    fits_phone(page)
    screenshot(page, "proof-excluded-ko.png")
