"""A resident confirms while the server has no room for another cast: a page in Korean
says so, keeps the picks and sends the ballot again by itself; the receipt follows."""

import re

from playwright.sync_api import expect

from devtools.demo import CURRENT_ITEMS

PICKS = (1, 7, 10)


def test_a_shed_cast_is_sent_again_by_itself(
    live_server, demo, new_page, sign_in, screenshot, fits_phone
):
    app = live_server.app
    app.config["CAST_RETRY_AFTER"] = 2
    forum_url = f"{live_server.url}/forums/{demo.current}"
    page = new_page()
    page.goto(f"{forum_url}/ballot")
    sign_in(page, "browser-busy-1")
    for n in PICKS:
        page.locator(".pick").filter(has_text=CURRENT_ITEMS[n][1]).locator("input").check()
    page.locator("#review-button").click()
    expect(page.locator(".review-list > li")).to_have_count(3)

    gate = app.extensions["cast_gate"]
    gate.queue = 0
    taken = 0
    while gate.enter():
        taken += 1
    page.locator("#confirm").click()

    expect(page.locator("h1")).to_have_text("지금 투표하는 분이 많습니다")
    expect(page.locator("#retry-note")).to_contain_text("초 뒤에 자동으로 다시 보냅니다")
    expect(page.locator("#retry-form input[name=picks]")).to_have_count(3)
    expect(page.locator("#retry")).to_be_visible()
    fits_phone(page)
    screenshot(page, "busy_casting.png")

    # The countdown runs; once it ends the page sends the same ballot, now admitted.
    expect(page.locator("#retry-seconds")).not_to_have_text(
        page.locator("#retry-note").get_attribute("data-seconds")
    )
    for _ in range(taken):
        gate.leave()
    expect(page).to_have_url(re.compile(re.escape(f"{forum_url}/my-ballot") + "$"))
    expect(page.locator(".flash")).to_have_count(0)  # cast now, not "already voted"
    for n in PICKS:
        expect(page.locator(".receipt li").filter(has_text=CURRENT_ITEMS[n][1])).to_have_count(1)
    screenshot(page, "busy_casting_receipt.png")
