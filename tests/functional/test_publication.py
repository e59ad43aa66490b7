"""Phase changes and publication over HTTP: confirmation pages and the two-person approval."""

import json
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.web import csrf_token
from tests.web import sign_in
from tests.web import text
from voting.models import PublicationProposal
from voting.models import ResultSnapshot

NOW = datetime.now(UTC)
FREEZE = "투표를 시작하면 의제와 규칙을 더 이상 바꿀 수 없습니다."


@pytest.fixture
def team(app):
    factories.district("11680", "강남구")
    return {
        "a1": factories.staff("team-a1", "district_team", "11560"),
        "a2": factories.staff("team-a2", "district_team", "11560"),
        "b": factories.staff("team-b", "district_team", "11680"),
    }


def closed_forum(app, **options) -> Forum:
    """A closed forum with a few ballots; equal shares and greedy fund different items."""
    forum = factories.forum(
        items=((0, 100), (0, 100), (1, 100), (1, 100), (2, 300)),
        envelope=300,
        closes=NOW + timedelta(hours=1),
        **options,
    )
    ids = factories.item_ids(forum)
    picks = [[ids[4], ids[0], ids[1]]] * 4 + [[ids[2], ids[3], ids[0]]] * 3
    for n, ballot in enumerate(picks):
        factories.cast(forum.id, factories.user(f"pub-voter-{forum.id}-{n}"), ballot)
    app.config["CLOCK"] = lambda: NOW + timedelta(hours=2)
    forum.phase = "closed"
    db.session.commit()
    return forum


def as_(client, user):
    with client.session_transaction() as session:
        session.clear()
    sign_in(client, user)
    return client


def post(client, url, page_url, **data):
    token = csrf_token(text(client.get(page_url)))
    return client.post(url, data=dict(data, csrf_token=token))


def published(forum_id):
    db.session.expire_all()
    query = select(ResultSnapshot).filter_by(forum_id=forum_id)
    return db.session.execute(query).scalar_one_or_none()


def proposal_of(forum_id):
    db.session.expire_all()
    query = select(PublicationProposal).filter_by(forum_id=forum_id)
    return db.session.execute(query).scalar_one_or_none()


def audit_actions(forum_id):
    query = (
        select(AuditEntry.action, AuditEntry.actor, AuditEntry.after)
        .where(AuditEntry.target == f"forum:{forum_id}")
        .order_by(AuditEntry.seq)
    )
    rows = db.session.execute(query)
    return [(action, actor, json.loads(after or "null")) for action, actor, after in rows]


# --- phase changes -----------------------------------------------------------------


def test_starting_voting_asks_for_confirmation_first(client, team):
    forum = factories.forum(phase="deliberation", opens=NOW + timedelta(days=1))
    as_(client, team["a1"])
    base = f"/manage/forums/{forum.id}"
    page = client.get(f"{base}/phase?phase=voting")
    assert page.status_code == 200
    assert FREEZE in text(page) and 'id="confirm-form"' in text(page)
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).phase == "deliberation"
    response = post(client, f"{base}/phase", f"{base}/phase?phase=voting", phase="voting")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).phase == "voting"


def test_the_forum_page_asks_for_the_confirmation_page_not_the_change(client, team):
    forum = factories.forum(phase="deliberation")
    as_(client, team["a1"])
    html = text(client.get(f"/manage/forums/{forum.id}"))
    form = html[html.index('id="phase-form"') - 120 : html.index('id="phase-form"')]
    assert 'method="get"' in form and f"/manage/forums/{forum.id}/phase" in form


def test_a_change_the_rules_refuse_is_refused_before_confirming(client, team):
    forum = factories.forum(phase="voting")  # its window is still open
    as_(client, team["a1"])
    page = client.get(f"/manage/forums/{forum.id}/phase?phase=closed")
    assert page.status_code == 409
    assert 'id="form-error"' in text(page) and 'id="confirm-form"' not in text(page)


def test_another_districts_team_sees_no_confirmation(client, team):
    forum = factories.forum(phase="deliberation")
    as_(client, team["b"])
    assert client.get(f"/manage/forums/{forum.id}/phase?phase=voting").status_code == 403


# --- publication with approval (the default) -----------------------------------------


def test_approval_is_on_by_default(app):
    forum = factories.forum()
    assert forum.publication_needs_approval is True


def test_one_member_proposes_and_another_approves_exactly_that_rule(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    confirm = client.get(f"{base}/publish?rule=equal_shares")
    assert confirm.status_code == 200
    assert "되돌릴 수 없습니다" in text(confirm) and f"{base}/publish/propose" in text(confirm)
    response = post(client, f"{base}/publish/propose", f"{base}/results", rule="equal_shares")
    assert response.status_code == 302
    assert published(forum.id) is None
    assert proposal_of(forum.id).rule == "equal_shares"

    as_(client, team["a2"])
    assert 'id="publication-proposed"' in text(client.get(base))
    results_page = text(client.get(f"{base}/results"))
    assert 'rule=equal_shares" aria-current="page"' in results_page
    assert 'id="review-proposal"' in results_page
    review = client.get(f"{base}/publish/approve")
    assert review.status_code == 200 and "균등 배분 방식" in text(review)
    response = post(client, f"{base}/publish/approve", f"{base}/results", rule="equal_shares")
    assert response.status_code == 302
    snapshot = published(forum.id)
    assert snapshot.rule == "equal_shares" and snapshot.published_by == team["a2"].actor
    assert proposal_of(forum.id) is None
    assert db.session.get(Forum, forum.id).phase == "published"
    actions = audit_actions(forum.id)
    assert ("publication.propose", team["a1"].actor, {"rule": "equal_shares"}) in actions
    approve = {"rule": "equal_shares", "proposed_by": team["a1"].actor}
    assert ("publication.approve", team["a2"].actor, approve) in actions
    assert [a for a, *_ in actions][-2:] == ["publication.approve", "forum.publish"]


def test_the_proposer_cannot_approve_their_own_proposal(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    post(client, f"{base}/publish/propose", f"{base}/results", rule="greedy")
    assert client.get(f"{base}/publish/approve").status_code == 403
    response = post(client, f"{base}/publish/approve", f"{base}/results", rule="greedy")
    assert response.status_code == 403
    assert published(forum.id) is None and proposal_of(forum.id) is not None
    assert 'id="review-proposal"' not in text(client.get(f"{base}/results"))


def test_another_districts_team_cannot_approve(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    post(client, f"{base}/publish/propose", f"{base}/results", rule="greedy")
    as_(client, team["b"])
    response = post(client, f"{base}/publish/approve", "/manage/forums/new", rule="greedy")
    assert response.status_code == 403
    assert published(forum.id) is None and proposal_of(forum.id) is not None


def test_approval_publishes_only_the_proposed_rule(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    post(client, f"{base}/publish/propose", f"{base}/results", rule="greedy")
    as_(client, team["a2"])
    response = post(client, f"{base}/publish/approve", f"{base}/results", rule="equal_shares")
    assert response.status_code == 409
    assert published(forum.id) is None and proposal_of(forum.id).rule == "greedy"


def test_a_proposal_can_be_withdrawn_and_then_nothing_is_approved(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    post(client, f"{base}/publish/propose", f"{base}/results", rule="greedy")
    again = post(client, f"{base}/publish/propose", f"{base}/results", rule="equal_shares")
    assert again.status_code == 409 and proposal_of(forum.id).rule == "greedy"
    response = post(client, f"{base}/publish/withdraw", f"{base}/results")
    assert response.status_code == 302 and proposal_of(forum.id) is None
    withdrawn = {"rule": "greedy", "proposed_by": team["a1"].actor}
    query = select(AuditEntry).filter_by(action="publication.withdraw", target=f"forum:{forum.id}")
    entry = db.session.execute(query).scalar_one()
    assert entry.actor == team["a1"].actor and json.loads(entry.before) == withdrawn
    as_(client, team["a2"])
    response = post(client, f"{base}/publish/approve", f"{base}/results", rule="greedy")
    assert response.status_code == 409 and published(forum.id) is None


def test_with_approval_on_one_member_cannot_publish_directly(client, team, app):
    forum = closed_forum(app)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    response = post(client, f"{base}/publish", f"{base}/results", rule="greedy")
    assert response.status_code == 409 and published(forum.id) is None


def test_a_proposal_needs_a_closed_forum(client, team, app):
    forum = factories.forum(phase="voting")
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    assert client.get(f"{base}/publish?rule=greedy").status_code == 409
    response = post(client, f"{base}/publish/propose", f"{base}/assisted", rule="greedy")
    assert response.status_code == 409 and proposal_of(forum.id) is None


# --- publication without approval ---------------------------------------------------


def test_with_approval_off_one_member_publishes_after_confirming(client, team, app):
    forum = closed_forum(app, publication_needs_approval=False)
    base = f"/manage/forums/{forum.id}"
    as_(client, team["a1"])
    confirm = client.get(f"{base}/publish?rule=equal_shares")
    assert confirm.status_code == 200 and "되돌릴 수 없습니다" in text(confirm)
    assert f'action="{base}/publish"' in text(confirm)
    assert published(forum.id) is None
    refused = post(client, f"{base}/publish/propose", f"{base}/results", rule="greedy")
    assert refused.status_code == 409 and proposal_of(forum.id) is None
    response = post(client, f"{base}/publish", f"{base}/results", rule="equal_shares")
    assert response.status_code == 302
    snapshot = published(forum.id)
    assert snapshot.rule == "equal_shares" and snapshot.published_by == team["a1"].actor


def test_the_setting_is_saved_from_the_settings_form(client, team):
    forum = factories.forum(phase="draft")
    as_(client, team["a1"])
    url = f"/manage/forums/{forum.id}"
    html = text(client.get(url))
    assert 'name="publication_needs_approval"' in html
    data = {
        "csrf_token": csrf_token(html),
        "district": "11560",
        "title": forum.title,
        "voting_starts_at": "2030-07-06T00:00",
        "voting_ends_at": "2030-07-13T23:59",
        "min_picks": "3",
        "max_picks": "3",
        "envelope": str(forum.envelope),
    }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).publication_needs_approval is False
    data["publication_needs_approval"] = "y"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).publication_needs_approval is True


def test_closing_says_it_is_final_and_then_the_phase_form_is_gone(client, team, app):
    forum = factories.forum(phase="voting", closes=NOW + timedelta(hours=1))
    app.config["CLOCK"] = lambda: NOW + timedelta(hours=2)
    as_(client, team["a1"])
    base = f"/manage/forums/{forum.id}"
    page = client.get(f"{base}/phase?phase=closed")
    assert page.status_code == 200 and "마감한 공론장은 다시 열 수 없습니다." in text(page)
    assert post(client, f"{base}/phase", base, phase="closed").status_code == 302
    html = text(client.get(base))
    assert 'id="phase-form"' not in html and 'id="results-link"' in html
