"""Operator review of bloc-voting flags: listing, showing and deciding them.

A flag is a question for a human, never an automatic invalidation: only a confirmed
flag excludes ballots, with a written reason, and a confirmation that changes the
funded set needs a second operator's approval (the rules: :mod:`voting.oversight.decisions`).
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy import select

from auth.models import User
from auth.services import actor_names
from auth.services import display_name
from core import audit
from core import clock
from core.errors import DomainError
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotExclusion
from voting.oversight import decisions
from voting.oversight.thresholds import TIER_ORDER


@dataclass
class Listed:
    flag: AnomalyFlag
    forum_title: str


def list_flags(operator: User, forum_id: int | None = None) -> list[Listed]:
    """Flags by severity: undecided first, then those that change the result, then tier."""
    query = select(AnomalyFlag, Forum.title).join(Forum, Forum.id == AnomalyFlag.forum_id)
    if forum_id is not None:
        query = query.where(AnomalyFlag.forum_id == forum_id)
    rows = db.session.execute(query).all()
    titles = {flag.id: title for flag, title in rows}
    flags = [flag for flag, _title in rows]
    undecided = dict.fromkeys(decisions.UNDECIDED, 0)
    flags.sort(
        key=lambda f: (
            undecided.get(f.status, 1),
            not f.active,
            not f.changes_outcome,
            TIER_ORDER.get(f.tier, 9),
            f.log10_p,
            f.id,
        )
    )
    return [Listed(flag, titles[flag.id]) for flag in flags]


@dataclass
class FlagView:
    flag: AnomalyFlag
    forum: Forum
    details: dict
    impact: dict
    members: list[str]  # pseudonyms
    timeline: list[tuple[datetime, int, int]]  # hour, forum ballots, flag ballots
    items: dict[str, str]  # item number -> title, to name picks and impact in words
    actors: dict[str, str]  # who decided, by name and role

    @property
    def peak(self) -> datetime | None:
        """The hour with most of this flag's ballots."""
        best = max(self.timeline, key=lambda hour: hour[2], default=None)
        return best[0] if best and best[2] else None


def _timeline(forum_id: int, members: set[int]) -> list[tuple[datetime, int, int]]:
    rows = db.session.execute(
        select(Ballot.id, Ballot.cast_at).where(Ballot.forum_id == forum_id)
    ).all()
    if not rows:
        return []
    hours: Counter = Counter()
    theirs: Counter = Counter()
    for ballot_id, cast_at in rows:
        hour = cast_at.replace(minute=0, second=0, microsecond=0)
        hours[hour] += 1
        if ballot_id in members:
            theirs[hour] += 1
    start, end = min(hours), max(hours)
    series = []
    moment = start
    while moment <= end and len(series) < 24 * 31:
        series.append((moment, hours.get(moment, 0), theirs.get(moment, 0)))
        moment += timedelta(hours=1)
    return series


def flag_view(flag_id: int, operator: User, record_view: bool = True) -> FlagView:
    """One flag for an operator; the view itself is written to the audit log, except when
    the page is shown again with a refused decision (refused input stores nothing)."""
    flag = db.session.get(AnomalyFlag, flag_id)
    if flag is None:
        abort(404)
    members = [int(m) for m in json.loads(flag.members)]
    keys = dict(
        db.session.execute(select(Ballot.id, Ballot.voter_key).where(Ballot.id.in_(members))).all()
    )
    if record_view:
        audit.record(operator.actor, "flag.view", f"flag:{flag.id}")
        db.session.commit()
    details = json.loads(flag.details)
    for moment in ("start", "end"):
        details[moment] = datetime.fromisoformat(details[moment])
    items = select(AgendaItem.external_id, AgendaItem.title).filter_by(forum_id=flag.forum_id)
    return FlagView(
        flag=flag,
        forum=db.session.get(Forum, flag.forum_id),
        items=dict(db.session.execute(items).all()),
        actors=actor_names({flag.decided_by, flag.approved_by} - {None}),
        details=details,
        impact=json.loads(flag.impact or "{}"),
        members=sorted(display_name(keys[m]) for m in members if m in keys),
        timeline=_timeline(flag.forum_id, set(members)),
    )


REFUSALS = {
    "published": _l("The result is published; its flags can no longer change."),
    "unknown_action": _l("Unknown action."),
    "reason": _l("Write the reason for confirming this flag."),
    "already_confirmed": _l("This flag is already confirmed."),
    "second_operator": _l(
        "This confirmation changes the result: a second operator must approve it."
    ),
}
# refusals whose code the error carries (the form names the field, the page the rule)
SHOWN_CODES = {"reason", "second_operator"}


def _exclude(flag: AnomalyFlag, reason: str) -> None:
    now = clock.now()
    members = [int(m) for m in json.loads(flag.members)]
    already = set(
        db.session.execute(
            select(BallotExclusion.ballot_id).where(BallotExclusion.ballot_id.in_(members))
        ).scalars()
    )
    for ballot_id in members:
        if ballot_id not in already:
            db.session.add(
                BallotExclusion(
                    ballot_id=ballot_id,
                    forum_id=flag.forum_id,
                    flag_id=flag.id,
                    reason=reason,
                    created_at=now,
                )
            )


def _include_again(flag: AnomalyFlag) -> None:
    db.session.execute(delete(BallotExclusion).where(BallotExclusion.flag_id == flag.id))


def _apply(flag: AnomalyFlag, step: decisions.Transition, operator: User, reason: str) -> None:
    """Write a transition onto the flag and its ballots' exclusions."""
    now = clock.now()
    if step.operator_role == decisions.DECIDER:
        flag.decided_by, flag.decided_at, flag.reason = operator.actor, now, reason or None
        flag.approved_by = None
    elif step.operator_role == decisions.APPROVER:
        flag.approved_by, flag.decided_at = operator.actor, now
    else:
        flag.decided_by = flag.decided_at = flag.reason = flag.approved_by = None
    flag.status = step.status
    if step.ballots == decisions.EXCLUDE:
        _exclude(flag, flag.reason or reason)
    elif step.ballots == decisions.INCLUDE:
        _include_again(flag)


def decide(flag_id: int, operator: User, action: str, reason: str) -> AnomalyFlag:
    """Clear (organic), confirm (exclude its ballots, with a reason), or reopen a flag,
    by the rules of :func:`voting.oversight.decisions.transition`."""
    flag = db.session.get(AnomalyFlag, flag_id)
    if flag is None:
        abort(404)
    forum = db.session.get(Forum, flag.forum_id)
    reason = (reason or "").strip()
    step = decisions.transition(
        flag.status,
        action,
        published=forum.phase == "published",
        has_reason=bool(reason),
        changes_outcome=bool(flag.changes_outcome),
        operator_decided_first=flag.decided_by == operator.actor,
    )
    if isinstance(step, decisions.Refusal):
        code = step.code if step.code in SHOWN_CODES else None
        raise DomainError(str(REFUSALS[step.code]), step.http_status, code)
    before = {"status": flag.status, "decided_by": flag.decided_by}
    _apply(flag, step, operator, reason)
    audit.record(
        operator.actor,
        f"flag.{action}",
        f"flag:{flag.id}",
        before=before,
        after={"status": flag.status},
        reason=reason or None,
    )
    db.session.commit()
    return flag
