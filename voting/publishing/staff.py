"""District-team pages for voting: assisted ballots, result preview and publication."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from auth.decorators import role_required
from core.errors import DomainError
from voting.counting import results
from voting.counting import rulebook
from voting.publishing import publication
from voting.publishing.forms import PublishForm

bp = Blueprint("publication", __name__, url_prefix="/manage/forums/<int:forum_id>")
team_only = role_required("district_team")


@bp.get("/results")
@team_only
def preview(forum_id: int):
    proposal = publication.pending(forum_id)
    # While a publication is proposed, the page opens on the proposed rule's result.
    rule = request.args.get("rule") or (proposal.rule if proposal else rulebook.DEFAULT)
    if rule not in rulebook.RULES:
        rule = rulebook.DEFAULT
    error = None
    try:
        view = results.preview(current_user, forum_id, rule)
    except DomainError as refused:
        if rule == rulebook.DEFAULT or refused.code != "rule":
            raise
        # The rule does not fit this forum: say why and show the default rule's result.
        error, rule = refused.message, rulebook.DEFAULT
        view = results.preview(current_user, forum_id, rule)
    return render_template(
        "voting/manage_results.html",
        result=view,
        forum=view.forum,
        rule=rule,
        error=error,
        proposal=proposal,
        form=FlaskForm(),
    )


def _confirm_page(confirm: publication.Confirmation, step: str):
    form = PublishForm(rule=confirm.rule, formdata=None)
    return render_template(
        "voting/manage_publish_confirm.html",
        confirm=confirm,
        forum=confirm.forum,
        result=confirm.result,
        step=step,
        form=form,
    )


@bp.get("/publish")
@team_only
def confirm_publish(forum_id: int):
    rule = request.args.get("rule", rulebook.DEFAULT)
    confirm = publication.confirmation(current_user, forum_id, rule)
    if confirm.proposal is not None:
        return redirect(url_for("publication.preview", forum_id=forum_id))
    return _confirm_page(confirm, "propose" if confirm.needs_approval else "publish")


def _rule_of(form: PublishForm) -> str:
    if not form.validate_on_submit():
        raise DomainError(_("Choose a rule to publish with."), code="rule")
    return form.rule.data


def _published(snapshot, forum_id: int):
    """To the public results, saying the snapshot's hash, once a result is published."""
    flash(_("Result published. SHA-256 %(hash)s", hash=snapshot.sha256[:16] + "…"), "success")
    return redirect(url_for("results.show", forum_id=forum_id))


@bp.post("/publish")
@team_only
def publish(forum_id: int):
    rule = _rule_of(PublishForm())
    return _published(publication.publish_directly(current_user, forum_id, rule), forum_id)


@bp.post("/publish/propose")
@team_only
def propose(forum_id: int):
    publication.propose(current_user, forum_id, _rule_of(PublishForm()))
    flash(_("Publication proposed. Another team member must now approve it."), "success")
    return redirect(url_for("publication.preview", forum_id=forum_id))


@bp.get("/publish/approve")
@team_only
def confirm_approval(forum_id: int):
    return _confirm_page(publication.approval_confirmation(current_user, forum_id), "approve")


@bp.post("/publish/approve")
@team_only
def approve(forum_id: int):
    rule = _rule_of(PublishForm())
    return _published(publication.approve(current_user, forum_id, rule), forum_id)


@bp.post("/publish/withdraw")
@team_only
def withdraw(forum_id: int):
    publication.withdraw(current_user, forum_id)
    flash(_("The publication proposal is withdrawn."), "success")
    return redirect(url_for("publication.preview", forum_id=forum_id))
