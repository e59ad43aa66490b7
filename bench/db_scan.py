"""Benchmark: the in-database scan of a forum, whole and after a few new ballots.

    python bench/db_scan.py [--voters 1000000] [--new 1000] [--vacuum]

Stores a generated electorate in a forum (PostgreSQL at ``TEST_POSTGRES_URL``, or
SQLite with ``--sqlite``), then times the worker's scan (:func:`forum_scan.scan_forum`
with the ballots it keeps between runs): the first scan reads every ballot; the next,
after ``--new`` more ballots, reads only those. Prints one JSON line.

Before the first scan the worker's own statistics job runs, as it would have during the
window (:func:`table_statistics.keep_fresh`); with ``--vacuum`` the tables are also
vacuumed, as autovacuum does on a server that runs it. Without either, a first read
right after a bulk load also pays for PostgreSQL's first visit of every row.
"""

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import replay  # noqa: E402
from bench.electorate import BlocSpec  # noqa: E402
from bench.electorate import generate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--vacuum", action="store_true", help="VACUUM the ballot tables first")
    args = parser.parse_args(argv)
    from tests.conftest import make_app
    from voting.casting import table_statistics
    from voting.oversight import forum_ballots
    from voting.oversight import forum_scan

    blocs = [
        BlocSpec("b1", 50, "10min", "device", 0.0),
        BlocSpec("b2", 200, "1day", "prefixes", 1 / 3),
    ]
    electorate = generate(3, args.voters, blocs)
    ballots = sorted(electorate.ballots, key=lambda b: (b.time, b.voter))
    first, later = ballots[: -args.new], ballots[-args.new :]
    with tempfile.TemporaryDirectory() as folder:
        app = make_app("sqlite" if args.sqlite else "postgres", Path(folder))
        with app.app_context():
            forum = replay.store_forum(electorate, min(b.time for b in ballots))
            items = {item.external_id: item.id for item in forum.items}
            labels: dict = {}
            for k in range(0, len(first), 50_000):
                part = first[k : k + 50_000]
                replay._insert(forum.id, part, items, labels, electorate.labels, k + 1)
            analyzed = table_statistics.keep_fresh()
            vacuumed = args.vacuum and not args.sqlite
            if vacuumed:
                _vacuum()
            loaded = forum_ballots.ForumBallots(forum.id)
            started, cpu = time.perf_counter(), time.process_time()
            whole = forum_scan.scan_forum(forum.id, "bench", loaded)
            whole_s, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
            replay._insert(forum.id, later, items, labels, electorate.labels, len(first) + 1)
            started, cpu = time.perf_counter(), time.process_time()
            again = forum_scan.scan_forum(forum.id, "bench", loaded)
            again_s, again_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        json.dumps(
            {
                "ballots": whole.ballots,
                "analyzed": analyzed,
                "vacuumed": vacuumed,
                "flags": whole.flags,
                "first_scan_s": round(whole_s, 2),
                "first_scan_cpu_s": round(whole_cpu, 2),
                "new_ballots": len(later),
                "read_by_rescan": loaded.read_last,
                "rescan_s": round(again_s, 2),
                "rescan_cpu_s": round(again_cpu, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                "rescan_flags": again.flags,
            }
        )
    )


def _vacuum() -> None:
    """VACUUM runs outside a transaction."""
    from core.extensions import db

    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ballots, ballot_choices")


if __name__ == "__main__":
    main()
