"""An operator sees on a phone and on a desktop when each forum was last scanned by the
worker, how many ballots the scan covered, and the badge of a new alert."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from core.extensions import db
from tests import factories
from tests.browser.conftest import TIMEOUT_MS
from tests.integration.test_scheduled_scans import add_ballot
from tests.integration.test_scheduled_scans import bloc
from tests.integration.test_scheduled_scans import forum  # noqa: F401  (fixture)
from tests.integration.test_scheduled_scans import organic
from tests.integration.test_scheduled_scans import START
from voting.oversight import watch

OPERATOR = "op-scan-status"


def test_the_operator_sees_the_last_scan_and_the_alert_badge(
    app,
    live_server,
    forum,  # noqa: F811
    browser,
    new_page,
    sign_in,
    screenshot,
    fits_phone,
):
    base = live_server.url
    factories.staff(OPERATOR, "operator", issuer=app.config["OIDC_ISSUER"])
    bloc(forum, 200)
    db.session.commit()
    [report] = watch.scan_open_forums()  # what the worker does every few minutes
    alerts = len(report.alerts)
    assert alerts >= 1

    phone = new_page()
    phone.goto(base + "/operator/flags")
    sign_in(phone, OPERATOR)
    expect(phone).to_have_url(re.compile(re.escape(base + "/operator/flags") + "$"))
    expect(phone.locator("#alert-badge")).to_have_text(f"새 경보 {alerts}건")
    scan = phone.locator(f"#scans .scan[data-forum='{forum.id}']")
    expect(scan).to_contain_text("마지막 검사 2026-07-09 10:00, 투표 160건 확인")
    expect(phone.locator("#flags li.flag").first.locator(".badge-alert")).to_contain_text(
        "경보 발송"
    )
    fits_phone(phone)
    screenshot(phone, "scan-status-phone.png")

    cookies = phone.context.cookies()
    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    desktop.set_default_timeout(TIMEOUT_MS)
    try:
        desktop.add_cookies(cookies)
        page = desktop.new_page()
        page.goto(base + "/operator/flags")
        expect(page.locator("#scans")).to_contain_text("투표 160건 확인")
        screenshot(page, "scan-status-desktop.png")
    finally:
        desktop.close()


def test_a_bloc_thin_on_many_networks_reads_as_one_flag_on_a_phone(
    app,
    live_server,
    forum,  # noqa: F811
    new_page,
    sign_in,
    screenshot,
    fits_phone,
):
    # 27 ballots in 12 hours, three on each of nine home networks: as many as a household
    organic(forum, 1500, first=2000)
    items = sorted(forum.items, key=lambda i: i.position)
    for n in range(27):
        when = START + timedelta(days=3, minutes=25 * n)
        picks = [items[3], items[4], items[5]]
        add_ballot(forum, 600 + n, picks, when, f"home-new-{n % 9}", f"phone-{n}")
    db.session.commit()
    factories.staff(OPERATOR, "operator", issuer=app.config["OIDC_ISSUER"])
    app.config["CLOCK"] = lambda: START + timedelta(days=3, hours=12)
    watch.scan_open_forums()

    phone = new_page()
    phone.goto(live_server.url + "/operator/flags")
    sign_in(phone, OPERATOR)
    flag = phone.locator("#flags li.flag")
    expect(flag).to_have_count(1)
    expect(flag.first).to_contain_text("27")
    fits_phone(phone)
    screenshot(phone, "thin-bloc-phone.png")
    flag.first.locator("a").first.click()
    expect(phone.locator("main")).to_contain_text("27")
    fits_phone(phone)
    screenshot(phone, "thin-bloc-flag-phone.png")

    # the same flag in English, then back to the list
    detail = phone.url.removeprefix(live_server.url)
    phone.goto(f"{live_server.url}/lang/en?next={detail}")
    expect(phone.locator("main")).to_contain_text("27")
    expect(phone.locator("h1")).to_contain_text("9 networks")
    fits_phone(phone)
    screenshot(phone, "thin-bloc-flag-phone-en.png")
    phone.go_back()
    phone.go_back()
    expect(phone.locator("#flags li.flag")).to_have_count(1)

    # signed out, a resident on the same phone never sees it; another operator does
    phone.locator('form[action="/logout"] button').click()
    phone.goto(live_server.url + "/operator/flags")
    sign_in(phone, "resident-on-the-same-phone")
    expect(phone.locator("main")).to_contain_text("HTTP 403")
    expect(phone.locator("#flags")).to_have_count(0)
    screenshot(phone, "thin-bloc-resident-refused.png")
    phone.locator('form[action="/logout"] button').click()
    factories.staff("op-second", "operator", issuer=app.config["OIDC_ISSUER"])
    phone.goto(live_server.url + "/operator/flags")
    sign_in(phone, "op-second")
    expect(phone.locator("#flags li.flag")).to_have_count(1)
    expect(phone.locator("#flags li.flag").first).to_contain_text("27")
