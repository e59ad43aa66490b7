"""The support point's page: district staff cast the ballot of a resident who proved
who they are on this device. Thin: parse, call one service, render."""

from flask import Blueprint
from flask import flash
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth import views as auth_views
from auth.decorators import role_required
from deliberation import services as forums
from voting.casting import receipts
from voting.casting import services
from voting.casting.forms import AssistedBallotForm

bp = Blueprint("assisted", __name__, url_prefix="/manage/forums/<int:forum_id>")
team_only = role_required("district_team")


def _assisted_page(forum_id: int, form, error=None, status=200, code=None):
    forum = forums.managed_forum(current_user, forum_id)
    here = url_for("assisted.page", forum_id=forum_id)
    return (
        render_template(
            "voting/assisted.html",
            forum=forum,
            form=form,
            state=forums.state_of(forum),
            resident=auth_views.verified_resident(),
            verify_url=url_for("auth.verify_resident", next=here),
            error=error,
            code=receipts.display(code) if code else None,
        ),
        status,
    )


@bp.route("/assisted", methods=["GET", "POST"])
@team_only
def page(forum_id: int):
    form = AssistedBallotForm()
    if not form.is_submitted():
        return _assisted_page(forum_id, form)
    resident = auth_views.verified_resident()
    if resident is None:
        message = _("First have the resident verify who they are on this device.")
        return _assisted_page(forum_id, form, message, 409)
    if not form.validate():
        return _assisted_page(forum_id, form, _("Check the highlighted fields."), 400)
    try:
        code = services.cast_assisted(
            forum_id, current_user, resident, form.picks.data or [], form.checked.data
        )
    except services.AlreadyVoted:
        auth_views.forget_verified_resident()
        message = _("This resident has already voted in this forum (online or at a support point).")
        return _assisted_page(forum_id, AssistedBallotForm(formdata=None), message, 409)
    except services.BallotRefused as error:
        return _assisted_page(forum_id, form, error.message, error.status)
    auth_views.forget_verified_resident()
    flash(_("The resident's ballot is cast. Give them the receipt code."), "success")
    return _assisted_page(forum_id, AssistedBallotForm(formdata=None), code=code)
