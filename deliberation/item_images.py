"""An agenda item's picture: the team uploads or removes it, residents see it.

Each use case commits once, with its audit entry; a refusal raises ``DomainError``
before anything is stored. The picture is checked and resized by
``deliberation.pictures`` and kept in the database beside its item (``ItemImage``).
"""

from flask import abort
from flask_babel import gettext as _

from auth.models import User
from core import audit
from core import clock
from core.errors import DomainError
from core.extensions import db
from deliberation import locking
from deliberation import pictures
from deliberation import rules
from deliberation import services
from deliberation.models import AgendaItem
from deliberation.models import ItemImage
from deliberation.refusals import refuse

MAX_ALT = 300


def _refusal(code: str) -> DomainError:
    megabytes = pictures.MAX_UPLOAD_BYTES // (1024 * 1024)
    if code == "too_large":
        message = _("The picture is larger than %(mb)d MB. Upload a smaller one.", mb=megabytes)
        return DomainError(message, 413, code)
    if code == "too_many_pixels":
        message = _("The picture has too many pixels. Upload one of at most 40 megapixels.")
        return DomainError(message, 413, code)
    message = _("Upload a photo or picture in JPEG, PNG or WebP format.")
    return DomainError(message, 415, code)


def _editable_item(user: User, forum_id: int, item_id: int) -> AgendaItem:
    forum = services.managed_forum(user, forum_id, locking.CHANGE)
    try:
        rules.check_editable(forum.phase)
    except rules.RuleError as error:
        raise refuse(error) from None
    item = next((i for i in forum.items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _clean_alt(alt: str | None) -> str:
    text = (alt or "").strip()
    if not text:
        raise DomainError(
            _("Say in a few words what the picture shows, for people who cannot see it."),
            400,
            "alt",
        )
    if len(text) > MAX_ALT:
        raise DomainError(_("A description can be at most %(max)d characters.", max=MAX_ALT))
    return text


def _snapshot(image: ItemImage | None) -> dict | None:
    if image is None:
        return None
    return {"sha256": image.digest, "width": image.width, "height": image.height, "alt": image.alt}


def attach_image(user: User, forum_id: int, item_id: int, raw: bytes, alt: str | None):
    """Give an item its picture (replacing any), while the forum's items can change."""
    item = _editable_item(user, forum_id, item_id)
    text = _clean_alt(alt)
    try:
        picture = pictures.prepare(raw)
    except pictures.PictureRefused as refused:
        raise _refusal(refused.code) from None
    before = _snapshot(item.image)
    image = item.image or ItemImage(item=item)
    image.data, image.media_type = picture.data, picture.media_type
    image.width, image.height, image.digest = picture.width, picture.height, picture.digest
    image.alt, image.uploaded_at = text, clock.now()
    db.session.add(image)
    audit.record(user.actor, "item.image", f"item:{item.id}", before=before, after=_snapshot(image))
    db.session.commit()
    return image


def remove_image(user: User, forum_id: int, item_id: int) -> None:
    """Take an item's picture away, while the forum's items can change."""
    item = _editable_item(user, forum_id, item_id)
    if item.image is None:
        raise DomainError(_("This item has no picture."), 409, "no_picture")
    before = _snapshot(item.image)
    db.session.delete(item.image)
    audit.record(user.actor, "item.image", f"item:{item.id}", before=before, after=None)
    db.session.commit()


def visible_image(forum_id: int, item_id: int, user: User | None) -> ItemImage:
    """The picture of an item the user may see (404 when there is none): any item of
    a forum past its draft, and a draft's items to its district's team."""
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.forum_id != forum_id or item.image is None:
        abort(404)
    forum = item.forum
    if forum.phase == "draft" and not (
        user is not None and user.has_role("district_team", forum.district.code)
    ):
        abort(404)
    return item.image
