"""The admin page: grant and revoke staff roles."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth import services
from auth.decorators import role_required
from auth.forms import GrantForm
from auth.forms import RevokeForm
from core.errors import DomainError

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = role_required("admin")


def _page(form, error=None, status=200):
    return (
        render_template(
            "auth/admin_roles.html",
            roles=services.list_roles(),
            form=form,
            revoke=RevokeForm(formdata=None),
            role_label=services.role_label,
            district_label=services.district_label,
            error=error,
        ),
        status,
    )


@bp.get("/roles")
@admin_only
def roles():
    return _page(GrantForm(formdata=None))


@bp.post("/roles")
@admin_only
def grant():
    form = GrantForm()
    if not form.validate_on_submit():
        return _page(form, _("Check the highlighted fields."), 400)
    try:
        services.grant_role(
            form.subject.data,
            form.role.data,
            form.district.data,
            current_user.actor,
            name=form.name.data,
        )
    except DomainError as error:
        return _page(form, error.message, error.status)
    flash(_("Role granted."), "success")
    return redirect(url_for("admin.roles"))


@bp.post("/roles/<int:role_id>/revoke")
@admin_only
def revoke(role_id: int):
    if not RevokeForm().validate_on_submit():
        return _page(GrantForm(formdata=None), _("Reload the page and try again."), 400)
    services.revoke_role(role_id, current_user.actor)
    flash(_("Role revoked."), "success")
    return redirect(url_for("admin.roles"))
