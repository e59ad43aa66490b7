"""The district team's moderation of proposals: the queue's proposals, hiding one with a
reason and showing it again.

Hiding sets the proposal's own ``hidden`` flag, the one a rejection can set: the
proposal leaves the public list and the API, while its proposer still sees it with the
reason. Each use case commits once, with its audit entry; a refusal raises
``ProposalRefused`` before anything changes.
"""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select

from auth.models import User
from core import audit
from core.extensions import db
from deliberation.models import District
from deliberation.models import Forum
from deliberation.proposals import rules
from deliberation.proposals import services
from deliberation.proposals.models import Proposal
from deliberation.proposals.refusals import refuse
from deliberation.rules import RuleError

QUEUE_SIZE = 50


@dataclass
class ProposalQueue:
    recent: list[Proposal]
    hidden: list[Proposal]


def proposal_queue(codes: set[str]) -> ProposalQueue:
    """The latest visible and hidden proposals on the forums of the team's districts."""
    base = (
        select(Proposal)
        .join(Forum, Forum.id == Proposal.forum_id)
        .join(District, District.id == Forum.district_id)
        .where(District.code.in_(codes))
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .limit(QUEUE_SIZE)
    )
    recent = db.session.execute(base.where(Proposal.hidden.is_(False))).scalars()
    hidden = db.session.execute(base.where(Proposal.hidden.is_(True))).scalars()
    return ProposalQueue(recent=list(recent), hidden=list(hidden))


def _moderated(proposal_id: int, user: User) -> Proposal:
    """The proposal, if the user is on the team of its forum's district (403 otherwise)."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    if not user.has_role("district_team", proposal.forum.district.code):
        raise refuse(RuleError("not_team"))
    return proposal


def _snapshot(proposal: Proposal) -> dict:
    return {
        **services.snapshot(proposal),
        "hidden_reason": proposal.hidden_reason,
        "proposer": proposal.proposer_name,
        "summary": proposal.summary,
    }


def _set_hidden(proposal_id: int, user: User, hide: bool, reason: str | None) -> Proposal:
    """Hide the proposal or show it again, checked by ``rules.check_hide`` or
    ``rules.check_show``, with an audit entry keeping what it said."""
    proposal = _moderated(proposal_id, user)
    text = (reason or "").strip()
    try:
        (rules.check_hide if hide else rules.check_show)(proposal.hidden, text)
    except RuleError as error:
        raise refuse(error) from None
    before = _snapshot(proposal)
    proposal.hidden = hide
    proposal.hidden_reason = text if hide else ""
    audit.record(
        user.actor,
        "proposal.hide" if hide else "proposal.show",
        f"proposal:{proposal.id}",
        before=before,
        after={"hidden": hide, "hidden_reason": proposal.hidden_reason},
        reason=text or None,
    )
    db.session.commit()
    return proposal


def hide_proposal(proposal_id: int, user: User, reason: str | None) -> Proposal:
    """Hide a proposal from the public with a reason its proposer reads."""
    return _set_hidden(proposal_id, user, True, reason)


def show_proposal(proposal_id: int, user: User, note: str | None = None) -> Proposal:
    """Show a hidden proposal to the public again; the note goes to the audit log."""
    return _set_hidden(proposal_id, user, False, note)
