"""Discussion pages: comments on agenda items, reports and the moderation queue.

Thin views: parse the form, call one use case in ``deliberation.comments``, then render
or redirect. The item page itself belongs to ``deliberation.views``; it reads the
discussion through the ``discussion_for`` template global registered here.
"""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField

from auth.decorators import role_required
from core import clock
from core.extensions import limiter
from core.forms import Form
from core.forms import form_error
from core.forms import parse_int
from deliberation import comment_edits
from deliberation import comment_rules
from deliberation import comments
from deliberation import item_page
from deliberation import moderation as moderating
from deliberation import services
from deliberation.proposals import moderation as proposal_moderation

bp = Blueprint("discussion", __name__)


# --- forms ----------------------------------------------------------------------------
# The forms give CSRF protection and parsing; the use cases explain what is wrong.


def _stance_choices() -> list[tuple[str, str]]:
    return [
        ("", _("No stance")),
        ("support", _("Support")),
        ("concern", _("Concern")),
        ("suggestion", _("Suggestion")),
    ]


class CommentForm(Form):
    body = TextAreaField()
    stance = SelectField(validate_choice=False)
    parent_id = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stance.choices = _stance_choices()


class EditForm(Form):
    body = TextAreaField()


class DeleteForm(Form):
    pass


class ReportForm(Form):
    reason = StringField()


class ModerationForm(Form):
    reason = StringField()


# --- template helpers -----------------------------------------------------------------


@bp.app_template_global("discussion_for")
def discussion_for(item):
    user = current_user if current_user.is_authenticated else None
    return comments.discussion_for(item, user)


@bp.app_template_global("comment_form")
def comment_form() -> CommentForm:
    return CommentForm(formdata=None)


@bp.app_template_global("comment_editable")
def comment_editable(comment) -> bool:
    user = current_user if current_user.is_authenticated else None
    return comment_edits.can_edit(comment, user)


@bp.app_template_global("edit_minutes_left")
def edit_minutes_left(comment) -> int:
    return comment_rules.minutes_left(comment.created_at, clock.now())


@bp.app_template_global("is_own_comment")
def is_own_comment(comment) -> bool:
    return current_user.is_authenticated and current_user.voter_key == comment.author_key


@bp.app_template_global("stance_label")
def stance_label(stance: str | None) -> str:
    return dict(_stance_choices()).get(stance or "", "")


bp.add_app_template_filter(comments.render_markdown, "markdown")


# --- rate limits ----------------------------------------------------------------------


def comment_limit() -> str:
    """The rate limit on what residents post: comments, reports, proposals and supports."""
    return current_app.config.get("RATELIMIT_COMMENT", "10 per minute")


def user_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return request.remote_addr or "unknown"


def _parent_id(raw: str | None) -> int | None:
    if not (raw or "").strip():
        return None
    parent_id = parse_int(raw)
    if parent_id is None:
        raise comments.CommentRefused(
            _("You can only reply to a comment on this item."), 400, "parent"
        )
    return parent_id


def _checked(form: Form) -> None:
    """Refuse a form whose text the form itself refused (a control character, say)."""
    if not form.validate_on_submit():
        raise comments.CommentRefused(form_error(form), 400, "text")


# --- residents ------------------------------------------------------------------------


@bp.post("/forums/<int:forum_id>/items/<int:item_id>/comments")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def post(forum_id: int, item_id: int):
    form = CommentForm()
    try:
        _checked(form)
        comment = comments.post_comment(
            forum_id,
            item_id,
            current_user,
            form.body.data,
            form.stance.data,
            _parent_id(form.parent_id.data),
        )
    except comments.CommentRefused as error:
        item = services.get_item(forum_id, item_id)
        return item_page.render(item, posted_form=form, comment_error=error.message), error.status
    flash(_("Your comment has been posted."), "success")
    return redirect(
        url_for(
            "deliberation.item",
            forum_id=forum_id,
            item_id=item_id,
            _anchor=f"comment-{comment.id}",
        )
    )


def _item_page(comment, error: comments.CommentRefused, **context):
    """The comment's item page again, with the refusal's message and status."""
    return item_page.render(comment.item, comment_error=error.message, **context), error.status


def _back_to(comment, anchor: str = "discussion"):
    item = comment.item
    return redirect(
        url_for("deliberation.item", forum_id=item.forum_id, item_id=item.id, _anchor=anchor)
    )


@bp.post("/comments/<int:comment_id>/edit")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def edit(comment_id: int):
    form = EditForm()
    try:
        _checked(form)
        comment = comment_edits.edit_comment(comment_id, current_user, form.body.data)
    except comments.CommentRefused as error:
        comment = comment_edits.comment_or_404(comment_id)
        return _item_page(comment, error, edited={"id": comment_id, "body": form.body.data})
    flash(_("Your comment has been changed."), "success")
    return _back_to(comment, f"comment-{comment.id}")


@bp.post("/comments/<int:comment_id>/delete")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def delete(comment_id: int):
    form = DeleteForm()
    try:
        _checked(form)
        comment = comment_edits.delete_comment(comment_id, current_user)
    except comments.CommentRefused as error:
        return _item_page(comment_edits.comment_or_404(comment_id), error)
    flash(_("Your comment has been deleted."), "success")
    return _back_to(comment)


@bp.post("/comments/<int:comment_id>/report")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def report(comment_id: int):
    form = ReportForm()
    _checked(form)
    comment, new = comments.report_comment(comment_id, current_user, form.reason.data)
    if new:
        flash(_("Thank you. The district team will review this comment."), "success")
    else:
        flash(_("You have already reported this comment."), "info")
    item = comment.item
    return redirect(
        url_for(
            "deliberation.item",
            forum_id=item.forum_id,
            item_id=item.id,
            _anchor=f"comment-{comment.id}",
        )
    )


# --- district team --------------------------------------------------------------------


@bp.get("/manage/moderation")
@role_required("district_team")
def moderation():
    queue = moderating.moderation_queue(current_user)
    return render_template("deliberation/moderation.html", queue=queue, form=ModerationForm())


def _moderated(step, target_id: int, done: str, anchor: str | None = None):
    """Check the form, take one moderation step with its reason, then back to the queue."""
    form = ModerationForm()
    _checked(form)
    step(target_id, current_user, form.reason.data)
    flash(done, "success")
    return redirect(url_for("discussion.moderation", _anchor=anchor))


@bp.post("/manage/moderation/comments/<int:comment_id>/hide")
@role_required("district_team")
def hide(comment_id: int):
    done = _("The comment is hidden. The audit log keeps what it said.")
    return _moderated(moderating.hide_comment, comment_id, done)


@bp.post("/manage/moderation/comments/<int:comment_id>/restore")
@role_required("district_team")
def restore(comment_id: int):
    return _moderated(moderating.restore_comment, comment_id, _("The comment is shown again."))


@bp.post("/manage/moderation/comments/<int:comment_id>/keep")
@role_required("district_team")
def keep(comment_id: int):
    done = _("The comment stays visible and its reports are closed.")
    return _moderated(_keep_comment, comment_id, done)


def _keep_comment(comment_id: int, user, _note: str | None):
    """Keeping a reported comment takes no note: the form's field is left unused."""
    return moderating.keep_comment(comment_id, user)


@bp.post("/manage/moderation/proposals/<int:proposal_id>/hide")
@role_required("district_team")
def hide_proposal(proposal_id: int):
    done = _("The proposal is hidden. Its proposer still sees it, with your reason.")
    return _moderated(proposal_moderation.hide_proposal, proposal_id, done, "proposals")


@bp.post("/manage/moderation/proposals/<int:proposal_id>/show")
@role_required("district_team")
def show_proposal(proposal_id: int):
    done = _("The proposal is shown to the public again.")
    return _moderated(proposal_moderation.show_proposal, proposal_id, done, "proposals")
