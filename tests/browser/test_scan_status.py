"""An operator sees on a phone and on a desktop when each forum was last scanned by the
worker, how many ballots the scan covered, and the badge of a new alert."""

import re

from playwright.sync_api import expect

from core.extensions import db
from tests import factories
from tests.browser.conftest import TIMEOUT_MS
from tests.integration.test_scheduled_scans import bloc
from tests.integration.test_scheduled_scans import forum  # noqa: F401  (fixture)
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
