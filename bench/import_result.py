"""Benchmark: replay a city-wide Pabulib election through the CLI and time it.

    python bench/import_result.py [FILE.pb ...]

Runs `flask --app wsgi forum import-pb` then `forum result --json` on SQLite and, when
reachable, PostgreSQL (database `test` on 127.0.0.1:5432, which it empties), checks
the funded set against the `.reference.json` beside the file when there is one, and
ends with one JSON line of timings. Without arguments it uses the largest election in
../shared/data/pabulib, or a generated 100,000-ballot election when that is absent.
"""

import json
import os
import random
import sys
import tempfile
from pathlib import Path

from common import flask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.counting import pabulib  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "pabulib"
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def generated(path: Path, voters: int = 100_000, projects: int = 120) -> Path:
    rng = random.Random(1)
    ids = [str(n) for n in range(1, projects + 1)]
    weights = [rng.paretovariate(1.2) for _ in ids]
    election = pabulib.PbElection(
        meta={"description": "generated", "vote_type": "approval", "budget": "25000000"},
        projects=[pabulib.PbProject(id=i, cost=rng.randint(50, 2000) * 1000) for i in ids],
        voters=[
            pabulib.PbVoter(id=str(n), picks=tuple(dict.fromkeys(rng.choices(ids, weights, k=5))))
            for n in range(voters)
        ],
    )
    path.write_text(pabulib.dumps(election), encoding="utf-8")
    return path


def reset_postgres() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")
        return True
    except Exception as error:  # the benchmark reports what it could not reach
        print(f"PostgreSQL not reachable ({error}); skipping it", file=sys.stderr)
        return False


def run(pb: Path, database_url: str) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, APP_ENV="development")
    flask(env, "db", "upgrade")
    import_s, out = flask(env, "forum", "import-pb", str(pb))
    forum_id = out.strip().splitlines()[-1]
    result_s, out = flask(env, "forum", "result", forum_id, "--json")
    result = json.loads(out)
    funded = {item["id"] for item in result["items"] if item["funded"]}
    reference = pb.with_suffix(".reference.json")
    matches = None
    if reference.exists():
        ref = json.loads(reference.read_text())
        rule = {"greedy-no-skip": "greedy_no_skip", "greedy-threshold": "greedy_threshold"}
        matches = funded == set(ref[rule.get(ref["meta"].get("rule"), "greedy")]["funded"])
    return {
        "ballots": result["ballots"],
        "import_s": round(import_s, 2),
        "result_s": round(result_s, 2),
        "matches_reference": matches,
    }


def main(paths: list[str]) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    if paths:
        files = [Path(p) for p in paths]
    elif SHARED.exists():
        files = [max(SHARED.glob("*.pb"), key=lambda p: p.stat().st_size)]
    else:
        files = [generated(work / "generated.pb")]
    report = {}
    for pb in files:
        for backend in ("sqlite", "postgres"):
            if backend == "postgres" and not reset_postgres():
                continue
            url = PG_URL if backend == "postgres" else f"sqlite:///{work / (pb.stem + '.db')}"
            figures = run(pb, url)
            print(f"{pb.name} on {backend}: {figures}", file=sys.stderr)
            report[f"{pb.stem}:{backend}"] = figures
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1:])
