"""On phones: the district team hides a resident's proposal from the moderation queue
with a reason; the public list no longer shows it, and its proposer reads why."""

import re
from datetime import datetime
from datetime import UTC

from playwright.sync_api import expect

from core.extensions import db
from deliberation.proposals.models import Proposal
from tests import factories

DISTRICT = "11560"
TEAM = "browser-moderation-team"
PROPOSER = "browser-moderated-proposer"
TITLE = "신길동 공원 야간 조명"
HIDE_REASON = "연락처 등 개인정보가 적혀 있습니다"


def test_the_team_hides_a_proposal_and_its_proposer_reads_why(
    app, live_server, new_page, sign_in, screenshot, fits_phone
):
    base = live_server.url
    issuer = app.config["OIDC_ISSUER"]
    forum = factories.forum(phase="proposals")
    proposer = factories.user(PROPOSER, code=DISTRICT, issuer=issuer)
    proposal = Proposal(
        forum_id=forum.id,
        proposer_key=proposer.voter_key,
        proposer_name="QWE123",
        title=TITLE,
        summary="공원 산책로에 조명을 달아 주세요. 연락처 010-0000-0000",
        estimated_cost=30_000_000,
        created_at=datetime.now(UTC),
    )
    db.session.add(proposal)
    db.session.commit()
    proposal_id, listing = proposal.id, f"{base}/forums/{forum.id}/proposals"
    factories.staff(TEAM, "district_team", DISTRICT, issuer=issuer)

    # The team finds the proposal in the moderation queue and hides it with a reason.
    team = new_page()
    team.goto(f"{base}/manage/moderation")
    sign_in(team, TEAM)
    card = team.locator(f"#recent-proposal-{proposal_id}")
    expect(card).to_contain_text(TITLE)
    fits_phone(team)
    screenshot(team, "moderation_proposals.png")
    hide = card.locator("form[action$='/hide']")
    hide.locator("input[name=reason]").fill(HIDE_REASON)
    hide.locator("button[type=submit]").click()
    expect(team.locator(".flash-success")).to_be_visible()
    expect(team.locator(f"#recent-proposal-{proposal_id}")).to_have_count(0)
    expect(team.locator(f"#hidden-proposal-{proposal_id}")).to_contain_text(HIDE_REASON)

    # The public list no longer shows it.
    visitor = new_page()
    visitor.goto(listing)
    expect(visitor.locator("#proposal-list")).not_to_contain_text(TITLE)

    # Its proposer still sees it among their own, with the team's reason.
    resident = new_page()
    resident.goto(listing)
    resident.get_by_role("link", name="로그인하고 제안·지지하기").click()
    sign_in(resident, PROPOSER)
    expect(resident).to_have_url(re.compile(re.escape(listing) + r"\??$"))
    mine = resident.locator("#my-proposals")
    expect(mine).to_contain_text(TITLE)
    expect(mine.locator(".proposal-hidden")).to_contain_text(HIDE_REASON)
    expect(resident.locator("#proposal-list")).not_to_contain_text(TITLE)
    fits_phone(resident)
    screenshot(resident, "proposal_hidden_for_its_proposer.png")
