"""Operator pages: bloc-voting flags, decisions, and the audit log."""

from flask import abort
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth.decorators import role_required
from core.errors import DomainError
from core.extensions import db
from core.forms import parse_int
from voting import labels
from voting.oversight import audit_page
from voting.oversight import flag_review
from voting.oversight.forms import DecisionForm

bp = Blueprint("operator", __name__, url_prefix="/operator")
operator_only = role_required("operator")


@bp.get("/flags")
@operator_only
def flags():
    raw = request.args.get("forum", "")
    forum_id = parse_int(raw)
    if raw and forum_id is None:
        abort(404)  # no forum has that id
    return render_template(
        "voting/operator_flags.html", flags=flag_review.list_flags(current_user, forum_id)
    )


@bp.get("/flags/<int:flag_id>")
@operator_only
def flag(flag_id: int):
    view = flag_review.flag_view(flag_id, current_user)
    return render_template("voting/operator_flag.html", view=view, form=DecisionForm(formdata=None))


@bp.post("/flags/<int:flag_id>")
@operator_only
def decide(flag_id: int):
    form = DecisionForm()
    try:
        if not form.validate_on_submit():
            # The reason's own message first (e.g. a control character), then the action's.
            field = "reason" if form.reason.errors else "action"
            errors = form.reason.errors or form.action.errors
            message = str(next(iter(errors), "")) or _("Reload the page and try again.")
            raise DomainError(message, 422, field)
        decided = flag_review.decide(flag_id, current_user, form.action.data, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        view = flag_review.flag_view(flag_id, current_user, record_view=False)
        return (
            render_template("voting/operator_flag.html", view=view, form=form, error=error.message),
            error.status,
        )
    status = labels.FLAG_STATUSES.get(decided.status, decided.status)
    flash(_("Decision recorded: %(status)s.", status=status), "success")
    return redirect(url_for("operator.flag", flag_id=flag_id))


@bp.get("/audit")
@operator_only
def audit_log():
    return render_template("voting/operator_audit.html", page=audit_page.latest(200))
