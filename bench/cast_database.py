"""What the casting bench asks PostgreSQL directly: its counters, fresh statistics, the
storage ceiling (pgbench), the ballots stored and how many each commit held."""

import os
import subprocess
import tempfile
from datetime import datetime

from cast_setup import DATABASE_URL


def pg_counters() -> dict[str, int]:
    """PostgreSQL's own counters that casting moves: WAL written, and the pages of
    multixacts (a row share-locked by two transactions at once) created so far."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        wal = connection.execute("SELECT wal_bytes FROM pg_stat_wal").fetchone()[0]
        pages = dict(
            connection.execute(
                "SELECT name, blks_zeroed FROM pg_stat_slru WHERE name LIKE 'MultiXact%'"
            ).fetchall()
        )
    return {
        "wal_bytes": int(wal),
        "multixact_offset_pages": pages.get("MultiXactOffset", 0),
        "multixact_member_pages": pages.get("MultiXactMember", 0),
    }


def refresh_statistics() -> None:
    """ANALYZE the tables a cast writes, as autovacuum does on a server that runs it.

    This machine's PostgreSQL may run without autovacuum (the JSON line says). Then the
    plans each backend made for the foreign-key checks while ``ballots`` was nearly
    empty (a sequential scan) are never made again. Each ballot's checks would then read
    the whole table, a cost that grows with every step whatever the load. On a server
    with autovacuum, an ANALYZE follows every 10 % of growth and the plans are remade.
    """
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        connection.execute("ANALYZE ballots, ballot_choices")


def autovacuum() -> str:
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        return connection.execute("SHOW autovacuum").fetchone()[0]


def counters_since(before: dict[str, int]) -> dict[str, int]:
    now = pg_counters()
    return {name: now[name] - before[name] for name in before}


PGBENCH_SCRIPT = """\
\\set n random(1, 2000000000)
WITH b AS (
  INSERT INTO ballots (forum_id, voter_key, receipt_code, channel, cast_at, birth_year)
  VALUES (:forum, md5(:client_id || '-' || :n || '-' || clock_timestamp()),
          substr(md5(random()::text || clock_timestamp()), 1, 20), 'online', now(), 1980)
  RETURNING id)
INSERT INTO ballot_choices (ballot_id, item_id)
SELECT b.id, i FROM b, unnest(ARRAY[:a, :b, :c]) AS i;
"""


def storage_ceiling(forum_id: int, items: list[int], seconds: int) -> float:
    """pgbench: the ballot transaction (one ballot, three choices) committed per second."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(PGBENCH_SCRIPT)
    user_host, name = DATABASE_URL.split("://", 1)[1].rsplit("/", 1)
    user, host = user_host.split("@")
    host, _, port = host.partition(":")
    command = ["pgbench", "-n", "-h", host, "-p", port or "5432", "-U", user, "-c", "16"]
    command += ["-j", "2", "-T", str(seconds), "-f", script.name, "-D", f"forum={forum_id}"]
    command += ["-D", f"a={items[0]}", "-D", f"b={items[1]}", "-D", f"c={items[2]}", name]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    os.unlink(script.name)
    for line in done.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise SystemExit("pgbench printed no tps:\n" + done.stdout + done.stderr)


def batch_sizes(forum_id: int, window: tuple[datetime, datetime]) -> dict:
    """How many ballots each committing statement held (group commit) during a step:
    ballots stored by one transaction share its ``xmin``."""
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        sizes = [
            row[0]
            for row in connection.execute(
                "SELECT count(*) FROM ballots WHERE forum_id = %s AND cast_at >= %s"
                " AND cast_at < %s GROUP BY xmin::text ORDER BY 1",
                [forum_id, *window],
            )
        ]
    if not sizes:
        return {"statements": 0}
    return {
        "statements": len(sizes),
        "mean": round(sum(sizes) / len(sizes), 2),
        "p90": sizes[int(0.9 * (len(sizes) - 1))],
        "max": sizes[-1],
    }


def stored(forum_id: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(DATABASE_URL) as connection:
        ballots = connection.execute(
            "SELECT count(*) FROM ballots WHERE forum_id = %s", [forum_id]
        ).fetchone()[0]
        malformed = connection.execute(
            "SELECT count(*) FROM (SELECT b.id FROM ballots b LEFT JOIN ballot_choices c"
            " ON c.ballot_id = b.id WHERE b.forum_id = %s GROUP BY b.id"
            " HAVING count(c.item_id) <> 3) AS odd",
            [forum_id],
        ).fetchone()[0]
    return ballots, malformed
