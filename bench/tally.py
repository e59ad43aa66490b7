"""Benchmark: rank and fund a forum's result from PostgreSQL at scale, and against pabutools.

    python bench/tally.py [--sizes 100000,1000000] [--repeat 5] [--database-url URL]
                          [--pb FILE.pb ...] [--pb-repeat 1] [--no-pb] [--no-baseline]
                          [--explain]

Part 1, counting from the database. For each of ``--sizes`` (ballots; default
100000,1000000; 10 million only when asked, e.g. ``--sizes 100000,1000000,10000000``):
empty the database, create a forum with 40 items, and generate that many ballots of
up to three picks inside PostgreSQL (``voting.counting.bulk.generate_ballots``). For the load
the ballot tables' foreign keys, unique constraints and secondary indexes are dropped
and rebuilt afterwards (validated), then ``VACUUM ANALYZE`` runs, as autovacuum would
after a large insert in production. The load is not timed with the result. Then
``results.result_for_cli`` (what ``forum result`` runs: load the forum, count in the
database, rank and fund in Python) is timed ``--repeat`` times in-process; best and
median are printed. Unless ``--no-baseline``, the former count (a join of the choices
to the ballots) is timed once on the same data and must give the same counts.
``--explain`` prints EXPLAIN (ANALYZE, BUFFERS) of every query the result runs.
Before a size that needs more disk than the database's file system has free, the size
is skipped with the reason.

Part 2, against pabutools on Pabulib files (``--pb``; default every ``.pb`` in
../shared/data/pabulib, else the largest in tests/data, which is said). For each file:
pabutools 1.2.3 parses it and runs ``greedy_utilitarian_welfare(..., sat_class=Cost_Sat)``
for the file's rule as tests/unit/test_pabutools_crosscheck.py does (``greedy``; with
``greedy-threshold`` on the projects with enough votes; with ``greedy-no-skip`` the
greedy order cut at the first misfit), timed ``--pb-repeat`` times (default 1: it takes
tens of seconds on the city-wide files). Ours runs twice on the same database: the
command line (``flask forum import-pb`` then ``flask forum result --json``, each a new
process, so Python and app start-up are included), and the same functions in-process
(``imports.import_pb``, then ``results.result_for_cli`` timed ``--repeat`` times right
after the import, and again after ``VACUUM ANALYZE``). The funded sets must be
identical (else the exit status is 1). Import (loading the data) and result are timed
apart; the speedup compares results: pabutools' rule time over our in-process result
time right after the import (best of each); the CLI ratio is printed too. Without
pabutools, part 2 is skipped.
Without PostgreSQL, part 1 is skipped and part 2 runs on SQLite.

The database is ``--database-url``, by default $TEST_POSTGRES_URL or
postgresql://postgres@127.0.0.1:5432/test_tally (created when missing). Its public
schema is DROPPED: never point it at a database that holds anything else.

Ends with one JSON line: ``tally_1m_s`` (best seconds for 1,000,000 ballots from
PostgreSQL, null when not run), ``pabutools_speedup`` (on Poland_Lodz_2022 when
available, else the largest file; ``pabutools_file`` names it), per-size and per-file
figures.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from functools import partial
from pathlib import Path

from common import ensure_database
from common import flask
from common import log

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "data" / "pabulib"
TEST_DATA = ROOT / "tests" / "data"
BIG_FILE = "Poland_Lodz_2022"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_tally"
ITEMS = 40
# Disk a generated ballot needs while loading: about 0.5 kB of tables and indexes
# (three picks) plus write-ahead log and index-build sort space.
BYTES_PER_BALLOT = 1500


def timed(work, repeat: int) -> tuple[object, list[float]]:
    seconds = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return result, seconds


def fresh_result(forum_id: int):
    """``forum result``'s computation in a new session (a pooled connection)."""
    from core.extensions import db
    from voting.counting import results

    db.session.remove()
    return results.result_for_cli(forum_id)


def summary(seconds: list[float]) -> dict:
    return {"best_s": round(min(seconds), 4), "median_s": round(statistics.median(seconds), 4)}


# --- the database --------------------------------------------------------------------


def reset_schema() -> None:
    from sqlalchemy import text

    from core.extensions import db

    db.session.remove()
    if db.engine.dialect.name != "postgresql":
        db.drop_all()
        db.create_all()
        return
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.create_all()


def maintenance(statement: str) -> float:
    from sqlalchemy import text

    from core.extensions import db

    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))
    return time.perf_counter() - started


def free_disk() -> tuple[int | None, str]:
    """Free bytes where PostgreSQL keeps its data, when that is on this machine."""
    from sqlalchemy import text

    from core.extensions import db

    try:
        path = db.session.execute(text("SHOW data_directory")).scalar_one()
    except Exception:
        db.session.rollback()
        return None, "unknown (data_directory not readable)"
    if not os.path.isdir(path):
        return None, f"unknown ({path} is not on this machine)"
    return shutil.disk_usage(path).free, path


BALLOT_TABLES = "('ballots'::regclass, 'ballot_choices'::regclass)"


def loose_constraints() -> list[str]:
    """Drop the ballot tables' foreign keys, unique constraints and secondary indexes.

    Returns the statements that put them back. Primary keys stay.
    """
    from sqlalchemy import text

    from core.extensions import db

    constraints = db.session.execute(
        text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
            f"FROM pg_constraint WHERE conrelid IN {BALLOT_TABLES} AND contype IN ('f', 'u') "
            "ORDER BY contype DESC, conname"
        )
    ).all()
    indexes = db.session.execute(
        text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            f"WHERE indrelid IN {BALLOT_TABLES} AND NOT indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid)"
        )
    ).all()
    restore = [definition for _name, definition in indexes]
    for table, name, definition, _kind in constraints:
        restore.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for table, name, _definition, _kind in sorted(constraints, key=lambda row: row[3]):
        db.session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _definition in indexes:
        db.session.execute(text(f"DROP INDEX {name}"))
    db.session.commit()
    return restore


def bench_forum(size: int):
    from core.extensions import db
    from deliberation.models import AgendaItem
    from deliberation.models import District
    from deliberation.models import Forum

    now = datetime.now(UTC)
    forum = Forum(
        district=District(code="bench", name_ko="bench", name_en="bench"),
        slug=f"bench-{size}",
        title="bench",
        phase="closed",
        voting_starts_at=now - timedelta(days=8),
        voting_ends_at=now - timedelta(days=1),
        envelope=500_000_000,
        created_at=now,
    )
    for n in range(ITEMS):
        forum.items.append(
            AgendaItem(
                external_id=f"B-{n:02d}",
                title=f"item {n}",
                cost=(n % 9 + 1) * 10**7,
                status="approved",
                position=n,
            )
        )
    db.session.add(forum)
    db.session.commit()
    return forum


def load(size: int) -> tuple[int, dict]:
    """A fresh schema, a forum and ``size`` generated ballots; returns the forum id."""
    from sqlalchemy import text

    from core.extensions import db
    from voting.counting import bulk

    reset_schema()
    forum = bench_forum(size)
    item_ids = [item.id for item in sorted(forum.items, key=lambda item: item.position)]
    restore = loose_constraints()
    started = time.perf_counter()
    bulk.generate_ballots(
        forum.id,
        size,
        item_ids,
        weights=[1 / (rank + 1) for rank in range(len(item_ids))],
        picks=3,
        starts=forum.voting_starts_at,
        ends=forum.voting_ends_at,
        seed=0.5,
    )
    db.session.commit()
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    db.session.execute(text("SET maintenance_work_mem = '256MB'"))
    for statement in restore:
        db.session.execute(text(statement))
    db.session.commit()
    rebuild_s = time.perf_counter() - started
    vacuum_s = maintenance("VACUUM ANALYZE")
    database_bytes = db.session.execute(
        text("SELECT pg_database_size(current_database())")
    ).scalar_one()
    db.session.commit()
    return forum.id, {
        "generate_s": round(generate_s, 1),
        "rebuild_s": round(rebuild_s, 1),
        "vacuum_s": round(vacuum_s, 1),
        "load_s": round(generate_s + rebuild_s + vacuum_s, 1),
        "database_mb": database_bytes // 2**20,
    }


def join_count(forum_id: int) -> tuple[int, dict[int, int]]:
    """The count as it was: the choices joined to the forum's counted ballots."""
    from sqlalchemy import func
    from sqlalchemy import select

    from core.extensions import db
    from voting.counting import results
    from voting.models import Ballot
    from voting.models import BallotChoice

    ballots = db.session.execute(
        select(func.count()).select_from(Ballot).where(results.counted(forum_id))
    ).scalar_one()
    query = (
        select(BallotChoice.item_id, func.count())
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(results.counted(forum_id))
        .group_by(BallotChoice.item_id)
    )
    return ballots, dict(db.session.execute(query).all())


def explain(forum_id: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement ``result_for_cli`` runs."""
    from sqlalchemy import event

    from core.extensions import db
    from voting.counting import results

    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.session.remove()
        results.result_for_cli(forum_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    raw = db.session.connection().connection.driver_connection
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
        log("\n" + statement.strip() + "\n" + "\n".join(row[0] for row in plan))
    db.session.rollback()


def database_sizes(sizes: list[int], repeat: int, baseline: bool, show_plans: bool) -> dict:
    from core.extensions import db
    from voting.counting import results

    report: dict[str, dict] = {}
    for size in sizes:
        free, where = free_disk()
        if free is not None and free < size * BYTES_PER_BALLOT:
            reason = (
                f"needs about {size * BYTES_PER_BALLOT / 2**30:.1f} GB free, "
                f"{free / 2**30:.1f} GB free at {where}"
            )
            log(f"{size:>11,} ballots: skipped, {reason}")
            report[str(size)] = {"skipped": reason}
            continue
        log(f"{size:>11,} ballots: loading (free disk {where}: {_gb(free)})")
        forum_id, figures = load(size)
        log(
            f"{size:>11,} ballots: generated in {figures['generate_s']} s, constraints and "
            f"indexes rebuilt in {figures['rebuild_s']} s, VACUUM ANALYZE "
            f"{figures['vacuum_s']} s; database {figures['database_mb']:,} MB"
        )
        outcome, seconds = timed(partial(fresh_result, forum_id), repeat)
        assert outcome.ballots == size, (outcome.ballots, size)
        counts = results.vote_counts(forum_id)
        figures.update(summary(seconds), runs_s=[round(s, 4) for s in seconds])
        figures["funded"] = len(outcome.funded_rows)
        line = (
            f"{size:>11,} ballots: result best {min(seconds):.3f} s, "
            f"median {statistics.median(seconds):.3f} s ({repeat} runs)"
        )
        if show_plans:
            explain(forum_id)
        if baseline:
            before, join_s = timed(partial(join_count, forum_id), 1)
            assert before == counts, "the join and the index count disagree"
            figures["join_count_s"] = round(join_s[0], 3)
            line += f"; the former join count alone {join_s[0]:.3f} s, same counts"
        log(line)
        report[str(size)] = figures
    db.session.remove()
    return report


def _gb(free: int | None) -> str:
    return "unknown" if free is None else f"{free / 2**30:.0f} GB"


# --- pabutools -------------------------------------------------------------------------


def pb_files(paths: list[str]) -> tuple[list[Path], str]:
    if paths:
        return [Path(p) for p in paths], "given"
    if SHARED.is_dir() and list(SHARED.glob("*.pb")):
        return sorted(SHARED.glob("*.pb"), key=lambda p: p.stat().st_size), str(SHARED)
    largest = max(TEST_DATA.glob("*.pb"), key=lambda p: p.stat().st_size)
    log(f"{SHARED} is missing: comparing on the largest file in tests/data, {largest.name}")
    return [largest], f"{TEST_DATA} ({SHARED} missing)"


def pabutools_greedy(path: Path, repeat: int) -> dict:
    """Parse with pabutools and run its greedy for the file's rule, timed apart."""
    from pabutools.election import Cost_Sat
    from pabutools.election import Instance
    from pabutools.election import parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare

    from voting.counting import pabulib

    started = time.perf_counter()
    instance, profile = parse_pabulib(str(path))
    parse_s = time.perf_counter() - started
    skip_misfits, min_votes = pabulib.funding_options(pabulib.load(path).meta)
    budget = instance.budget_limit

    def rule() -> set[str]:
        projects = list(instance)
        if min_votes:
            projects = [p for p in projects if profile.approval_score(p) >= min_votes]
        if skip_misfits:
            chosen = greedy_utilitarian_welfare(
                Instance(projects, budget_limit=budget), profile, sat_class=Cost_Sat
            )
            return {p.name for p in chosen}
        everything = sum(p.cost for p in projects)
        order = greedy_utilitarian_welfare(
            Instance(projects, budget_limit=everything), profile, sat_class=Cost_Sat
        )
        funded, spent = set(), 0
        for project in order:
            if spent + project.cost > budget:
                break
            funded.add(project.name)
            spent += project.cost
        return funded

    funded, seconds = timed(rule, repeat)
    return {"funded": funded, "parse_s": parse_s, "rule_s": seconds}


def ours_cli(path: Path, database_url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="development")
    import_s, out = flask(env, "forum", "import-pb", str(path))
    forum_id = out.strip().splitlines()[-1]
    result_s, out = flask(env, "forum", "result", forum_id, "--json")
    items = json.loads(out)["items"]
    return {
        "import_s": import_s,
        "result_s": result_s,
        "funded": {item["id"] for item in items if item["funded"]},
    }


def ours_in_process(path: Path, repeat: int) -> dict:
    from core.extensions import db
    from voting.counting import imports

    db.session.remove()
    started = time.perf_counter()
    forum_id = imports.import_pb(path)
    import_s = time.perf_counter() - started
    outcome, seconds = timed(partial(fresh_result, forum_id), repeat)
    db.session.remove()
    # Right after an import the planner has no statistics and the visibility map is
    # empty (index-only scans visit the heap); autovacuum fixes both in production.
    vacuumed = None
    if db.engine.dialect.name == "postgresql":
        maintenance("VACUUM ANALYZE")
        _outcome, vacuumed = timed(partial(fresh_result, forum_id), repeat)
        db.session.remove()
    return {
        "import_s": import_s,
        "result_s": seconds,
        "result_vacuumed_s": vacuumed,
        "funded": {row.item.external_id for row in outcome.funded_rows},
    }


def pabutools_comparison(
    paths: list[str], repeat: int, pb_repeat: int, database_url: str, backend: str
) -> tuple[dict, str]:
    files, source = pb_files(paths)
    report = {}
    reset_schema()
    for path in files:
        log(f"{path.name}: pabutools ...")
        theirs = pabutools_greedy(path, pb_repeat)
        cli = ours_cli(path, database_url)
        mine = ours_in_process(path, repeat)
        identical = theirs["funded"] == cli["funded"] == mine["funded"]
        figures = {
            "bytes": path.stat().st_size,
            "pabutools_parse_s": round(theirs["parse_s"], 3),
            "pabutools_greedy_s": summary(theirs["rule_s"])["best_s"],
            "pabutools_greedy_runs_s": [round(s, 3) for s in theirs["rule_s"]],
            "cli_import_s": round(cli["import_s"], 3),
            "cli_result_s": round(cli["result_s"], 3),
            "import_s": round(mine["import_s"], 3),
            "result": summary(mine["result_s"]),
            "result_after_vacuum": mine["result_vacuumed_s"] and summary(mine["result_vacuumed_s"]),
            "funded": len(mine["funded"]),
            "funded_identical": identical,
            "speedup": round(min(theirs["rule_s"]) / min(mine["result_s"]), 1),
            "speedup_cli": round(min(theirs["rule_s"]) / cli["result_s"], 2),
        }
        report[path.stem] = figures
        after_vacuum = ""
        if figures["result_after_vacuum"]:
            after_vacuum = (
                f" (after VACUUM ANALYZE {figures['result_after_vacuum']['best_s']:.4f} s)"
            )
        log(
            f"{path.name} ({backend}): pabutools parse {figures['pabutools_parse_s']:.2f} s, "
            f"greedy {figures['pabutools_greedy_s']:.3f} s | ours: import "
            f"{figures['import_s']:.2f} s, result best {figures['result']['best_s']:.4f} s "
            f"median {figures['result']['median_s']:.4f} s{after_vacuum}; CLI import-pb "
            f"{figures['cli_import_s']:.2f} s, CLI result {figures['cli_result_s']:.2f} s | "
            f"speedup {figures['speedup']:,}x in-process, {figures['speedup_cli']:,}x CLI | "
            f"funded sets ({figures['funded']}) identical: {identical}"
        )
    return report, source


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="100000,1000000", help="ballots, comma-separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of our result")
    parser.add_argument("--pb", nargs="*", default=[], help="Pabulib files to compare")
    parser.add_argument("--pb-repeat", type=int, default=1, help="timed runs of pabutools")
    parser.add_argument("--no-pb", action="store_true", help="skip the pabutools comparison")
    parser.add_argument("--no-baseline", action="store_true", help="skip the former count")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument(
        "--database-url", default=os.environ.get("TEST_POSTGRES_URL") or DEFAULT_URL
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    problem = ensure_database(args.database_url)
    work = Path(tempfile.mkdtemp(prefix="bench-tally-"))
    if problem is None:
        database_url, backend = args.database_url, "postgresql"
    else:
        log(f"PostgreSQL not reachable ({problem}): no database sizes; pabutools on SQLite")
        database_url, backend = f"sqlite:///{work / 'bench.db'}", "sqlite"
    os.environ.update(DATABASE_URL=database_url, APP_ENV="development")

    from core import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    report: dict = {"database": backend}
    with app.app_context():
        by_size = {}
        if backend == "postgresql" and sizes:
            by_size = database_sizes(sizes, args.repeat, not args.no_baseline, args.explain)
        report["sizes"] = by_size
        million = by_size.get("1000000", {})
        report["tally_1m_s"] = million.get("best_s")
        report["tally_1m_median_s"] = million.get("median_s")

        files: dict = {}
        if args.no_pb:
            report["pabutools"] = "skipped (--no-pb)"
        else:
            try:
                import pabutools  # noqa: F401
            except ImportError:
                log("pabutools is not installed (pip install -e .[test]); no comparison")
                report["pabutools"] = "skipped (pabutools not installed)"
            else:
                files, report["pb_source"] = pabutools_comparison(
                    args.pb, args.repeat, args.pb_repeat, database_url, backend
                )
        if files:
            big = BIG_FILE if BIG_FILE in files else max(files, key=lambda f: files[f]["bytes"])
            report["pabutools_speedup"] = files[big]["speedup"]
            report["pabutools_speedup_cli"] = files[big]["speedup_cli"]
            report["pabutools_file"] = big
            report["pabutools_file_note"] = (
                "the Łódź 2022 city-wide election"
                if big == BIG_FILE
                else f"{BIG_FILE} not available: the largest file compared"
            )
            report["pabutools_basis"] = (
                "pabutools greedy rule time / our in-process result_for_cli time right after "
                "the import (best of each; parsing and import excluded)"
            )
            report["funded_identical"] = all(f["funded_identical"] for f in files.values())
        else:
            report["pabutools_speedup"] = None
        report["files"] = files
    print(json.dumps(report, ensure_ascii=False))
    if report.get("funded_identical") is False:
        sys.exit(1)


if __name__ == "__main__":
    main()
