"""A resident on a phone: consent at first sign-in, vote, download 내 정보, delete the
account, sign in again, consent again, and find the ballot already cast."""

import json
import re

from playwright.sync_api import expect

from devtools.demo import CURRENT_ITEMS

SUBJECT = "browser-privacy-1"
PICKS = (1, 4, 7)


def _path(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + r"$")


def _agree(page, screenshot, fits_phone, name: str) -> None:
    expect(page).to_have_url(re.compile(r"/consent\?next="))
    boxes = page.locator("input[type=checkbox][required]")
    expect(boxes).to_have_count(4)
    expect(page.locator("#consent-keep_picks")).not_to_be_checked()
    fits_phone(page)
    screenshot(page, name)
    for box in boxes.all():
        box.check()
    page.click("#give-consent")


def test_consent_vote_download_delete_and_no_second_ballot(
    live_server, demo, new_page, sign_in, screenshot, fits_phone, tmp_path
):
    base = live_server.url
    ballot_url = f"{base}/forums/{demo.current}/ballot"
    page = new_page()

    # First sign-in: the consent page comes before the ballot.
    page.goto(ballot_url)
    sign_in(page, SUBJECT, consent=False)
    _agree(page, screenshot, fits_phone, "privacy_consent.png")
    expect(page).to_have_url(_path(ballot_url))

    titles = [CURRENT_ITEMS[n][1] for n in PICKS]
    for title in titles:
        page.locator(".pick").filter(has_text=title).locator("input").check()
    page.locator("#review-button").click()
    page.locator("#confirm").click()
    code = page.locator("#receipt-code").inner_text().strip()

    # 내 정보: the ballot and its picks, and a JSON download of the same.
    page.locator("#my-data-link").click()
    expect(page).to_have_url(_path(f"{base}/me"))
    for title in titles:
        expect(page.locator(".my-ballot li").filter(has_text=title)).to_have_count(1)
    fits_phone(page)
    screenshot(page, "privacy_me.png")
    with page.expect_download() as download:
        page.click("#download-json")
    saved = tmp_path / "my-data.json"
    download.value.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert code.replace("-", "") == data["ballots"][0]["receipt_code"]
    assert len(data["ballots"]) == 1

    # 탈퇴: the page said beforehand that the voter key stays until the purge.
    expect(page.locator("#delete")).to_be_visible()
    page.click("#delete-account")
    expect(page).to_have_url(_path(f"{base}/me/deleted"))
    expect(page.locator("#deleted")).to_be_visible()
    fits_phone(page)
    screenshot(page, "privacy_deleted.png")

    # Signing in again asks for consent again, then shows the ballot already cast.
    page.goto(ballot_url)
    sign_in(page, SUBJECT, consent=False)
    _agree(page, screenshot, fits_phone, "privacy_consent_again.png")
    expect(page).to_have_url(_path(f"{base}/forums/{demo.current}/my-ballot"))
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("#receipt-code")).to_have_text(code)
    fits_phone(page)
    screenshot(page, "privacy_already_voted.png")


def test_the_privacy_policy_reads_on_a_phone_and_a_desktop(
    live_server, demo, new_page, screenshot, fits_phone
):
    page = new_page()
    page.goto(live_server.url + "/")
    page.click("#privacy-link")
    expect(page).to_have_url(_path(f"{live_server.url}/privacy"))
    expect(page.locator(".retention-row")).to_have_count(7)
    fits_phone(page)
    screenshot(page, "privacy_policy.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "privacy_policy_1280.png")
    page.click('a[href="/privacy/bloc-voting-review"]')
    page.set_viewport_size({"width": 390, "height": 844})
    fits_phone(page)
    screenshot(page, "privacy_review.png")
