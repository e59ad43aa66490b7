"""Operator review of bloc-voting flags: scanning, deciding, and the exclusions it makes.

A flag is a question for a human, never an automatic invalidation: only a confirmed
flag excludes ballots, with a written reason, and a confirmation that changes the
funded set needs a second operator's approval.
"""

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import abort
from flask_babel import gettext as _
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
from voting import tally
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.oversight import records
from voting.oversight import scan as scanning
from voting.oversight.thresholds import TIER_ORDER


@dataclass
class Loaded:
    forum: Forum
    ballots: list[records.Ballot]
    keys: dict[str, str]  # ballot id -> voter key, for pseudonyms


def _load(forum_id: int) -> Loaded:
    forum = db.session.get(Forum, forum_id)
    if forum is None:
        abort(404)
    external = dict(
        db.session.execute(
            select(AgendaItem.id, AgendaItem.external_id).where(AgendaItem.forum_id == forum_id)
        ).all()
    )
    picks: dict[int, list[str]] = {}
    choices = (
        select(BallotChoice.ballot_id, BallotChoice.item_id)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.forum_id == forum_id)
    )
    for ballot_id, item_id in db.session.execute(choices):
        picks.setdefault(ballot_id, []).append(external[item_id])
    rows = db.session.execute(
        select(
            Ballot.id,
            Ballot.voter_key,
            Ballot.cast_at,
            Ballot.network_hash,
            Ballot.device_hash,
            Ballot.agent_hash,
            Ballot.channel,
            Ballot.first_seen_at,
        ).where(Ballot.forum_id == forum_id)
    ).all()
    ballots = [
        records.Ballot(
            voter=str(row.id),
            time=row.cast_at,
            picks=tuple(sorted(picks.get(row.id, ()))),
            network=row.network_hash or "",
            device=row.device_hash or "",
            agent=row.agent_hash or "",
            channel=row.channel,
            first_seen=row.first_seen_at,
        )
        for row in rows
    ]
    return Loaded(forum, ballots, {str(row.id): row.voter_key for row in rows})


def _funder(forum: Forum, ballots: list[records.Ballot]):
    """A function from excluded ballot ids to the funded set (greedy, the forum's options)."""
    items = [
        tally.Item(id=i.external_id, cost=i.cost, field=i.field.name if i.field else None)
        for i in forum.items
        if i.status == "approved"
    ]
    known = {item.id for item in items}
    base = Counter(p for b in ballots for p in b.picks if p in known)
    by_voter = {b.voter: b.picks for b in ballots}
    envelopes = {f.name: f.envelope for f in forum.fields if f.envelope is not None}

    def funded(excluded: set[str]) -> set[str]:
        counts = base.copy()
        for voter in excluded:
            counts.subtract(p for p in by_voter.get(voter, ()) if p in known)
        ranked = tally.rank({i.id: counts.get(i.id, 0) for i in items}, items)
        result = tally.fund_greedy(
            ranked,
            forum.envelope,
            field_envelopes=envelopes,
            skip_misfits=forum.skip_misfits,
            min_votes=forum.min_votes,
        )
        return set(result.funded_ids)

    return funded


@dataclass
class ScanReport:
    forum_id: int
    ballots: int
    flags: int
    new: int
    updated: int
    gone: int


def scan_forum(forum_id: int, actor: str = "cli") -> ScanReport:
    """Scan a forum's ballots; a rescan updates the same flags (by key) instead of adding.

    Safe to run every few minutes during the window. Flags that no longer appear stay
    for the record but become inactive; decided flags keep their decision.
    """
    loaded = _load(forum_id)
    stored = {
        flag.key: flag
        for flag in db.session.execute(select(AnomalyFlag).filter_by(forum_id=forum_id)).scalars()
    }
    previous = [{"key": key, "members": json.loads(flag.members)} for key, flag in stored.items()]
    flags = scanning.scan(loaded.ballots, previous=previous)
    funded = _funder(loaded.forum, loaded.ballots)
    now_funded = funded(set())
    now = clock.now()
    seen = set()
    new = updated = 0
    for found in flags:
        seen.add(found.key)
        effect = scanning.impact(found, funded, now_funded)
        row = stored.get(found.key)
        if row is None:
            row = AnomalyFlag(forum_id=forum_id, key=found.key, first_seen_at=now, status="open")
            db.session.add(row)
            new += 1
        elif found.change == "updated" or not row.active:
            updated += 1
        details = found.as_dict()
        details.pop("members")
        row.tier = found.tier
        row.size = found.size
        row.log10_p = found.log10_p
        row.details = json.dumps(details, ensure_ascii=False)
        row.members = json.dumps(list(found.members))
        row.impact = json.dumps(effect)
        row.changes_outcome = effect["changes_outcome"]
        row.active = True
        row.updated_at = now
    gone = 0
    for key, row in stored.items():
        if key not in seen and row.active:
            row.active = False
            row.updated_at = now
            gone += 1
    report = ScanReport(forum_id, len(loaded.ballots), len(flags), new, updated, gone)
    audit.record(actor, "anomalies.scan", f"forum:{forum_id}", after=report.__dict__)
    db.session.commit()
    return report


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
    undecided = {"open": 0, "pending_approval": 0}
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


ACTIONS = ("clear", "confirm", "reopen")


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


def decide(flag_id: int, operator: User, action: str, reason: str) -> AnomalyFlag:
    """Clear (organic), confirm (exclude its ballots, with a reason), or reopen a flag.

    A confirmation needs a written reason. When excluding the ballots changes the
    funded set, a first confirmation waits for a second, different operator's approval.
    A published forum's flags can no longer be decided.
    """
    flag = db.session.get(AnomalyFlag, flag_id)
    if flag is None:
        abort(404)
    forum = db.session.get(Forum, flag.forum_id)
    if forum.phase == "published":
        raise DomainError(_("The result is published; its flags can no longer change."), 409)
    if action not in ACTIONS:
        raise DomainError(_("Unknown action."), 422)
    reason = (reason or "").strip()
    before = {"status": flag.status, "decided_by": flag.decided_by}
    now = clock.now()
    if action == "confirm":
        if not reason:
            raise DomainError(_("Write the reason for confirming this flag."), 422, "reason")
        if flag.status == "confirmed":
            raise DomainError(_("This flag is already confirmed."), 409)
        if flag.changes_outcome and flag.status != "pending_approval":
            flag.status = "pending_approval"
            flag.decided_by, flag.decided_at, flag.reason = operator.actor, now, reason
        elif flag.changes_outcome and flag.decided_by == operator.actor:
            raise DomainError(
                _("This confirmation changes the result: a second operator must approve it."),
                409,
                "second_operator",
            )
        else:
            if flag.status == "pending_approval":
                flag.approved_by = operator.actor
            else:
                flag.decided_by, flag.reason = operator.actor, reason
            flag.status = "confirmed"
            flag.decided_at = now
            _exclude(flag, flag.reason or reason)
    elif action == "clear":
        _include_again(flag)
        flag.status = "cleared"
        flag.decided_by, flag.decided_at, flag.reason, flag.approved_by = (
            operator.actor,
            now,
            reason or None,
            None,
        )
    else:
        _include_again(flag)
        flag.status = "open"
        flag.decided_by = flag.decided_at = flag.reason = flag.approved_by = None
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


def exclusion_of(ballot_id: int) -> BallotExclusion | None:
    return db.session.get(BallotExclusion, ballot_id)
