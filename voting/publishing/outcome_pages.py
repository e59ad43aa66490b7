"""The resident's pages after publication: their ballot or receipt, with what became of
each pick (``voting.publishing.pick_outcomes``), read from the published snapshot."""

import json
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from sqlalchemy import select

from auth.models import User
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from voting.casting import services
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import ResultSnapshot
from voting.publishing.pick_outcomes import pick_outcomes
from voting.publishing.pick_outcomes import PickOutcome


def outcomes_of(forum: Forum, ballot_id: int) -> list[PickOutcome]:
    """The ballot's picks in the forum's published result; none before publication."""
    if forum.phase != "published":
        return []
    snapshot = db.session.execute(
        select(ResultSnapshot).filter_by(forum_id=forum.id)
    ).scalar_one_or_none()
    if snapshot is None:
        return []
    picked = select(AgendaItem.external_id, AgendaItem.title_en).join(
        BallotChoice, BallotChoice.item_id == AgendaItem.id
    )
    english = dict(db.session.execute(picked.where(BallotChoice.ballot_id == ballot_id)).all())
    outcomes = pick_outcomes(json.loads(snapshot.payload), english)
    return [replace(outcome, title_en=english[outcome.id] or "") for outcome in outcomes]


@dataclass
class MyBallot:
    forum: Forum
    ballot: Ballot | None
    items: list[AgendaItem]
    outcomes: list[PickOutcome] = field(default_factory=list)


def my_ballot(forum_id: int, user: User) -> MyBallot:
    """The signed-in resident's ballot in a forum, and once published, its outcomes."""
    forum, ballot, items = services.my_ballot(forum_id, user)
    if ballot is None:
        return MyBallot(forum, None, [])
    return MyBallot(forum, ballot, items, outcomes_of(forum, ballot.id))


def check_receipt(text: str) -> tuple[services.ReceiptStatus, list[PickOutcome]]:
    """A receipt code's status and, once its forum's result is published, what became
    of its picks (which anyone holding the code can already read in the published
    leaves; before publication no pick is shown)."""
    status = services.check_receipt(text)
    if not status.found:
        return status, []
    ballot_id = db.session.execute(
        select(Ballot.id).where(Ballot.receipt_code == status.code)
    ).scalar_one()
    return status, outcomes_of(status.forum, ballot_id)
