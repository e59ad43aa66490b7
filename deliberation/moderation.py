"""The district team's moderation of comments: the queue, hiding, showing again and
keeping a reported comment. The queue also lists the districts' proposals, moderated in
``deliberation.proposals.moderation``.

Each use case commits once, with its audit entry; a refusal raises ``CommentRefused``
before anything changes.
"""

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy import update

from auth.models import User
from core import audit
from core import clock
from core.extensions import db
from deliberation.comments import clean_reason
from deliberation.comments import CommentRefused
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import District
from deliberation.models import Forum
from deliberation.proposals.moderation import proposal_queue
from deliberation.proposals.moderation import ProposalQueue

QUEUE_SIZE = 50


@dataclass
class QueueEntry:
    comment: Comment
    reports: list[CommentReport]


@dataclass
class ModerationQueue:
    districts: list[str]
    reported: list[QueueEntry]
    hidden: list[QueueEntry]
    recent: list[QueueEntry]
    proposals: ProposalQueue


def _team_comments(codes: set[str]):
    return (
        select(Comment)
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .join(Forum, Forum.id == AgendaItem.forum_id)
        .join(District, District.id == Forum.district_id)
        .where(District.code.in_(codes))
    )


def moderation_queue(user: User) -> ModerationQueue:
    """Reported, hidden and recent comments, and recent and hidden proposals, on the
    forums of the user's team districts."""
    codes = user.team_districts()
    if not codes:
        abort(403)
    open_reports = select(CommentReport.comment_id).where(CommentReport.resolved.is_(False))
    base = _team_comments(codes)
    reported = list(
        db.session.execute(
            base.where(Comment.hidden.is_(False), Comment.id.in_(open_reports)).order_by(Comment.id)
        ).scalars()
    )
    hidden = list(
        db.session.execute(
            base.where(Comment.hidden.is_(True))
            .order_by(Comment.hidden_at.desc(), Comment.id.desc())
            .limit(QUEUE_SIZE)
        ).scalars()
    )
    reported_ids = [c.id for c in reported]
    recent = list(
        db.session.execute(
            base.where(Comment.hidden.is_(False), Comment.id.not_in(reported_ids))
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(QUEUE_SIZE)
        ).scalars()
    )
    ids = {c.id for c in reported + hidden + recent}
    reports: dict[int, list[CommentReport]] = {i: [] for i in ids}
    if ids:
        query = (
            select(CommentReport)
            .where(CommentReport.comment_id.in_(ids))
            .order_by(CommentReport.created_at, CommentReport.id)
        )
        for report in db.session.execute(query).scalars():
            reports[report.comment_id].append(report)

    def entries(comments: list[Comment], unresolved: bool = False) -> list[QueueEntry]:
        return [
            QueueEntry(c, [r for r in reports[c.id] if not (unresolved and r.resolved)])
            for c in comments
        ]

    return ModerationQueue(
        districts=sorted(codes),
        reported=entries(reported, unresolved=True),
        hidden=entries(hidden),
        recent=entries(recent),
        proposals=proposal_queue(codes),
    )


def _moderated_comment(comment_id: int, user: User) -> Comment:
    """The comment, if the user is on the team of its forum's district (403 otherwise)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    if not user.has_role("district_team", comment.item.forum.district.code):
        raise CommentRefused(
            _("Only the district team of this forum can moderate its comments."), 403, "forbidden"
        )
    return comment


def _resolve_reports(comment_id: int) -> int:
    result = db.session.execute(
        update(CommentReport)
        .where(CommentReport.comment_id == comment_id, CommentReport.resolved.is_(False))
        .values(resolved=True)
    )
    return result.rowcount


def _snapshot(comment: Comment) -> dict:
    return {
        "hidden": comment.hidden,
        "hidden_reason": comment.hidden_reason,
        "item": comment.item_id,
        "author": comment.author_name,
        "stance": comment.stance,
        "body": comment.body,
    }


def hide_comment(comment_id: int, user: User, reason: str | None) -> Comment:
    """Hide a comment with a reason; its body stays in the audit log and the database."""
    comment = _moderated_comment(comment_id, user)
    text = clean_reason(reason, required=True)
    if comment.hidden:
        raise CommentRefused(_("This comment is already hidden."), 409, "already_hidden")
    before = _snapshot(comment)
    comment.hidden = True
    comment.hidden_reason = text
    comment.hidden_at = clock.now()
    resolved = _resolve_reports(comment.id)
    after = {"hidden": True, "hidden_reason": text, "reports_resolved": resolved}
    audit.record(
        user.actor, "comment.hide", f"comment:{comment.id}", before=before, after=after, reason=text
    )
    db.session.commit()
    return comment


def restore_comment(comment_id: int, user: User, reason: str | None = None) -> Comment:
    """Show a hidden comment again."""
    comment = _moderated_comment(comment_id, user)
    text = clean_reason(reason, required=False)
    if not comment.hidden:
        raise CommentRefused(_("This comment is not hidden."), 409, "not_hidden")
    before = _snapshot(comment)
    comment.hidden = False
    comment.hidden_reason = None
    comment.hidden_at = None
    audit.record(
        user.actor,
        "comment.restore",
        f"comment:{comment.id}",
        before=before,
        after={"hidden": False},
        reason=text or None,
    )
    db.session.commit()
    return comment


def keep_comment(comment_id: int, user: User) -> Comment:
    """Close the open reports on a comment the team decided to keep visible."""
    comment = _moderated_comment(comment_id, user)
    if comment.hidden:
        raise CommentRefused(_("This comment is already hidden."), 409, "already_hidden")
    resolved = _resolve_reports(comment.id)
    if not resolved:
        raise CommentRefused(_("This comment has no open reports."), 409, "no_reports")
    audit.record(
        user.actor,
        "comment.keep",
        f"comment:{comment.id}",
        before={"open_reports": resolved},
        after={"open_reports": 0},
    )
    db.session.commit()
    return comment
