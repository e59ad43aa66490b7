"""Follow-up use cases: the team's status updates of funded items, what residents read,
and the end-of-cycle evaluation. One commit per use case; a refusal stores nothing."""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth.models import User
from core import audit
from core import clock
from core.extensions import db
from deliberation import rules as forum_rules
from deliberation import services as forums
from deliberation.models import AgendaItem
from deliberation.models import Forum
from deliberation.rules import RuleError
from voting.followup import rules
from voting.followup.models import Evaluation
from voting.followup.models import EvaluationScore
from voting.followup.models import FollowUpUpdate
from voting.followup.refusals import refuse
from voting.publishing import exports


@dataclass
class Progress:
    """A funded item with its updates, newest first, and the status they state now."""

    item: AgendaItem
    updates: list[FollowUpUpdate] = field(default_factory=list)
    current: FollowUpUpdate | None = None
    satisfaction: float | None = None
    scores: int = 0


@dataclass
class UpdateInput:
    status: str
    dated: date
    note: str = ""
    reason: str = ""
    photo: bytes | None = None


def _check(check, *args) -> None:
    try:
        check(*args)
    except RuleError as error:
        raise refuse(error) from None


def today() -> date:
    zone = ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul"))
    return clock.now().astimezone(zone).date()


def _funded(record: exports.Published) -> list[AgendaItem]:
    """The forum's funded items, in the published ranking's order."""
    by_number = {item.external_id: item for item in record.forum.items}
    ranked = [row["id"] for row in record.payload["items"] if row.get("funded")]
    return [by_number[number] for number in ranked if number in by_number]


def progress_of(forum: Forum) -> list[Progress]:
    """Each funded item's follow-up, for a published forum; empty for any other."""
    if forum.phase != "published":
        return []
    record = exports.published(forum.id)
    rows = {item.id: Progress(item) for item in _funded(record)}
    query = (
        select(FollowUpUpdate)
        .where(FollowUpUpdate.forum_id == forum.id)
        .order_by(FollowUpUpdate.dated.desc(), FollowUpUpdate.id.desc())
    )
    for update in db.session.execute(query).scalars():
        if update.item_id in rows:
            rows[update.item_id].updates.append(update)
    means = _satisfaction(forum.id)
    for row in rows.values():
        row.current = rules.latest(row.updates)
        row.satisfaction, row.scores = means.get(row.item.id, (None, 0))
    return list(rows.values())


def _satisfaction(forum_id: int) -> dict[int, tuple[float | None, int]]:
    query = (
        select(EvaluationScore.item_id, EvaluationScore.score)
        .join(Evaluation, Evaluation.id == EvaluationScore.evaluation_id)
        .where(Evaluation.forum_id == forum_id)
    )
    scores: dict[int, list[int]] = {}
    for item_id, score in db.session.execute(query):
        scores.setdefault(item_id, []).append(score)
    return {item_id: (rules.satisfaction(s), len(s)) for item_id, s in scores.items()}


def public_progress(forum_id: int) -> tuple[Forum, list[Progress]]:
    """A public forum's follow-up (404 for a draft, 409 before publication)."""
    record = exports.published(forum_id)
    return record.forum, progress_of(record.forum)


def team_progress(user: User, forum_id: int) -> tuple[Forum, list[Progress]]:
    forum = forums.managed_forum(user, forum_id)
    return forum, progress_of(forum)


def add_update(user: User, forum_id: int, item_id: int, values: UpdateInput) -> FollowUpUpdate:
    """The team records a dated status of a funded item; the audit log keeps it."""
    forum = forums.managed_forum(user, forum_id)
    funded = {row.item.id for row in progress_of(forum)}
    _check(
        rules.check_update,
        forum.phase,
        item_id in funded,
        values.status,
        values.reason,
        values.note,
        values.dated,
        today(),
    )
    update = FollowUpUpdate(
        forum_id=forum.id,
        item_id=item_id,
        status=values.status,
        dated=values.dated,
        note=values.note,
        reason=values.reason,
        photo=values.photo,
        author=user.actor,
        created_at=clock.now(),
    )
    db.session.add(update)
    db.session.flush()
    after = {"item": item_id, "status": values.status, "dated": values.dated.isoformat()}
    after |= {"note": values.note, "reason": values.reason, "photo": values.photo is not None}
    audit.record(user.actor, "followup.update", f"followup:{update.id}", after=after)
    db.session.commit()
    return update


def photo(forum_id: int, update_id: int) -> bytes:
    update = db.session.get(FollowUpUpdate, update_id)
    if update is None or update.forum_id != forum_id or update.photo is None:
        abort(404)
    exports.published(forum_id)
    return update.photo


# --- evaluation -----------------------------------------------------------------------


@dataclass
class EvaluationPage:
    forum: Forum
    completed: list[Progress]
    done: bool
    resident: bool


def _completed(forum: Forum) -> list[Progress]:
    return [row for row in progress_of(forum) if row.current and row.current.status == "completed"]


def _evaluated(forum_id: int, user: User) -> bool:
    query = select(Evaluation.id).filter_by(forum_id=forum_id, voter_key=user.voter_key)
    return db.session.execute(query).first() is not None


def evaluation_page(forum_id: int, user: User | None) -> EvaluationPage:
    forum, _rows = public_progress(forum_id)
    resident = user is not None and forum_rules.is_resident(forum.district.code, user.district_code)
    done = user is not None and _evaluated(forum.id, user)
    return EvaluationPage(forum, _completed(forum), done, resident)


def evaluate(forum_id: int, user: User, scores: dict[int, int], comment: str) -> Evaluation:
    """A resident scores the completed items once, from 1 to 5, with an optional comment."""
    forum, _rows = public_progress(forum_id)
    completed = {row.item.id for row in _completed(forum)}
    resident = forum_rules.is_resident(forum.district.code, user.district_code)
    _check(rules.check_evaluation, forum.phase, resident, completed, scores)
    if len(comment) > rules.MAX_NOTE:
        raise refuse(RuleError("too_long", {"max": rules.MAX_NOTE, "count": len(comment)}))
    if _evaluated(forum.id, user):
        raise refuse(RuleError("already_evaluated"))
    evaluation = Evaluation(
        forum_id=forum.id, voter_key=user.voter_key, comment=comment, created_at=clock.now()
    )
    evaluation.scores = [EvaluationScore(item_id=i, score=s) for i, s in scores.items()]
    db.session.add(evaluation)
    try:
        db.session.commit()
    except IntegrityError:  # the same person sent it twice at once
        db.session.rollback()
        raise refuse(RuleError("already_evaluated")) from None
    return evaluation


def previous_cycle(forum: Forum) -> tuple[Forum, list[Progress]] | None:
    """The district's latest published forum before this one, with what became of its
    funded items and their satisfaction, for this forum's page (the feedback loop)."""
    query = (
        select(Forum)
        .where(
            Forum.district_id == forum.district_id,
            Forum.phase == "published",
            Forum.id != forum.id,
            Forum.voting_ends_at < forum.voting_starts_at,
        )
        .order_by(Forum.voting_ends_at.desc())
        .limit(1)
    )
    earlier = db.session.execute(query).scalar_one_or_none()
    if earlier is None:
        return None
    rows = progress_of(earlier)
    return (earlier, rows) if rows else None
