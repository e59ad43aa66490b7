"""Proposal use cases on the database: submit, support once, decide; nothing stored on
a refusal."""

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from core.audit import AuditEntry
from core.errors import DomainError
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.proposals import services
from deliberation.proposals.models import Proposal
from deliberation.proposals.models import ProposalSupport
from deliberation.proposals.refusals import ProposalRefused
from tests import factories


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def idea(**changes) -> services.ProposalInput:
    values = {
        "title": "골목 쉼터",
        "summary": "어르신 쉼터를 만듭시다.",
        "estimated_cost": 20_000_000,
    }
    return services.ProposalInput(**(values | changes))


@pytest.fixture
def forum(app):
    return factories.forum(phase="proposals")


@pytest.fixture
def team(app):
    return factories.staff("team", "district_team", "11560")


def test_a_resident_proposes_and_a_neighbour_supports_once(forum):
    proposer, neighbour = factories.user("p"), factories.user("n")
    proposal = services.submit(forum.id, proposer, idea(dong="대림1동", group_name="대림 주민회"))
    assert proposal.status == "submitted" and proposal.proposer_key == proposer.voter_key
    assert proposal.proposer_name and proposal.proposer_name not in proposer.voter_key
    assert services.support(forum.id, proposal.id, neighbour) == (proposal, True)
    assert services.support(forum.id, proposal.id, neighbour) == (proposal, False)
    assert services.support_counts(forum.id) == {proposal.id: 1}


def test_supports_are_one_per_person_in_the_database(forum):
    proposal = services.submit(forum.id, factories.user("p"), idea())
    db.session.add(
        ProposalSupport(proposal_id=proposal.id, supporter_key="k", created_at=forum.created_at)
    )
    db.session.commit()
    db.session.add(
        ProposalSupport(proposal_id=proposal.id, supporter_key="k", created_at=forum.created_at)
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_refusals_store_nothing(forum):
    proposer = factories.user("p")
    outsider = factories.user("o", code="11680")
    cases = [
        (outsider, idea(), "not_resident", 403),
        (proposer, idea(title=""), "title_required", 422),
        (proposer, idea(estimated_cost=forum.envelope + 1), "cost_over_envelope", 422),
        (proposer, idea(field_id=987654), "unknown_field", 422),
    ]
    for user, values, code, status in cases:
        with pytest.raises(ProposalRefused) as refused:
            services.submit(forum.id, user, values)
        assert (refused.value.code, refused.value.status) == (code, status)
    assert count(Proposal) == 0
    proposal = services.submit(forum.id, proposer, idea())
    for user, code in ((proposer, "own_proposal"), (outsider, "not_resident")):
        with pytest.raises(ProposalRefused) as refused:
            services.support(forum.id, proposal.id, user)
        assert refused.value.code == code
    assert count(ProposalSupport) == 0


def test_no_proposal_outside_the_period(app):
    forum = factories.forum(phase="deliberation")
    with pytest.raises(ProposalRefused) as refused:
        services.submit(forum.id, factories.user(), idea())
    assert refused.value.code == "not_open" and refused.value.status == 409


def test_accepting_makes_an_agenda_item_at_the_final_cost(forum, team):
    proposal = services.submit(forum.id, factories.user("p"), idea(group_name="대림 주민회"))
    field = forum.fields[1]
    decision = services.Decision("accept", final_cost=25_000_000, field_id=field.id)
    services.decide(team, forum.id, proposal.id, decision)
    item = db.session.execute(
        select(AgendaItem).filter_by(external_id=f"P-{proposal.id}")
    ).scalar_one()
    assert (item.cost, item.field_id, item.status, item.proposer) == (
        25_000_000,
        field.id,
        "approved",
        "대림 주민회",
    )
    assert proposal.status == "accepted" and proposal.item_id == item.id
    entry = db.session.execute(select(AuditEntry).filter_by(action="proposal.decide")).scalar_one()
    assert entry.actor == team.actor


def test_a_final_cost_over_the_field_envelope_is_refused(app, team):
    forum = factories.forum(phase="proposals", field_envelopes={"복지": 250_000_000})
    proposal = services.submit(forum.id, factories.user("p"), idea())
    decision = services.Decision("accept", final_cost=260_000_000, field_id=forum.fields[0].id)
    with pytest.raises(ProposalRefused) as refused:
        services.decide(team, forum.id, proposal.id, decision)
    assert refused.value.code == "cost_over_field"
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "submitted"
    assert count(AgendaItem) == 5


def test_merge_and_reject_keep_a_public_reason(forum, team):
    one = services.submit(forum.id, factories.user("p"), idea())
    two = services.submit(forum.id, factories.user("q"), idea(title="욕설"))
    target = forum.items[0]
    services.decide(
        team, forum.id, one.id, services.Decision("merge", "같은 사업", merge_into=target.id)
    )
    services.decide(
        team, forum.id, two.id, services.Decision("reject", "운영 원칙 위반", hide=True)
    )
    assert (one.status, one.item_id, one.reason) == ("merged", target.id, "같은 사업")
    assert (two.status, two.item_id, two.hidden) == ("rejected", None, True)
    board = services.board(forum.id, None)
    assert [p.id for p in board.proposals] == [one.id]
    mine = services.board(forum.id, proposer_of(two))
    assert [p.id for p in mine.mine] == [two.id]
    with pytest.raises(ProposalRefused) as refused:
        services.decide(team, forum.id, one.id, services.Decision("reject", "again"))
    assert refused.value.code == "decided"


def proposer_of(proposal) -> User:
    return db.session.execute(select(User).filter_by(voter_key=proposal.proposer_key)).scalar_one()


def test_only_the_forums_own_team_decides(forum):
    proposal = services.submit(forum.id, factories.user("p"), idea())
    other = factories.staff("other", "district_team", "11680")
    with pytest.raises(DomainError) as refused:
        services.decide(other, forum.id, proposal.id, services.Decision("reject", "no"))
    assert refused.value.status == 403
    assert db.session.get(Proposal, proposal.id).status == "submitted"


def test_voting_freezes_the_decisions(forum, team):
    proposal = services.submit(forum.id, factories.user("p"), idea())
    forum.phase = "voting"
    db.session.commit()
    with pytest.raises(ProposalRefused) as refused:
        services.decide(team, forum.id, proposal.id, services.Decision("accept"))
    assert refused.value.code == "review_closed" and refused.value.status == 409
