"""A signed-in resident's own ballots: "내 투표" and the "투표 완료" notes on the forum
page, the header and the ballot. Reads only; a ballot is found by the voter key, the
same way casting stores it."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from auth.models import User
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.casting import receipts
from voting.models import Ballot
from voting.models import BallotChoice


@dataclass(frozen=True)
class MyBallot:
    """One of the resident's ballots: where, when, its receipt code (as shown) and picks."""

    forum: Forum
    receipt: str
    cast_at: datetime
    items: list[AgendaItem]


def _picks(ballot_ids: list[int]) -> dict[int, list[AgendaItem]]:
    query = (
        select(BallotChoice.ballot_id, AgendaItem)
        .join(AgendaItem, AgendaItem.id == BallotChoice.item_id)
        .where(BallotChoice.ballot_id.in_(ballot_ids))
        .order_by(AgendaItem.external_id, AgendaItem.id)
    )
    found: dict[int, list[AgendaItem]] = {ballot_id: [] for ballot_id in ballot_ids}
    for ballot_id, item in db.session.execute(query):
        found[ballot_id].append(item)
    return found


def _ballots(voter_key: str, forum_id: int | None = None) -> list[MyBallot]:
    query = (
        select(Ballot, Forum)
        .join(Forum, Forum.id == Ballot.forum_id)
        .where(Ballot.voter_key == voter_key)
        .order_by(Ballot.cast_at.desc(), Ballot.id.desc())
    )
    if forum_id is not None:
        query = query.where(Ballot.forum_id == forum_id)
    rows = db.session.execute(query).all()
    picks = _picks([ballot.id for ballot, _ in rows]) if rows else {}
    return [
        MyBallot(
            forum=forum,
            receipt=receipts.display(ballot.receipt_code),
            cast_at=ballot.cast_at,
            items=picks[ballot.id],
        )
        for ballot, forum in rows
    ]


def of_resident(user: User) -> list[MyBallot]:
    """Every ballot cast with this resident's voter key, newest first."""
    return _ballots(user.voter_key)


def in_forum(forum_id: int, user) -> MyBallot | None:
    """The resident's ballot in one forum, or None (also for a visitor not signed in)."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = _ballots(user.voter_key, forum_id)
    return found[0] if found else None
