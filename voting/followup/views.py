"""Follow-up pages: the team's updates, photos, the evaluation and the open-data file.
Thin views: parse, call one use case, render or redirect."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import Response
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from auth.decorators import role_required
from core import csvcells
from core.errors import DomainError
from core.forms import form_error
from core.forms import parse_int
from deliberation.rules import RuleError
from voting.followup import photos
from voting.followup import services
from voting.followup.forms import EvaluationForm
from voting.followup.forms import SCORE_LABELS
from voting.followup.forms import UpdateForm
from voting.followup.refusals import refuse

bp = Blueprint("followup", __name__)
# A photo upload may be larger than the app's usual request limit.
UPLOAD_LIMIT = photos.MAX_BYTES + 64 * 1024


def _team_page(forum_id: int, form: UpdateForm | None = None, error=None, status=200):
    forum, rows = services.team_progress(current_user, forum_id)
    page = render_template(
        "voting/followup/manage.html",
        forum=forum,
        rows=rows,
        form=form or UpdateForm(formdata=None, dated=services.today()),
        error=error,
    )
    return page, status


@bp.get("/manage/forums/<int:forum_id>/followup")
@role_required("district_team")
def manage(forum_id: int):
    return _team_page(forum_id)


def _photo(form: UpdateForm) -> bytes | None:
    upload = form.photo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    try:
        return photos.reencode(upload.read(photos.MAX_BYTES + 1))
    except photos.BadPhoto as bad:
        raise refuse(RuleError(bad.code)) from None


@bp.post("/manage/forums/<int:forum_id>/followup/<int:item_id>")
@role_required("district_team")
def add(forum_id: int, item_id: int):
    request.max_content_length = UPLOAD_LIMIT
    form = UpdateForm()
    if not form.validate_on_submit():
        return _team_page(forum_id, form, form_error(form), 400)
    try:
        values = services.UpdateInput(
            status=form.status.data,
            dated=form.dated.data,
            note=(form.note.data or "").strip(),
            reason=(form.reason.data or "").strip(),
            photo=_photo(form),
        )
        services.add_update(current_user, forum_id, item_id, values)
    except DomainError as error:
        return _team_page(forum_id, form, error.message, error.status)
    flash(_("The update is published on the results page."), "success")
    return redirect(url_for("followup.manage", forum_id=forum_id))


@bp.get("/forums/<int:forum_id>/followup/photos/<int:update_id>.jpg")
def photo(forum_id: int, update_id: int):
    response = Response(services.photo(forum_id, update_id), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/forums/<int:forum_id>/followup.csv")
def followup_csv(forum_id: int):
    _forum, rows = services.public_progress(forum_id)
    lines = [["item_id", "title", "cost", "status", "dated", "note", "reason", "photo"]]
    for row in rows:
        for update in reversed(row.updates):
            photo_url = (
                url_for("followup.photo", forum_id=forum_id, update_id=update.id, _external=True)
                if update.photo
                else ""
            )
            lines.append(
                [
                    row.item.external_id,
                    row.item.title,
                    row.item.cost,
                    update.status,
                    update.dated.isoformat(),
                    update.note,
                    update.reason,
                    photo_url,
                ]
            )
    response = Response(csvcells.write(lines).encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="forum-{forum_id}-followup.csv"'
    )
    return response


def _scores(page) -> dict[int, int]:
    """The scores the form sent, per completed item (an unscored item is left out)."""
    scores = {}
    for row in page.completed:
        raw = request.form.get(f"score-{row.item.id}", "")
        if raw.strip():
            value = parse_int(raw, maximum=9)
            scores[row.item.id] = value if value is not None else 0
    return scores


@bp.route("/forums/<int:forum_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(forum_id: int):
    page = services.evaluation_page(forum_id, current_user)
    form = EvaluationForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            comment = (form.comment.data or "").strip()
            services.evaluate(forum_id, current_user, _scores(page), comment)
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            flash(_("Thank you. Your evaluation feeds next year's forum."), "success")
            return redirect(url_for("results.show", forum_id=forum_id))
    elif form.is_submitted():
        error, status = form_error(form), 400
    html = render_template(
        "voting/followup/evaluation.html",
        page=page,
        forum=page.forum,
        form=form,
        scores=SCORE_LABELS,
        error=error,
    )
    return html, status
