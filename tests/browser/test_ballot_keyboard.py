"""A resident on a phone votes with the keyboard only, and watches the budget bar follow
the picks against the forum's cost cap."""

import re

from playwright.sync_api import expect

from core.extensions import db
from tests import factories

ITEMS = ((0, 120_000_000), (0, 80_000_000), (1, 105_000_000), (1, 50_000_000), (2, 30_000_000))


def capped_forum():
    forum = factories.forum(items=ITEMS, cost_cap=250_000_000, envelope=500_000_000)
    db.session.commit()
    return forum


def focused(page) -> dict:
    """What has focus, and whether its box lies clear of the sticky budget bar."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const box = el.getBoundingClientRect();
            const bar = document.getElementById('budget-bar');
            const top = bar ? bar.getBoundingClientRect().top : window.innerHeight;
            return {tag: el.tagName, type: el.type || '', name: el.name || '',
                    id: el.id || '', cls: el.className || '', value: el.value || '',
                    hidden: !(bar && bar.contains(el)) && (box.bottom > top + 1 || box.top < 0)};
        }"""
    )


def test_a_ballot_cast_with_the_keyboard_only(live_server, page, sign_in, screenshot):
    forum = capped_forum()
    page.goto(f"{live_server.url}/forums/{forum.id}/ballot")
    sign_in(page, "keyboard-resident")
    expect(page.locator("#ballot-form")).to_be_visible()

    # The first Tab reaches the skip link, which leads into the page's content.
    page.keyboard.press("Tab")
    assert focused(page)["cls"] == "skip-link"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    screenshot(page, "keyboard-skip-link.png")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # Tab through the whole ballot: one stop per item, none hidden under the bar.
    stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        now = focused(page)
        stops.append(now)
        assert not now["hidden"], f"focus hidden under the sticky bar: {now}"
        if now["tag"] == "BUTTON" and now["type"] == "submit":
            break
    boxes = [s for s in stops if s["name"] == "picks"]
    assert len(boxes) == len(ITEMS)
    assert len({s["value"] for s in boxes}) == len(ITEMS)  # each item exactly once

    # Back up to the boxes, one Shift+Tab per item, and pick the three cheapest with
    # Space; the bar follows.
    page.keyboard.press("Shift+Tab")  # the last item (30M)
    page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")  # 50M
    page.keyboard.press("Space")
    page.keyboard.press("Shift+Tab")  # 105M, left alone
    page.keyboard.press("Shift+Tab")  # 80M
    page.keyboard.press("Space")
    status = page.locator("#budget-status")
    expect(status).to_contain_text("3개 중 3개 선택")
    expect(status).to_contain_text("합계 1억 6,000만 원")
    expect(status).to_contain_text("한도 2억 5,000만 원 중 9,000만 원 남음")
    screenshot(page, "keyboard-three-picked.png")

    # A fourth (120M) says why it cannot be picked, and stays unpicked.
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "picks"
    page.keyboard.press("Space")
    expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(3)
    expect(status).to_contain_text("먼저 하나를 빼 주세요")
    page.keyboard.press("Space")  # said once, however often it is tried
    expect(page.locator("#max-warning")).to_have_count(1)
    expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(3)

    # Forward to the review button; Enter sends the ballot to review.
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["tag"] == "BUTTON":
            break
    page.keyboard.press("Enter")
    expect(page.locator(".review-list > li")).to_have_count(3)
    expect(page.locator("#review-total")).to_contain_text("1억 6,000만 원")

    # Going back keeps the picks; then review again and confirm, keyboard only.
    page.locator("#change-picks").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(3)
    page.locator("#review-button").focus()
    page.keyboard.press("Enter")
    page.locator("#confirm").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#receipt-code")).to_have_text(re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}"))
    screenshot(page, "keyboard-receipt.png")


def test_the_budget_bar_follows_the_picks_and_names_the_overage(
    live_server, page, sign_in, screenshot, fits_phone
):
    forum = capped_forum()
    page.goto(f"{live_server.url}/forums/{forum.id}/ballot")
    sign_in(page, "budget-resident")
    status = page.locator("#budget-status")
    expect(status).to_contain_text("3개 중 0개 선택")
    boxes = page.locator("#ballot-form input[name=picks]")
    boxes.nth(0).check()  # 120M
    expect(status).to_contain_text("합계 1억 2,000만 원")
    expect(status).to_contain_text("1억 3,000만 원 남음")
    boxes.nth(2).check()  # 105M
    boxes.nth(3).check()  # 50M: 275M, over by 25M
    expect(status).to_contain_text("합계 2억 7,500만 원")
    expect(status).to_contain_text("한도 2억 5,000만 원보다 2,500만 원 많음")
    expect(page.locator(".budget-meter.over")).to_have_count(1)
    fits_phone(page)
    screenshot(page, "ballot-over-cap.png")
    page.locator("#review-button").click()
    expect(page.locator("#ballot-error")).to_have_text(
        "고른 의제의 합계는 2억 7,500만 원으로 한도 2억 5,000만 원보다 2,500만 원 많습니다."
    )
    expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(3)
    screenshot(page, "ballot-over-cap-refused.png")


def test_filters_apply_at_once_and_keep_the_picks(live_server, page, sign_in, screenshot):
    forum = capped_forum()
    page.goto(f"{live_server.url}/forums/{forum.id}/ballot")
    sign_in(page, "filter-resident")
    expect(page.locator("#filter-apply")).to_be_hidden()  # the script applies at once
    first = page.locator("#ballot-form input[name=picks]").nth(0)
    picked = page.locator(f'#ballot-form input[value="{first.get_attribute("value")}"]')
    first.check()
    page.select_option("#filter-field", label="교육")
    expect(page.locator("fieldset.field:visible")).to_have_count(1)
    expect(page.locator("fieldset.field:visible legend")).to_have_text("교육")
    page.select_option("#filter-sort", "cost")
    titles = page.locator("fieldset.field:visible .item-title").all_inner_texts()
    assert titles == ["A-04 · Item 4", "A-03 · Item 3"]
    expect(page.locator("#budget-status")).to_contain_text("3개 중 1개 선택")
    screenshot(page, "ballot-filtered.png")
    page.select_option("#filter-field", "")
    expect(picked).to_be_checked()


def test_without_javascript_the_filter_is_a_form_that_keeps_the_picks(
    live_server, browser, sign_in
):
    forum = capped_forum()
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/forums/{forum.id}/ballot")
        sign_in(page, "nojs-resident")
        page.locator("#ballot-form input[name=picks]").nth(0).check()
        page.select_option("#filter-field", label="환경")
        page.locator("#filter-apply").click()
        expect(page.locator("fieldset.field:visible")).to_have_count(1)
        expect(page.locator("#ballot-form input[name=picks]:checked")).to_have_count(1)
        expect(page.locator("#pick-count")).to_contain_text("3개 중 1개 선택")
    finally:
        context.close()


def test_the_budget_bar_reads_amounts_in_english_as_the_server_does(
    live_server, page, sign_in, screenshot, fits_phone
):
    forum = capped_forum()
    page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/forums/{forum.id}/ballot")
    sign_in(page, "english-resident")
    status = page.locator("#budget-status")
    expect(status).to_contain_text("0 of 3 picked")
    boxes = page.locator("#ballot-form input[name=picks]")
    boxes.nth(0).check()  # 120M
    boxes.nth(2).check()  # 105M
    expect(status).to_contain_text("total KRW 225 million")
    expect(status).to_contain_text("KRW 25 million left of KRW 250 million")
    boxes.nth(3).check()  # 50M
    expect(status).to_contain_text("KRW 25 million over the limit of KRW 250 million")
    fits_phone(page)
    screenshot(page, "ballot-over-cap-en.png")
    page.locator("#review-button").click()
    expect(page.locator("#budget-status")).to_contain_text(
        "KRW 25 million over the limit of KRW 250 million"
    )
    expect(page.locator("#ballot-error")).to_contain_text("Your picks add up to KRW 275 million")
