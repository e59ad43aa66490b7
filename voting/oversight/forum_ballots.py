"""A forum's stored ballots as detection records, loaded whole or as what is new.

Ballots are only ever added, so a loader keeps the largest ballot id it has read (its
high-water mark) and on the next call reads only the ballots past it: the cost of a
scheduled scan's loading follows the new ballots. Ids are not committed in order on
PostgreSQL (a transaction can commit a smaller id after a larger one was read), so the
loader also compares its count with the forum's and fetches any ballot it missed.
"""

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import String

from core.extensions import db
from deliberation.models import AgendaItem
from voting.models import Ballot
from voting.models import BallotChoice
from voting.oversight import records


@dataclass
class ForumBallots:
    """One forum's ballots read so far, by ballot id, with the voter keys for pseudonyms."""

    forum_id: int
    ballots: dict[int, records.Ballot] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # ballot id -> voter key
    high_water: int = 0
    read_last: int = 0  # ballots read by the latest refresh

    def records(self) -> list[records.Ballot]:
        return list(self.ballots.values())


def refresh(loaded: ForumBallots) -> ForumBallots:
    """Read the ballots added since the last refresh (all of them the first time)."""
    before = len(loaded.ballots)
    _read(loaded, Ballot.id > loaded.high_water)
    stored = db.session.execute(
        select(func.count()).select_from(Ballot).where(Ballot.forum_id == loaded.forum_id)
    ).scalar_one()
    if stored != len(loaded.ballots):
        # a ballot committed late below the mark, or ballots removed with their forum's
        # data: read the ids again and catch up exactly
        ids = set(
            db.session.execute(
                select(Ballot.id).where(Ballot.forum_id == loaded.forum_id)
            ).scalars()
        )
        for gone in set(loaded.ballots) - ids:
            del loaded.ballots[gone]
            loaded.keys.pop(str(gone), None)
        missing = ids - set(loaded.ballots)
        if missing:
            _read(loaded, Ballot.id.in_(sorted(missing)))
    loaded.read_last = max(len(loaded.ballots) - before, 0)
    return loaded


def _read(loaded: ForumBallots, which) -> None:
    forum_id = loaded.forum_id
    external = dict(
        db.session.execute(
            select(AgendaItem.id, AgendaItem.external_id).where(AgendaItem.forum_id == forum_id)
        ).all()
    )
    # one row per ballot, its item ids joined in the database: a quarter of the rows
    # that reading the choices one by one would fetch
    item_ids = func.aggregate_strings(cast(BallotChoice.item_id, String), ",")
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
            Ballot.outreach_tag,
            item_ids.label("items"),
        )
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.forum_id == forum_id, which)
        .group_by(Ballot.id)
    ).all()
    for row in rows:
        loaded.ballots[row.id] = records.Ballot(
            voter=str(row.id),
            time=row.cast_at,
            picks=tuple(sorted(external[int(k)] for k in row.items.split(",")))
            if row.items
            else (),
            network=row.network_hash or "",
            device=row.device_hash or "",
            agent=row.agent_hash or "",
            channel=row.channel,
            first_seen=row.first_seen_at,
            tag=row.outreach_tag or "",
        )
        loaded.keys[str(row.id)] = row.voter_key
        loaded.high_water = max(loaded.high_water, row.id)
