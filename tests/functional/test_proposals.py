"""Proposal pages and API: propose, support, decide, and what each visitor sees."""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.proposals import services
from deliberation.proposals.models import Proposal
from deliberation.proposals.models import ProposalSupport
from tests import factories
from tests.conftest import make_app
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def propose(client, forum, **changes):
    page = text(client.get(f"/forums/{forum.id}/proposals"))
    data = {
        "csrf_token": csrf_token(page),
        "title": "골목 쉼터",
        "summary": "어르신 쉼터를 만듭시다.",
        "estimated_cost": "20000000",
        "dong": "대림1동",
        "group_name": "",
        "field_id": "",
    }
    return client.post(f"/forums/{forum.id}/proposals", data=data | changes)


@pytest.fixture
def forum(app):
    return factories.forum(phase="proposals")


def test_a_resident_proposes_from_the_forum_page(client, forum):
    page = text(client.get(f"/forums/{forum.id}"))
    assert "의제 제안하기" in page
    sign_in(client, factories.user())
    response = propose(client, forum)
    assert response.status_code == 302
    proposal = db.session.execute(select(Proposal)).scalar_one()
    assert response.headers["Location"].endswith(f"/forums/{forum.id}/proposals/{proposal.id}")
    page = text(client.get(f"/forums/{forum.id}/proposals"))
    assert "내 제안" in page and "골목 쉼터" in page and "검토 중" in page


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"title": ""}, 422, "제안 제목을 적어 주세요."),
        ({"title": "가" * 201}, 422, "제목은 200자까지"),
        ({"estimated_cost": "1,000"}, 400, ""),
        ({"estimated_cost": "999999999999"}, 400, ""),
        ({"summary": "a\x00b"}, 400, ""),
        ({"field_id": "987654"}, 400, ""),
    ],
)
def test_bad_input_is_a_clear_4xx_and_nothing_is_stored(client, forum, changes, status, message):
    sign_in(client, factories.user())
    response = propose(client, forum, **changes)
    assert response.status_code == status
    assert 'id="form-error"' in text(response) and message in text(response)
    assert count(Proposal) == 0


def test_a_proposal_without_csrf_is_refused(client, forum):
    sign_in(client, factories.user())
    response = client.post(f"/forums/{forum.id}/proposals", data={"title": "t"})
    assert response.status_code == 400 and count(Proposal) == 0


def test_a_resident_of_another_district_cannot_propose(client, forum):
    sign_in(client, factories.user("outsider", code="11680"))
    page = text(client.get(f"/forums/{forum.id}/proposals"))
    assert 'id="not-resident"' in page and 'id="proposal-form"' not in page
    response = propose(client, forum)
    assert response.status_code == 403 and count(Proposal) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, app, forum):
    page = text(client.get(f"/forums/{forum.id}/proposals"))
    assert 'id="proposal-form"' not in page and "로그인하고 제안·지지하기" in page
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post(f"/forums/{forum.id}/proposals", data={"title": "t"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(Proposal) == 0


def test_a_neighbour_supports_once(client, forum):
    proposal = services.submit(
        forum.id, factories.user("p"), services.ProposalInput("t", "s", 1_000)
    )
    sign_in(client, factories.user("n"))
    url = f"/forums/{forum.id}/proposals/{proposal.id}"
    for _ in range(2):
        page = text(client.get(url))
        token = csrf_token(page)
        response = client.post(f"{url}/support", data={"csrf_token": token})
        assert response.status_code == 302
    assert count(ProposalSupport) == 1
    page = text(client.get(url))
    assert "지지 1명" in page and 'id="supported"' in page


def test_the_proposer_sees_no_support_button_and_is_refused(client, forum):
    proposer = factories.user("p")
    proposal = services.submit(forum.id, proposer, services.ProposalInput("t", "s", 1_000))
    sign_in(client, proposer)
    url = f"/forums/{forum.id}/proposals/{proposal.id}"
    page = text(client.get(url))
    assert 'id="support-form"' not in page
    response = client.post(f"{url}/support", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 422 and count(ProposalSupport) == 0


def test_the_team_accepts_and_the_proposer_sees_it(client, app, forum):
    proposer = factories.user("p")
    proposal = services.submit(forum.id, proposer, services.ProposalInput("쉼터", "s", 1_000))
    sign_in(client, factories.staff("team", "district_team", "11560"))
    page = text(client.get(f"/manage/forums/{forum.id}/proposals"))
    assert "주민 제안 검토" in page and "쉼터" in page
    data = {"csrf_token": csrf_token(page), "decision": "accept", "final_cost": "1200"}
    response = client.post(f"/manage/forums/{forum.id}/proposals/{proposal.id}/decide", data=data)
    assert response.status_code == 302
    resident = app.test_client()
    sign_in(resident, proposer)
    page = text(resident.get(f"/forums/{forum.id}/proposals"))
    assert "의제로 채택됨" in page and f"P-{proposal.id}" in page


def test_a_rejection_without_reason_is_refused_on_the_team_page(client, forum):
    proposal = services.submit(
        forum.id, factories.user("p"), services.ProposalInput("t", "s", 1_000)
    )
    sign_in(client, factories.staff("team", "district_team", "11560"))
    page = text(client.get(f"/manage/forums/{forum.id}/proposals"))
    data = {"csrf_token": csrf_token(page), "decision": "reject", "reason": ""}
    response = client.post(f"/manage/forums/{forum.id}/proposals/{proposal.id}/decide", data=data)
    assert response.status_code == 422 and "공개할 사유" in text(response)
    assert db.session.get(Proposal, proposal.id).status == "submitted"


def test_residents_cannot_open_the_team_page(client, forum):
    sign_in(client, factories.user())
    assert client.get(f"/manage/forums/{forum.id}/proposals").status_code == 403


def test_another_districts_team_is_refused(client, forum):
    sign_in(client, factories.staff("other", "district_team", "11680"))
    assert client.get(f"/manage/forums/{forum.id}/proposals").status_code == 403


def test_a_hidden_proposal_is_gone_for_the_public_but_not_its_proposer(client, app, forum):
    proposer = factories.user("p")
    proposal = services.submit(forum.id, proposer, services.ProposalInput("욕설", "s", 1_000))
    team = factories.staff("team", "district_team", "11560")
    services.decide(
        team, forum.id, proposal.id, services.Decision("reject", "운영 원칙", hide=True)
    )
    url = f"/forums/{forum.id}/proposals/{proposal.id}"
    assert client.get(url).status_code == 404
    assert client.get(f"/api/v1/forums/{forum.id}/proposals/{proposal.id}").status_code == 404
    sign_in(client, proposer)
    page = text(client.get(url))
    assert "운영 원칙" in page and "반려됨" in page


def test_draft_forums_have_no_proposal_pages(client, app):
    forum = factories.forum(phase="draft")
    assert client.get(f"/forums/{forum.id}/proposals").status_code == 404
    assert client.get(f"/api/v1/forums/{forum.id}/proposals").status_code == 404


def test_the_api_lists_proposals_with_supports_and_decisions(client, forum):
    proposal = services.submit(
        forum.id, factories.user("p"), services.ProposalInput("t", "s", 1_000)
    )
    services.support(forum.id, proposal.id, factories.user("n"))
    team = factories.staff("team", "district_team", "11560")
    services.decide(team, forum.id, proposal.id, services.Decision("reject", "중복"))
    listed = client.get(f"/api/v1/forums/{forum.id}/proposals").get_json()["proposals"]
    assert len(listed) == 1
    assert listed[0] | {"created_at": None, "decided_at": None} == {
        "id": proposal.id,
        "title": "t",
        "summary": "s",
        "field": None,
        "estimated_cost": 1_000,
        "dong": None,
        "group": None,
        "proposer": proposal.proposer_name,
        "status": "rejected",
        "reason": "중복",
        "item": None,
        "supports": 1,
        "created_at": None,
        "decided_at": None,
    }
    one = client.get(f"/api/v1/forums/{forum.id}/proposals/{proposal.id}").get_json()
    assert one["id"] == proposal.id and one["supports"] == 1
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/forums/{forum_id}/proposals/{proposal_id}" in spec["paths"]
    assert "Proposal" in spec["components"]["schemas"]


def test_proposing_is_rate_limited_as_commenting_is(backend, tmp_path):
    app = make_app(backend, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_COMMENT="2 per minute")
    with app.app_context():
        try:
            client = app.test_client()
            forum = factories.forum(phase="proposals")
            sign_in(client, factories.user())
            statuses = [propose(client, forum, title=f"제안 {n}").status_code for n in range(3)]
            assert statuses == [302, 302, 429]
            assert count(Proposal) == 2
        finally:
            db.session.remove()


def test_the_english_pages_read_in_english(client, forum):
    factories.proposal(forum)
    client.get("/lang/en")
    page = text(client.get(f"/forums/{forum.id}/proposals"))
    assert "<h1>Residents" in page and "Under review" in page and "1 proposal<" in page
