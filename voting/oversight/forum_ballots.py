"""A forum's stored ballots as detection records, loaded whole or as what is new.

Ballots are only ever added, so a loader keeps the largest ballot id it has read (its
high-water mark) and on the next call reads only the ballots past it: the cost of a
scheduled scan's loading follows the new ballots. Ids are not committed in order on
PostgreSQL (a transaction can commit a smaller id after a larger one was read), so the
loader also compares its count with the forum's and fetches any ballot it missed.
"""

import gc
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

import psycopg
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

BLOCK = 20_000  # rows the driver hands over at a time


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
    picks), and the database sends the next rows while it runs.
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
    high_water = loaded.high_water
    collecting = gc.isenabled()
    gc.disable()  # a million records and no reference cycles: collections only cost time
    try:
        for row in _streamed(_rows(loaded.forum_id, which, postgres), postgres):
            ballot_id, cast_at, items, network, device, agent, channel, seen, tag = row
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
            if ballot_id > high_water:
                high_water = ballot_id
    finally:
        if collecting:
            gc.enable()
    loaded.high_water = high_water


def _rows(forum_id: int, which, postgres: bool):
    """One row per ballot with its signals and its item ids joined in the database (a
    third of the rows that reading the choices one by one would fetch)."""
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
    )


def _streamed(statement, postgres: bool) -> Iterator[tuple]:
    """The statement's rows, as the database sends them.

    On PostgreSQL the driver streams one plain query: the server goes on joining and
    aggregating while this process builds records, and the planner is free to plan for
    all rows. (A server-side cursor, SQLAlchemy's way to stream, makes the server wait
    between blocks and plans for the first rows: the read took twice as long.)
    Elsewhere the rows come through SQLAlchemy.
    """
    connection = db.session.connection()
    if not postgres:
        yield from connection.execute(statement)
        return
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    cursor = connection.connection.driver_connection.cursor(binary=True)
    # rows come a block at a time from libpq 17 (psycopg's binary package has it); one
    # at a time before, at three times the cost in this process
    size = BLOCK if psycopg.pq.version() >= 170000 else 1
    yield from cursor.stream(str(compiled), compiled.params, size=size)


def _aware(column, postgres: bool):
    """A stored (naive UTC) time, read as an aware one.

    PostgreSQL turns it into a ``timestamptz`` itself and the driver builds the aware
    datetime: a million ``replace(tzinfo=UTC)`` calls in Python would cost seconds.
    Elsewhere the column's own type does it.
    """
    if not postgres:
        return column
    return type_coerce(func.timezone("UTC", column), DateTime(timezone=True))
