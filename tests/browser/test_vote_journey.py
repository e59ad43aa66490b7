"""A resident votes from a phone: read the forum, sign in, pick three items, keep a receipt."""

import re

from playwright.sync_api import expect

from devtools.demo import CURRENT_ITEMS
from devtools.demo import FIELDS
from devtools.demo import PUBLISHED_ITEMS

RECEIPT_CODE = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}")
SUBJECT = "browser-resident-1"
# Three items from different fields, by position in the demo data.
PICKS = (0, 6, 9)


def _path(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + r"$")


def test_a_resident_votes_and_keeps_a_receipt(
    live_server, demo, new_page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    forum_url = f"{base}/forums/{demo.current}"
    ballot_url = f"{forum_url}/ballot"
    page = new_page()

    # The index leads to the open forum.
    page.goto(base + "/")
    open_card = page.locator(".forum-list > li").filter(has=page.locator(".badge-open"))
    expect(open_card).to_have_count(1)
    open_card.locator("h2 a").click()
    expect(page).to_have_url(_path(forum_url))

    # Six fields, fifteen items, each with its cost.
    fields = page.locator("section.field")
    expect(fields).to_have_count(len(FIELDS))
    for field, (name, _english) in zip(fields.all(), FIELDS, strict=True):
        expect(field.locator(".field-name")).to_contain_text(name)
    items = page.locator("li.item")
    expect(items).to_have_count(len(CURRENT_ITEMS))
    expect(items.locator(".item-title")).to_have_text([title for _, title, *_ in CURRENT_ITEMS])
    for cost in items.locator(".cost").all_inner_texts():
        assert re.search(r"\d", cost), f"an item shows no cost: {cost!r}"
    fits_phone(page)
    screenshot(page, "forum.png")

    # Voting needs a sign-in, which comes back to the ballot.
    page.locator(f'.hero a[href="/forums/{demo.current}/ballot"]').click()
    expect(page.locator("#subject")).to_be_visible()
    fits_phone(page)
    screenshot(page, "signin.png")
    sign_in(page, SUBJECT)
    expect(page).to_have_url(_path(ballot_url))
    boxes = page.locator("#ballot-form input[name=picks]")
    expect(boxes).to_have_count(len(CURRENT_ITEMS))
    fits_phone(page)
    screenshot(page, "ballot.png")

    # Three picks; the page then stops a fourth.
    titles = [CURRENT_ITEMS[n][1] for n in PICKS]
    for title in titles:
        page.locator(".pick").filter(has_text=title).locator("input").check()
    expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(3)
    expect(page.locator("#pick-count")).to_contain_text("3")
    fourth = page.locator(".pick").filter(has_text=CURRENT_ITEMS[1][1])
    expect(fourth.locator("input")).to_have_attribute("aria-disabled", "true")
    expect(fourth.locator(".pick-why")).to_contain_text("하나를 빼야")
    expect(page.locator("#ballot-form input[name=picks][aria-disabled=true]")).to_have_count(
        len(CURRENT_ITEMS) - 3
    )
    fourth.locator("input").click(force=True)  # refused, with the reason in the bar
    expect(fourth.locator("input")).not_to_be_checked()
    expect(page.locator("#budget-status")).to_contain_text("먼저 하나를 빼 주세요")
    page.locator("#review-button").click()

    # The review lists the three picks before anything is cast.
    expect(page).to_have_url(_path(f"{ballot_url}/review"))
    review = page.locator(".review-list > li")
    expect(review).to_have_count(3)
    for title in titles:
        expect(review.filter(has_text=title)).to_have_count(1)
    fits_phone(page)
    screenshot(page, "review.png")
    page.locator("#confirm").click()

    # The receipt.
    expect(page).to_have_url(_path(f"{forum_url}/my-ballot"))
    expect(page.locator(".receipt h1")).to_be_visible()
    expect(page.locator(".flash")).to_have_count(0)  # not "already voted"
    code = page.locator("#receipt-code").inner_text().strip()
    assert RECEIPT_CODE.fullmatch(code), code
    for title in titles:
        expect(page.locator(".receipt li").filter(has_text=title)).to_have_count(1)
    fits_phone(page)
    screenshot(page, "receipt.png")

    # Another phone, the same resident: the ballot page shows the same receipt.
    other = new_page()
    other.goto(ballot_url)
    sign_in(other, SUBJECT)
    expect(other).to_have_url(_path(f"{forum_url}/my-ballot"))
    expect(other.locator(".flash")).to_be_visible()
    expect(other.locator("#receipt-code")).to_have_text(code)
    fits_phone(other)
    screenshot(other, "already_voted.png")

    # Signed in, the header lists the resident's ballots; the code can be checked there.
    other.locator("#nav-my-ballots").click()
    expect(other.locator("#my-ballots")).to_contain_text(code)
    fits_phone(other)
    screenshot(other, "my_ballots.png")
    other.locator('main a[href="/receipt"]').click()
    expect(other).to_have_url(_path(f"{base}/receipt"))
    other.fill("#code", code.lower().replace("-", " "))
    other.locator("form.card button[type=submit]").click()
    status = other.locator("#receipt-status")
    expect(status).to_have_class(re.compile(r"\bflash-success\b"))
    expect(status).to_contain_text(code)
    fits_phone(other)
    screenshot(other, "receipt_check.png")


def test_a_published_forum_shows_its_ranking(live_server, demo, page, screenshot, fits_phone):
    page.goto(f"{live_server.url}/forums/{demo.published}/results")
    expect(page.locator("#ballot-count")).to_have_text("2,000")
    results = page.locator("#results")
    expect(results).to_be_visible()
    rows = results.locator("li.result")
    expect(rows).to_have_count(len(PUBLISHED_ITEMS))
    expect(rows.locator(".rank").first).to_have_text("1")
    assert results.locator(".cut-line").count() + results.locator(".badge-funded").count() > 0
    fits_phone(page)
    screenshot(page, "results.png")


def test_the_language_switch_goes_to_english_and_back(live_server, demo, page):
    forum_url = f"{live_server.url}/forums/{demo.current}"
    page.goto(forum_url)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ko")

    page.locator(".topnav a[lang=en]").click()
    expect(page).to_have_url(_path(forum_url))
    expect(html).to_have_attribute("lang", "en")

    page.locator(".topnav a[lang=ko]").click()
    expect(page).to_have_url(_path(forum_url))
    expect(html).to_have_attribute("lang", "ko")
