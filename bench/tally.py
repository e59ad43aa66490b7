"""Benchmark: rank and fund a forum's result straight from PostgreSQL at scale.

    python bench/tally.py [--sizes 100000,1000000]

For each size it empties database `test` on 127.0.0.1:5432, creates a forum with 40
items, bulk-loads that many generated ballots (COPY, outside the timed part), then
times `compute_result` (count in the database, rank and fund in Python) three times
and reports the best. Ends with one JSON line.
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=PG_URL, APP_ENV="development")
    from sqlalchemy import text

    from core import create_app
    from core.extensions import db
    from deliberation.models import AgendaItem
    from deliberation.models import District
    from deliberation.models import Forum
    from voting import bulk
    from voting import results

    app = create_app({"RATELIMIT_ENABLED": False})
    report = {}
    with app.app_context():
        for size in (int(s) for s in args.sizes.split(",")):
            db.session.remove()
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
            db.create_all()
            now = datetime.now(UTC)
            forum = Forum(
                district=District(code="bench", name_ko="bench", name_en="bench"),
                slug=f"bench-{size}",
                title="bench",
                phase="closed",
                voting_starts_at=now,
                voting_ends_at=now.replace(year=now.year + 1),
                envelope=500_000_000,
                created_at=now,
            )
            for n in range(40):
                forum.items.append(
                    AgendaItem(
                        external_id=f"B-{n:02d}", title=f"item {n}", cost=(n % 9 + 1) * 10**7
                    )
                )
            db.session.add(forum)
            db.session.flush()
            ids = [item.id for item in forum.items]
            weights = [1 / (rank + 1) for rank in range(len(ids))]
            rng = random.Random(size)
            started = time.perf_counter()
            batch = 200_000
            for start in range(0, size, batch):
                chunk = [
                    bulk.NewBallot(
                        voter_key=f"{start + n:064x}",
                        receipt_code=f"{start + n:020d}",
                        cast_at=now,
                        item_ids=list(dict.fromkeys(rng.choices(ids, weights, k=3))),
                    )
                    for n in range(min(batch, size - start))
                ]
                bulk.insert_ballots(forum.id, chunk)
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            load_s = time.perf_counter() - started
            timings = []
            for _ in range(3):
                db.session.expire_all()
                started = time.perf_counter()
                result = results.compute_result(db.session.get(Forum, forum.id))
                timings.append(time.perf_counter() - started)
            assert result.ballots == size
            print(
                f"{size:>10,} ballots: load {load_s:.1f} s, result best {min(timings):.3f} s",
                file=sys.stderr,
            )
            report[str(size)] = {"load_s": round(load_s, 1), "result_s": round(min(timings), 3)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
