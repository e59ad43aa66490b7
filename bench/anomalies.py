"""Benchmark: how well ``voting.oversight`` finds injected blocs, and how fast.

    python bench/anomalies.py [--quick] [--jobs 2] [--voters 20000] [--adaptive]

Runs :func:`voting.oversight.scan.scan` over synthetic electorates from ``bench/electorate.py``:

* the bloc grid (sizes 10/20/50/200 x timing 10 min/1 day/7 days x one device, 1-3
  prefixes or 10 prefixes x camouflage 0, 1/3, 2/3), several blocs per election, and
  reports voter-level recall and precision per cell. A voter counts as flagged when a
  ``proxy_casting`` or ``lockstep_bloc`` flag lists it; a flag's members outside the bloc
  it mostly holds count against that bloc's precision;
* bloc-free elections (with the newsletter surge and the care home as hard negatives):
  the share with any proxy or lockstep flag, and false-flag rates of organic voters and of
  each hard-negative class (also for the informational ``mobilisation`` tier);
* scan time and peak memory at 100,000 and 1,000,000 ballots, each in a fresh process
  (resident set size from ``resource.getrusage``; the ballots themselves are included).

With ``--adaptive``, also adversaries who know the detectors (``bench/adaptive.py``):
recall per kind over the week, and time to flag per bloc kind in the product (a window
replayed through the forum's tables with a scan every five minutes).

Prints a table and ends with one JSON line of headline numbers.
"""

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.electorate import BlocSpec  # noqa: E402
from bench.electorate import generate  # noqa: E402
from bench.electorate import grid  # noqa: E402
from voting.oversight.scan import scan  # noqa: E402
from voting.oversight.thresholds import FLAGGING_TIERS  # noqa: E402
from voting.oversight.thresholds import MOBILISATION  # noqa: E402

BLOCS_PER_ELECTION = 4
HARD_NEGATIVES = ("newsletter", "care_home")


def _score(electorate, flags) -> dict:
    """Per-bloc counts and per-class false flags for one scanned election."""
    labels = electorate.labels
    members = Counter(labels.values())
    flagged: set[str] = set()
    informational: set[str] = set()
    blocs = {name: {"tp": 0, "fp": 0, "size": members[f"bloc:{name}"]} for name in electorate.blocs}
    stray = Counter()  # false flags outside any bloc's flag
    for flag in flags:
        if flag.tier == MOBILISATION:
            informational.update(flag.members)
            continue
        if flag.tier not in FLAGGING_TIERS:
            continue
        flagged.update(flag.members)
        held = Counter(labels[v] for v in flag.members if labels[v].startswith("bloc:"))
        owner = held.most_common(1)[0][0][5:] if held else None
        for voter in flag.members:
            label = labels[voter]
            if label.startswith("bloc:"):
                continue
            if owner is None:
                stray[label] += 1
            else:
                blocs[owner]["fp"] += 1
    for voter in flagged:
        label = labels[voter]
        if label.startswith("bloc:"):
            blocs[label[5:]]["tp"] += 1
    negatives = {}
    for label in ("organic", *HARD_NEGATIVES):
        negatives[label] = {
            "voters": members[label],
            "flagged": sum(1 for v in flagged if labels[v] == label),
            "informational": sum(1 for v in informational if labels[v] == label),
        }
    return {
        "blocs": {name: blocs[name] for name in blocs},
        "cells": {name: spec.cell for name, spec in electorate.blocs.items()},
        "specs": {
            name: [spec.size, spec.timing, spec.infra, round(spec.camouflage * 3)]
            for name, spec in electorate.blocs.items()
        },
        "negatives": negatives,
        "stray": dict(stray),
        "any_flag": any(f.tier in FLAGGING_TIERS for f in flags),
        "any_flag_outside_blocs": bool(stray),
        "ballots": len(electorate.ballots),
    }


def run_election(job: tuple) -> dict:
    seed, voters, specs = job
    electorate = generate(seed, voters, [BlocSpec(*spec) for spec in specs])
    started = time.perf_counter()
    flags = scan(electorate.ballots)
    result = _score(electorate, flags)
    result["seconds"] = time.perf_counter() - started
    result["seed"] = seed
    return result


def _ratio(top: float, bottom: float) -> float:
    return top / bottom if bottom else math.nan


def _or_nan(value: float | None) -> float:
    return math.nan if value is None else value


def _fmt(value: float) -> str:
    return "  -  " if value != value else f"{value:.3f}"


def run_grid(voters: int, replicates: int, jobs: int, seed0: int) -> list[dict]:
    cells = grid()
    specs = []
    for replicate in range(replicates):
        for spec in cells:
            name = f"{spec.name}-r{replicate}"
            specs.append((name, spec.size, spec.timing, spec.infra, spec.camouflage))
    # shuffle (seeded) so that each election mixes sizes and infrastructures
    random.Random(seed0).shuffle(specs)
    elections = [
        (seed0 + k, voters, specs[i : i + BLOCS_PER_ELECTION])
        for k, i in enumerate(range(0, len(specs), BLOCS_PER_ELECTION))
    ]
    return _map(run_election, elections, jobs)


def run_clean(voters: int, seeds: int, jobs: int, seed0: int) -> list[dict]:
    return _map(run_election, [(seed0 + s, voters, []) for s in range(seeds)], jobs)


def _map(fn, jobs_list: list, jobs: int) -> list:
    if jobs <= 1:
        return [fn(job) for job in jobs_list]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(fn, jobs_list, chunksize=1))


def summarise_grid(results: list[dict]) -> tuple[dict, list[str]]:
    per_cell: dict[tuple, dict] = defaultdict(lambda: {"tp": 0, "fp": 0, "size": 0, "n": 0})
    for result in results:
        for name, counts in result["blocs"].items():
            key = tuple(result["specs"][name])
            cell = per_cell[key]
            cell["tp"] += counts["tp"]
            cell["fp"] += counts["fp"]
            cell["size"] += counts["size"]
            cell["n"] += 1
    lines = [
        "bloc grid: voter-level recall / precision per cell (proxy_casting + lockstep_bloc)",
        f"{'size':>5} {'timing':>6} {'infra':>10} |"
        + "".join(f"  cam {c}/3: rec  prec" for c in range(3)),
    ]
    for size in (10, 20, 50, 200):
        for timing in ("10min", "1day", "7days"):
            for infra in ("device", "prefixes", "prefixes10"):
                row = f"{size:>5} {timing:>6} {infra:>10} |"
                for cam in range(3):
                    cell = per_cell.get((size, timing, infra, cam))
                    if cell is None:
                        row += " " * 22
                        continue
                    recall = _ratio(cell["tp"], cell["size"])
                    precision = _ratio(cell["tp"], cell["tp"] + cell["fp"])
                    row += f"        {_fmt(recall)} {_fmt(precision)}"
                lines.append(row)

    def pooled(select) -> dict:
        tp = fp = size = 0
        worst_recall = worst_precision = math.inf
        for key, cell in per_cell.items():
            if select(*key):
                tp += cell["tp"]
                fp += cell["fp"]
                size += cell["size"]
                worst_recall = min(worst_recall, _ratio(cell["tp"], cell["size"]))
                if cell["tp"] + cell["fp"]:
                    worst_precision = min(
                        worst_precision, _ratio(cell["tp"], cell["tp"] + cell["fp"])
                    )
        return {
            "recall": round(_ratio(tp, size), 4),
            "precision": round(_ratio(tp, tp + fp), 4),
            "worst_cell_recall": round(worst_recall, 4),
            "worst_cell_precision": round(worst_precision, 4)
            if worst_precision < math.inf
            else None,
            "bloc_voters": size,
        }

    concentrated = ("device", "prefixes")
    groups = {
        "ge50_concentrated": pooled(lambda s, t, i, c: s >= 50 and i in concentrated),
        "size20_concentrated": pooled(lambda s, t, i, c: s == 20 and i in concentrated),
        "size20_all": pooled(lambda s, t, i, c: s == 20),
        "cam1of3_ge50_concentrated": pooled(
            lambda s, t, i, c: s >= 50 and c == 1 and i in concentrated
        ),
        "cam1of3_ge50_all": pooled(lambda s, t, i, c: s >= 50 and c == 1),
        "ge50_prefixes10": pooled(lambda s, t, i, c: s >= 50 and i == "prefixes10"),
        "size10_all": pooled(lambda s, t, i, c: s == 10),
    }
    return groups, lines


def summarise_negatives(results: list[dict]) -> dict:
    totals: dict[str, Counter] = defaultdict(Counter)
    for result in results:
        for label, counts in result["negatives"].items():
            totals[label].update(counts)
    return {
        label: {
            "voters": c["voters"],
            "flag_rate": round(_ratio(c["flagged"], c["voters"]), 6),
            "informational_rate": round(_ratio(c["informational"], c["voters"]), 4),
        }
        for label, c in totals.items()
    }


SCALE_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from bench.electorate import generate
from voting.oversight.scan import scan
electorate = generate(11, {voters}, [])
ballots = electorate.ballots
del electorate
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
flags = scan(ballots)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
flagged = sum(1 for f in flags if f.tier in ("proxy_casting", "lockstep_bloc"))
print(json.dumps({{"ballots": len(ballots), "scan_seconds": round(seconds, 2),
    "peak_rss_mb": round(peak / 1024), "rss_before_scan_mb": round(before / 1024),
    "flags": len(flags), "proxy_or_lockstep_flags": flagged}}))
"""


def run_scale(voters: int) -> dict:
    code = SCALE_CHILD.format(root=str(ROOT), voters=voters)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="1 replicate, 10 clean seeds, 100k scale only"
    )
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--replicates", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None, help="bloc-free elections")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--scale", default=None, help="comma-separated ballot counts, or 'none'")
    parser.add_argument("--adaptive", action="store_true", help="adaptive kinds, time to flag")
    args = parser.parse_args(argv)
    replicates = args.replicates or (1 if args.quick else 3)
    seeds = args.seeds or (10 if args.quick else 40)
    scale_text = args.scale or ("100000" if args.quick else "100000,1000000")
    scales = [] if scale_text == "none" else [int(x) for x in scale_text.split(",")]

    started = time.perf_counter()
    grid_results = run_grid(args.voters, replicates, args.jobs, 1000)
    groups, lines = summarise_grid(grid_results)
    clean = run_clean(args.voters, seeds, args.jobs, 5000)
    print("\n".join(lines))
    print()
    print("headline groups (pooled over cells; worst single cell alongside):")
    for name, g in groups.items():
        print(
            f"  {name:28s} recall {_fmt(g['recall'])} (worst {_fmt(g['worst_cell_recall'])})"
            f"  precision {_fmt(g['precision'])}"
            f" (worst {_fmt(_or_nan(g['worst_cell_precision']))})"
            f"  bloc voters {g['bloc_voters']}"
        )
    negatives_clean = summarise_negatives(clean)
    negatives_grid = summarise_negatives(grid_results)
    stray_grid = Counter()
    for result in grid_results:
        stray_grid.update(result["stray"])
    clean_any = sum(1 for r in clean if r["any_flag"])
    print()
    print(f"bloc-free elections ({len(clean)} seeds, {args.voters:,} organic voters each):")
    print(f"  with any proxy/lockstep flag: {clean_any} ({_ratio(clean_any, len(clean)):.1%})")
    for label, c in negatives_clean.items():
        print(
            f"  {label:10s} voters {c['voters']:>8,}  flagged {c['flag_rate']:.4%}"
            f"  mobilisation (information) {c['informational_rate']:.2%}"
        )
    print(
        f"grid elections ({len(grid_results)}): voters flagged outside any bloc's flag:",
        dict(stray_grid),
    )
    for label, c in negatives_grid.items():
        print(f"  {label:10s} voters {c['voters']:>8,}  flagged {c['flag_rate']:.4%}")
    seconds = [r["seconds"] for r in grid_results + clean]
    print(
        f"scan time at ~{args.voters:,} ballots: median {sorted(seconds)[len(seconds) // 2]:.2f}s"
    )

    scale_results = {}
    for n in scales:
        scale_results[str(n)] = run_scale(n)
        print(f"scale {n:>9,} ballots: {scale_results[str(n)]}")
    print(
        f"bench wall time {time.perf_counter() - started:.0f}s, peak rss of this process "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    organic_rate = _ratio(
        negatives_clean["organic"]["flag_rate"] * negatives_clean["organic"]["voters"]
        + stray_grid["organic"],
        negatives_clean["organic"]["voters"] + negatives_grid["organic"]["voters"],
    )
    headline = {
        "ge50_concentrated": groups["ge50_concentrated"],
        "size20_concentrated": groups["size20_concentrated"],
        "cam1of3_ge50_concentrated": groups["cam1of3_ge50_concentrated"],
        "organic_false_flag_rate": round(organic_rate, 6),
        "hard_negative_flag_rate": {k: negatives_clean[k]["flag_rate"] for k in HARD_NEGATIVES},
        "bloc_free_elections_with_flag": round(_ratio(clean_any, len(clean)), 4),
        "scale": scale_results,
    }
    if args.adaptive:
        from bench import adaptive

        print("adaptive adversaries, week-long scans (voter-level recall):")
        headline["adaptive"] = adaptive.evaluate(args.voters, replicates, jobs=args.jobs)
        print(json.dumps(headline["adaptive"], ensure_ascii=False))
        print("time to flag in the product (minutes after the 25th ballot; None: over 6 h):")
        headline.update(adaptive.time_to_flag(3000))
    print(json.dumps(headline, sort_keys=True))


if __name__ == "__main__":
    main()
