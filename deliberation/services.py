"""Forum queries used by the pages."""

from flask import abort
from sqlalchemy.orm import selectinload

from core import clock
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Field
from deliberation.models import Forum
from deliberation.phases import voting_state
from deliberation.phases import Window


def window_of(forum: Forum) -> Window:
    return Window(forum.voting_starts_at, forum.voting_ends_at)


def state_of(forum: Forum) -> str:
    return voting_state(forum.phase, window_of(forum), clock.now())


def list_forums() -> list[Forum]:
    query = (
        db.select(Forum)
        .where(Forum.phase != "draft")
        .options(selectinload(Forum.district))
        .order_by(Forum.voting_starts_at.desc(), Forum.id.desc())
    )
    return list(db.session.execute(query).scalars())


def get_forum(forum_id: int) -> Forum:
    """The forum with its fields and items loaded, or 404. Drafts are not public."""
    query = (
        db.select(Forum)
        .where(Forum.id == forum_id)
        .options(
            selectinload(Forum.district),
            selectinload(Forum.fields),
            selectinload(Forum.items).selectinload(AgendaItem.field),
        )
    )
    forum = db.session.execute(query).scalar_one_or_none()
    if forum is None or forum.phase == "draft":
        abort(404)
    return forum


def get_item(forum_id: int, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.forum_id != forum_id or item.forum.phase == "draft":
        abort(404)
    return item


def grouped_items(forum: Forum) -> list[tuple[Field | None, list[AgendaItem]]]:
    """Items by field in the forum's field order; items without a field come last."""
    groups: list[tuple[Field | None, list[AgendaItem]]] = []
    for field in forum.fields:
        items = [i for i in forum.items if i.field_id == field.id and i.status != "withdrawn"]
        if items:
            groups.append((field, items))
    loose = [i for i in forum.items if i.field_id is None and i.status != "withdrawn"]
    if loose:
        groups.append((None, loose))
    return groups
