"""Benchmark: the Method of Equal Shares and greedy on Pabulib elections.

    python bench/equal_shares.py [--repeat N] [--increment X] [FILE.pb ...]

For each file: greedy (count, rank, fund), equal shares without completion and
equal shares completed, timed (the best of ``--repeat`` runs, default 3) from
the ballots grouped by approval set, as the app passes them. When a
``.reference.json`` lies beside the file, the funded sets are compared with
its pabutools outcomes (``greedy``, ``mes``, ``mes_completed``) and the
speedup over its recorded pabutools timings is printed. The completion's
per-voter increment is the one recorded in the reference call, else
``--increment`` (default 1).

Without arguments it uses every file in ../shared/data/pabulib, or a generated
90,000-ballot election when that folder is absent. Loaded data is frozen out
of the garbage collector before timing (gc.freeze), so the timings are those
of the counting. Ends with one JSON line.
"""

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting.counting import equal_shares  # noqa: E402
from voting.counting import greedy  # noqa: E402
from voting.counting import pabulib  # noqa: E402
from voting.counting import tally  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "pabulib"


def generated(path: Path, voters: int = 90_000, projects: int = 160) -> Path:
    """A city-wide approval election: 5 picks at most, popularity heavy-tailed."""
    rng = random.Random(1)
    ids = [f"G{n:03d}" for n in range(1, projects + 1)]
    weights = [rng.paretovariate(1.2) for _ in ids]
    election = pabulib.PbElection(
        meta={"description": "generated", "vote_type": "approval", "budget": "6000000"},
        projects=[pabulib.PbProject(id=i, cost=rng.randint(50, 2000) * 1000) for i in ids],
        voters=[
            pabulib.PbVoter(
                id=str(n),
                picks=tuple(dict.fromkeys(rng.choices(ids, weights, k=rng.randint(1, 5)))),
            )
            for n in range(voters)
        ],
    )
    path.write_text(pabulib.dumps(election), encoding="utf-8")
    return path


def best_of(repeat: int, work):
    """The result of ``work()`` and its best wall-clock time over ``repeat`` runs."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return result, min(seconds)


def recorded_increment(call: str, budget: int, voters: int) -> Fraction | None:
    if "frac(budget, 100 * n_voters)" in call:
        return Fraction(budget, 100 * voters)
    marker = "'voter_budget_increment': "
    if marker in call:
        return Fraction(call.split(marker, 1)[1].split("}", 1)[0].strip())
    return None


def bench(path: Path, repeat: int, increment: Fraction) -> dict:
    election = pabulib.load(path)
    reference_path = path.with_suffix(".reference.json")
    reference = (
        json.loads(reference_path.read_text(encoding="utf-8"))
        if reference_path.exists()
        else None
    )
    items = [tally.Item(p.id, p.cost) for p in election.projects]
    budget = election.budget
    if reference and "mes_completed" in reference:
        found = recorded_increment(reference["mes_completed"]["call"], budget, len(election.voters))
        if found is not None:
            increment = found
    gc.collect()
    gc.freeze()

    ballots = [voter.picks for voter in election.voters]
    profile, grouping = best_of(repeat, lambda: Counter(frozenset(b) for b in ballots))

    def count_rank_fund():
        ranked = tally.rank(tally.count_votes(ballots), items)
        return greedy.fund_greedy(ranked, budget)

    outcomes = {}
    seconds = {"group_ballots": grouping}
    outcomes["greedy"], seconds["greedy"] = best_of(repeat, count_rank_fund)
    outcomes["mes"], seconds["mes"] = best_of(
        repeat, lambda: equal_shares.equal_shares(profile, items, budget, completion=False)
    )
    outcomes["mes_completed"], seconds["mes_completed"] = best_of(
        repeat, lambda: equal_shares.equal_shares(profile, items, budget, increment=increment)
    )
    gc.unfreeze()

    result = {
        "file": path.name,
        "voters": len(election.voters),
        "distinct_ballots": len(profile),
        "projects": len(items),
        "increment": str(increment),
        "seconds": {name: round(value, 4) for name, value in seconds.items()},
        "funded": {name: len(f.funded_ids) for name, f in outcomes.items()},
    }
    if reference:
        result["matches"] = {
            name: set(outcomes[name].funded_ids) == set(reference[name]["funded"])
            for name in outcomes
            if name in reference
        }
        timings = reference.get("timings_s", {})
        result["pabutools_seconds"] = {name: timings[name] for name in outcomes if name in timings}
        result["speedup"] = {
            name: round(timings[name] / seconds[name], 1)
            for name in outcomes
            if timings.get(name) and seconds[name] > 0
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--increment", type=Fraction, default=Fraction(1))
    args = parser.parse_args()

    files = args.files
    if not files:
        files = sorted(SHARED.glob("*.pb")) if SHARED.is_dir() else []
    scratch = None
    if not files:
        scratch = tempfile.TemporaryDirectory()
        files = [generated(Path(scratch.name) / "generated_90k.pb")]

    results = []
    for path in files:
        result = bench(path, args.repeat, args.increment)
        results.append(result)
        line = (
            f"{result['file']}: {result['voters']:,} ballots "
            f"({result['distinct_ballots']:,} distinct), {result['projects']} projects, "
            f"increment {result['increment']}\n"
            + "".join(
                f"  {name:<14} {seconds:8.4f} s"
                + (
                    f"   pabutools {result['pabutools_seconds'][name]:9.4f} s"
                    f"   x{result['speedup'][name]}"
                    if name in result.get("speedup", {})
                    else ""
                )
                + (
                    f"   {'same' if result['matches'][name] else 'DIFFERENT'} funded set"
                    if name in result.get("matches", {})
                    else ""
                )
                + "\n"
                for name, seconds in result["seconds"].items()
            )
        )
        print(line, end="", flush=True)
    if scratch is not None:
        scratch.cleanup()

    summary = {
        "files": len(results),
        "all_match": all(all(r.get("matches", {}).values()) for r in results),
        "max_seconds": {
            name: max(r["seconds"][name] for r in results)
            for name in ("greedy", "mes", "mes_completed")
        },
        "results": results,
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
