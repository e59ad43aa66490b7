"""Fresh planner statistics for the tables every cast writes (PostgreSQL).

Each cast's foreign-key checks look ballots up by id. A database backend plans that
lookup once and keeps the plan until the table is analyzed again. Planned while
``ballots`` held a page or two (a new database, the first forum's opening minutes), the
plan is a sequential scan, and every later cast reads the whole table, more of it with
every ballot stored. That is how casting on a server without autovacuum slowed down as
the ballots came in, whatever the load. Autovacuum analyzes a table once a tenth of it
has changed, but only every ``autovacuum_naptime`` (a minute), and not at all where it is
turned off. The worker runs :func:`keep_fresh` every ``CASTING_STATISTICS_SECONDS``
(30) with the same rule, so the plans follow a surge within seconds.
"""

from sqlalchemy import text

from core import locks
from core.extensions import db

TABLES = ("ballots", "ballot_choices")
LOCK_TTL = 300  # an ANALYZE samples a fixed number of rows: seconds at most


def needs_analyze(changed: int, rows: int) -> bool:
    """The rule autovacuum uses by default: analyze a table once the rows inserted,
    updated or deleted since its last ANALYZE exceed 50 plus a tenth of its rows."""
    return changed > 50 + 0.1 * rows


def keep_fresh() -> list[str]:
    """ANALYZE the casting tables whose statistics the rule finds stale; returns their
    names. Nothing on other databases (SQLite plans each statement afresh)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return []
    with locks.held("casting-statistics", LOCK_TTL) as mine:
        if not mine:
            return []  # another worker is at it
        counts = db.session.execute(
            text(
                "SELECT relname, n_mod_since_analyze, n_live_tup FROM pg_stat_user_tables"
                " WHERE relname = ANY(:tables)"
            ),
            {"tables": list(TABLES)},
        ).all()
        stale = sorted(name for name, changed, rows in counts if needs_analyze(changed, rows))
        for name in stale:
            db.session.execute(text(f"ANALYZE {name}"))  # a name from TABLES, not input
        db.session.commit()
        return stale
