"""A resident's changes to their own comment: editing it for a while, deleting it.

Each use case commits once; a refusal raises ``CommentRefused`` before anything
changes. An edit is checked as a new comment is (length, control characters, the
discussion still open); the team's moderation applies to the edited text as before.
"""

from flask import abort
from flask_babel import gettext as _

from auth.models import User
from core import clock
from core.extensions import db
from deliberation import comment_rules
from deliberation.comments import clean_body
from deliberation.comments import CommentRefused
from deliberation.comments import refusal_for
from deliberation.models import Comment


def comment_or_404(comment_id: int) -> Comment:
    """A comment on a public forum, deleted or not (404 when there is none)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.item.forum.phase == "draft":
        abort(404)
    return comment


def _own_comment(comment_id: int, user: User) -> Comment:
    """The user's own comment, not yet deleted (404 when there is none to see)."""
    comment = comment_or_404(comment_id)
    if comment.deleted_at is not None:
        abort(404)
    if comment.author_key != user.voter_key:
        raise CommentRefused(_("You can only change your own comments."), 403, "not_author")
    return comment


def can_edit(comment: Comment, user: User | None) -> bool:
    """Whether the page offers this user to edit this comment now."""
    return (
        user is not None
        and user.voter_key == comment.author_key
        and comment.deleted_at is None
        and not comment.hidden
        and comment_rules.editable(comment.created_at, clock.now())
    )


def edit_comment(comment_id: int, user: User, body: str | None) -> Comment:
    """Change the text of one's own comment within 15 minutes of posting it."""
    comment = _own_comment(comment_id, user)
    if comment.hidden:
        raise CommentRefused(
            _("The district team has hidden this comment: it cannot be edited."), 409, "hidden"
        )
    now = clock.now()
    if not comment_rules.editable(comment.created_at, now):
        minutes = int(comment_rules.EDIT_WINDOW.total_seconds() // 60)
        raise CommentRefused(
            _(
                "A comment can be edited for %(minutes)d minutes after posting. "
                "You can still delete it.",
                minutes=minutes,
            ),
            409,
            "edit_window",
        )
    refusal = refusal_for(comment.item, user)
    if refusal is not None:
        raise refusal
    comment.body = clean_body(body)
    comment.edited_at = now
    db.session.commit()
    return comment


def delete_comment(comment_id: int, user: User) -> Comment:
    """Delete one's own comment: its text is removed at once. It still shows, as
    "deleted comment", above the replies it has (see ``comment_rules.shown_thread``)."""
    comment = _own_comment(comment_id, user)
    comment.body = ""
    comment.stance = None
    comment.deleted_at = clock.now()
    db.session.commit()
    return comment
