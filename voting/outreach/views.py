"""Outreach links: the team's page, a link's printable sheet, and a resident's arrival.
Thin: parse, call one service, render or redirect."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth.decorators import role_required
from core.errors import DomainError
from core.forms import form_error
from voting.models import OUTREACH_SESSION_KEY
from voting.outreach import qr
from voting.outreach import services
from voting.outreach.forms import KIND_LABELS
from voting.outreach.forms import LinkForm

bp = Blueprint("outreach", __name__)
team_only = role_required("district_team")


def _link_url(code: str) -> str:
    return url_for("outreach.arrive", code=code, _external=True)


def _page(forum_id: int, form: LinkForm, error: str | None = None, status: int = 200):
    page = services.links_page(current_user, forum_id)
    body = render_template(
        "voting/outreach/links.html",
        page=page,
        forum=page.forum,
        form=form,
        error=error,
        link_url=_link_url,
        kind_labels=KIND_LABELS,
    )
    return body, status


@bp.get("/manage/forums/<int:forum_id>/outreach")
@team_only
def links(forum_id: int):
    return _page(forum_id, LinkForm(formdata=None))


@bp.post("/manage/forums/<int:forum_id>/outreach")
@team_only
def create(forum_id: int):
    form = LinkForm()
    # the CSRF token was checked before the view (CSRFProtect); the rules check the rest
    if not form.validate():
        return _page(forum_id, form, form_error(form), 422)
    try:
        link = services.create_link(current_user, forum_id, form.name.data, form.kind.data)
    except DomainError as error:
        if error.status != 422:
            raise
        return _page(forum_id, form, error.message, error.status)
    flash(_("The link “%(name)s” is ready to hand out.", name=link.name), "success")
    return redirect(url_for("outreach.sheet", forum_id=forum_id, link_id=link.id))


@bp.get("/manage/forums/<int:forum_id>/outreach/<int:link_id>")
@team_only
def sheet(forum_id: int, link_id: int):
    forum, link = services.team_link(current_user, forum_id, link_id)
    url = _link_url(link.code)
    label = _("QR code of the link for %(name)s", name=link.name)
    return render_template(
        "voting/outreach/sheet.html",
        forum=forum,
        link=link,
        url=url,
        qr=qr.svg(url, label),
        kind_labels=KIND_LABELS,
    )


@bp.get("/o/<code>")
def arrive(code: str):
    link = services.arrival(code)
    if link is None:
        message = _("This link is not, or no longer, in use. The forums are all on the front page.")
        raise DomainError(message, 404, "unknown_link")
    # the tag goes with this browser's session only (and with it); never with a person
    session[OUTREACH_SESSION_KEY] = link.code
    return redirect(url_for("deliberation.forum", forum_id=link.forum_id))
