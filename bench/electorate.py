"""Synthetic electorates with ground truth, for evaluating ``voting.oversight``.

    python bench/electorate.py --voters 20000 --seed 7 --bloc 50,10min,device,0 out.jsonl

A seeded generator of one participatory-budgeting vote (3 picks among 20-60 items) over a
7-day window, with the privacy-preserving signals the forum records at cast time:

* items with skewed (Zipf-like) popularity, and like-minded communities that favour a
  cluster of items; neighbourhoods favour one community and one or two local items, and
  their residents share residential network prefixes, so neighbours vote alike;
* a daily rhythm (quiet nights, lunch and evening peaks) with an opening-day surge, a
  reminder surge on the fourth evening and a last-day rush;
* thousands of residential prefixes with a heavy-tailed number of households each (large
  apartment blocks share one prefix), and carrier-grade-NAT mobile prefixes shared by
  hundreds of voters;
* households of 1-4 identities, often on one shared device, often voting minutes apart
  and copying each other's picks;
* hard negatives: a newsletter surge (diverse networks, one recommended combination, most
  readers following it within hours) and a care home (30 residents on one network with a
  few shared tablets, staff-assisted sessions, like-minded picks);
* injected blocs (:class:`BlocSpec`): size, timing (10-minute burst, 1 day, 7-day drip),
  infrastructure (one device; 1-3 prefixes with a device per member; 10 prefixes) and
  camouflage (the fraction of members who vary one pick).

Every voter carries a label: ``organic``, ``newsletter``, ``care_home`` or
``bloc:<name>``. Network, device and agent values are keyed hashes, as in production.
"""

import argparse
import hashlib
import random
import sys
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from voting.oversight.jsonl import ballot_as_json  # noqa: E402
from voting.oversight.records import Ballot  # noqa: E402

KST = timezone(timedelta(hours=9))
START = datetime(2025, 5, 12, 9, 0, tzinfo=KST)
DAYS = 7
HOURS = DAYS * 24

# relative traffic by hour of day (KST)
RHYTHM = (
    0.25, 0.12, 0.06, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.0, 1.0, 1.1,
    1.4, 1.2, 1.0, 1.0, 1.0, 1.1, 1.3, 1.6, 1.8, 1.6, 1.0, 0.5,
)  # fmt: skip
MOBILE_AGENTS = (("samsung-internet", 3), ("chrome-android", 4), ("safari-ios", 3),
                 ("naver-app", 2), ("kakao-inapp", 1.5))  # fmt: skip
DESKTOP_AGENTS = (("chrome-windows", 4), ("edge-windows", 1.5), ("whale-windows", 1.5),
                  ("safari-macos", 1))  # fmt: skip
TIMINGS = ("10min", "1day", "7days")
INFRAS = ("device", "prefixes", "prefixes10")
CAMOUFLAGES = (0.0, 1 / 3, 2 / 3)


@dataclass(frozen=True)
class BlocSpec:
    """One injected bloc. ``infra``: ``device`` (one device on one home prefix),
    ``prefixes`` (1-3 residential prefixes, a device per member) or ``prefixes10``."""

    name: str
    size: int
    timing: str
    infra: str
    camouflage: float

    @property
    def cell(self) -> str:
        return f"{self.size}/{self.timing}/{self.infra}/cam{round(self.camouflage * 3)}of3"


@dataclass
class Electorate:
    ballots: list[Ballot]
    labels: dict[str, str]
    items: list[str]
    blocs: dict[str, BlocSpec] = field(default_factory=dict)
    bloc_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bloc_prefixes: dict[str, int] = field(default_factory=dict)

    def write_jsonl(self, path: Path) -> None:
        with open(path, "w", encoding="utf-8") as out:
            for ballot in self.ballots:
                out.write(ballot_as_json(ballot) + "\n")


class _Generator:
    def __init__(self, seed: int, voters: int, items: int | None):
        self.rng = rng = random.Random(seed)
        self.key = hashlib.sha256(f"forum-key-{seed}".encode()).digest()[:16]
        n_items = items or rng.randint(20, 60)
        self.items = [f"item-{k:02d}" for k in range(1, n_items + 1)]
        order = self.items[:]
        rng.shuffle(order)
        exponent = rng.uniform(0.7, 1.1)
        self.base = {item: 1.0 / (rank + 1) ** exponent for rank, item in enumerate(order)}
        self.by_popularity = order
        self.communities = []
        for _ in range(rng.randint(5, 10)):
            cluster = rng.sample(self.items, rng.randint(3, 6))
            self.communities.append((set(cluster), rng.uniform(4, 12)))
        hoods = max(8, voters // 800)
        self.hoods = []
        for _ in range(hoods):
            local = set(rng.sample(self.items, rng.randint(1, 2)))
            self.hoods.append((rng.randrange(len(self.communities)), local))
        # residential prefixes: heavy-tailed capacity, each in one neighbourhood
        n_res = max(60, voters // 5)
        self.res_hood = [rng.randrange(hoods) for _ in range(n_res)]
        # a /24 holds at most a few hundred households: cap the heavy tail
        capacity = (min(rng.paretovariate(1.6), 100.0) for _ in range(n_res))
        self.res_cum = list(accumulate(capacity))
        n_mobile = max(20, voters // 400)
        self.mobile_cum = list(accumulate(1.0 / (k + 1) ** 0.6 for k in range(n_mobile)))
        self.mobile_agent_cum = list(accumulate(w for _, w in MOBILE_AGENTS))
        self.desktop_agent_cum = list(accumulate(w for _, w in DESKTOP_AGENTS))
        weights = []
        for hour in range(HOURS):
            day, clock = divmod(hour + START.hour, 24)
            factor = RHYTHM[clock]
            if day == 0:
                factor *= 2.5
            if day == 3 and 18 <= clock <= 21:
                factor *= 3.0
            if day == DAYS - 1:
                factor *= 1.6
            weights.append(factor)
        self.hour_cum = list(accumulate(weights))
        self.pref_cache: dict = {}
        self.names: dict[str, str] = {}
        self.ballots: list[Ballot] = []
        self.labels: dict[str, str] = {}
        self.device_counter = 0

    # signals

    def hashed(self, kind: str, raw: str) -> str:
        name = self.names.get(raw)
        if name is None:
            digest = hashlib.blake2b(raw.encode(), digest_size=8, key=self.key).hexdigest()
            name = self.names[raw] = digest
        return name

    def new_device(self) -> str:
        self.device_counter += 1
        return self.hashed("device", f"device-{self.device_counter}")

    def residential(self, index: int) -> str:
        return self.hashed("net", f"v4-res-{index}")

    def mobile(self) -> str:
        k = self.rng.choices(range(len(self.mobile_cum)), cum_weights=self.mobile_cum)[0]
        return self.hashed("net", f"cgnat-{k}")

    def agent(self, mobile: bool) -> str:
        table, cum = (
            (MOBILE_AGENTS, self.mobile_agent_cum)
            if mobile
            else (DESKTOP_AGENTS, self.desktop_agent_cum)
        )
        name = self.rng.choices(table, cum_weights=cum)[0][0]
        return self.hashed("agent", f"agent-{name}")

    def new_voter(self) -> str:
        return f"{self.rng.getrandbits(56):014x}"

    def organic_time(self) -> datetime:
        hour = self.rng.choices(range(HOURS), cum_weights=self.hour_cum)[0]
        return START + timedelta(hours=hour, seconds=self.rng.uniform(0, 3600))

    def first_seen(self, at: datetime, recent: float) -> datetime:
        if self.rng.random() < recent:
            return at - timedelta(seconds=self.rng.uniform(60, 36 * 3600))
        return START - timedelta(days=self.rng.uniform(20, 700))

    # picks

    def preference(self, hood: int | None, community: int | None, extra=None):
        key = (hood, community, extra)
        cum = self.pref_cache.get(key)
        if cum is None:
            weights = []
            for item in self.items:
                w = self.base[item]
                if hood is not None and item in self.hoods[hood][1]:
                    w *= 3.0
                if community is not None:
                    cluster, boost = self.communities[community]
                    if item in cluster:
                        w *= boost
                if extra is not None and item in extra[0]:
                    w *= extra[1]
                weights.append(w)
            cum = self.pref_cache[key] = list(accumulate(weights))
        return cum

    def sample_picks(self, cum, k: int = 3) -> tuple[str, ...]:
        chosen: list[str] = []
        while len(chosen) < k:
            item = self.rng.choices(self.items, cum_weights=cum)[0]
            if item not in chosen:
                chosen.append(item)
        return tuple(chosen)

    def vary_one(self, picks: tuple[str, ...]) -> tuple[str, ...]:
        out = list(picks)
        position = self.rng.randrange(len(out))
        while True:
            item = self.rng.choices(self.items, cum_weights=self.preference(None, None))[0]
            if item not in out:
                out[position] = item
                return tuple(out)

    def add(self, label: str, voter: str, at: datetime, picks, network, device, agent, recent):
        self.ballots.append(
            Ballot(
                voter=voter,
                time=at,
                picks=picks,
                network=network,
                device=device,
                agent=agent,
                first_seen=self.first_seen(at, recent),
            )
        )
        self.labels[voter] = label

    # populations

    def households(self, voters: int, label: str = "organic", timing=None, picks_of=None):
        rng = self.rng
        made = 0
        while made < voters:
            size = min(rng.choices((1, 2, 3, 4), (0.35, 0.35, 0.18, 0.12))[0], voters - made)
            prefix = rng.choices(range(len(self.res_cum)), cum_weights=self.res_cum)[0]
            hood = self.res_hood[prefix]
            roll = rng.random()
            if roll < 0.5:
                community = self.hoods[hood][0]
            elif roll < 0.7:
                community = rng.randrange(len(self.communities))
            else:
                community = None
            cum = self.preference(hood, community)
            shared_device = self.new_device() if rng.random() < 0.6 else None
            shared_agent = self.agent(False)
            base_time = timing() if timing else self.organic_time()
            first_picks = None
            for member in range(size):
                mobile = rng.random() < 0.55
                if picks_of is not None:
                    picks = picks_of(cum)
                elif member == 0 or first_picks is None:
                    picks = self.sample_picks(cum)
                else:
                    roll = rng.random()
                    if roll < 0.3:
                        picks = first_picks
                    elif roll < 0.5:
                        picks = self.vary_one(first_picks)
                    else:
                        picks = self.sample_picks(cum)
                if first_picks is None:
                    first_picks = picks
                if mobile:
                    network, device, agent = self.mobile(), self.new_device(), self.agent(True)
                    at = timing() if timing else self.organic_time()
                else:
                    network = self.residential(prefix)
                    if shared_device is not None:
                        device, agent = shared_device, shared_agent
                    else:
                        device, agent = self.new_device(), self.agent(True)
                    if rng.random() < 0.6:
                        at = base_time + timedelta(seconds=rng.uniform(0, 1800))
                    else:
                        at = timing() if timing else self.organic_time()
                    at = min(at, START + timedelta(days=DAYS) - timedelta(seconds=1))
                recent = 0.4 if label == "newsletter" else 0.1
                self.add(label, self.new_voter(), at, picks, network, device, agent, recent)
            made += size

    def newsletter(self, voters: int) -> None:
        rng = self.rng
        combo = (
            rng.choice(self.by_popularity[:5]),
            *rng.sample(self.by_popularity[5:20], 2),
        )
        sent = START + timedelta(days=rng.randint(1, 5), hours=rng.uniform(1, 10))

        def timing() -> datetime:
            return sent + timedelta(seconds=min(rng.expovariate(1 / 2400), 6 * 3600))

        def picks_of(cum) -> tuple[str, ...]:
            roll = rng.random()
            if roll < 0.55:
                return combo
            if roll < 0.85:
                return self.vary_one(combo)
            return self.sample_picks(cum)

        self.households(voters, "newsletter", timing, picks_of)

    def care_home(self, residents: int = 30) -> None:
        rng = self.rng
        network = self.hashed("net", "care-home-network")
        tablets = [self.new_device() for _ in range(rng.randint(4, 6))]
        agent = self.hashed("agent", "agent-safari-ipados")
        # residents are as like-minded as an organic community, and share a local item
        community = rng.randrange(len(self.communities))
        local = frozenset(rng.sample(self.items, 1))
        with_community = self.preference(None, community, (local, 3.0))
        without = self.preference(None, None, (local, 3.0))
        sessions = [START + timedelta(days=day, hours=1 + rng.uniform(0, 2)) for day in (1, 2, 3)]
        for _ in range(residents):
            at = rng.choice(sessions) + timedelta(seconds=rng.uniform(0, 7200))
            picks = self.sample_picks(with_community if rng.random() < 0.7 else without)
            device = rng.choice(tablets)
            self.add("care_home", self.new_voter(), at, picks, network, device, agent, 0.05)

    def bloc(self, spec: BlocSpec) -> tuple[tuple[str, ...], int]:
        rng = self.rng
        mid = self.by_popularity[5:16] or self.by_popularity
        target = rng.choice(mid)
        others = []
        while len(others) < 2:
            item = rng.choices(self.items, cum_weights=self.preference(None, None))[0]
            if item != target and item not in others:
                others.append(item)
        core = tuple([target, *others])
        if spec.infra == "device":
            prefixes = [rng.choices(range(len(self.res_cum)), cum_weights=self.res_cum)[0]]
            device = self.new_device()
            agent = self.agent(rng.random() < 0.5)
        else:
            count = 10 if spec.infra == "prefixes10" else rng.randint(1, 3)
            prefixes = rng.sample(range(len(self.res_cum)), count)
            device = agent = None
        t0 = START + timedelta(days=rng.uniform(0, DAYS - 1.2), hours=rng.uniform(0, 4))
        varied = set(rng.sample(range(spec.size), round(spec.camouflage * spec.size)))
        for member in range(spec.size):
            picks = self.vary_one(core) if member in varied else core
            if spec.timing == "10min":
                at = t0 + timedelta(seconds=rng.uniform(0, 600))
            elif spec.timing == "1day":
                at = t0 + timedelta(seconds=rng.uniform(0, 86400))
            else:
                at = self.organic_time()
            network = self.residential(prefixes[member % len(prefixes)])
            self.add(
                f"bloc:{spec.name}",
                self.new_voter(),
                at,
                picks,
                network,
                device or self.new_device(),
                agent or self.agent(rng.random() < 0.5),
                0.5,
            )
        return core, len(prefixes)


def generate(
    seed: int,
    voters: int = 20_000,
    blocs: tuple[BlocSpec, ...] | list[BlocSpec] = (),
    newsletter: bool = True,
    care_home: bool = True,
    items: int | None = None,
) -> Electorate:
    """One election of about ``voters`` organic voters plus hard negatives and blocs."""
    gen = _Generator(seed, voters, items)
    gen.households(voters)
    if newsletter:
        gen.newsletter(max(100, voters // 50))
    if care_home:
        gen.care_home()
    patterns, prefixes = {}, {}
    for spec in blocs:
        patterns[spec.name], prefixes[spec.name] = gen.bloc(spec)
    return Electorate(
        ballots=gen.ballots,
        labels=gen.labels,
        items=gen.items,
        blocs={spec.name: spec for spec in blocs},
        bloc_patterns=patterns,
        bloc_prefixes=prefixes,
    )


def grid() -> list[BlocSpec]:
    """Every bloc cell: sizes x timings x infrastructures x camouflage."""
    cells = []
    for size in (10, 20, 50, 200):
        for timing in TIMINGS:
            for infra in INFRAS:
                for camouflage in CAMOUFLAGES:
                    name = f"{size}-{timing}-{infra}-{round(camouflage * 3)}"
                    cells.append(BlocSpec(name, size, timing, infra, camouflage))
    return cells


def _parse_bloc(text: str, n: int) -> BlocSpec:
    size, timing, infra, camouflage = text.split(",")
    if timing not in TIMINGS or infra not in INFRAS:
        raise SystemExit(f"bloc {text!r}: timing in {TIMINGS}, infra in {INFRAS}")
    return BlocSpec(f"b{n}", int(size), timing, infra, float(eval_fraction(camouflage)))


def eval_fraction(text: str) -> float:
    if "/" in text:
        top, bottom = text.split("/")
        return int(top) / int(bottom)
    return float(text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="JSON Lines file to write")
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument(
        "--bloc",
        action="append",
        default=[],
        help="SIZE,TIMING,INFRA,CAMOUFLAGE e.g. 50,10min,device,1/3",
    )
    parser.add_argument("--labels", type=Path, help="also write voter<TAB>label lines here")
    args = parser.parse_args(argv)
    specs = [_parse_bloc(text, n) for n, text in enumerate(args.bloc, start=1)]
    electorate = generate(args.seed, args.voters, specs, items=args.items)
    electorate.write_jsonl(args.out)
    if args.labels:
        with open(args.labels, "w", encoding="utf-8") as out:
            for voter, label in sorted(electorate.labels.items()):
                out.write(f"{voter}\t{label}\n")
    print(f"{len(electorate.ballots)} ballots, {len(electorate.items)} items -> {args.out}")


if __name__ == "__main__":
    main()
