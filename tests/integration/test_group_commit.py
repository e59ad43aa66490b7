"""Group commit on PostgreSQL: one statement stores a batch of casts, each row checked
on its own by the same rules as a single cast."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from auth.services import live_session_params
from core import clock
from core.extensions import db
from tests import factories
from tests.web import session_token
from voting.casting import ballot_cache
from voting.casting import receipts
from voting.casting import statements
from voting.models import Ballot
from voting.models import BallotChoice


@pytest.fixture
def pg_app(app, backend):
    if backend != "postgres":
        pytest.skip("group commit is PostgreSQL's casting path")
    return app


def row(forum, token, picks, **changes) -> dict:
    definition = ballot_cache.definition(forum.id)
    made = {
        "forum_id": forum.id,
        "revision": definition.revision,
        "district_code": definition.district_code,
        **live_session_params(token),
        "receipt_code": receipts.new_code(),
        "channel": "online",
        "cast_at": clock.now(),
        "network_hash": None,
        "agent_hash": None,
        "device_hash": None,
        "item_ids": "{" + ",".join(picks) + "}",
    }
    return made | changes


def test_one_statement_stores_each_valid_cast_of_a_batch_and_only_those(pg_app):
    forum = factories.forum()
    picks = factories.item_ids(forum)[:3]
    alice = session_token(factories.user("alice"))
    bob = session_token(factories.user("bob"))
    carol = session_token(factories.user("carol"))
    outsider = session_token(factories.user("dan", code="11680"))
    rows = [
        row(forum, alice, picks),
        row(forum, alice, picks[::-1]),  # the same voter again, in the same batch
        row(forum, bob, picks, session_after=clock.now() + timedelta(hours=1)),  # expired
        row(forum, carol, picks, revision=-1),  # checked against an older forum
        row(forum, outsider, picks),  # lives in another district
        row(forum, carol, picks, cast_at=forum.voting_ends_at + timedelta(seconds=1)),
    ]
    stored = statements.write_batch(rows)
    # Alice's two casts: exactly one is stored, whichever the database took first.
    assert stored in ({rows[0]["receipt_code"]}, {rows[1]["receipt_code"]})
    ballots = db.session.execute(select(Ballot.receipt_code)).scalars().all()
    assert set(ballots) == stored
    chosen = db.session.scalars(select(BallotChoice.item_id).order_by(BallotChoice.item_id))
    assert list(chosen) == sorted(int(pick) for pick in picks)


def test_a_batch_of_many_voters_stores_them_all_with_their_choices(pg_app):
    forum = factories.forum()
    picks = factories.item_ids(forum)
    tokens = [session_token(factories.user(f"voter{n}")) for n in range(12)]
    rows = [row(forum, token, picks[n % 3 : n % 3 + 3]) for n, token in enumerate(tokens)]
    assert statements.write_batch(rows) == {each["receipt_code"] for each in rows}
    counts = db.session.execute(
        select(BallotChoice.ballot_id).group_by(BallotChoice.ballot_id)
    ).all()
    assert len(counts) == 12
    assert db.session.query(BallotChoice).count() == 36
