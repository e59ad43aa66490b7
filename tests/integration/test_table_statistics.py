"""The worker keeps the casting tables' statistics fresh on PostgreSQL, so the plans of
the foreign-key checks follow the ballots as they come in."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

from sqlalchemy import text

from core import jobs
from core import locks
from core.extensions import db
from tests import factories
from voting.casting import table_statistics
from voting.models import Ballot
from voting.models import BallotChoice

START = datetime(2026, 7, 6, tzinfo=UTC)


def _store(forum, first, count):
    item = forum.items[0]
    for n in range(first, first + count):
        db.session.add(
            Ballot(
                forum_id=forum.id,
                voter_key=f"{n:064d}",
                receipt_code=f"R{n:012d}",
                channel="online",
                cast_at=START + timedelta(seconds=n),
                choices=[BallotChoice(item_id=item.id)],
            )
        )
    db.session.commit()


def _analyzed(table):
    return db.session.execute(
        text(
            "SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables"
            " WHERE relname = :table"
        ),
        {"table": table},
    ).scalar_one()


def _wait_for_counts():
    # a backend publishes its counts when it goes idle, at most once a second unless
    # told to; then a fresh snapshot of them
    db.session.execute(text("SELECT pg_stat_force_next_flush()"))
    db.session.commit()
    db.session.execute(text("SELECT pg_stat_clear_snapshot()"))


def test_the_worker_analyzes_the_casting_tables_once_enough_ballots_came_in(app, backend):
    forum = factories.forum(opens=START, items=[(0, 100)])
    if backend != "postgres":
        _store(forum, 0, 60)
        assert table_statistics.keep_fresh() == []  # SQLite plans each statement afresh
        return
    _store(forum, 0, 40)
    _wait_for_counts()
    before = {table: _analyzed(table) for table in table_statistics.TABLES}
    assert table_statistics.keep_fresh() == []  # 40 new rows: not stale yet
    _store(forum, 40, 30)
    _wait_for_counts()
    with locks.held("casting-statistics", 60) as mine:
        assert mine
        assert table_statistics.keep_fresh() == []  # another worker is at it
    assert table_statistics.keep_fresh() == ["ballot_choices", "ballots"]
    _wait_for_counts()
    assert all(_analyzed(table) == before[table] + 1 for table in table_statistics.TABLES)
    assert table_statistics.keep_fresh() == []  # fresh again


def test_the_worker_schedules_it_every_thirty_seconds(app):
    scheduled = {job.id: job for job in jobs.scheduler(app).get_jobs()}
    job = scheduled["voting.casting.table_statistics:keep_fresh"]
    assert job.trigger.interval == timedelta(seconds=30)
