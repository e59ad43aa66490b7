"""Before and after the vote, on phones: a resident proposes, a neighbour supports, the
team accepts the proposal as an agenda item, deliberates, opens the vote; the resident
votes for it; after publication the team posts a follow-up update, which the resident
reads on their own ballot page. Other residents' ballots are cast in the test process."""

import re
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from deliberation.proposals.models import Proposal
from tests import elections
from tests import factories

DISTRICT = "11560"
TEAM = "browser-proposal-team"
PROPOSER = "browser-proposer"
NEIGHBOUR = "browser-neighbour"
TITLE = "대림동 골목 쉼터 만들기"


def _path(url: str) -> re.Pattern:
    return re.compile(re.escape(url) + r"(#.*)?$")


def _phase(forum_id: int) -> str:
    db.session.expire_all()
    return db.session.execute(select(Forum.phase).where(Forum.id == forum_id)).scalar_one()


def _signed_in(page, sign_in, subject: str) -> None:
    """Sign in again where the session has expired (the clock moved on)."""
    page.wait_for_load_state()
    if "/dev-idp/" in page.url:
        sign_in(page, subject)


def _move(page, base: str, forum_id: int, target: str) -> None:
    page.goto(f"{base}/manage/forums/{forum_id}/phase?phase={target}")
    page.locator("#confirm").click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert _phase(forum_id) == target


def test_a_proposal_becomes_a_funded_item_whose_progress_the_resident_follows(
    app, live_server, new_page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    issuer = app.config["OIDC_ISSUER"]
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    opens, closes = now + timedelta(hours=2), now + timedelta(days=7)
    forum = factories.forum(
        phase="proposals", opens=opens, closes=closes, deliberation_ends_at=now + timedelta(hours=1)
    )
    forum_id, forum_url = forum.id, f"{base}/forums/{forum.id}"
    factories.staff(TEAM, "district_team", DISTRICT, issuer=issuer)

    # A resident finds the proposal period on the forum page and signs in to propose.
    resident = new_page()
    resident.goto(forum_url)
    resident.locator("#proposals-button").click()
    expect(resident).to_have_url(_path(f"{forum_url}/proposals"))
    fits_phone(resident)
    screenshot(resident, "proposals_signed_out.png")
    resident.get_by_role("link", name="로그인하고 제안·지지하기").click()
    sign_in(resident, PROPOSER)
    expect(resident).to_have_url(_path(f"{forum_url}/proposals"))
    form = resident.locator("#proposal-form")
    form.locator("#title").fill(TITLE)
    form.locator("#summary").fill("어르신들이 쉬어 갈 수 있는 그늘막과 의자를 골목마다 둡시다.")
    form.locator("#estimated_cost").fill("40000000")
    form.locator("#field_id").select_option(label="복지")
    form.locator("#dong").fill("대림2동")
    fits_phone(resident)
    screenshot(resident, "proposal_form.png")
    form.locator("button[type=submit]").click()
    proposal = db.session.execute(select(Proposal)).scalar_one()
    expect(resident).to_have_url(_path(f"{forum_url}/proposals/{proposal.id}"))
    expect(resident.locator(".proposal-status")).to_have_text("검토 중")
    expect(resident.locator("#support-form")).to_have_count(0)  # not one's own
    fits_phone(resident)
    screenshot(resident, "proposal_submitted.png")

    # A neighbour supports it, once.
    neighbour = new_page()
    neighbour.goto(f"{forum_url}/proposals/{proposal.id}")
    neighbour.get_by_role("link", name="로그인하고 제안·지지하기").click()
    sign_in(neighbour, NEIGHBOUR)
    neighbour.locator("#support-form button").click()
    expect(neighbour.locator("#support-count")).to_have_text("지지 1명")
    expect(neighbour.locator("#supported")).to_be_visible()
    fits_phone(neighbour)
    screenshot(neighbour, "proposal_supported.png")

    # The team reviews it and accepts it at a final cost after its feasibility check.
    team = new_page()
    team.goto(f"{base}/manage/forums/{forum_id}/proposals")
    sign_in(team, TEAM)
    card = team.locator(f"#review-{proposal.id}")
    expect(card).to_contain_text("지지 1명")
    card.locator(f"#decision-{proposal.id}").select_option("accept")
    card.locator(f"#final_cost-{proposal.id}").fill("30000000")
    fits_phone(team)
    screenshot(team, "proposal_review.png")
    card.locator("button[type=submit]").click()
    expect(team.locator(".flash-success")).to_be_visible()
    item = db.session.execute(
        select(AgendaItem).filter_by(forum_id=forum_id, external_id=f"P-{proposal.id}")
    ).scalar_one()
    assert (item.cost, item.status) == (30_000_000, "approved")

    # The proposer sees the decision.
    resident.reload()
    expect(resident.locator(".proposal-status")).to_have_text("의제로 채택됨")

    # Deliberation is required: voting cannot open before its end.
    _move(team, base, forum_id, "deliberation")
    team.goto(f"{base}/manage/forums/{forum_id}/phase?phase=voting")
    expect(team.locator("#form-error")).to_contain_text("숙의가 끝난 뒤에만")
    fits_phone(team)
    screenshot(team, "voting_refused_during_deliberation.png")
    app.config["CLOCK"] = lambda: opens + timedelta(minutes=5)
    team.reload()
    _signed_in(team, sign_in, TEAM)
    _move(team, base, forum_id, "voting")

    # The proposer votes for the accepted proposal and two other items.
    resident.goto(f"{forum_url}/ballot")
    _signed_in(resident, sign_in, PROPOSER)
    for title in (TITLE, "Item 4", "Item 5"):
        resident.locator(".pick").filter(has_text=title).locator("input").check()
    resident.locator("#review-button").click()
    resident.locator("#confirm").click()
    expect(resident).to_have_url(_path(f"{forum_url}/my-ballot"))
    others = [str(i) for i in (item.id, forum.items[3].id, forum.items[4].id)]
    for n in range(5):
        factories.cast(forum_id, factories.user(f"proposal-journey-{n}"), others)

    # The window closes; the result is published; the team records the progress.
    app.config["CLOCK"] = lambda: closes + timedelta(hours=1)
    closing = db.session.get(Forum, forum_id)
    closing.phase = "closed"
    db.session.commit()
    elections.publish(forum_id)
    team.goto(f"{base}/manage/forums/{forum_id}/followup")
    _signed_in(team, sign_in, TEAM)
    section = team.locator(f"#manage-followup-{item.id}")
    section.locator(f"#status-{item.id}").select_option("in_progress")
    section.locator(f"#note-{item.id}").fill("대림2동 골목 세 곳에 그늘막을 설치하고 있습니다.")
    fits_phone(team)
    screenshot(team, "followup_form.png")
    section.locator("button[type=submit]").click()
    expect(team.locator(".flash-success")).to_be_visible()

    # The resident sees it on their own ballot page and on the results page.
    resident.goto(f"{forum_url}/my-ballot")
    _signed_in(resident, sign_in, PROPOSER)
    progress = resident.locator(f"#followup-{item.id}")
    expect(progress).to_contain_text("진행")
    expect(progress).to_contain_text("그늘막을 설치하고 있습니다")
    fits_phone(resident)
    screenshot(resident, "my_ballot_followup.png")
    resident.goto(f"{forum_url}/results")
    expect(resident.locator("#followup")).to_contain_text(TITLE)
    fits_phone(resident)
    screenshot(resident, "results_followup.png")
    resident.set_viewport_size({"width": 1280, "height": 900})
    screenshot(resident, "results_followup_1280.png")
