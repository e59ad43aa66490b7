"""The team's moderation of proposals: the queue, hiding with a reason, showing again,
who may do it, and what residents then see."""

import json

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from auth.models import User
from core.audit import AuditEntry
from core.extensions import db
from deliberation import moderation
from deliberation.proposals import services
from deliberation.proposals.models import Proposal
from deliberation.proposals.moderation import hide_proposal
from deliberation.proposals.moderation import show_proposal
from deliberation.proposals.refusals import ProposalRefused
from tests import factories


@pytest.fixture
def forum(app):
    return factories.forum(phase="proposals")


@pytest.fixture
def team(forum):
    """A member of the forum's district team."""
    return factories.staff("team", "district_team", forum.district.code)


def entries(action: str) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return list(db.session.execute(query).scalars())


def proposer_of(proposal: Proposal) -> User:
    return db.session.execute(select(User).filter_by(voter_key=proposal.proposer_key)).scalar_one()


def test_the_queue_lists_the_teams_recent_and_hidden_proposals_only(forum, team):
    ours = factories.proposal(forum, "p1")
    hidden = factories.proposal(forum, "p2", hidden=True, hidden_reason="spam")
    elsewhere = factories.proposal(factories.forum(code="11680", phase="proposals"), "p3")
    queue = moderation.moderation_queue(team).proposals
    assert [p.id for p in queue.recent] == [ours.id]
    assert [p.id for p in queue.hidden] == [hidden.id]
    assert elsewhere.id not in {p.id for p in queue.recent + queue.hidden}


def test_hide_then_show_is_audited_with_what_the_proposal_said(forum, team):
    proposal = factories.proposal(forum, summary="욕설이 섞인 제안")
    hide_proposal(proposal.id, team, "  abusive language ")
    db.session.expire_all()
    hidden = db.session.get(Proposal, proposal.id)
    assert hidden.hidden and hidden.hidden_reason == "abusive language"
    (entry,) = entries("proposal.hide")
    assert entry.actor == team.actor and entry.reason == "abusive language"
    assert json.loads(entry.before)["summary"] == "욕설이 섞인 제안"
    show_proposal(proposal.id, team, "reviewed again")
    db.session.expire_all()
    shown = db.session.get(Proposal, proposal.id)
    assert not shown.hidden and shown.hidden_reason == ""
    (entry,) = entries("proposal.show")
    assert entry.reason == "reviewed again" and json.loads(entry.before)["hidden"]


@pytest.mark.parametrize(
    ("hidden", "action", "reason", "code", "status"),
    [
        (False, hide_proposal, "  ", "hide_reason_required", 422),
        (False, hide_proposal, "x" * 1001, "too_long", 422),
        (True, hide_proposal, "again", "already_hidden", 409),
        (False, show_proposal, "", "not_hidden", 409),
        (True, show_proposal, "x" * 1001, "too_long", 422),
    ],
)
def test_a_refused_step_changes_nothing(forum, team, hidden, action, reason, code, status):
    proposal = factories.proposal(forum, hidden=hidden, hidden_reason="spam" if hidden else "")
    with pytest.raises(ProposalRefused) as refused:
        action(proposal.id, team, reason)
    assert (refused.value.code, refused.value.status) == (code, status)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).hidden is hidden
    assert entries("proposal.hide") == entries("proposal.show") == []


def test_another_districts_team_cannot_moderate(forum):
    proposal = factories.proposal(forum)
    other = factories.staff("other", "district_team", "11680")
    assert moderation.moderation_queue(other).proposals.recent == []
    with pytest.raises(ProposalRefused) as refused:
        hide_proposal(proposal.id, other, "not mine")
    assert refused.value.status == 403
    db.session.expire_all()
    assert not db.session.get(Proposal, proposal.id).hidden


def test_an_unknown_proposal_is_404(forum, team):
    with pytest.raises(NotFound):
        hide_proposal(999_999, team, "gone")


def test_a_hidden_proposal_leaves_the_public_list_but_not_its_proposers(forum, team):
    proposal = factories.proposal(forum, "writer")
    hide_proposal(proposal.id, team, "personal data in the text")
    proposer = proposer_of(proposal)
    assert proposal.id not in {p.id for p in services.board(forum.id, None).proposals}
    mine = services.board(forum.id, proposer).mine
    assert [(p.id, p.hidden_reason) for p in mine] == [(proposal.id, "personal data in the text")]
    assert services.get_proposal(forum.id, proposal.id, proposer).id == proposal.id


def test_a_decision_keeps_a_hidden_proposal_hidden(forum, team):
    proposal = factories.proposal(forum)
    hide_proposal(proposal.id, team, "spam")
    services.decide(team, forum.id, proposal.id, services.Decision("accept"))
    db.session.expire_all()
    decided = db.session.get(Proposal, proposal.id)
    assert decided.status == "accepted" and decided.hidden
