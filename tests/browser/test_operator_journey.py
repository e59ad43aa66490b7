"""A new operator, on the demo, finds the 2020 bloc at once, reads it, confirms it with a
reason, a second operator approves it, and a bloc member's receipt check shows why their
ballot was excluded. Every step on a phone, with screenshots."""

import json
import re

from playwright.sync_api import expect
from sqlalchemy import select

from auth.models import Role
from core.extensions import db
from tests import factories
from voting.models import AnomalyFlag
from voting.models import Ballot

FIRST, SECOND = ("demo-op-1", "이검토"), ("demo-op-2", "박확인")
REASON = "한 기기에서 10분 사이에 처음 보는 40명이 같은 의제를 골랐습니다."
TITLE = "한 기기에서 40명 투표 · 10분 사이"
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"\b[A-Za-z]{4,}\b")


def _operator(app, subject: str, name: str) -> None:
    user = factories.staff(subject, "operator", issuer=app.config["OIDC_ISSUER"])
    role = db.session.execute(select(Role).filter_by(voter_key=user.voter_key)).scalar_one()
    role.name = name
    db.session.commit()


def _status(flag_id: int) -> str:
    db.session.expire_all()
    return db.session.get(AnomalyFlag, flag_id).status


def _decide(page, action: str, reason: str) -> None:
    form = page.locator("#decision-form")
    if action:
        form.locator("select[name=action]").select_option(action)
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()


def test_a_new_operator_reviews_the_demo_bloc_with_a_second_operator(
    app, live_server, demo, new_page, sign_in, screenshot, fits_phone, check_receipt
):
    base = live_server.url
    _operator(app, *FIRST)
    _operator(app, *SECOND)
    flag = db.session.execute(select(AnomalyFlag).filter_by(forum_id=demo.past)).scalar_one()
    flag_url = f"{base}/operator/flags/{flag.id}"
    members = [int(m) for m in json.loads(flag.members)]
    forum_title = "2020년 영등포구 열린공론장"

    # The flag waits on the review page, titled in words, with its forum's name.
    first = new_page()
    first.goto(base + "/operator/flags")
    sign_in(first, FIRST[0])
    card = first.locator("#flags li.flag").first
    expect(card.locator("h2")).to_have_text(TITLE)
    expect(card).to_contain_text("관측 40명")
    expect(card).to_contain_text(forum_title)
    expect(card.locator(".badge-warn")).to_have_text("결과를 바꿈")
    assert "p ≈" not in card.inner_text()
    fits_phone(first)
    screenshot(first, "operator-1-flags.png")

    # The detail page: in Korean throughout, numbers for people, items by title.
    card.locator("h2 a").click()
    expect(first).to_have_url(flag_url)
    expect(first.locator("h1")).to_have_text(TITLE)
    expect(first.locator("#people-counts")).to_have_text("기대 3명, 관측 40명")
    words = first.locator("#explanation p, #explanation dt").all_inner_texts()
    assert not any(LATIN_WORD.search(line) for line in words), words
    expect(first.locator("#explanation")).to_contain_text("P-12 · 청년 공유 오피스")
    expect(first.locator("#impact")).to_contain_text("P-08 · CCTV 사각지대 해소")
    expect(first.locator("select[name=action]")).to_have_value("")
    expect(first.locator("#decision-hint")).to_contain_text("다른 검토자가 승인해야")
    fits_phone(first)
    screenshot(first, "operator-2-flag.png")

    # A careless click records nothing: the decision must be chosen.
    # (the browser holds the form back; the server refuses it too, see the page tests).
    _decide(first, "", "")
    missing = first.locator("select[name=action]").evaluate("s => s.validity.valueMissing")
    assert missing and _status(flag.id) == "open"
    expect(first).to_have_url(flag_url)

    # Confirmed with a reason, it waits for a second operator (it changes the result).
    _decide(first, "confirm", REASON)
    expect(first).to_have_url(flag_url)
    expect(first.locator("#flag-status")).to_have_text("두 번째 검토자 대기")
    expect(first.locator("#decision")).to_contain_text(f"확정한 사람: {FIRST[1]} · 투표 검토자")
    expect(first.locator("#decision-hint")).to_contain_text("‘확정’을 고르고")
    fits_phone(first)
    screenshot(first, "operator-3-awaiting.png")

    # The second operator approves it on another phone.
    second = new_page()
    second.goto(flag_url)
    sign_in(second, SECOND[0])
    expect(second).to_have_url(flag_url)
    _decide(second, "confirm", "같은 기기, 같은 시간대입니다. 승인합니다.")
    expect(second.locator("#flag-status")).to_have_text("확정: 투표 제외됨")
    assert _status(flag.id) == "confirmed"
    decided = second.locator("#decided-by")
    expect(decided).to_contain_text(f"판단한 사람: {FIRST[1]} · 투표 검토자")
    expect(decided).to_contain_text(f"승인한 사람: {SECOND[1]} · 투표 검토자")
    fits_phone(second)
    screenshot(second, "operator-3b-confirmed.png")

    # The audit log reads on a phone: people by name and role, actions in words.
    second.goto(base + "/operator/audit")
    log = second.locator("#audit")
    expect(log).to_contain_text(f"{SECOND[1]} · 투표 검토자")
    expect(log).to_contain_text("의심 신호 확정, 두 번째 검토자 승인 대기")
    expect(log).to_contain_text("조직 투표 검사")
    assert "user:" not in log.inner_text() and "anomalies" not in log.inner_text()
    fits_phone(second)
    screenshot(second, "operator-4-audit.png")

    # A bloc member checks their receipt: excluded, with the first operator's reason.
    code = db.session.get(Ballot, members[0]).receipt_code
    resident = check_receipt(base, code, REASON)
    screenshot(resident, "operator-5-receipt.png")
