"""Staff pages for district teams: forums, fields, items and phases. Thin views."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth.decorators import role_required
from core import clock
from core.errors import DomainError
from core.forms import choices
from core.forms import form_error
from deliberation import services
from deliberation.forms import FieldForm
from deliberation.forms import forum_form_data
from deliberation.forms import ForumForm
from deliberation.forms import ImageForm
from deliberation.forms import ItemForm
from deliberation.forms import phase_label
from deliberation.forms import PhaseForm
from deliberation.forms import to_utc
from deliberation.phases import change_effects
from deliberation.rules import next_phase

bp = Blueprint("manage", __name__, url_prefix="/manage")
team_only = role_required("district_team")


def _forum_input(form: ForumForm) -> services.ForumInput:
    return services.ForumInput(
        title=form.title.data.strip(),
        title_en=(form.title_en.data or "").strip(),
        description=(form.description.data or "").strip(),
        description_en=(form.description_en.data or "").strip(),
        starts_at=to_utc(form.voting_starts_at.data),
        ends_at=to_utc(form.voting_ends_at.data),
        min_picks=form.min_picks.data,
        max_picks=form.max_picks.data,
        cost_cap=form.cost_cap.data,
        envelope=form.envelope.data,
        publication_needs_approval=form.publication_needs_approval.data,
        deliberation_required=form.deliberation_required.data,
        deliberation_ends_at=(
            to_utc(form.deliberation_ends_at.data) if form.deliberation_ends_at.data else None
        ),
    )


def _item_input(form: ItemForm) -> services.ItemInput:
    return services.ItemInput(
        external_id=form.external_id.data.strip(),
        title=form.title.data.strip(),
        title_en=(form.title_en.data or "").strip(),
        summary=(form.summary.data or "").strip(),
        summary_en=(form.summary_en.data or "").strip(),
        proposer=(form.proposer.data or "").strip(),
        location=(form.location.data or "").strip(),
        cost=form.cost.data,
        field_id=int(form.field_id.data) if form.field_id.data else None,
        status=form.status.data,
    )


def _district_choices(form: ForumForm) -> None:
    form.district.choices = choices(
        (d.code, d.name_ko) for d in services.team_districts(current_user)
    )


@bp.get("/")
@team_only
def index():
    return render_template(
        "deliberation/manage_index.html", forums=services.team_forums(current_user)
    )


@bp.route("/forums/new", methods=["GET", "POST"])
@team_only
def new_forum():
    form = ForumForm()
    _district_choices(form)
    if form.validate_on_submit():
        try:
            forum = services.create_forum(current_user, form.district.data, _forum_input(form))
        except DomainError as error:
            return render_template(
                "deliberation/manage_forum_form.html", form=form, error=error.message
            ), error.status
        flash(_("Forum created as a draft."), "success")
        return redirect(url_for("manage.forum", forum_id=forum.id))
    status = 400 if form.is_submitted() else 200
    return render_template("deliberation/manage_forum_form.html", form=form), status


def _forum_page(forum, forum_form=None, error=None, status=200):
    forum_form = forum_form or ForumForm(formdata=None, data=forum_form_data(forum))
    forum_form.district.choices = choices([(forum.district.code, forum.district.name_ko)])
    item_form = ItemForm(formdata=None)
    item_form.field_id.choices = choices([("", "-")] + [(f.id, f.name) for f in forum.fields])
    return (
        render_template(
            "deliberation/manage_forum.html",
            forum=forum,
            forum_form=forum_form,
            field_form=FieldForm(formdata=None, prefix="field"),
            item_form=item_form,
            phase_form=PhaseForm(formdata=None, phase=next_phase(forum.phase)),
            frozen=forum.phase in ("voting", "closed", "published"),
            state=services.state_of(forum),
            proposed=services.publication_proposed(forum),
            now=clock.now(),
            error=error,
        ),
        status,
    )


@bp.get("/forums/<int:forum_id>")
@team_only
def forum(forum_id: int):
    return _forum_page(services.managed_forum(current_user, forum_id))


@bp.post("/forums/<int:forum_id>")
@team_only
def update_forum(forum_id: int):
    forum = services.managed_forum(current_user, forum_id)
    form = ForumForm()
    form.district.choices = choices([(forum.district.code, forum.district.name_ko)])
    if not form.validate_on_submit():
        return _forum_page(forum, form, _("Check the highlighted fields."), 400)
    try:
        services.update_forum(current_user, forum_id, _forum_input(form))
    except DomainError as error:
        return _forum_page(
            services.managed_forum(current_user, forum_id), form, error.message, error.status
        )
    flash(_("Forum saved."), "success")
    return redirect(url_for("manage.forum", forum_id=forum_id))


@bp.post("/forums/<int:forum_id>/fields")
@bp.post("/forums/<int:forum_id>/fields/<int:field_id>")
@team_only
def save_field(forum_id: int, field_id: int | None = None):
    form = FieldForm(prefix="field")
    if not form.validate_on_submit():
        forum = services.managed_forum(current_user, forum_id)
        return _forum_page(forum, error=form_error(form), status=400)
    try:
        services.save_field(
            current_user,
            forum_id,
            field_id,
            form.name.data.strip(),
            (form.name_en.data or "").strip(),
            form.envelope.data,
        )
    except DomainError as error:
        return _forum_page(
            services.managed_forum(current_user, forum_id), error=error.message, status=error.status
        )
    flash(_("Field saved."), "success")
    return redirect(url_for("manage.forum", forum_id=forum_id))


@bp.route("/forums/<int:forum_id>/items/<int:item_id>", methods=["GET", "POST"])
@bp.route("/forums/<int:forum_id>/items/new", methods=["GET", "POST"])
@team_only
def item(forum_id: int, item_id: int | None = None):
    forum = services.managed_forum(current_user, forum_id)
    current = next((i for i in forum.items if i.id == item_id), None) if item_id else None
    if item_id and current is None:
        return _forum_page(forum, error=_("That item does not exist."), status=404)
    form = _item_form(forum, current)
    error, status = None, 200
    if form.validate_on_submit():
        try:
            services.save_item(current_user, forum_id, item_id, _item_input(form))
        except DomainError as refused:
            error, status = refused.message, refused.status
        else:
            flash(_("Item saved."), "success")
            return redirect(url_for("manage.forum", forum_id=forum_id))
    elif form.is_submitted():
        error, status = _("Check the highlighted fields."), 400
    return item_page(forum, current, form, error, status)


def _item_form(forum, current) -> ItemForm:
    form = ItemForm(obj=current, field_id=str(current.field_id or "") if current else "")
    form.field_id.choices = choices([("", "-")] + [(f.id, f.name) for f in forum.fields])
    return form


def item_page(forum, current, form=None, error=None, status=200, image_form=None):
    """The team's page for one item: its form, and its picture once it exists."""
    page = render_template(
        "deliberation/manage_item.html",
        forum=forum,
        item=current,
        form=form or _item_form(forum, current),
        image_form=image_form or ImageForm(formdata=None),
        error=error,
    )
    return page, status


@bp.get("/forums/<int:forum_id>/phase")
@team_only
def confirm_phase(forum_id: int):
    """The confirmation page: what the change freezes and what cannot be undone.

    Without a phase named, it is the forum's usual next phase.
    """
    form = PhaseForm(request.args, meta={"csrf": False})
    if not form.phase.raw_data:
        current = services.managed_forum(current_user, forum_id).phase
        form = PhaseForm(formdata=None, meta={"csrf": False}, phase=next_phase(current))
    if not form.validate():
        return _forum_page(
            services.managed_forum(current_user, forum_id), error=_("Choose a phase."), status=400
        )
    try:
        forum = services.phase_change(current_user, forum_id, form.phase.data)
    except DomainError as error:
        return _forum_page(
            services.managed_forum(current_user, forum_id), error=error.message, status=error.status
        )
    return render_template(
        "deliberation/manage_confirm_phase.html",
        forum=forum,
        target=form.phase.data,
        effects=change_effects(forum.phase, form.phase.data),
        phase_form=PhaseForm(formdata=None, phase=form.phase.data),
    )


@bp.post("/forums/<int:forum_id>/phase")
@team_only
def phase(forum_id: int):
    form = PhaseForm()
    if not form.validate_on_submit():
        return _forum_page(
            services.managed_forum(current_user, forum_id), error=_("Choose a phase."), status=400
        )
    try:
        services.change_phase(current_user, forum_id, form.phase.data)
    except DomainError as error:
        return _forum_page(
            services.managed_forum(current_user, forum_id), error=error.message, status=error.status
        )
    flash(
        _("The forum is now in the %(phase)s phase.", phase=phase_label(form.phase.data)), "success"
    )
    return redirect(url_for("manage.forum", forum_id=forum_id))
