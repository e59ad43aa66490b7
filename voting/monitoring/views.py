"""The team's live turnout board. Thin views; the page refreshes itself from the JSON."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.validators import Optional

from auth.decorators import role_required
from core.errors import DomainError
from core.forms import Form
from core.forms import form_error
from core.forms import WholeNumberField
from voting.monitoring import services

bp = Blueprint("turnout", __name__)
team_only = role_required("district_team")


class PopulationForm(Form):
    population = WholeNumberField(
        _l("Eligible residents (from the registration statistics)"), validators=[Optional()]
    )


@bp.get("/manage/forums/<int:forum_id>/turnout")
@team_only
def board(forum_id: int):
    live = services.board(current_user, forum_id)
    form = PopulationForm(formdata=None, population=live.eligible)
    return render_template("voting/monitoring/board.html", board=live, forum=live.forum, form=form)


@bp.get("/manage/forums/<int:forum_id>/turnout.json")
@team_only
def board_json(forum_id: int):
    return services.board(current_user, forum_id).as_json()


@bp.post("/manage/forums/<int:forum_id>/turnout/population")
@team_only
def population(forum_id: int):
    form = PopulationForm()
    if not form.validate_on_submit():
        raise DomainError(form_error(form), status=400, code="form")
    services.set_population(current_user, forum_id, form.population.data)
    flash(_("The eligible population is saved."), "success")
    return redirect(url_for("turnout.board", forum_id=forum_id))
