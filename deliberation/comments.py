"""Discussion use cases: posting, replying, reporting and moderating comments.

Each use case runs its queries here and commits at most once; a refusal raises
``CommentRefused`` before anything is added, so nothing is stored. Bodies are stored as
typed and rendered at display time by ``render_markdown``.
"""

import re
from dataclasses import dataclass
from dataclasses import field

from flask import abort
from flask_babel import gettext as _
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from auth.models import User
from auth.services import display_name
from core import audit
from core import clock
from core import hooks
from core.errors import DomainError
from core.extensions import db
from deliberation import services
from deliberation.models import AgendaItem
from deliberation.models import Comment
from deliberation.models import CommentReport
from deliberation.models import District
from deliberation.models import Forum
from deliberation.models import STANCES
from deliberation.phases import CLOSED

MAX_BODY = 2000
MAX_REASON = 500
QUEUE_SIZE = 50
DISCUSSION_PHASES = ("deliberation", "voting")


class CommentRefused(DomainError):
    """The comment, report or moderation step is not allowed; nothing was stored."""


# --- Markdown -------------------------------------------------------------------------

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}


def _safe_link(url: str) -> bool:
    """Only web and mail links (or relative ones) become links; anything else stays text."""
    scheme = _SCHEME.match(url.strip())
    return scheme is None or scheme.group(1).lower() in _SAFE_SCHEMES


def _link_open(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "nofollow ugc noopener")
    return self.renderToken(tokens, idx, options, env)


def _markdown() -> MarkdownIt:
    # CommonMark without raw HTML: a typed <script> is text. Images are off so a comment
    # cannot make readers' browsers fetch third-party URLs; line breaks are kept.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.disable("image")
    md.validateLink = _safe_link
    md.add_render_rule("link_open", _link_open)
    return md


_MD = _markdown()


def render_markdown(text: str) -> Markup:
    """Render a comment body as sanitised HTML: CommonMark, no raw HTML, safe links only."""
    return Markup(_MD.render(text or ""))


# --- who may post, and when -----------------------------------------------------------


def discussion_open(forum: Forum) -> bool:
    """Comments are taken during deliberation and voting, until the voting window closes."""
    return forum.phase in DISCUSSION_PHASES and services.state_of(forum) != CLOSED


def may_comment(user: User, forum: Forum) -> bool:
    """The same residents who may vote, plus the forum district's team."""
    code = forum.district.code
    return user.district_code == code or user.has_role("district_team", code)


def _refusal(item: AgendaItem, user: User | None) -> CommentRefused | None:
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
    refusal = _refusal(item, user)
    closed = refusal is not None and refusal.code in ("withdrawn", "closed")
    return Discussion(
        item=item,
        threads=list(threads.values()),
        count=sum(1 for c in rows if not c.hidden),
        open=not closed,
        can_post=user is not None and refusal is None,
        note=refusal.message if refusal is not None else None,
    )


def counts_by_item(forum_id: int) -> dict[int, int]:
    """Visible comments (replies included) per agenda item of the forum; absent means 0."""
    query = (
        select(Comment.item_id, func.count(Comment.id))
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .where(AgendaItem.forum_id == forum_id, Comment.hidden.is_(False))
        .group_by(Comment.item_id)
    )
    return {item_id: n for item_id, n in db.session.execute(query)}


# --- posting --------------------------------------------------------------------------


def _clean_body(body: str | None) -> str:
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
    if parent.hidden:
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
    refusal = _refusal(item, user)
    if refusal is not None:
        raise refusal
    hooks.require_participation(user)
    text = _clean_body(body)
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


def _clean_reason(reason: str | None, required: bool) -> str:
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
    text = _clean_reason(reason, required=False)
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


# --- moderation -----------------------------------------------------------------------


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


def _team_comments(codes: set[str]):
    return (
        select(Comment)
        .join(AgendaItem, AgendaItem.id == Comment.item_id)
        .join(Forum, Forum.id == AgendaItem.forum_id)
        .join(District, District.id == Forum.district_id)
        .where(District.code.in_(codes))
    )


def moderation_queue(user: User) -> ModerationQueue:
    """Reported, hidden and recent comments on the forums of the user's team districts."""
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
    text = _clean_reason(reason, required=True)
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
    text = _clean_reason(reason, required=False)
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
