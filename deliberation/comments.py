"""Discussion use cases: posting, replying and reporting comments (moderation is in
``deliberation.moderation``, a resident's own edits in ``deliberation.comment_edits``).

Each use case runs its queries here and commits at most once; a refusal raises
``CommentRefused`` before anything is added, so nothing is stored. Bodies are stored as
typed and rendered at display time by ``render_markdown``.
"""

from dataclasses import dataclass
from dataclasses import field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.services import display_name
from core import clock
from core import hooks
from core.errors import DomainError
from core.extensions import db
from deliberation import comment_rules
from deliberation import services
from deliberation.markdown import render_markdown  # noqa: F401  (the comments' renderer)
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import Forum
from deliberation.models import STANCES
from deliberation.phases import CLOSED

MAX_BODY = 2000
MAX_REASON = 500
DISCUSSION_PHASES = ("deliberation", "voting")


class CommentRefused(DomainError):
    """The comment, report or moderation step is not allowed; nothing was stored."""


# --- who may post, and when -----------------------------------------------------------


def discussion_open(forum: Forum) -> bool:
    """Comments are taken during deliberation and voting, until the voting window closes."""
    return forum.phase in DISCUSSION_PHASES and services.state_of(forum) != CLOSED


def may_comment(user: User, forum: Forum) -> bool:
    """The same residents who may vote, plus the forum district's team."""
    code = forum.district.code
    return user.district_code == code or user.has_role("district_team", code)


def refusal_for(item: AgendaItem, user: User | None) -> CommentRefused | None:
    forum = item.forum
    if item.status == "withdrawn":
        return CommentRefused(
            _("This item has been withdrawn: its discussion is closed."), 409, "withdrawn"
        )
    if not discussion_open(forum):
        return CommentRefused(_("The discussion on this forum is closed."), 409, "closed")
    if user is not None and not may_comment(user, forum):
        name = forum.district.name_ko
        return CommentRefused(
            _("Only residents of %(district)s can comment on this forum.", district=name),
            403,
            "not_eligible",
        )
    return None


# --- reading --------------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class Discussion:
    item: AgendaItem
    threads: list[Thread]
    count: int
    open: bool
    can_post: bool
    note: str | None


def discussion_for(item: AgendaItem, user: User | None) -> Discussion:
    """The item's comments, oldest first, each with its replies, and who may post."""
    query = (
        select(Comment).where(Comment.item_id == item.id).order_by(Comment.created_at, Comment.id)
    )
    rows = list(db.session.execute(query).scalars())
    threads = {c.id: Thread(c) for c in rows if c.parent_id is None}
    for comment in rows:
        if comment.parent_id is not None and comment.parent_id in threads:
            threads[comment.parent_id].replies.append(comment)
    kept = []
    for thread in threads.values():
        show, replies = comment_rules.shown_thread(thread.comment, thread.replies)
        if show:
            kept.append(Thread(thread.comment, replies))
    refusal = refusal_for(item, user)
    closed = refusal is not None and refusal.code in ("withdrawn", "closed")
    return Discussion(
        item=item,
        threads=kept,
        count=sum(1 for c in rows if not c.hidden and c.deleted_at is None),
        open=not closed,
        can_post=user is not None and refusal is None,
        note=refusal.message if refusal is not None else None,
    )


def counts_by_item(forum_id: int) -> dict[int, int]:
    """Visible comments (replies included) per agenda item of the forum; absent means 0."""
    query = (
        select(Comment.item_id, func.count(Comment.id))
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(
            AgendaItem.forum_id == forum_id,
            Comment.hidden.is_(False),
            Comment.deleted_at.is_(None),
        )
        .group_by(Comment.item_id)
    )
    return {item_id: n for item_id, n in db.session.execute(query)}


# --- posting --------------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise CommentRefused(_("Write something before posting."), 400, "empty")
    if len(text) > MAX_BODY:
        raise CommentRefused(
            _(
                "A comment can be at most %(max)d characters (yours has %(count)d).",
                max=MAX_BODY,
                count=len(text),
            ),
            400,
            "too_long",
        )
    return text


def _clean_stance(stance: str | None) -> str | None:
    if not stance:
        return None
    if stance not in STANCES:
        raise CommentRefused(_("Choose support, concern or suggestion, or none."), 400, "stance")
    return stance


def _parent(item: AgendaItem, parent_id: int | None) -> Comment | None:
    if parent_id is None:
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.item_id != item.id:
        raise CommentRefused(_("You can only reply to a comment on this item."), 400, "parent")
    if parent.parent_id is not None:
        raise CommentRefused(
            _("Replies go one level deep: reply to the original comment instead."),
            400,
            "nested",
        )
    if parent.hidden or parent.deleted_at is not None:
        raise CommentRefused(_("A hidden comment cannot be replied to."), 409, "parent_hidden")
    return parent


def post_comment(
    forum_id: int,
    item_id: int,
    user: User,
    body: str | None,
    stance: str | None = None,
    parent_id: int | None = None,
) -> Comment:
    """Post a comment, or a reply to a top-level comment, on an agenda item."""
    item = services.get_item(forum_id, item_id)
    refusal = refusal_for(item, user)
    if refusal is not None:
        raise refusal
    hooks.require_participation(user)
    text = clean_body(body)
    chosen = _clean_stance(stance)
    parent = _parent(item, parent_id)
    comment = Comment(
        item_id=item.id,
        parent_id=parent.id if parent is not None else None,
        author_key=user.voter_key,
        author_name=display_name(user.voter_key),
        stance=chosen,
        body=text,
        created_at=clock.now(),
    )
    db.session.add(comment)
    db.session.commit()
    return comment


# --- reporting ------------------------------------------------------------------------


def _public_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.item.forum.phase == "draft":
        abort(404)
    return comment


def clean_reason(reason: str | None, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise CommentRefused(_("Give a reason for hiding this comment."), 400, "reason")
    if len(text) > MAX_REASON:
        raise CommentRefused(
            _("A reason can be at most %(max)d characters.", max=MAX_REASON), 400, "reason"
        )
    return text


def report_comment(comment_id: int, user: User, reason: str | None = None) -> tuple[Comment, bool]:
    """Report a comment to the district team; returns it and whether this report is new."""
    comment = _public_comment(comment_id)
    if comment.author_key == user.voter_key:
        raise CommentRefused(_("You cannot report your own comment."), 409, "own_comment")
    text = clean_reason(reason, required=False)
    existing = db.session.execute(
        select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.reporter_key == user.voter_key
        )
    ).first()
    if existing is not None:
        return comment, False
    db.session.add(
        CommentReport(
            comment_id=comment.id,
            reporter_key=user.voter_key,
            reason=text,
            created_at=clock.now(),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same person reported it at the same moment
        db.session.rollback()
        return db.session.get(Comment, comment_id), False
    return comment, True
