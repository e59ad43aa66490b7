"""The purge: apply the retention schedule to ballots, forum by forum.

``run(as_of)`` is the plain function a scheduler calls once a day (the scan worker's
schedule); ``flask privacy purge`` calls it too. For each published forum whose
objection period has ended (``rules.retention_ends``, the schedule's
``ballot_voter_key`` and ``review_signals`` items) and no flag is undecided, every
ballot's voter key is replaced by a random value and its review signals are removed,
in batches each committed on its own, so casting in other forums goes on. Receipt
codes, picks, channel and birth year stay: the tally, the snapshot hash, the open data
and receipt checks do not change, and nothing maps a receipt or its picks to a person.

A resident who ticked the optional "following my picks" item keeps the voter key on
their ballots (the signals still go). Idempotent: a ballot already purged is not
touched again, and a forum with nothing left to purge writes no audit entry.
"""

import json
import secrets
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC

from flask import current_app
from sqlalchemy import and_
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import not_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update

from auth.models import User
from auth.models import UserSession
from auth.services import session_lifetime
from core import audit
from core import clock
from core.extensions import db
from deliberation.models import Forum
from privacy import access_log
from privacy import account
from privacy import rules
from privacy import schedule
from privacy.models import ConsentRecord
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import ResultSnapshot

ACTOR = "system:purge"
# What a purged ballot's voter key starts with: a random value after it, never a key.
ANONYMOUS_PREFIX = "anon:"
BATCH_SIZE = 500
UNDECIDED = ("open", "pending_approval")


@dataclass
class ForumPurge:
    forum_id: int
    keys_removed: int = 0
    signals_removed: int = 0
    kept_by_consent: int = 0


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _undecided_flags(forum_id: int) -> int:
    query = select(func.count()).where(
        AnomalyFlag.forum_id == forum_id, AnomalyFlag.status.in_(UNDECIDED)
    )
    return db.session.execute(query).scalar_one()


def due_forums(as_of: datetime) -> list[int]:
    """Published forums whose voter keys and review signals have reached their end."""
    days = schedule.by_key("ballot_voter_key").period(current_app.config)
    query = (
        select(Forum.id, ResultSnapshot.published_at)
        .join(ResultSnapshot, ResultSnapshot.forum_id == Forum.id)
        .order_by(Forum.id)
    )
    return [
        forum_id
        for forum_id, published_at in db.session.execute(query).all()
        if rules.retention_ends(_aware(published_at), days, as_of, _undecided_flags(forum_id))
    ]


def _followers() -> select:
    """Voter keys of residents whose current consent keeps their picks linked."""
    return (
        select(User.voter_key)
        .join(ConsentRecord, ConsentRecord.user_id == User.id)
        .where(
            ConsentRecord.version == User.consent_version,
            ConsentRecord.optional.contains(json.dumps("keep_picks")),
        )
    )


def _signals_held():
    return or_(
        Ballot.network_hash.is_not(None),
        Ballot.agent_hash.is_not(None),
        Ballot.device_hash.is_not(None),
        Ballot.first_seen_at.is_not(None),
    )


def _pending(forum_id: int, after_id: int) -> list[tuple[int, bool, bool]]:
    """The next batch of ballots with something to purge: (id, has key, has signals)."""
    has_key = and_(
        not_(Ballot.voter_key.startswith(ANONYMOUS_PREFIX)),
        Ballot.voter_key.not_in(_followers()),
    )
    query = (
        select(Ballot.id, has_key, _signals_held())
        .where(Ballot.forum_id == forum_id, Ballot.id > after_id, or_(has_key, _signals_held()))
        .order_by(Ballot.id)
        .limit(BATCH_SIZE)
    )
    return [(row[0], bool(row[1]), bool(row[2])) for row in db.session.execute(query).all()]


def _purge_batch(rows: list[tuple[int, bool, bool]], done: ForumPurge) -> None:
    for ballot_id in (row[0] for row in rows if row[1]):
        anonymous = ANONYMOUS_PREFIX + secrets.token_hex(29)
        db.session.execute(update(Ballot).where(Ballot.id == ballot_id).values(voter_key=anonymous))
        done.keys_removed += 1
    with_signals = [row[0] for row in rows if row[2]]
    if with_signals:
        db.session.execute(
            update(Ballot)
            .where(Ballot.id.in_(with_signals))
            .values(network_hash=None, agent_hash=None, device_hash=None, first_seen_at=None)
        )
        done.signals_removed += len(with_signals)


def purge_forum(forum_id: int) -> ForumPurge:
    """Purge one forum's ballots batch by batch; one audit entry, with the counts, in
    the last batch's commit (none when nothing was left to purge)."""
    done = ForumPurge(forum_id)
    after_id = 0
    while True:
        rows = _pending(forum_id, after_id)
        if not rows:
            break
        _purge_batch(rows, done)
        after_id = rows[-1][0]
        if len(rows) < BATCH_SIZE:
            break
        db.session.commit()
    if done.keys_removed or done.signals_removed:
        done.kept_by_consent = _kept(forum_id)
        audit.record(ACTOR, "privacy.purge", f"forum:{forum_id}", after=asdict(done))
    db.session.commit()
    return done


def _kept(forum_id: int) -> int:
    query = select(func.count()).where(
        Ballot.forum_id == forum_id, Ballot.voter_key.in_(_followers())
    )
    return db.session.execute(query).scalar_one()


def purge_sessions(as_of: datetime) -> int:
    """Delete sign-in records the schedule's ``sessions`` item has ended: signed out, or
    past their lifetime, more than its days ago. Audited with the count when any."""
    days = timedelta(days=schedule.by_key("sessions").period(current_app.config))
    cutoff = as_of - days
    over = or_(
        UserSession.ended_at < cutoff,
        UserSession.created_at < cutoff - session_lifetime(),
    )
    removed = db.session.execute(delete(UserSession).where(over)).rowcount
    if removed:
        audit.record(ACTOR, "privacy.purge_sessions", "user_sessions", after={"removed": removed})
    db.session.commit()
    return removed


def run(as_of: datetime | None = None, forum_id: int | None = None) -> list[ForumPurge]:
    """Apply the schedule as of ``as_of`` (now by default) to every forum due, or to
    ``forum_id`` only when it is due, and to sign-in records (not with ``forum_id``);
    returns what was done per forum. The daily worker calls this."""
    moment = _aware(as_of or clock.now())
    due = due_forums(moment)
    if forum_id is not None:
        due = [found for found in due if found == forum_id]
    else:
        purge_sessions(moment)
        access_log.purge(moment)
    done = [purge_forum(found) for found in due]
    released = account.destroy_released_accounts()
    if released:
        audit.record(ACTOR, "privacy.destroy_accounts", "users", after={"removed": released})
    db.session.commit()
    return done
