"""Publishing a forum's result: who may publish, and how.

A forum whose ``publication_needs_approval`` is on (the default, as a council approves)
is published in two steps by two members of its district team: one proposes a rule,
another approves, and the approval publishes exactly the proposed rule. With the
setting off, one member publishes after the confirmation page. The command line
publishes as a system action, without the two steps. Every step is audited in the
transaction that makes it.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from core import audit
from core import clock
from core.errors import DomainError
from core.extensions import db
from deliberation import locking
from deliberation import services as forums
from deliberation.models import Forum
from voting.counting import results
from voting.counting import rulebook
from voting.models import PublicationProposal
from voting.models import ResultSnapshot

SYSTEM_CLI = "system:cli"


class ApprovalError(ValueError):
    """A broken approval rule; ``code`` names it."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def check_approval(proposed_by: str, approver: str, proposed_rule: str, seen_rule: str) -> None:
    """A proposal is approved by a team member other than its proposer (``own_proposal``),
    for the very rule the approver was shown (``changed``): approving publishes exactly
    what was proposed. That the approver belongs to the forum's district team is checked
    before, as for every staff action.
    """
    if proposed_by == approver:
        raise ApprovalError("own_proposal")
    if proposed_rule != seen_rule:
        raise ApprovalError("changed")


def _approval_refusal(error: ApprovalError) -> DomainError:
    if error.code == "own_proposal":
        return DomainError(
            _("You proposed this publication: another member of the team must approve it."),
            status=403,
            code="own_proposal",
        )
    return DomainError(
        _("The proposal has changed since you opened it. Check it again."),
        status=409,
        code="changed",
    )


def pending(forum_id: int, lock: bool = False) -> PublicationProposal | None:
    """The forum's proposal awaiting approval, if any; ``lock`` holds its row (PostgreSQL)
    until the commit, so two members acting at once cannot both use it."""
    query = select(PublicationProposal).filter_by(forum_id=forum_id)
    if lock:
        query = query.with_for_update()
    return db.session.execute(query).scalar_one_or_none()


@dataclass
class Confirmation:
    """What a confirmation page shows before a publication step."""

    forum: Forum
    rule: str
    result: results.ResultView
    proposal: PublicationProposal | None
    needs_approval: bool


def _check_rule(rule: str) -> None:
    if rule not in rulebook.RULES:
        raise DomainError(_("Choose a rule to publish with."), status=422, code="rule")


def confirmation(staff: User, forum_id: int, rule: str) -> Confirmation:
    """The result a team member is about to publish, propose or approve, and the proposal.

    Refuses, with the rule's message, what could not be done: a forum not closed or
    already published, a rule that does not fit the forum.
    """
    _check_rule(rule)
    forum = forums.managed_forum(staff, forum_id)
    forums.transition_check(forum, "published")
    view = results.preview(staff, forum_id, rule)
    return Confirmation(forum, rule, view, pending(forum_id), forum.publication_needs_approval)


def approval_confirmation(staff: User, forum_id: int) -> Confirmation:
    """The pending proposal and the result it would publish, for the approving member."""
    forums.managed_forum(staff, forum_id)
    proposal = _pending_or_refuse(forum_id)
    try:
        check_approval(proposal.proposed_by, staff.actor, proposal.rule, proposal.rule)
    except ApprovalError as error:
        raise _approval_refusal(error) from None
    return confirmation(staff, forum_id, proposal.rule)


def publish_directly(staff: User, forum_id: int, rule: str) -> ResultSnapshot:
    """One team member publishes, where the forum does not ask for a second's approval."""
    _check_rule(rule)
    forum = forums.managed_forum(staff, forum_id, locking.CHANGE)
    if forum.publication_needs_approval:
        raise DomainError(
            _("This forum's publication needs another team member's approval: propose it."),
            status=409,
            code="needs_approval",
        )
    return results.publish_forum(forum, rule, staff.actor)


def _already_proposed() -> DomainError:
    return DomainError(
        _("A publication is already proposed. Withdraw it before proposing another."),
        status=409,
        code="pending",
    )


def propose(staff: User, forum_id: int, rule: str) -> PublicationProposal:
    """A team member proposes publishing under a rule; nothing is published yet."""
    _check_rule(rule)
    forum = forums.managed_forum(staff, forum_id)
    forums.transition_check(forum, "published")
    if not forum.publication_needs_approval:
        raise DomainError(
            _("This forum is published without approval: publish it directly."),
            status=409,
            code="no_approval",
        )
    if pending(forum_id) is not None:
        raise _already_proposed()
    results.compute_result(forum, rule)  # refuses a rule that does not fit this forum
    proposal = PublicationProposal(
        forum_id=forum.id, rule=rule, proposed_by=staff.actor, proposed_at=clock.now()
    )
    db.session.add(proposal)
    audit.record(staff.actor, "publication.propose", f"forum:{forum.id}", after={"rule": rule})
    try:
        db.session.commit()
    except IntegrityError:  # another member proposed at the same moment
        db.session.rollback()
        raise _already_proposed() from None
    return proposal


def is_proposed(forum_id: int) -> bool:
    """Whether a publication awaits approval (for the forum's management page)."""
    return pending(forum_id) is not None


def _pending_or_refuse(forum_id: int, lock: bool = False) -> PublicationProposal:
    proposal = pending(forum_id, lock)
    if proposal is None:
        raise DomainError(
            _("No publication is proposed for this forum."), status=409, code="no_proposal"
        )
    return proposal


def withdraw(staff: User, forum_id: int) -> None:
    """A team member withdraws the pending proposal (the proposer, or another who declines)."""
    forum = forums.managed_forum(staff, forum_id)
    proposal = _pending_or_refuse(forum.id, lock=True)
    before = {"rule": proposal.rule, "proposed_by": proposal.proposed_by}
    db.session.delete(proposal)
    audit.record(staff.actor, "publication.withdraw", f"forum:{forum.id}", before=before)
    db.session.commit()


def approve(staff: User, forum_id: int, seen_rule: str) -> ResultSnapshot:
    """Another team member approves the proposal, which publishes its rule's snapshot."""
    forum = forums.managed_forum(staff, forum_id, locking.CHANGE)
    proposal = _pending_or_refuse(forum.id, lock=True)
    try:
        check_approval(proposal.proposed_by, staff.actor, proposal.rule, seen_rule)
    except ApprovalError as error:
        raise _approval_refusal(error) from None
    rule, proposed_by = proposal.rule, proposal.proposed_by
    db.session.delete(proposal)
    audit.record(
        staff.actor,
        "publication.approve",
        f"forum:{forum.id}",
        after={"rule": rule, "proposed_by": proposed_by},
    )
    try:
        return results.publish_forum(forum, rule, staff.actor)
    except Exception:
        db.session.rollback()
        raise


def publish_as_system(forum_id: int, rule: str, actor: str = SYSTEM_CLI) -> ResultSnapshot:
    """Publish from the command line: an audited system action, without the approval step.

    Whoever runs the command on the server already holds every power; the phase rules
    still hold (only a closed, unpublished forum). A pending proposal is removed.
    """
    _check_rule(rule)
    forum = forums.load_forum(forum_id, locking.CHANGE)
    if forum is None:
        raise DomainError(f"no forum with id {forum_id}", status=404, code="no_forum")
    proposal = pending(forum.id)
    if proposal is not None:
        before = {"rule": proposal.rule, "proposed_by": proposal.proposed_by}
        db.session.delete(proposal)
        audit.record(actor, "publication.withdraw", f"forum:{forum.id}", before=before)
    try:
        return results.publish_forum(forum, rule, actor)
    except Exception:
        db.session.rollback()
        raise
