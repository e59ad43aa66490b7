"""Operators review a bloc-voting flag from a phone, and the exclusion reaches the team and
the resident.

The forum, its ballots and the scan are made in the test process; every decision goes
through the pages. The flag changes the funded set, so the first operator's confirmation
waits for a second operator, who signs in on another phone. The district team's result
preview then compares the result with and without the exclusion, and a member of the bloc
sees on the public receipt check that their ballot was excluded, and why.
"""

import json
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from auth.services import display_name
from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.integration.test_flag_review import bloc_forum  # noqa: F401
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotExclusion
from voting.oversight import forum_scan

DISTRICT = "11560"
FIRST, SECOND, TEAM = "op-1", "op-2", "browser-team-review"
REASON = "한 기기에서 10분 동안 40표가 같은 의제로 들어왔습니다."
SECOND_REASON = "동의합니다. 같은 기기와 같은 네트워크입니다."

# Korean labels the pages must show.
CHANGES_RESULT = "결과를 바꿈"
PROXY_CASTING = "대리 투표 의심"
OPEN = "검토 전"
AWAITING = "두 번째 검토자 대기"
CONFIRMED = "확정: 투표 제외됨"
NO_REASON = "확정하는 사유를 적으세요."
SECOND_OPERATOR = "이 확정은 결과를 바꾸므로 다른 검토자가 승인해야 합니다."
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _path(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + r"$")


def _status(flag_id: int) -> str:
    db.session.expire_all()
    return db.session.execute(
        select(AnomalyFlag.status).where(AnomalyFlag.id == flag_id)
    ).scalar_one()


def _excluded(forum_id: int) -> int:
    query = select(func.count()).select_from(BallotExclusion).filter_by(forum_id=forum_id)
    return db.session.execute(query).scalar_one()


def _decide(page, action: str, reason: str) -> None:
    """Choose a decision (none is preselected), write the reason, and record it."""
    form = page.locator("#decision-form")
    form.locator("select[name=action]").select_option(action)
    form.locator("textarea[name=reason]").fill(reason)
    form.locator("button[type=submit]").click()


def test_two_operators_exclude_a_bloc_and_the_team_and_resident_see_it(
    app,
    live_server,
    bloc_forum,  # noqa: F811
    new_page,
    sign_in,
    screenshot,
    fits_phone,
    check_receipt,
):
    base = live_server.url
    forum_id = bloc_forum.id
    issuer = app.config["OIDC_ISSUER"]
    forum_scan.scan_forum(forum_id)
    factories.staff(FIRST, "operator", issuer=issuer)
    factories.staff(SECOND, "operator", issuer=issuer)
    factories.staff(TEAM, "district_team", DISTRICT, issuer=issuer)
    query = select(AnomalyFlag).filter_by(forum_id=forum_id, tier="proxy_casting")
    flag = db.session.execute(query).scalars().first()
    assert flag is not None and flag.changes_outcome
    flag_id, size = flag.id, flag.size
    details, impact = json.loads(flag.details), json.loads(flag.impact)
    members = [int(m) for m in json.loads(flag.members)]
    keys = dict(
        db.session.execute(select(Ballot.id, Ballot.voter_key).where(Ballot.id.in_(members))).all()
    )
    flag_url = f"{base}/operator/flags/{flag_id}"

    # The first operator signs in and finds the flag that changes the result at the top.
    first = new_page()
    first.goto(base + "/operator/flags")
    sign_in(first, FIRST)
    expect(first).to_have_url(_path(base + "/operator/flags"))
    top = first.locator("#flags li.flag").first
    expect(top).to_contain_text(PROXY_CASTING)
    expect(top.locator(".badge-warn")).to_have_text(CHANGES_RESULT)
    expect(top.locator(".badge").first).to_have_text(OPEN)
    fits_phone(first)
    top.locator("h2 a").click()
    expect(first).to_have_url(_path(flag_url))

    # Why, what it changes, when, and who (as pseudonyms only).
    explanation = first.locator("#explanation")
    expect(explanation.locator("#people-counts")).to_contain_text(f"관측 {details['observed']}명")
    assert HANGUL.search(explanation.inner_text())
    expect(explanation.locator("[lang=en]")).to_have_count(0)
    impact_card = first.locator("#impact")
    assert impact["no_longer_funded"] or impact["newly_funded"], impact
    if impact["no_longer_funded"]:
        expect(impact_card).to_contain_text("선정에서 빠지는 의제")
    if impact["newly_funded"]:
        expect(impact_card).to_contain_text("새로 선정되는 의제")
    for item in impact["no_longer_funded"] + impact["newly_funded"]:
        expect(impact_card).to_contain_text(item)
    timeline = first.locator("#timeline svg")
    expect(timeline).to_be_visible()
    assert timeline.locator("rect").count() > 24
    assert timeline.locator("rect.bar-flag").count() >= 1
    listed = first.locator("#members").inner_text()
    for ballot_id in members:
        assert display_name(keys[ballot_id]) in listed
        assert keys[ballot_id] not in listed
    fits_phone(first)
    screenshot(first, "flag.png")

    # A confirmation without a reason is refused and changes nothing.
    _decide(first, "confirm", "")
    expect(first.locator("#form-error")).to_have_text(NO_REASON)
    expect(first.locator("#flag-status")).to_have_text(OPEN)
    assert _status(flag_id) == "open"
    fits_phone(first)

    # With a reason, it waits for a second operator; the same operator cannot approve it.
    _decide(first, "confirm", REASON)
    expect(first).to_have_url(_path(flag_url))
    expect(first.locator("#flag-status")).to_have_text(AWAITING)
    expect(first.locator("#decision")).to_contain_text(REASON)
    assert _status(flag_id) == "pending_approval"
    assert _excluded(forum_id) == 0
    _decide(first, "confirm", "다시 확정")
    expect(first.locator("#form-error")).to_have_text(SECOND_OPERATOR)
    expect(first.locator("#flag-status")).to_have_text(AWAITING)

    # The second operator, on another phone, approves it.
    second = new_page()
    second.goto(flag_url)
    sign_in(second, SECOND)
    expect(second).to_have_url(_path(flag_url))
    expect(second.locator("#flag-status")).to_have_text(AWAITING)
    _decide(second, "confirm", SECOND_REASON)
    expect(second.locator("#flag-status")).to_have_text(CONFIRMED)
    assert _status(flag_id) == "confirmed"
    assert _excluded(forum_id) == size

    # The window has ended and the forum is closed; the team previews the result.
    # Sign-in keeps working with the app's clock in the past: the identity provider's
    # protocol times follow the wall clock.
    closes = bloc_forum.voting_ends_at
    app.config["CLOCK"] = lambda: closes + timedelta(minutes=1)
    db.session.get(Forum, forum_id).phase = "closed"
    db.session.commit()
    team = new_page()
    results_url = f"{base}/manage/forums/{forum_id}/results"
    team.goto(results_url)
    sign_in(team, TEAM)
    expect(team).to_have_url(_path(results_url))
    expect(team.locator("#ballot-count")).to_have_text(str(160 - size))
    comparison = team.locator("#comparison")
    expect(comparison).to_contain_text(f"검토 결과 {size}표가 제외되었습니다")
    expect(comparison).to_contain_text("160표가 집계됩니다")
    # Items are named by number and title: "A-03 · Item 3".
    for selector, ids in (
        ("#only-with", impact["newly_funded"]),
        ("#only-without", impact["no_longer_funded"]),
    ):
        for item_id in ids:
            expect(team.locator(selector)).to_contain_text(f"{item_id} · ")
    fits_phone(team)
    screenshot(team, "preview_with_exclusions.png")

    # A bloc member checks their receipt: excluded, with the first operator's reason.
    code = db.session.get(Ballot, members[0]).receipt_code
    check_receipt(base, code, REASON)
