"""Item pictures: the team uploads or removes one; anyone reading the item sees it.

Thin views: parse the form, call one use case in ``deliberation.item_images``.
"""

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from auth.decorators import role_required
from core.errors import DomainError
from core.forms import form_error
from core.uploads import allow_upload
from deliberation import item_images
from deliberation import pictures
from deliberation import services
from deliberation.forms import ImageForm
from deliberation.manage import item_page

bp = Blueprint("item_images", __name__)
team_only = role_required("district_team")
# A year for a versioned URL (the picture's digest is in it); a short while otherwise.
LONG_CACHE = 365 * 86400
SHORT_CACHE = 300


@bp.post("/manage/forums/<int:forum_id>/items/<int:item_id>/image")
@team_only
def upload(forum_id: int, item_id: int):
    form = ImageForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(form_error(form), 400, "form")
        upload = form.picture.data
        raw = upload.read(pictures.MAX_UPLOAD_BYTES + 1) if upload else b""
        item_images.attach_image(current_user, forum_id, item_id, raw, form.alt.data)
    except DomainError as error:
        forum = services.managed_forum(current_user, forum_id)
        current = next((i for i in forum.items if i.id == item_id), None)
        if current is None:
            raise
        return item_page(forum, current, error=error.message, status=error.status, image_form=form)
    flash(_("Picture saved."), "success")
    return redirect(url_for("manage.item", forum_id=forum_id, item_id=item_id))


@bp.post("/manage/forums/<int:forum_id>/items/<int:item_id>/image/delete")
@team_only
def remove(forum_id: int, item_id: int):
    form = ImageForm()
    if not form.validate_on_submit():
        raise DomainError(form_error(form), 400, "form")
    item_images.remove_image(current_user, forum_id, item_id)
    flash(_("Picture removed."), "success")
    return redirect(url_for("manage.item", forum_id=forum_id, item_id=item_id))


@bp.get("/forums/<int:forum_id>/items/<int:item_id>/image")
def show(forum_id: int, item_id: int):
    user = current_user if current_user.is_authenticated else None
    image = item_images.visible_image(forum_id, item_id, user)
    response = current_app.response_class(image.data, mimetype=image.media_type)
    response.set_etag(image.digest)
    if image.item.forum.phase == "draft":  # seen by the team only: no shared cache
        response.cache_control.private = True
        response.cache_control.no_cache = True
        return response.make_conditional(request)
    versioned = request.args.get("v") == image.digest[:16]
    response.cache_control.public = True
    response.cache_control.max_age = LONG_CACHE if versioned else SHORT_CACHE
    if versioned:
        response.cache_control.immutable = True
    return response.make_conditional(request)


def init_app(app) -> None:
    app.register_blueprint(bp)
    # The upload is the one form with a file: its body may reach the picture's limit.
    allow_upload(app, "item_images.upload", pictures.MAX_UPLOAD_BYTES + 64 * 1024)
