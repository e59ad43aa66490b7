"""Fast bulk loading of ballots for imports, demo data and benchmarks.

Casting goes through the ORM one ballot at a time; loading a whole election does not:
ids are reserved up front, then rows go in with COPY on PostgreSQL and a plain
``executemany`` on SQLite, inside the caller's transaction (the caller commits).
"""

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
