"""Forum queries used by the pages."""


from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auth.models import User
from core import audit
from core import clock
from core import hooks
from core.errors import DomainError
from core.extensions import db
from deliberation import locking
from deliberation import rules
from deliberation.inputs import apply_item
from deliberation.inputs import apply_settings
from deliberation.inputs import check_settings
from deliberation.inputs import current_settings
from deliberation.inputs import forum_snapshot
from deliberation.inputs import ForumInput
from deliberation.inputs import item_snapshot
from deliberation.inputs import ItemInput
from deliberation.models import AgendaItem
from deliberation.models import District
from deliberation.models import Field
from deliberation.models import Forum
from deliberation.phases import voting_state
from deliberation.phases import Window
from deliberation.refusals import refuse


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


def load_forum(forum_id: int, lock: str | None = None) -> Forum | None:
    """The forum with its district, fields and items (and their fields) loaded, any phase;
    with ``lock`` (see ``deliberation.locking``) its row stays locked until the commit."""
    query = (
        select(Forum)
        .where(Forum.id == forum_id)
        .options(
            selectinload(Forum.district),
            selectinload(Forum.fields),
            selectinload(Forum.items).selectinload(AgendaItem.field),
        )
    )
    if lock is not None:
        query = locking.locked(query, forum_id, lock)
    return db.session.execute(query).scalar_one_or_none()


def get_forum(forum_id: int, lock: str | None = None) -> Forum:
    """The forum with its fields and items loaded, or 404. Drafts are not public."""
    forum = load_forum(forum_id, lock)
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


# --- district team: forum management ---------------------------------------------------


def require_team(user: User, district_code: str) -> None:
    """Only the district team of the forum's own district manages it."""
    if not user.has_role("district_team", district_code):
        raise DomainError(_("Only this district's team can do that."), status=403, code="forbidden")


def has_ballots(forum: Forum) -> bool:
    """Whether any ballot exists; answered by the voting feature, which owns ballots."""
    return bool(hooks.ask(hooks.FORUM_HAS_BALLOTS)(forum.id))


def publication_proposed(forum: Forum) -> bool:
    """Whether a team member's publication proposal awaits approval (voting feature's answer)."""
    if forum.phase != "closed":
        return False
    return bool(hooks.ask(hooks.FORUM_PUBLICATION_PROPOSED)(forum.id))


def team_forums(user: User) -> list[Forum]:
    """Forums, drafts included, of the districts this user's team works for."""
    codes = user.team_districts()
    query = (
        select(Forum)
        .join(District)
        .where(District.code.in_(codes))
        .options(selectinload(Forum.district))
        .order_by(Forum.voting_starts_at.desc(), Forum.id.desc())
    )
    return list(db.session.execute(query).scalars())


def team_districts(user: User) -> list[District]:
    codes = user.team_districts()
    return list(db.session.execute(select(District).where(District.code.in_(codes))).scalars())


def managed_forum(user: User, forum_id: int, lock: str | None = None) -> Forum:
    """The forum with fields and items, drafts included, for its district team; else 403/404.
    A use case changing it passes ``locking.CHANGE`` and checks its rules on what returns."""
    forum = load_forum(forum_id, lock)
    if forum is None:
        abort(404)
    require_team(user, forum.district.code)
    return forum


def _unique_slug() -> str:
    base = "forum-" + clock.now().strftime("%Y%m%d%H%M%S")
    slug, n = base, 1
    while db.session.execute(select(Forum.id).filter_by(slug=slug)).first():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_forum(user: User, district_code: str, values: ForumInput) -> Forum:
    require_team(user, district_code)
    district = db.session.execute(
        select(District).filter_by(code=district_code)
    ).scalar_one_or_none()
    if district is None:
        raise DomainError(_("Unknown district code %(code)s.", code=district_code), status=404)
    check_settings(values, {})
    forum = Forum(district=district, slug=_unique_slug(), phase="draft", created_at=clock.now())
    apply_settings(forum, values)
    db.session.add(forum)
    db.session.flush()
    audit.record(user.actor, "forum.create", f"forum:{forum.id}", after=forum_snapshot(forum))
    db.session.commit()
    return forum


def update_forum(user: User, forum_id: int, values: ForumInput) -> Forum:
    forum = managed_forum(user, forum_id, locking.CHANGE)
    try:
        rules.check_editable(forum.phase)
    except rules.RuleError as error:
        raise refuse(error) from None
    check_settings(values, {f.name: f.envelope for f in forum.fields})
    before = forum_snapshot(forum)
    apply_settings(forum, values)
    audit.record(
        user.actor, "forum.update", f"forum:{forum.id}", before=before, after=forum_snapshot(forum)
    )
    db.session.commit()
    return forum


def _field_snapshot(field: Field) -> dict:
    return {"name": field.name, "name_en": field.name_en, "envelope": field.envelope}


def save_field(
    user: User, forum_id: int, field_id: int | None, name: str, name_en: str, envelope: int | None
) -> Field:
    """Add a field or change one; its envelope keeps the fields' total within the forum's."""
    forum = managed_forum(user, forum_id, locking.CHANGE)
    try:
        rules.check_editable(forum.phase)
    except rules.RuleError as error:
        raise refuse(error) from None
    field = None
    if field_id is not None:
        field = next((f for f in forum.fields if f.id == field_id), None)
        if field is None:
            abort(404)
    if any(f.name == name and f is not field for f in forum.fields):
        raise DomainError(_("A field named %(name)s exists already.", name=name), status=422)
    envelopes = {f.name: f.envelope for f in forum.fields if f is not field}
    envelopes[name] = envelope
    check_settings(current_settings(forum), envelopes)
    if envelope is not None:
        for item in forum.items:
            if item.field is field and field is not None and item.cost > envelope:
                raise refuse(
                    rules.RuleError("cost_over_field", {"cost": item.cost, "envelope": envelope})
                )
    before = _field_snapshot(field) if field else None
    if field is None:
        field = Field(forum=forum, position=len(forum.fields))
        db.session.add(field)
    field.name, field.name_en, field.envelope = name, name_en, envelope
    db.session.flush()
    audit.record(
        user.actor, "field.save", f"field:{field.id}", before=before, after=_field_snapshot(field)
    )
    db.session.commit()
    return field


def save_item(user: User, forum_id: int, item_id: int | None, values: ItemInput) -> AgendaItem:
    """Add an agenda item or change one, while the forum is not frozen."""
    forum = managed_forum(user, forum_id, locking.CHANGE)
    try:
        rules.check_editable(forum.phase)
    except rules.RuleError as error:
        raise refuse(error) from None
    item = None
    if item_id is not None:
        item = next((i for i in forum.items if i.id == item_id), None)
        if item is None:
            abort(404)
    field = None
    if values.field_id is not None:
        field = next((f for f in forum.fields if f.id == values.field_id), None)
        if field is None:
            raise DomainError(_("Choose one of this forum's fields."), status=422)
    if any(i.external_id == values.external_id and i is not item for i in forum.items):
        raise DomainError(
            _("Item number %(id)s is already used in this forum.", id=values.external_id),
            status=422,
        )
    try:
        rules.check_item_cost(values.cost, field.envelope if field else None, forum.envelope)
    except rules.RuleError as error:
        raise refuse(error) from None
    before = item_snapshot(item) if item else None
    if item is None:
        item = AgendaItem(forum=forum, position=len(forum.items))
        db.session.add(item)
    apply_item(item, values, field)
    db.session.flush()
    audit.record(
        user.actor, "item.save", f"item:{item.id}", before=before, after=item_snapshot(item)
    )
    db.session.commit()
    return item


def transition_check(forum: Forum, target: str) -> None:
    """Raise the 4xx for a phase change the rules forbid."""
    approved = sum(1 for item in forum.items if item.status == "approved")
    try:
        rules.check_transition(
            forum.phase,
            target,
            has_ballots=has_ballots(forum),
            now=clock.now(),
            ends_at=forum.voting_ends_at,
            approved_items=approved,
            max_picks=forum.max_picks,
            deliberation_required=forum.deliberation_required,
            deliberation_ends_at=forum.deliberation_ends_at,
        )
    except rules.RuleError as error:
        raise refuse(error) from None


def phase_change(user: User, forum_id: int, target: str, lock: str | None = None) -> Forum:
    """The forum, if its team may move it to ``target`` now; publishing is not a phase change.
    ``lock`` as for ``managed_forum``: the use case that changes the phase passes it."""
    forum = managed_forum(user, forum_id, lock)
    if target == "published":
        raise DomainError(
            _("Publish the result from the results page."), status=409, code="publish"
        )
    transition_check(forum, target)
    return forum


def change_phase(user: User, forum_id: int, target: str) -> Forum:
    """Move the forum to another phase; publishing goes through the results service."""
    forum = phase_change(user, forum_id, target, locking.CHANGE)
    before = forum.phase
    forum.phase = target
    audit.record(
        user.actor,
        "forum.phase",
        f"forum:{forum.id}",
        before={"phase": before},
        after={"phase": target},
    )
    db.session.commit()
    return forum
