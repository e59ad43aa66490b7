"""Fast bulk loading of ballots for imports, demo data and benchmarks.

Casting goes through the ORM one ballot at a time; loading a whole election does not:
ids are reserved up front, then rows go in with COPY on PostgreSQL and a plain
``executemany`` on SQLite, inside the caller's transaction (the caller commits).
:func:`generate_ballots` makes random ballots at scale; on PostgreSQL the server
generates them itself, with no row crossing the connection.
"""

import random
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import UTC

from sqlalchemy import text

from core.extensions import db

BALLOT_COLUMNS = ("id", "forum_id", "voter_key", "receipt_code", "channel", "cast_at", "birth_year")


@dataclass(frozen=True)
class NewBallot:
    voter_key: str
    receipt_code: str
    cast_at: datetime
    item_ids: Sequence[int]
    channel: str = "import"
    birth_year: int | None = None


def _reserve_ids(connection, count: int) -> list[int]:
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('ballots', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [row[0] for row in rows]
    # SQLite: the caller's transaction already holds the write lock (it inserted the
    # forum), so no other writer can take these ids meanwhile.
    start = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM ballots")).scalar_one() + 1
    return list(range(start, start + count))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def insert_ballots(forum_id: int, ballots: Iterable[NewBallot]) -> int:
    """Insert ballots and their choices for one forum; returns how many were inserted."""
    ballots = list(ballots)
    if not ballots:
        return 0
    connection = db.session.connection()
    ids = _reserve_ids(connection, len(ballots))
    ballot_rows = [
        (
            ballot_id,
            forum_id,
            b.voter_key,
            b.receipt_code,
            b.channel,
            _naive_utc(b.cast_at),
            b.birth_year,
        )
        for ballot_id, b in zip(ids, ballots, strict=True)
    ]
    choice_rows = [
        (ballot_id, item_id)
        for ballot_id, b in zip(ids, ballots, strict=True)
        for item_id in dict.fromkeys(b.item_ids)
    ]
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            columns = ", ".join(BALLOT_COLUMNS)
            with cursor.copy(f"COPY ballots ({columns}) FROM STDIN") as copy:
                for row in ballot_rows:
                    copy.write_row(row)
            with cursor.copy("COPY ballot_choices (ballot_id, item_id) FROM STDIN") as copy:
                for row in choice_rows:
                    copy.write_row(row)
    else:
        cursor = raw.cursor()
        marks = ", ".join("?" for _ in BALLOT_COLUMNS)
        cursor.executemany(
            f"INSERT INTO ballots ({', '.join(BALLOT_COLUMNS)}) VALUES ({marks})",
            [row[:5] + (row[5].strftime("%Y-%m-%d %H:%M:%S.%f"),) + row[6:] for row in ballot_rows],
        )
        cursor.executemany(
            "INSERT INTO ballot_choices (ballot_id, item_id) VALUES (?, ?)", choice_rows
        )
        cursor.close()
    return len(ballot_rows)


def _thresholds(weights: Sequence[float]) -> list[float]:
    """Cumulative shares of all items but the last: the bins of a weighted draw."""
    if len(weights) < 1 or any(w <= 0 for w in weights):
        raise ValueError("weights must be positive, one per item")
    total = sum(weights)
    running, bounds = 0.0, []
    for weight in weights[:-1]:
        running += weight
        bounds.append(running / total)
    return bounds


def _generate_sql(picks: int) -> str:
    """One INSERT that creates ballots and their choices inside PostgreSQL.

    Each ballot draws ``picks`` items independently (``width_bucket`` over the
    cumulative weights); a draw that repeats an earlier one is dropped, so a ballot
    names each item at most once.
    """
    draw = "ids[1 + width_bucket(random(), bounds)]"
    draws = ", ".join(f"{draw} AS p{n}" for n in range(picks))
    choices = ", ".join(
        "(p0)"
        if n == 0
        else f"(CASE WHEN p{n} NOT IN ({', '.join(f'p{m}' for m in range(n))}) THEN p{n} END)"
        for n in range(picks)
    )
    columns = ", ".join(BALLOT_COLUMNS)
    # Generated voter keys and receipt codes come from the ballot id: unique, and never
    # equal to a real receipt code (base32, which has no 0 or 1).
    return f"""
        WITH new AS (
            INSERT INTO ballots ({columns})
            SELECT id, :forum_id, lpad(to_hex(id), 64, '0'), lpad(id::text, 20, '0'),
                   :channel, :starts + random() * CAST(:span AS interval),
                   1940 + floor(random() * 66)::integer
            FROM (
                SELECT nextval(pg_get_serial_sequence('ballots', 'id')) AS id
                FROM generate_series(1, :count)
            ) AS reserved
            RETURNING id
        ), weights AS (
            SELECT CAST(:item_ids AS integer[]) AS ids, CAST(:bounds AS float8[]) AS bounds
        ), drawn AS (
            SELECT id, {draws} FROM new CROSS JOIN weights
        )
        INSERT INTO ballot_choices (ballot_id, item_id)
        SELECT id, item_id
        FROM drawn CROSS JOIN LATERAL (VALUES {choices}) AS pick (item_id)
        WHERE item_id IS NOT NULL
    """


def generate_ballots(
    forum_id: int,
    count: int,
    item_ids: Sequence[int],
    weights: Sequence[float] | None = None,
    picks: int = 3,
    starts: datetime | None = None,
    ends: datetime | None = None,
    seed: float = 0.0,
    channel: str = "online",
    batch: int = 1_000_000,
) -> int:
    """Insert ``count`` random ballots for a forum; returns how many were inserted.

    Each ballot approves up to ``picks`` of ``item_ids``, drawn independently with the
    given ``weights`` (equal by default) and without repeats, cast at a random moment
    between ``starts`` and ``ends`` (now by default). On PostgreSQL the ballots are made
    by the server itself, ``batch`` at a time, after ``setseed(seed)`` (``seed`` between
    -1 and 1), so nothing crosses the connection; elsewhere they are drawn in Python and
    go through :func:`insert_ballots`. Voter keys and receipt codes are derived from the
    ballot ids. Runs in the caller's transaction (the caller commits).
    """
    if count <= 0:
        return 0
    if picks < 1:
        raise ValueError("picks must be at least 1")
    item_ids = list(item_ids)
    weights = list(weights) if weights is not None else [1.0] * len(item_ids)
    if len(weights) != len(item_ids):
        raise ValueError("one weight per item")
    bounds = _thresholds(weights)
    starts = _naive_utc(starts or datetime.now(UTC))
    ends = _naive_utc(ends) if ends else starts
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT setseed(:seed)"), {"seed": seed})
        statement = text(_generate_sql(picks))
        for done in range(0, count, batch):
            connection.execute(
                statement,
                {
                    "forum_id": forum_id,
                    "count": min(batch, count - done),
                    "item_ids": item_ids,
                    "bounds": bounds,
                    "channel": channel,
                    "starts": starts,
                    "span": ends - starts,
                },
            )
        return count
    return _generate_in_python(
        forum_id, count, item_ids, weights, picks, starts, ends, seed, channel
    )


def _generate_in_python(
    forum_id, count, item_ids, weights, picks, starts, ends, seed, channel
) -> int:
    rng = random.Random(seed)
    connection = db.session.connection()
    # The ids insert_ballots will reserve here (see _reserve_ids).
    first = connection.execute(text("SELECT COALESCE(MAX(id), 0) FROM ballots")).scalar_one() + 1
    span = ends - starts
    ballots = (
        NewBallot(
            voter_key=f"{first + n:064x}",
            receipt_code=f"{first + n:020d}",
            cast_at=(starts + rng.random() * span).replace(tzinfo=UTC),
            item_ids=list(dict.fromkeys(rng.choices(item_ids, weights, k=picks))),
            channel=channel,
            birth_year=1940 + rng.randrange(66),
        )
        for n in range(count)
    )
    return insert_ballots(forum_id, ballots)
