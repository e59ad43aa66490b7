"""Adversaries who know the detectors, and how soon the product flags each kind of bloc.

    python bench/adaptive.py [--voters 10000] [--elections 3] [--jobs 2] [--replay-voters 3000]

Adaptive blocs (:class:`AdaptiveSpec`) are added to the electorates of
``bench/electorate.py``. Each casts over the whole week following the forum's own hourly
curve, and varies one of:

* networks: ``prefixes10`` (ten home networks, a device each) or ``spread`` (each member
  on a network of their own: a home prefix drawn like an organic household's, or a
  mobile carrier-grade NAT shared with hundreds of organic voters);
* picks: ``core`` (the bloc's triple, with 1/3 or 2/3 of members varying one pick) or
  ``varied`` (every member votes the bloc's item with two others drawn from the forum's
  own pick distribution: a different triple each time, all containing the item).

:func:`evaluate` scans each election over the whole week and reports voter-level recall
per kind and the share of organic voters flagged. :func:`time_to_flag` replays one
electorate per kind through the forum's tables (``bench/replay.py``) with a scan every
five minutes and reports the minutes from each bloc's 25th ballot to its first flag.
"""

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.anomalies import _map  # noqa: E402
from bench.anomalies import _score  # noqa: E402
from bench.electorate import _Generator  # noqa: E402
from bench.electorate import BlocSpec  # noqa: E402
from bench.electorate import Electorate  # noqa: E402
from voting.oversight.scan import scan  # noqa: E402


@dataclass(frozen=True)
class AdaptiveSpec(BlocSpec):
    """A bloc spread over the week on the organic hourly curve; ``infra`` may also be
    ``spread`` and ``picks`` ``varied`` (see the module's docstring)."""

    picks: str = "core"

    @property
    def cell(self) -> str:
        return (
            f"{self.size}/{self.timing}/{self.infra}/{self.picks}/cam{round(self.camouflage * 3)}"
        )


KINDS = {
    "week, 10 networks, cam 1/3": ("7days", "prefixes10", "core", 1 / 3),
    "week, 10 networks, cam 2/3": ("7days", "prefixes10", "core", 2 / 3),
    "week, own networks, cam 1/3": ("7days", "spread", "core", 1 / 3),
    "week, own networks, cam 2/3": ("7days", "spread", "core", 2 / 3),
    "week, 10 networks, varied": ("7days", "prefixes10", "varied", 0.0),
    "week, own networks, varied": ("7days", "spread", "varied", 0.0),
    "week, 1-3 networks, varied": ("7days", "prefixes", "varied", 0.0),
}
# the concentrated kinds the detectors were built for, timed in the product too
BASELINE = {
    "10 min, one device": ("10min", "device", "core", 0.0),
    "1 day, 1-3 networks, cam 1/3": ("1day", "prefixes", "core", 1 / 3),
    "1 day, 10 networks, cam 1/3": ("1day", "prefixes10", "core", 1 / 3),
    "week, 1-3 networks, cam 1/3": ("7days", "prefixes", "core", 1 / 3),
}


def _adaptive_bloc(gen: _Generator, spec: AdaptiveSpec) -> tuple[tuple[str, ...], int]:
    if spec.timing != "7days" or (spec.infra != "spread" and spec.picks == "core"):
        return gen.bloc(spec)  # the generator's own blocs
    rng = gen.rng
    organic = gen.preference(None, None)
    target = rng.choice(gen.by_popularity[5:16] or gen.by_popularity)
    core = (target, *[p for p in gen.sample_picks(organic, 4) if p != target][:2])
    count = 10 if spec.infra == "prefixes10" else rng.randint(1, 3)
    prefixes = rng.sample(range(len(gen.res_cum)), count)
    varied = set(rng.sample(range(spec.size), round(spec.camouflage * spec.size)))
    networks = set()
    for member in range(spec.size):
        if spec.picks == "varied":
            picks = (target, *[p for p in gen.sample_picks(organic, 4) if p != target][:2])
        else:
            picks = gen.vary_one(core) if member in varied else core
        if spec.infra == "spread":
            mobile = rng.random() < 0.55
            if mobile:
                network = gen.mobile()
            else:
                home = rng.choices(range(len(gen.res_cum)), cum_weights=gen.res_cum)[0]
                network = gen.residential(home)
        else:
            network = gen.residential(prefixes[member % len(prefixes)])
            mobile = False
        networks.add(network)
        gen.add(
            f"bloc:{spec.name}",
            gen.new_voter(),
            gen.organic_time(),  # the forum's own hourly curve over the week
            picks,
            network,
            gen.new_device(),
            gen.agent(mobile),
            0.5,
        )
    return core, len(networks)


def generate_adaptive(seed: int, voters: int, specs: list[AdaptiveSpec]) -> Electorate:
    """Like :func:`bench.electorate.generate`, with adaptive blocs."""
    gen = _Generator(seed, voters, None)
    gen.households(voters)
    gen.newsletter(max(100, voters // 50))
    gen.care_home()
    patterns, prefixes = {}, {}
    for spec in specs:
        patterns[spec.name], prefixes[spec.name] = _adaptive_bloc(gen, spec)
    return Electorate(
        gen.ballots, gen.labels, gen.items, {s.name: s for s in specs}, patterns, prefixes
    )


def _spec(name: str, kind: tuple, size: int) -> AdaptiveSpec:
    timing, infra, picks, camouflage = kind
    return AdaptiveSpec(name, size, timing, infra, camouflage, picks)


def _one(job: tuple) -> dict:
    seed, voters, kinds, size = job
    specs = [_spec(f"k{k}", KINDS[kind], size) for k, kind in enumerate(kinds)]
    electorate = generate_adaptive(seed, voters, specs)
    result = _score(electorate, scan(electorate.ballots))
    result["kinds"] = {f"k{k}": kind for k, kind in enumerate(kinds)}
    return result


def evaluate(voters: int, elections: int, sizes=(50, 200), jobs: int = 2) -> dict:
    """Voter-level recall per (kind, size) and the organic false-flag rate, week-long scans."""
    names = list(KINDS)
    work = []
    for e in range(elections):
        for size in sizes:
            for half in (names[: len(names) // 2], names[len(names) // 2 :]):
                work.append((7000 + 17 * e + size, voters, half, size))
    results = _map(_one, work, jobs)
    tp, total = Counter(), Counter()
    organic = flagged = 0
    for (_seed, _voters, _kinds, size), result in zip(work, results, strict=True):
        for name, counts in result["blocs"].items():
            key = (result["kinds"][name], size)
            tp[key] += counts["tp"]
            total[key] += counts["size"]
        organic += result["negatives"]["organic"]["voters"]
        flagged += result["negatives"]["organic"]["flagged"]
    recall = {
        f"{kind} x{size}": round(tp[kind, size] / total[kind, size], 3) for kind, size in total
    }
    return {"recall": recall, "organic_false_flag_rate": round(flagged / max(organic, 1), 6)}


def time_to_flag(
    voters: int, horizon=timedelta(hours=6), tick=timedelta(minutes=5), kinds=None
) -> dict:
    """Minutes from each kind's 25th ballot to its first flag in the product (None: not
    within the horizon), one replayed electorate per kind, size 50, a scan every tick;
    with the flag's precision then and the organic voters flagged at any tick."""
    from bench import replay
    from tests.conftest import make_app

    found = {"time_to_flag_minutes": {}, "precision_at_flag": {}, "organic_flagged": {}}
    for k, (kind, spec) in enumerate({**BASELINE, **KINDS}.items()):
        if kinds is not None and kind not in kinds:
            continue
        electorate = generate_adaptive(300 + k, voters, [_spec("b", spec, 50)])
        with tempfile.TemporaryDirectory() as folder:
            app = make_app("sqlite", Path(folder))
            with app.app_context():
                result = replay.replay(app, electorate, tick=tick, around=horizon)
        minutes = None if result.minutes("b") is None else round(result.minutes("b"))
        precision = result.precision.get("b")
        found["time_to_flag_minutes"][kind] = minutes
        found["precision_at_flag"][kind] = None if precision is None else round(precision, 3)
        found["organic_flagged"][kind] = result.organic_flagged
        print(
            f"  {kind:32s} {minutes}  precision {found['precision_at_flag'][kind]}"
            f"  organic flagged {result.organic_flagged}",
            flush=True,
        )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=10_000)
    parser.add_argument("--elections", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--replay-voters", type=int, default=3000, help="0 to skip the replay")
    parser.add_argument("--tick-minutes", type=int, default=5)
    parser.add_argument("--horizon-hours", type=int, default=6)
    parser.add_argument("--kind", action="append", help="replay only these kinds")
    parser.add_argument("--replay-only", action="store_true")
    args = parser.parse_args(argv)
    if args.replay_only:
        tick, horizon = timedelta(minutes=args.tick_minutes), timedelta(hours=args.horizon_hours)
        found = time_to_flag(args.replay_voters, horizon, tick, args.kind)
        print(json.dumps(found, ensure_ascii=False))
        return
    out = evaluate(args.voters, args.elections, jobs=args.jobs)
    for cell, value in out["recall"].items():
        print(f"  recall {cell:40s} {value:.3f}")
    print(f"  organic false-flag rate {out['organic_false_flag_rate']:.4%}")
    if args.replay_voters:
        print("time to flag in the product (minutes after the 25th ballot; None: over 6 h):")
        # a five-minute scan from each 25th ballot to six hours after it
        out.update(time_to_flag(args.replay_voters))
    print(json.dumps(out, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
