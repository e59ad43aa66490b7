"""A forum's stored ballots as detection records, loaded whole or as what is new.

Ballots are only ever added, so a loader keeps the largest ballot id it has read (its
high-water mark) and on the next call reads only the ballots past it: the cost of a
scheduled scan's loading follows the new ballots. Ids are not committed in order on
PostgreSQL (a transaction can commit a smaller id after a larger one was read), so the
loader also compares its count with the forum's and fetches any ballot it missed.
"""

import gc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import cast
from sqlalchemy import DateTime
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy import type_coerce

from core.extensions import db
from deliberation.models import AgendaItem
from voting.models import Ballot
from voting.models import BallotChoice
from voting.oversight import records

BLOCK = 20_000  # ballots fetched at a time


@dataclass
class ForumBallots:
    """One forum's ballots read so far, by ballot id (the records' ``voter``)."""

    forum_id: int
    ballots: dict[int, records.Ballot] = field(default_factory=dict)
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
        missing = ids - set(loaded.ballots)
        if missing:
            _read(loaded, Ballot.id.in_(sorted(missing)))
    loaded.read_last = max(len(loaded.ballots) - before, 0)
    return loaded


def _read(loaded: ForumBallots, which) -> None:
    """Add the forum's ballots that ``which`` selects to ``loaded``.

    A million ballots take seconds: the loop below is the whole cost in this process, so
    it stays flat (no per-row ORM types; one tuple of external ids per distinct set of
    picks), and the database prepares the next block while it runs.
    """
    external = dict(
        db.session.execute(
            select(AgendaItem.id, AgendaItem.external_id).where(
                AgendaItem.forum_id == loaded.forum_id
            )
        ).all()
    )
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:  # the times it makes aware come back in UTC, whatever the server's zone
        db.session.execute(text("SET LOCAL TIME ZONE 'UTC'"))
    picks_of: dict[str | None, tuple[str, ...]] = {None: ()}
    ballots = loaded.ballots
    collecting = gc.isenabled()
    gc.disable()  # a million records and no reference cycles: collections only cost time
    try:
        rows = db.session.execute(_rows(loaded.forum_id, which, postgres))
        for part in _prefetched(rows):
            for ballot_id, cast_at, items, network, device, agent, channel, seen, tag in part:
                picks = picks_of.get(items)
                if picks is None:
                    picks = tuple(sorted(external[int(k)] for k in items.split(",")))
                    picks_of[items] = picks
                ballots[ballot_id] = records.Ballot(
                    str(ballot_id),
                    cast_at,
                    picks,
                    network or "",
                    device or "",
                    agent or "",
                    channel,
                    seen,
                    tag or "",
                )
            loaded.high_water = max(loaded.high_water, max(row[0] for row in part))
    finally:
        if collecting:
            gc.enable()


def _rows(forum_id: int, which, postgres: bool):
    """One row per ballot with its signals and its item ids joined in the database (a
    third of the rows that reading the choices one by one would fetch), streamed."""
    return (
        select(
            Ballot.id,
            _aware(Ballot.cast_at, postgres),
            func.aggregate_strings(cast(BallotChoice.item_id, String), ","),
            Ballot.network_hash,
            Ballot.device_hash,
            Ballot.agent_hash,
            Ballot.channel,
            _aware(Ballot.first_seen_at, postgres),
            Ballot.outreach_tag,
        )
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.forum_id == forum_id, which)
        .group_by(Ballot.id)
        .execution_options(yield_per=BLOCK)
    )


def _prefetched(result) -> Iterator[list]:
    """The result's blocks of rows, the next one fetched while the caller works on this
    one: the driver waits for the database without the GIL, so the join and aggregation
    of the next block run on the other core. Only the helper thread touches the result,
    one fetch at a time."""
    with ThreadPoolExecutor(1) as fetcher:
        pending = fetcher.submit(result.fetchmany, BLOCK)
        while part := pending.result():
            pending = fetcher.submit(result.fetchmany, BLOCK)
            yield part


def _aware(column, postgres: bool):
    """A stored (naive UTC) time, read as an aware one.

    PostgreSQL turns it into a ``timestamptz`` itself and the driver builds the aware
    datetime: a million ``replace(tzinfo=UTC)`` calls in Python would cost seconds.
    Elsewhere the column's own type does it.
    """
    if not postgres:
        return column
    return type_coerce(func.timezone("UTC", column), DateTime(timezone=True))
