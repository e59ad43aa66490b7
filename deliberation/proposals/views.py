"""Proposal pages: residents propose and support; the district team decides. Thin views."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from auth.decorators import role_required
from core.extensions import limiter
from core.forms import form_error
from core.forms import parse_int
from deliberation.discussion import comment_limit
from deliberation.discussion import user_or_address
from deliberation.proposals import services
from deliberation.proposals.forms import DecisionForm
from deliberation.proposals.forms import ProposalForm
from deliberation.proposals.forms import SupportForm
from deliberation.proposals.refusals import ProposalRefused

bp = Blueprint("proposals", __name__)


def _user():
    return current_user if current_user.is_authenticated else None


def _optional_id(raw: str | None) -> int | None:
    return parse_int(raw) if (raw or "").strip() else None


def _board_page(forum_id: int, form: ProposalForm | None = None, error=None, status=200):
    board = services.board(forum_id, _user())
    form = form or ProposalForm(formdata=None)
    form.set_fields(board.forum)
    page = render_template(
        "deliberation/proposals/list.html",
        board=board,
        forum=board.forum,
        form=form,
        support_form=SupportForm(formdata=None),
        error=error,
    )
    return page, status


@bp.get("/forums/<int:forum_id>/proposals")
def index(forum_id: int):
    return _board_page(forum_id)


@bp.post("/forums/<int:forum_id>/proposals")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def submit(forum_id: int):
    form = ProposalForm()
    form.set_fields(services.board(forum_id, current_user).forum)
    if not form.validate_on_submit():
        return _board_page(forum_id, form, form_error(form), 400)
    values = services.ProposalInput(
        title=(form.title.data or "").strip(),
        summary=(form.summary.data or "").strip(),
        estimated_cost=form.estimated_cost.data,
        field_id=_optional_id(form.field_id.data),
        dong=(form.dong.data or "").strip(),
        group_name=(form.group_name.data or "").strip(),
    )
    try:
        proposal = services.submit(forum_id, current_user, values)
    except ProposalRefused as error:
        return _board_page(forum_id, form, error.message, error.status)
    flash(_("Your proposal has been submitted. The district team will review it."), "success")
    return redirect(url_for("proposals.show", forum_id=forum_id, proposal_id=proposal.id))


@bp.get("/forums/<int:forum_id>/proposals/<int:proposal_id>")
def show(forum_id: int, proposal_id: int):
    proposal = services.get_proposal(forum_id, proposal_id, _user())
    return render_template(
        "deliberation/proposals/proposal.html",
        proposal=proposal,
        forum=proposal.forum,
        supports=services.support_counts(forum_id).get(proposal.id, 0),
        supported=services.has_supported(proposal, _user()),
        support_form=SupportForm(formdata=None),
    )


@bp.post("/forums/<int:forum_id>/proposals/<int:proposal_id>/support")
@login_required
@limiter.limit(comment_limit, key_func=user_or_address)
def support(forum_id: int, proposal_id: int):
    form = SupportForm()
    if not form.validate_on_submit():
        raise ProposalRefused(form_error(form), 400, "form")
    _proposal, new = services.support(forum_id, proposal_id, current_user)
    if new:
        flash(_("Thank you for your support."), "success")
    else:
        flash(_("You already support this proposal."), "info")
    return redirect(url_for("proposals.show", forum_id=forum_id, proposal_id=proposal_id))


# --- district team --------------------------------------------------------------------


def _team_page(forum_id: int, error=None, status=200):
    board = services.team_board(current_user, forum_id)
    form = DecisionForm(formdata=None)
    form.set_forum(board.forum)
    page = render_template(
        "deliberation/proposals/manage.html",
        board=board,
        forum=board.forum,
        form=form,
        error=error,
    )
    return page, status


@bp.get("/manage/forums/<int:forum_id>/proposals")
@role_required("district_team")
def manage(forum_id: int):
    return _team_page(forum_id)


@bp.post("/manage/forums/<int:forum_id>/proposals/<int:proposal_id>/decide")
@role_required("district_team")
def decide(forum_id: int, proposal_id: int):
    form = DecisionForm()
    form.set_forum(services.team_board(current_user, forum_id).forum)
    if not form.validate_on_submit():
        return _team_page(forum_id, form_error(form), 400)
    decision = services.Decision(
        decision=form.decision.data,
        reason=(form.reason.data or "").strip(),
        final_cost=form.final_cost.data,
        field_id=_optional_id(form.field_id.data),
        merge_into=_optional_id(form.merge_into.data),
        hide=form.hide.data,
    )
    try:
        services.decide(current_user, forum_id, proposal_id, decision)
    except ProposalRefused as error:
        return _team_page(forum_id, error.message, error.status)
    flash(_("The decision is saved and shown to residents."), "success")
    return redirect(url_for("proposals.manage", forum_id=forum_id))
