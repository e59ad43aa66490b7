"""Proposal use cases: submitting, supporting, reading and the team's decision.

Each use case runs its queries here and commits at most once; a refusal raises
``ProposalRefused`` before anything is added, so nothing is stored.
"""

from dataclasses import dataclass
from dataclasses import field

from flask import abort
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.services import display_name
from core import audit
from core import clock
from core import hooks
from core.extensions import db
from deliberation import locking
from deliberation import rules as forum_rules
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from deliberation.proposals import rules
from deliberation.proposals.models import Proposal
from deliberation.proposals.models import ProposalSupport
from deliberation.proposals.refusals import refuse


@dataclass
class ProposalInput:
    title: str
    summary: str
    estimated_cost: int
    field_id: int | None = None
    dong: str = ""
    group_name: str = ""


@dataclass
class Decision:
    decision: str  # accept, merge or reject
    reason: str = ""
    final_cost: int | None = None
    field_id: int | None = None
    merge_into: int | None = None
    hide: bool = False


@dataclass
class Board:
    """A forum's proposals as one visitor sees them."""

    forum: Forum
    proposals: list[Proposal]
    supports: dict[int, int]
    mine: list[Proposal] = field(default_factory=list)
    supported: set[int] = field(default_factory=set)
    can_propose: bool = False


def _resident(user: User | None, forum: Forum) -> bool:
    return user is not None and forum_rules.is_resident(forum.district.code, user.district_code)


def _check(check, *args, **kwargs) -> None:
    try:
        check(*args, **kwargs)
    except forum_rules.RuleError as error:
        raise refuse(error) from None


def support_counts(forum_id: int) -> dict[int, int]:
    """Supports per proposal of the forum; absent means 0."""
    query = (
        select(ProposalSupport.proposal_id, func.count(ProposalSupport.id))
        .join(Proposal, Proposal.id == ProposalSupport.proposal_id)
        .where(Proposal.forum_id == forum_id)
        .group_by(ProposalSupport.proposal_id)
    )
    return {proposal_id: n for proposal_id, n in db.session.execute(query)}


def _proposals(forum_id: int, **filters) -> list[Proposal]:
    query = select(Proposal).filter_by(forum_id=forum_id, **filters).order_by(Proposal.id)
    return list(db.session.execute(query).scalars())


def board(forum_id: int, user: User | None) -> Board:
    """The public proposals of a (public) forum, and the visitor's own, hidden ones too."""
    forum = forums.get_forum(forum_id)
    result = Board(forum, _proposals(forum.id, hidden=False), support_counts(forum.id))
    if user is not None:
        result.mine = _proposals(forum.id, proposer_key=user.voter_key)
        supported = select(ProposalSupport.proposal_id).where(
            ProposalSupport.supporter_key == user.voter_key
        )
        result.supported = set(db.session.execute(supported).scalars())
        result.can_propose = forum.phase == "proposals" and _resident(user, forum)
    return result


def get_proposal(forum_id: int, proposal_id: int, user: User | None) -> Proposal:
    """A proposal of a public forum; a hidden one only for its proposer and the team."""
    forum = forums.get_forum(forum_id)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.forum_id != forum.id:
        abort(404)
    if proposal.hidden:
        owner = user is not None and user.voter_key == proposal.proposer_key
        team = user is not None and user.has_role("district_team", forum.district.code)
        if not (owner or team):
            abort(404)
    return proposal


def has_supported(proposal: Proposal, user: User | None) -> bool:
    if user is None:
        return False
    query = select(ProposalSupport.id).filter_by(
        proposal_id=proposal.id, supporter_key=user.voter_key
    )
    return db.session.execute(query).first() is not None


def _field(forum: Forum, field_id: int | None):
    if field_id is None:
        return None
    found = next((f for f in forum.fields if f.id == field_id), None)
    if found is None:
        raise refuse(forum_rules.RuleError("unknown_field"))
    return found


def submit(forum_id: int, user: User, values: ProposalInput) -> Proposal:
    """A resident proposes an agenda item during the forum's proposal period."""
    hooks.require_participation(user)
    forum = forums.get_forum(forum_id)
    _check(
        rules.check_submission,
        forum.phase,
        _resident(user, forum),
        values.estimated_cost,
        forum.envelope,
    )
    _check(rules.check_text, values.title, values.summary, values.dong, values.group_name)
    chosen = _field(forum, values.field_id)
    proposal = Proposal(
        forum_id=forum.id,
        field_id=chosen.id if chosen else None,
        proposer_key=user.voter_key,
        proposer_name=display_name(user.voter_key),
        group_name=values.group_name,
        title=values.title,
        summary=values.summary,
        estimated_cost=values.estimated_cost,
        dong=values.dong,
        status="submitted",
        reason="",
        hidden=False,
        created_at=clock.now(),
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def support(forum_id: int, proposal_id: int, user: User) -> tuple[Proposal, bool]:
    """A resident supports another's proposal; returns it and whether the support is new."""
    hooks.require_participation(user)
    proposal = get_proposal(forum_id, proposal_id, user)
    forum = proposal.forum
    own = proposal.proposer_key == user.voter_key
    _check(rules.check_support, forum.phase, proposal.status, _resident(user, forum), own)
    if has_supported(proposal, user):
        return proposal, False
    db.session.add(
        ProposalSupport(
            proposal_id=proposal.id, supporter_key=user.voter_key, created_at=clock.now()
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same person supported it at the same moment
        db.session.rollback()
        return db.session.get(Proposal, proposal_id), False
    return proposal, True


# --- district team --------------------------------------------------------------------


def team_board(user: User, forum_id: int) -> Board:
    """Every proposal of a forum, hidden ones too, for its district team."""
    forum = forums.managed_forum(user, forum_id)
    return Board(forum, _proposals(forum.id), support_counts(forum.id))


def snapshot(proposal: Proposal) -> dict:
    """What the audit log keeps of a proposal before and after a team's step."""
    return {
        "status": proposal.status,
        "reason": proposal.reason,
        "item_id": proposal.item_id,
        "hidden": proposal.hidden,
        "title": proposal.title,
        "estimated_cost": proposal.estimated_cost,
    }


def _new_item(forum: Forum, proposal: Proposal, decision: Decision) -> AgendaItem:
    """The agenda item an accepted proposal becomes, at the team's final cost."""
    chosen = _field(forum, decision.field_id if decision.field_id else proposal.field_id)
    cost = decision.final_cost if decision.final_cost is not None else proposal.estimated_cost
    _check(forum_rules.check_item_cost, cost, chosen.envelope if chosen else None, forum.envelope)
    used = {item.external_id for item in forum.items}
    external_id, n = f"P-{proposal.id}", 1
    while external_id in used:
        n += 1
        external_id = f"P-{proposal.id}-{n}"
    item = AgendaItem(
        forum=forum,
        field=chosen,
        external_id=external_id,
        title=proposal.title,
        summary=proposal.summary,
        proposer=proposal.group_name or proposal.proposer_name,
        cost=cost,
        status="approved",
        position=len(forum.items),
    )
    db.session.add(item)
    return item


def decide(user: User, forum_id: int, proposal_id: int, decision: Decision) -> Proposal:
    """The team accepts a proposal as an agenda item, merges it into one, or rejects it;
    the reason is public and the audit log keeps who decided."""
    forum = forums.managed_forum(user, forum_id, locking.CHANGE)
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.forum_id != forum.id:
        abort(404)
    target = None
    if decision.merge_into is not None:
        target = next((i for i in forum.items if i.id == decision.merge_into), None)
    _check(
        rules.check_decision,
        forum.phase,
        proposal.status,
        decision.decision,
        decision.reason,
        target is not None and target.status != "withdrawn",
    )
    before = snapshot(proposal)
    if decision.decision == "accept":
        target = _new_item(forum, proposal, decision)
    proposal.status = rules.DECISIONS[decision.decision]
    proposal.reason = decision.reason
    proposal.item = target if decision.decision != "reject" else None
    # A proposal the team hid in moderation stays hidden whatever the decision.
    proposal.hidden = proposal.hidden or (decision.hide and decision.decision == "reject")
    proposal.decided_at = clock.now()
    db.session.flush()
    audit.record(
        user.actor,
        "proposal.decide",
        f"proposal:{proposal.id}",
        before=before,
        after=snapshot(proposal),
        reason=decision.reason or None,
    )
    db.session.commit()
    return proposal
