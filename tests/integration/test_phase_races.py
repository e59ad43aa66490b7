"""Phase changes, forum edits and casts take turns on the forum, whatever the interleaving.

Each trial starts its threads together at a barrier; one side then waits a random
moment of up to a few milliseconds, the changes in one trial and the casts in the next,
so both orders and every overlap in between happen. Casts come by every path: one
statement for a signed-in user, the group-committed batch for sessions, the full checks
and an assisted ballot.

PostgreSQL runs hundreds of trials; SQLite, which has one writer at a time, fewer.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from auth.models import User
from auth.services import Resident
from core import audit
from core.audit import AuditEntry
from core.errors import DomainError
from core.extensions import db
from deliberation import services as forums
from deliberation.models import Forum
from tests import factories
from tests.web import session_token
from voting.casting import ballot_cache
from voting.casting import services as voting
from voting.models import Ballot
from voting.models import BallotChoice

TRIALS = {"postgres": 100, "sqlite": 40}  # per race; the two orders alternate
MOST_DELAY = 0.004  # seconds


class Race:
    """Runs callables in threads of their own, released together, each in its own app
    context; a DomainError is an answer (its code), anything else fails the test."""

    def __init__(self, app, size: int):
        self.app = app
        self.size = size
        self.pool = ThreadPoolExecutor(max_workers=size)
        self.random = random.Random(20261204)

    def run(self, trial: int, changes: list, casts: list) -> list:
        calls = changes + casts
        assert len(calls) == self.size
        barrier = threading.Barrier(self.size)
        late = changes if trial % 2 else casts
        delays = [self.random.uniform(0, MOST_DELAY) if call in late else 0 for call in calls]
        futures = [
            self.pool.submit(self._one, barrier, delay, call)
            for call, delay in zip(calls, delays, strict=True)
        ]
        return [future.result(timeout=30) for future in futures]

    def _one(self, barrier, delay, call):
        with self.app.app_context():
            try:
                barrier.wait(timeout=10)
                time.sleep(delay)
                return call()
            except DomainError as error:
                return error.code
            finally:
                db.session.remove()

    def close(self):
        self.pool.shutdown()


def _voters(count: int) -> list[int]:
    return [factories.user(f"voter-{n}").id for n in range(count)]


def _reset(forum_id: int, phase: str) -> None:
    """No ballots, the forum in ``phase``, and this process's copy of its ballot fresh."""
    db.session.execute(delete(BallotChoice))
    db.session.execute(delete(Ballot))
    db.session.execute(
        update(Forum).where(Forum.id == forum_id).values(phase=phase, revision=Forum.revision + 1)
    )
    db.session.commit()
    db.session.expire_all()
    ballot_cache.remember(forums.load_forum(forum_id))


def _casts(forum_id: int, team_id: int, voter_ids: list[int], tokens: list[str], picks, trial):
    """One cast by each path (by session for every token), each by a voter of its own;
    ``voter_ids[1]`` casts through the full checks."""

    def checked():
        user = db.session.get(User, voter_ids[1])
        return voting._cast_checked(forum_id, user, picks, "online", None)

    def assisted():
        team = db.session.get(User, team_id)
        resident = Resident(f"assisted-{trial}", "11560", 1950)
        return voting.cast_assisted(forum_id, team, resident, picks, False)

    def by_session(token):
        return lambda: voting.cast_signed_in(forum_id, token, picks)

    return [checked, assisted, *(by_session(token) for token in tokens)]


def _ballots(forum_id: int) -> int:
    query = select(func.count()).select_from(Ballot).where(Ballot.forum_id == forum_id)
    return db.session.execute(query).scalar_one()


def _last_seq() -> int:
    return db.session.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar_one()


def _seq_of(action: str, since: int) -> int | None:
    query = select(func.max(AuditEntry.seq)).where(
        AuditEntry.action == action, AuditEntry.seq > since
    )
    return db.session.execute(query).scalar_one()


@pytest.fixture
def team(app):
    # The audit log's head row exists before the races: the first entry ever written
    # creates it, which is not what these races are about.
    audit.record("test", "test.start", "test")
    db.session.commit()
    return factories.staff("team-a", "district_team", "11560")


def _as(user_id: int, use_case, *args):
    """``use_case(user, *args)`` for the user loaded in the calling thread."""
    return lambda: use_case(db.session.get(User, user_id), *args)


def test_back_to_deliberation_never_leaves_ballots_behind(app, backend, team):
    trials = TRIALS[backend]
    forum_id = factories.forum().id
    picks = factories.item_ids(db.session.get(Forum, forum_id))[:3]
    voter_ids = _voters(4)
    tokens = [session_token(db.session.get(User, v)) for v in voter_ids[:1] + voter_ids[2:]]
    back = _as(team.id, forums.change_phase, forum_id, "deliberation")
    race = Race(app, 6)
    broken, went_back, stayed = [], 0, 0
    try:
        for trial in range(trials):
            _reset(forum_id, "voting")
            race.run(trial, [back], _casts(forum_id, team.id, voter_ids, tokens, picks, trial))
            db.session.expire_all()
            phase, ballots = db.session.get(Forum, forum_id).phase, _ballots(forum_id)
            went_back += phase == "deliberation"
            stayed += ballots > 0
            if ballots and phase != "voting":
                broken.append((trial, phase, ballots))
    finally:
        race.close()
    assert broken == [], f"{len(broken)} of {trials} trials left ballots outside voting"
    assert went_back and stayed, "both orders must have happened"


def test_items_never_change_once_voting_has_started(app, backend, team):
    trials = TRIALS[backend]
    forum = factories.forum(phase="deliberation")
    forum_id, picks = forum.id, factories.item_ids(forum)[:3]
    target = forum.items[4]  # not picked, so every cast stays valid
    target_id, number, field_id = target.id, target.external_id, target.field_id
    voter_ids = _voters(3)
    tokens = [session_token(db.session.get(User, voter_ids[v])) for v in (0, 2)]
    open_voting = _as(team.id, forums.change_phase, forum_id, "voting")
    race = Race(app, 6)
    broken, edited_first, voted_first = [], 0, 0
    try:
        for trial in range(trials):
            _reset(forum_id, "deliberation")
            since = _last_seq()
            edit = forums.ItemInput(
                number, f"Renamed {trial}", "", "", 40_000_000 + trial, field_id, "approved"
            )
            rename = _as(team.id, forums.save_item, forum_id, target_id, edit)
            casts = _casts(forum_id, team.id, voter_ids, tokens, picks, trial)
            race.run(trial, [rename, open_voting], casts)
            db.session.expire_all()
            # Audit entries are numbered in commit order: an edit numbered after the
            # opening of voting changed the items of a forum open for voting.
            edited, opened = _seq_of("item.save", since), _seq_of("forum.phase", since)
            ballots = _ballots(forum_id)
            if edited and opened and edited > opened:
                broken.append((trial, "edited after voting opened", ballots))
            if ballots and db.session.get(Forum, forum_id).phase != "voting":
                broken.append((trial, "ballots outside voting", ballots))
            edited_first += bool(edited and opened and edited < opened)
            voted_first += bool(opened and not edited)
    finally:
        race.close()
    assert broken == [], f"{len(broken)} of {trials} trials changed items after voting opened"
    assert edited_first and voted_first, "both orders must have happened"
