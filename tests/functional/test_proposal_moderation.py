"""The moderation queue's proposals: the team hides and shows them again from the page;
the public, the proposer and another district's team each see what they should."""

import pytest
from sqlalchemy import select

from auth.models import User
from core.extensions import db
from deliberation.proposals.models import Proposal
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text

QUEUE = "/manage/moderation"


@pytest.fixture
def proposal(app):
    forum = factories.forum(phase="proposals")
    return factories.proposal(forum, "writer", title="골목 쉼터", summary="전화번호 010-0000-0000")


def hide(client, proposal, reason: str, token: str | None = None):
    page = text(client.get(QUEUE))
    data = {"reason": reason, "csrf_token": token if token is not None else csrf_token(page)}
    return client.post(f"{QUEUE}/proposals/{proposal.id}/hide", data=data)


def hidden(proposal) -> bool:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id).hidden


def test_the_team_hides_a_proposal_and_shows_it_again(client, proposal):
    forum_id = proposal.forum_id
    sign_in(client, factories.staff("team", "district_team", "11560"))
    page = text(client.get(QUEUE))
    assert f'id="recent-proposal-{proposal.id}"' in page and "전화번호" in page
    refused = hide(client, proposal, " ")
    assert refused.status_code == 422 and "제안을 숨기는 이유" in text(refused)
    response = hide(client, proposal, "개인정보 노출")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"{QUEUE}#proposals"
    )
    page = text(client.get(QUEUE))
    assert f'id="hidden-proposal-{proposal.id}"' in page and "개인정보 노출" in page
    shown = client.post(
        f"{QUEUE}/proposals/{proposal.id}/show", data={"csrf_token": csrf_token(page)}
    )
    assert shown.status_code == 302 and not hidden(proposal)
    assert "골목 쉼터" in text(client.get(f"/forums/{forum_id}/proposals"))


def test_a_hidden_proposal_leaves_the_public_list_but_its_proposer_sees_why(app, proposal):
    team = app.test_client()
    sign_in(team, factories.staff("team", "district_team", "11560"))
    assert hide(team, proposal, "개인정보 노출").status_code == 302
    public = app.test_client()
    listing = f"/forums/{proposal.forum_id}/proposals"
    assert "골목 쉼터" not in text(public.get(listing))
    assert public.get(f"{listing}/{proposal.id}").status_code == 404
    assert public.get(f"/api/v1{listing}/{proposal.id}").status_code == 404
    owner = app.test_client()
    writer = db.session.execute(
        select(User).filter_by(voter_key=proposal.proposer_key)
    ).scalar_one()
    sign_in(owner, writer)
    mine = text(owner.get(listing))
    assert "골목 쉼터" in mine and "이유: 개인정보 노출" in mine
    assert "이유: 개인정보 노출" in text(owner.get(f"{listing}/{proposal.id}"))


def test_another_districts_team_cannot_moderate_the_proposal(client, proposal):
    sign_in(client, factories.staff("other", "district_team", "11680"))
    assert f"proposal-{proposal.id}" not in text(client.get(QUEUE))
    assert hide(client, proposal, "not mine").status_code == 403
    assert not hidden(proposal)
    missing = client.post(f"{QUEUE}/proposals/999999/hide", data={"reason": "x"})
    assert missing.status_code == 400  # the CSRF check comes first


def test_hiding_needs_the_forms_csrf_token(client, proposal):
    sign_in(client, factories.staff("team", "district_team", "11560"))
    assert hide(client, proposal, "spam", token="").status_code == 400
    assert hide(client, proposal, "spam", token="forged").status_code == 400
    assert not hidden(proposal)


def test_residents_cannot_hide_proposals(client, proposal):
    sign_in(client, factories.user("neighbour"))
    token = csrf_token(text(client.get(f"/forums/{proposal.forum_id}/proposals")))
    response = client.post(
        f"{QUEUE}/proposals/{proposal.id}/hide", data={"reason": "spam", "csrf_token": token}
    )
    assert response.status_code == 403
    assert not hidden(proposal)
