"""Bloc-voting detection: which groups of ballots look coordinated, why, and how likely by chance.

Pure Python, standard library only: no Flask, no SQLAlchemy. A flag is a question for a
human, never a verdict. Lawful mobilisation by like-minded residents must not be punished,
so every rule compares a group with what the forum's own traffic explains and reports a
p-value corrected for the number of groups it could have picked.

Vocabulary
----------
* A *pattern* is a set of picks seen on some ballot (usually 3 items). A ballot is *near*
  a pattern when it differs by at most one pick: it shares at least ``len(pattern) - 1``
  and at least :data:`NEAR_MIN_SHARED` of the pattern's picks. Camouflage (members of a
  bloc varying one pick) stays near the bloc's pattern.
* A *unit* is a device (keyed-hash cookie id) or a network (keyed hash of the IPv4 /24 or
  IPv6 /48 prefix). Empty strings mean "unknown" and never form a unit.
* On a network, an *entry* is a device, represented by its earliest ballot there: the
  identities of a household voting from one shared device count once, so households do
  not add up to blocs (:meth:`ElectionIndex.net_entries`).
* The *share* of a pattern is the fraction of the forum's ballots near it (the *exact
  share*: with exactly its picks), leaving out the group under test, with half a ballot
  of smoothing and never below 1 / (ballots + 1).

Evidence
--------
A group of n entries (or, on a device, identities) of which k are near a pattern and k'
identical to it is scored by the larger of two binomial tails, P(X >= k) with
X ~ Bin(n, share) and P(X' >= k') with X' ~ Bin(n, exact share) (:func:`_evidence`): both
must be improbable. Like-minded residents vote alike, but seldom cast the very same
picks far beyond their share; a bloc does both, and camouflage of up to two thirds of
its members still leaves a third identical. On a network the shares are lifted by that
network's own like-mindedness, estimated from its other ballots
(:meth:`ElectionIndex.local_lift`), so a neighbourhood that favours its local park is
judged against itself. Tails are summed exactly in log space (:func:`log_binom_sf`), so
p-values far below 1e-308 keep their precision (``Flag.log10_p``).

Each test corrects with Bonferroni: the p-value is multiplied by the number of
(pattern, unit, window, unit subset) hypotheses it could have reported, and a group is
flagged when the corrected p-value is at most :data:`ALPHA_PER_DETECTOR`. Under the null
model (picks independent of device, network and time given the forum's and each
network's own shares) a scan of a bloc-free forum thus raises a ``proxy_casting`` or
``lockstep_bloc`` flag with probability at most :data:`ALPHA`.

Detectors (:data:`DETECTORS`, run in this order; a ballot flagged by one is not offered to
the next, and a voter's latest ballot is the one that counts)
---------
1. ``proxy_devices`` (:func:`detect_proxy_devices`): one device hosting more identities
   than a household with near-identical ballots. Tier ``proxy_casting``.
2. ``lockstep`` (:func:`detect_lockstep`): a burst of near-identical ballots within 10
   minutes to 6 hours. The part of it concentrated on a few networks is tier
   ``lockstep_bloc``; the rest, if still a significant burst and spread over the forum as
   a newsletter or meeting would spread it, is tier ``mobilisation`` (information only,
   and left to the later detectors).
3. ``dense`` (:func:`detect_dense`): a greedy dense-block search joining several small
   networks that share one pattern over the whole election (a bloc spread over a few
   prefixes, camouflaged or not). Tier ``lockstep_bloc``.
4. ``proxy_networks`` (:func:`detect_proxy_networks`): one network hosting
   near-identical ballots beyond what a household, care home, large apartment block or
   carrier-grade NAT explains. Tier ``proxy_casting``.

Use :func:`scan` on :class:`Ballot` objects, :func:`read_jsonl` to read ballots from JSON
Lines, :func:`flags_as_json` for output, :func:`impact` to ask whether removing a flag's
members changes the funded set, and :func:`diff_flags` to compare two scans. A scan of a
million ballots takes seconds and a few hundred megabytes besides the ballots
(``bench/anomalies.py`` measures it).
"""

import gc
import hashlib
import json
import math
import operator
from bisect import bisect_left
from bisect import bisect_right
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from itertools import chain
from itertools import combinations
from itertools import islice

# --- thresholds --------------------------------------------------------------------

ALPHA = 0.01
"""Family-wise rate of proxy or lockstep flags per scan of a bloc-free forum (null model)."""

ALPHA_PER_DETECTOR = ALPHA / 4
"""Bonferroni share of :data:`ALPHA` for each of the four flagging tests: proxy devices,
lockstep blocs, dense blocks and proxy networks. Informational mobilisation reports use
the same level."""

LOCAL_LIFT = 1.0
"""Smallest allowance for like-minded neighbours on a network: the odds of a ballot being
near (or identical to) a pattern there may be this many times the forum's odds
(:func:`lifted`) before they count as evidence. Each network's own allowance is estimated
from its other ballots (:meth:`ElectionIndex.local_lift`). Devices get none: no household
reaches :data:`PROXY_MIN_MEMBERS` identities."""

MAX_LOCAL_LIFT = 50.0
"""Largest allowance for like-minded neighbours (an odds ratio)."""

AFFINITY_PRIOR = 20
"""A network's item rates are shrunk towards the forum's as if it held this many more
ordinary entries, so that a small network's few other ballots prove little."""

NEAR_MIN_SHARED = 2
"""A ballot near a pattern shares at least this many picks with it (and misses at most one)."""

PROXY_MIN_MEMBERS = 8
"""Smallest group flagged on one device or network: households have 1-4 identities."""

DENSE_MIN_MEMBERS = 8
"""Smallest group flagged by the dense-block search."""

DENSE_MIN_UNIT_ENTRIES = 5
"""A network joins a dense block only with at least this many entries near the pattern
(a bloc of 20 on 3 networks puts 6-7 on each; organic neighbours and households seldom 5)."""

DENSE_MAX_UNIT_ENTRIES = 150
"""Networks with more entries (carrier-grade NAT, large apartment blocks) are left to the
proxy test of single networks and to the lockstep windows."""

DENSE_MAX_UNITS = 16
"""A dense block joins at most this many networks."""

DENSE_RECHECK_SLACK = math.log(1e4)
"""A pattern whose best block is within this factor of significance is rechecked with every
network where it occurs, not only those where the exact pattern was cast."""

LOCKSTEP_BIN_SECONDS = 600
"""Lockstep windows are whole numbers of 10-minute bins."""

LOCKSTEP_WIDTHS = (2, 7, 37)
"""Sliding window widths in bins: any burst of 10 minutes, 1 hour or 6 hours fits in one."""

TRIM_SPANS = (1200, 7200, 21600, 86400, 172800)
"""A flag on networks keeps only the near ballots within the window of one of these spans
(seconds) that explains the excess best, if any beats the whole election
(:func:`_trim_in_time`): organic neighbours who voted alike days apart stay out."""

LOCKSTEP_MIN_MEMBERS = 8
"""Smallest concentrated burst flagged as a lockstep bloc."""

LOCKSTEP_SEED_MIN = 3
"""A pattern is examined for bursts when one bin holds at least this many exact copies..."""

LOCKSTEP_SEED_P = 1e-6
"""...and that count has an uncorrected binomial tail below this."""

LOCKSTEP_UNIT_LOG_P = math.log(0.01)
"""Within a burst, a network whose near and identical counts are not below this (log)
p-value even at the forum-wide shares is left out of the search."""

LOCKSTEP_MAX_BURSTS = 4
"""At most this many bursts are reported per pattern."""

LOCKSTEP_PRIOR_BALLOTS = 50
"""The pattern's share within a window is shrunk towards its forum-wide share as if the
window held this many more ballots at that share."""

MOBILISATION_MIN_MEMBERS = 20
"""Smallest spread-out burst reported as (informational) mobilisation."""

NEW_IDENTITY_SECONDS = 24 * 3600
"""Members first seen less than this long before their ballot count as new identities."""

PROXY_CASTING = "proxy_casting"
LOCKSTEP_BLOC = "lockstep_bloc"
MOBILISATION = "mobilisation"
TIERS = (PROXY_CASTING, LOCKSTEP_BLOC, MOBILISATION)
FLAGGING_TIERS = (PROXY_CASTING, LOCKSTEP_BLOC)
"""Tiers that ask an operator to decide; ``mobilisation`` is for information only."""

_LN10 = math.log(10.0)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# --- data ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ballot:
    """One cast ballot with the privacy-preserving signals recorded at cast time.

    ``network``, ``device`` and ``agent`` are keyed hashes (empty when unknown);
    ``time`` and ``first_seen`` are timezone-aware.
    """

    voter: str
    time: datetime
    picks: tuple[str, ...]
    network: str = ""
    device: str = ""
    agent: str = ""
    channel: str = "online"
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Flag:
    """A group of ballots that looks coordinated, with the evidence for an operator.

    ``observed`` ballots (or network entries) near ``pattern`` where ``expected`` were
    expected from the forum's shares; ``p_value`` is corrected for ``tests`` hypotheses
    (``log10_p`` keeps its precision when ``p_value`` underflows to 0).
    """

    key: str
    tier: str
    detector: str
    members: tuple[str, ...]
    start: datetime
    end: datetime
    pattern: tuple[str, ...]
    identical: int
    networks: int
    devices: int
    anchors: tuple[str, ...]
    observed: int
    expected: float
    p_value: float
    log10_p: float
    tests: int
    explanation: str
    new_identities: int | None = None
    change: str = ""

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def span_seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "tier": self.tier,
            "detector": self.detector,
            "members": list(self.members),
            "size": self.size,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "span_seconds": self.span_seconds,
            "pattern": list(self.pattern),
            "shared_picks": list(self.pattern),
            "identical": self.identical,
            "networks": self.networks,
            "devices": self.devices,
            "anchors": list(self.anchors),
            "observed": self.observed,
            "expected": round(self.expected, 3),
            "p_value": self.p_value,
            "log10_p": round(self.log10_p, 2),
            "tests": self.tests,
            "new_identities": self.new_identities,
            "explanation": self.explanation,
            "change": self.change,
        }


# --- statistics --------------------------------------------------------------------

_MAX_TERMS = 5000


def log_comb(n: int, k: int) -> float:
    """Natural log of the binomial coefficient C(n, k)."""
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def log_binom_sf(k: int, n: int, p: float) -> float:
    """Natural log of P(X >= k) for X ~ Binomial(n, p).

    The tail is summed term by term from ``k`` in log space, so it stays exact where the
    p-value underflows a float. When ``k`` does not exceed the mean ``n * p`` the result is
    0.0 (p-value 1): conservative, and such counts are never evidence of a bloc.
    """
    if k <= 0:
        return 0.0
    if k > n or p <= 0.0:
        return -math.inf
    if p >= 1.0 or k <= n * p:
        return 0.0
    head = log_comb(n, k) + k * math.log(p) + (n - k) * math.log1p(-p)
    odds = p / (1.0 - p)
    total = term = 1.0
    i = k
    while i < n:
        ratio = (n - i) / (i + 1) * odds
        term *= ratio
        total += term
        i += 1
        if term < total * 1e-17:
            break
        if i - k >= _MAX_TERMS:
            # the ratios keep falling, so a geometric series bounds the rest from above
            total += term * ratio / (1.0 - ratio)
            break
    return min(0.0, head + math.log(total))


def log_poisson_sf(k: int, mean: float) -> float:
    """Natural log of P(X >= k) for X ~ Poisson(mean); 0.0 when ``k <= mean``."""
    if k <= 0:
        return 0.0
    if mean <= 0.0:
        return -math.inf
    if k <= mean:
        return 0.0
    head = k * math.log(mean) - mean - math.lgamma(k + 1)
    total = term = 1.0
    i = k
    while True:
        ratio = mean / (i + 1)
        term *= ratio
        total += term
        i += 1
        if term < total * 1e-17:
            break
        if i - k >= _MAX_TERMS:
            total += term * ratio / (1.0 - ratio)
            break
    return min(0.0, head + math.log(total))


def lifted(share: float, lift: float) -> float:
    """The share whose odds are ``lift`` times the odds of ``share``."""
    return lift * share / (1.0 + (lift - 1.0) * share)


def bonferroni(log_p: float, tests: float) -> float:
    """Corrected log p-value: ``log_p + log(tests)``, capped at 0 (p-value 1)."""
    return min(0.0, log_p + math.log(max(tests, 1.0)))


def _p_value(log_p: float) -> float:
    return math.exp(log_p) if log_p > -745.0 else 0.0


def _fmt_p(log_p: float) -> str:
    if log_p > math.log(1e-3):
        return f"{math.exp(log_p):.3f}"
    exponent = math.floor(log_p / _LN10)
    mantissa = math.exp(log_p - exponent * _LN10)
    return f"{mantissa:.1f}e{exponent}"


# --- index --------------------------------------------------------------------------


def _canonical(picks: tuple[str, ...]) -> tuple[str, ...]:
    ordered = tuple(sorted(picks))
    if any(map(operator.eq, ordered, islice(ordered, 1, None))):
        ordered = tuple(sorted(set(ordered)))
    return ordered


def _later(a: Ballot, b: Ballot) -> bool:
    def order(x: Ballot) -> tuple:
        return (x.time, x.picks, x.network, x.device, x.agent, x.channel)

    return order(a) > order(b)


class ElectionIndex:
    """The ballots of one scan as arrays, shared by the detectors.

    A voter's latest ballot (by time, ties broken by content) is kept. Arrays (``pid``,
    ``net``, ``dev``, ``ts``) are indexed by position in ``rows``; ``order`` lists the
    positions by (time, voter). Pick sets get ids in sorted order and units are compared
    by name, so results never depend on input order. ``claimed`` marks ballots already
    flagged by an earlier detector of the same scan.
    """

    def __init__(self, ballots: Iterable[Ballot]):
        rows = list(ballots)
        if len(set(b.voter for b in rows)) != len(rows):
            latest: dict[str, Ballot] = {}
            for ballot in rows:
                previous = latest.get(ballot.voter)
                if previous is None or _later(ballot, previous):
                    latest[ballot.voter] = ballot
            rows = list(latest.values())
        self.n = n = len(rows)
        # seconds since EPOCH; subtracting a reference in the ballots' own time zone is
        # exact (whole microseconds) and fast
        ref = EPOCH.astimezone(rows[0].time.tzinfo) if rows else EPOCH
        try:
            raw = [(b.time - ref).total_seconds() for b in rows]
        except TypeError:
            raise ValueError("ballot times must be timezone-aware datetimes") from None
        order = sorted(range(n), key=raw.__getitem__)
        ts = [raw[i] for i in order]
        if any(map(operator.eq, ts, islice(ts, 1, None))):
            # equal times: order by voter so that input order never matters
            runs: list[list[int]] = []
            for k in range(1, n):
                if ts[k] == ts[k - 1]:
                    if runs and runs[-1][1] == k:
                        runs[-1][1] = k + 1
                    else:
                        runs.append([k - 1, k + 1])
            for lo, hi in runs:
                order[lo:hi] = sorted(order[lo:hi], key=lambda i: rows[i].voter)
        # Arrays are indexed by position in ``rows`` (input order, which nothing depends
        # on); ``order`` lists positions by time and ``ts_sorted`` their times.
        self.rows = rows
        self.ts: list[float] = raw
        self.order: list[int] = order
        self.ts_sorted: list[float] = ts

        # pick sets get ids in sorted order of their items, so ids never depend on input
        raw_ids: dict[tuple, int] = {}
        raw_pid = [raw_ids.setdefault(b.picks, len(raw_ids)) for b in rows]
        canon_of_raw = [_canonical(picks) for picks in raw_ids]
        self.pick_sets: list[tuple[str, ...]] = sorted(set(canon_of_raw))
        self.item_names: list[str] = sorted({item for c in self.pick_sets for item in c})
        items = {name: k for k, name in enumerate(self.item_names)}
        self.masks: list[int] = [sum(1 << items[item] for item in c) for c in self.pick_sets]
        self.sizes: list[int] = [len(c) for c in self.pick_sets]
        self.pick_bits: list[tuple[int, ...]] = [
            tuple(items[item] for item in c) for c in self.pick_sets
        ]
        self.pick_pairs: list[tuple[tuple[int, int], ...]] = [
            tuple(combinations(bits, 2)) for bits in self.pick_bits
        ]
        pid_of = {c: k for k, c in enumerate(self.pick_sets)}
        final = [pid_of[c] for c in canon_of_raw]
        self.pid: list[int] = [final[r] for r in raw_pid]
        del raw_pid, raw_ids, canon_of_raw
        # networks and devices stay strings ("" when unknown)
        self.net: list[str] = [b.network for b in rows]
        self.dev: list[str] = [b.device for b in rows]
        self.n_items = len(self.item_names)
        counts = Counter(self.pid)
        self.pid_count: list[int] = [counts.get(p, 0) for p in range(len(self.pick_sets))]
        self.needs: list[int] = [max(size - 1, NEAR_MIN_SHARED) for size in self.sizes]
        self.n_patterns = max(1, sum(1 for size in self.sizes if size >= NEAR_MIN_SHARED))
        self.item_count = [0] * self.n_items
        for p, c in enumerate(self.pid_count):
            for bit in self.bits(p):
                self.item_count[bit] += c
        self._outside: dict[int, list[float]] = {}
        self.claimed = bytearray(self.n)
        self._pair_index: dict[tuple[int, int], list[int]] | None = None
        self._near: dict[int, list[int]] = {}
        self._near_count: dict[int, int] = {}
        self._by_net: dict[str, list[int]] | None = None
        self._net_cache: dict[str, tuple[int, dict[int, int]]] = {}
        self._pair_cache: dict[str, tuple] = {}
        self._item_cache: dict[str, dict[int, int]] = {}
        self._times_cache: dict[str, list[float]] = {}

    def ballot(self, i: int) -> Ballot:
        return self.rows[i]

    # patterns

    def is_pattern(self, p: int) -> bool:
        return self.sizes[p] >= NEAR_MIN_SHARED

    def near(self, p: int, pattern: int) -> bool:
        """Whether pick set ``p`` is near ``pattern`` (misses at most one of its picks)."""
        return (self.masks[p] & self.masks[pattern]).bit_count() >= self.needs[pattern]

    def bits(self, p: int) -> tuple[int, ...]:
        """Item ids of pick set ``p``, ascending."""
        return self.pick_bits[p]

    def pairs_of(self, p: int) -> tuple[tuple[int, int], ...]:
        """Item pairs of pick set ``p``."""
        return self.pick_pairs[p]

    def _outside_rates(self, pattern: int) -> list[float]:
        """For each item of ``pattern``, the forum's share of ballots *not* near it that
        pick the item."""
        rates = self._outside.get(pattern)
        if rates is None:
            items = self.bits(pattern)
            inside = [0] * len(items)
            for p in self.near_pids(pattern):
                mask, c = self.masks[p], self.pid_count[p]
                for j, a in enumerate(items):
                    if mask >> a & 1:
                        inside[j] += c
            rest = max(self.n - self.near_count(pattern), 1)
            rates = [(self.item_count[a] - inside[j]) / rest for j, a in enumerate(items)]
            self._outside[pattern] = rates
        return rates

    def local_lift(
        self, counts: dict[int, int], pattern: int, unit: str | None = None
    ) -> tuple[float, float]:
        """How much a unit's own residents favour the items of ``pattern``.

        ``counts`` maps the unit's pick sets to ballots or entries (``unit`` names the
        network, to reuse its item counts). Only the unit's ballots *not* near the
        pattern are used, compared with the forum's ballots not near it, so a bloc does
        not raise its own allowance. For each item, the ratio of its rate on the unit to
        its forum rate is shrunk towards 1 as if the unit held :data:`AFFINITY_PRIOR` more
        ordinary entries. The near lift is the largest product over two items, the
        identical lift the product over all items; both are at least :data:`LOCAL_LIFT`
        and at most :data:`MAX_LOCAL_LIFT` (odds ratios, see :func:`lifted`).
        """
        items = self.bits(pattern)
        item_hits = self._item_cache.get(unit) if unit is not None else None
        if item_hits is None:
            item_hits = defaultdict(int)
            for p, c in counts.items():
                for a in self.bits(p):
                    item_hits[a] += c
            if unit is not None:
                self._item_cache[unit] = item_hits
        hits = [item_hits.get(a, 0) for a in items]
        total = sum(counts.values())
        near = self.near_pids(pattern)
        masks = self.masks
        if len(counts) <= len(near):
            mask, need = masks[pattern], self.needs[pattern]
            inside = [(p, c) for p, c in counts.items() if (masks[p] & mask).bit_count() >= need]
        else:
            inside = [(p, counts[p]) for p in near if p in counts]
        for p, c in inside:
            total -= c
            m = masks[p]
            for j, a in enumerate(items):
                if m >> a & 1:
                    hits[j] -= c
        ratios = []
        for j, rate in enumerate(self._outside_rates(pattern)):
            if rate <= 0.0:
                ratios.append(1.0)
            else:
                ratios.append((hits[j] + AFFINITY_PRIOR * rate) / ((total + AFFINITY_PRIOR) * rate))
        pair = max((a * b for a, b in combinations(ratios, 2)), default=1.0)
        triple = math.prod(ratios)
        near_lift = min(MAX_LOCAL_LIFT, max(LOCAL_LIFT, pair))
        exact_lift = min(MAX_LOCAL_LIFT, max(LOCAL_LIFT, triple))
        return near_lift, exact_lift

    def near_pids(self, pattern: int) -> list[int]:
        """Pick sets near ``pattern`` (sorted ids), via an index of item pairs."""
        found = self._near.get(pattern)
        if found is None:
            if self._pair_index is None:
                index: dict[tuple[int, int], list[int]] = defaultdict(list)
                for p in range(len(self.pick_sets)):
                    for pair in self.pairs_of(p):
                        index[pair].append(p)
                self._pair_index = index
            candidates: set[int] = set()
            for pair in self.pairs_of(pattern):
                candidates.update(self._pair_index.get(pair, ()))
            found = sorted(p for p in candidates if self.near(p, pattern))
            self._near[pattern] = found
        return found

    def near_count(self, pattern: int) -> int:
        """Ballots of the whole forum (flagged or not) near ``pattern``."""
        total = self._near_count.get(pattern)
        if total is None:
            counts = self.pid_count
            total = self._near_count[pattern] = sum(counts[p] for p in self.near_pids(pattern))
        return total

    def near_in(self, counts: dict[int, int], pattern: int) -> int:
        """How many of ``counts`` (pick set -> ballots or entries) are near ``pattern``."""
        near = self.near_pids(pattern)
        if len(counts) <= len(near):
            masks, mask, need = self.masks, self.masks[pattern], self.needs[pattern]
            return sum(c for p, c in counts.items() if (masks[p] & mask).bit_count() >= need)
        return sum(counts.get(p, 0) for p in near)

    def _smoothed(self, hits: int, out_hits: int, out: int) -> float:
        rest = max(self.n - out, 0)
        rest_hits = min(max(hits - out_hits, 0), rest)
        return max((rest_hits + 0.5) / (rest + 1.0), 1.0 / (self.n + 1.0))

    def share(self, pattern: int, near_out: int = 0, out: int = 0) -> float:
        """Share of ballots near ``pattern``, leaving out a group of ``out`` ballots of
        which ``near_out`` are near it."""
        return self._smoothed(self.near_count(pattern), near_out, out)

    def exact_share(self, pattern: int, exact_out: int = 0, out: int = 0) -> float:
        """Share of ballots with exactly the picks of ``pattern``, leaving out a group."""
        return self._smoothed(self.pid_count[pattern], exact_out, out)

    # networks

    @property
    def by_net(self) -> dict[str, list[int]]:
        """Ballot positions on each known network."""
        if self._by_net is None:
            groups: dict[str, list[int]] = {}
            for i, u in enumerate(self.net):
                group = groups.get(u)
                if group is None:
                    groups[u] = [i]
                else:
                    group.append(i)
            groups.pop("", None)
            self._by_net = groups
        return self._by_net

    def net_times(self, u: str) -> list[float]:
        """Times of the ballots on network ``u``, sorted."""
        times = self._times_cache.get(u)
        if times is None:
            ts = self.ts
            times = self._times_cache[u] = sorted(ts[i] for i in self.by_net[u])
        return times

    def net_entries(self, u: str) -> tuple[int, dict[int, int]]:
        """(entries, pick set -> entries) for the unflagged ballots on network ``u``.

        An entry is a device, represented by its earliest ballot on the network: several
        identities of one household voting from a shared device count once, whether they
        copied each other's picks or not. A ballot without a device is an entry of its
        own.
        """
        cached = self._net_cache.get(u)
        if cached is None:
            claimed, pid, dev, ts = self.claimed, self.pid, self.dev, self.ts
            idx = self.by_net[u]
            if not any(map(claimed.__getitem__, idx)):
                devices = set(map(dev.__getitem__, idx))
                if len(devices) == len(idx) and "" not in devices:  # one ballot per device
                    cached = self._net_cache[u] = (len(idx), Counter(map(pid.__getitem__, idx)))
                    return cached
            first: dict[object, int] = {}
            for i in self.by_net[u]:
                if claimed[i]:
                    continue
                d = dev[i] or i
                j = first.get(d)
                if j is None or (ts[i], pid[i]) < (ts[j], pid[j]):
                    first[d] = i
            counts: dict[int, int] = {}
            for i in first.values():
                p = pid[i]
                counts[p] = counts.get(p, 0) + 1
            cached = self._net_cache[u] = (len(first), counts)
        return cached

    def net_pairs(self, u: str) -> tuple[dict[tuple[int, int], int], list[tuple[int, int]]]:
        """Entries on network ``u`` holding each item pair, and (pick set, entries) for its
        pick sets of more than 3 picks."""
        cached = self._pair_cache.get(u)
        if cached is None:
            counts = self.net_entries(u)[1]
            pairs = Counter(chain.from_iterable(map(self.pick_pairs.__getitem__, counts)))
            larger = []
            for p, c in counts.items():
                if c > 1:
                    for pair in self.pick_pairs[p]:
                        pairs[pair] += c - 1
                if self.sizes[p] > 3:
                    larger.append((p, c))
            cached = self._pair_cache[u] = (pairs, larger)
        return cached

    def near_in_net(self, u: str, pattern: int) -> int:
        """Entries on network ``u`` near ``pattern``, from item-pair counts when it has 3
        picks: a ballot sharing 2 of them holds one of its pairs, and one holding all
        three holds all three pairs."""
        _, counts = self.net_entries(u)
        if self.sizes[pattern] != 3:
            return self.near_in(counts, pattern)
        pairs, larger = self.net_pairs(u)
        total = sum(pairs.get(pair, 0) for pair in self.pairs_of(pattern))
        holding = counts.get(pattern, 0)
        if larger:
            mask = self.masks[pattern]
            holding += sum(c for p, c in larger if self.masks[p] & mask == mask)
        return total - 2 * holding

    def claim(self, indices: Iterable[int]) -> None:
        for i in indices:
            if not self.claimed[i]:
                self.claimed[i] = 1
                u = self.net[i]
                if u:
                    self._net_cache.pop(u, None)
                    self._pair_cache.pop(u, None)
                    self._item_cache.pop(u, None)


# --- evidence ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """Near and identical counts of one pattern among ``n`` ballots or entries, with the
    shares expected under the null and the resulting log p-value (uncorrected)."""

    log_p: float
    near: int
    exact: int
    n: int
    share: float
    exact_share: float

    @property
    def expected(self) -> float:
        return self.n * self.share


def _evidence(k_near: int, k_exact: int, n: int, share: float, exact_share: float) -> _Evidence:
    """Both the near-identical and the identical count must be improbable: the p-value is
    the larger of their binomial tails (an intersection-union test). Like-minded
    residents vote alike, but rarely cast the very same picks far beyond their share."""
    log_p = max(log_binom_sf(k_near, n, share), log_binom_sf(k_exact, n, exact_share))
    return _Evidence(log_p, k_near, k_exact, n, share, exact_share)


# A row is one unit's counts for one pattern:
# (own log p, unit, near, identical, n, near lift, identical lift).
Row = tuple[float, str, int, int, int, float, float]


def _pooled(rows: Sequence[Row], share: float, exact_share: float) -> _Evidence:
    """Evidence of several units together. Each unit's null shares are the base shares
    lifted by its own allowance; the pooled count is tested against a binomial with their
    average, whose tail bounds that of the true sum from above (Hoeffding, 1956)."""
    k = e = n = 0
    near_mass = exact_mass = 0.0
    for row in rows:
        k += row[2]
        e += row[3]
        n += row[4]
        near_mass += row[4] * lifted(share, row[5])
        exact_mass += row[4] * lifted(exact_share, row[6])
    if n == 0:
        return _Evidence(0.0, k, e, n, share, exact_share)
    return _evidence(k, e, n, near_mass / n, exact_mass / n)


def _forum_evidence(ix: ElectionIndex, pattern: int, rows: Sequence[Row]) -> _Evidence:
    """:func:`_pooled` against the forum's shares without these units' ballots."""
    k = sum(r[2] for r in rows)
    e = sum(r[3] for r in rows)
    n = sum(r[4] for r in rows)
    return _pooled(rows, ix.share(pattern, k, n), ix.exact_share(pattern, e, n))


# --- flag building -----------------------------------------------------------------


def _stable_key(*parts: object) -> str:
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _quantile(sorted_values: Sequence[int], q: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _make_flag(
    ix: ElectionIndex,
    *,
    tier: str,
    detector: str,
    members: Sequence[int],
    pattern: int,
    anchors: Sequence[str],
    key_parts: Sequence[object],
    evidence: _Evidence,
    log_p: float,
    tests: float,
    explanation: str,
) -> Flag:
    members = sorted(members)
    ballots = [ix.ballot(i) for i in members]
    times = [ix.ts[i] for i in members]
    start, end = min(times), max(times)
    new = None
    if any(b.first_seen is not None for b in ballots):
        new = sum(
            1
            for b in ballots
            if b.first_seen is not None
            and (b.time - b.first_seen).total_seconds() < NEW_IDENTITY_SECONDS
        )
    identical = sum(1 for i in members if ix.pid[i] == pattern)
    networks = len({b.network for b in ballots if b.network})
    devices = len({b.device for b in ballots if b.device})
    text = (
        f"{explanation} {identical} of the {len(members)} ballots are identical; "
        f"cast over {_duration(end - start)} from {networks} network(s) and "
        f"{devices} device(s)."
    )
    if new:
        text += f" {new} of the identities were first seen less than a day before voting."
    return Flag(
        key=_stable_key(tier, *key_parts),
        tier=tier,
        detector=detector,
        members=tuple(sorted(b.voter for b in ballots)),
        start=EPOCH + timedelta(seconds=start),
        end=EPOCH + timedelta(seconds=end),
        pattern=ix.pick_sets[pattern],
        identical=identical,
        networks=networks,
        devices=devices,
        anchors=tuple(anchors),
        observed=evidence.near,
        expected=evidence.expected,
        p_value=_p_value(log_p),
        log10_p=log_p / _LN10,
        tests=int(min(tests, 1e18)),
        explanation=text,
        new_identities=new,
    )


def _trim_in_time(
    ix: ElectionIndex, members: list[int], units: Sequence[str], share: float
) -> list[int]:
    """The members within the time window that makes the group most surprising.

    For each span of :data:`TRIM_SPANS`, the window holding most members is scored by
    P(X >= members in it), X ~ Bin(ballots of ``units`` in it, ``share``), times the
    number of such windows in the election; the whole election is scored without that
    factor. Members outside the winning window are dropped. This only sharpens who is
    listed; the flag's p-value is that of the whole block.
    """
    if len(members) < 2:
        return members
    ts = ix.ts
    members = sorted(members, key=lambda i: (ts[i], i))
    times = [ts[i] for i in members]
    duration = max(ix.ts_sorted[-1] - ix.ts_sorted[0], 1.0)
    unit_times = [ix.net_times(u) for u in units]

    def traffic(lo: float, hi: float) -> int:
        return sum(bisect_right(t, hi) - bisect_left(t, lo) for t in unit_times)

    best = (log_binom_sf(len(members), traffic(times[0], times[-1]), share), 0, len(members))
    for span in TRIM_SPANS:
        if span >= times[-1] - times[0]:
            break
        first = k_best = start_best = 0
        for last in range(len(times)):
            while times[last] - times[first] > span:
                first += 1
            if last - first + 1 > k_best:
                k_best, start_best = last - first + 1, first
        end_best = start_best + k_best
        n = traffic(times[start_best], times[start_best] + span)
        log_p = log_binom_sf(k_best, n, share) + math.log(duration / span + 1.0)
        if log_p < best[0]:
            best = (log_p, start_best, end_best)
    return members[best[1] : best[2]]


def _picks_text(ix: ElectionIndex, pattern: int) -> str:
    return ", ".join(ix.pick_sets[pattern])


def _evidence_text(evidence: _Evidence, log_p: float, tests: float) -> str:
    return (
        f"{evidence.near} near ballots where {evidence.expected:.2f} were expected from "
        f"the pattern's share, {evidence.exact} identical where "
        f"{evidence.n * evidence.exact_share:.2f} were expected "
        f"(p = {_fmt_p(log_p)} after {tests:,.0f} tests)."
    )


def _best_pattern(
    ix: ElectionIndex, counts: dict[int, int], n: int, unit: str | None, log_limit: float
) -> tuple[int, _Evidence, Row] | None:
    """Most surprising pattern within one unit, by :func:`_evidence`.

    ``counts`` maps pick sets to ballots (or entries) on the unit and ``n`` is their
    total. Candidates are the unit's pick sets of at least 2 picks cast at least twice,
    and at least twice as often as their forum share predicts plus two. For a network
    ``unit`` the null shares get its own allowance (:meth:`ElectionIndex.local_lift`),
    worked out only for patterns whose p-value would reach ``log_limit`` without it.
    """
    best = None
    scale = 2.0 * n / ix.n
    pid_count = ix.pid_count
    candidates = sorted(p for p, c in counts.items() if c >= 2 and c >= scale * pid_count[p] + 2)
    for pattern in candidates:
        if not ix.is_pattern(pattern):
            continue
        c = counts[pattern]
        k = ix.near_in(counts, pattern)
        row: Row = (0.0, "", k, c, n, 1.0, 1.0)
        evidence = _forum_evidence(ix, pattern, [row])
        if unit is not None and evidence.log_p <= log_limit:
            row = (0.0, "", k, c, n, *ix.local_lift(counts, pattern, unit))
            evidence = _forum_evidence(ix, pattern, [row])
        if best is None or (evidence.log_p, -k, pattern) < (best[1].log_p, -best[1].near, best[0]):
            best = (pattern, evidence, row)
    return best


# --- detector 1: proxy casting -------------------------------------------------------


def detect_proxy(ix: ElectionIndex) -> list[Flag]:
    """Many identities on one device, or one network, casting near-identical ballots.

    Devices first (:func:`detect_proxy_devices`): every device with at least
    :data:`PROXY_MIN_MEMBERS` unflagged identities is tested. Its most surprising pattern
    is scored by :func:`_evidence`: P(near >= k), near ~ Bin(identities, the pattern's
    share), and P(identical >= k'), identical ~ Bin(identities, the exact picks' share),
    whichever is larger. The device is flagged when k >= :data:`PROXY_MIN_MEMBERS` and
    that p-value times (devices tested x patterns in the forum) is at most
    :data:`ALPHA_PER_DETECTOR`. A household (1-4 identities) never reaches the minimum.

    Networks next (:func:`detect_proxy_networks`), counting entries (distinct device and
    picks) so that a household on a shared device counts once: every network with at
    least :data:`PROXY_MIN_MEMBERS` entries is tested the same way, with (networks tested
    x patterns) as correction and null shares lifted by the network's own like-mindedness
    (:meth:`ElectionIndex.local_lift`). A care home or a carrier-grade NAT prefix hosts
    many identities, but their picks follow the forum's or their neighbourhood's shares
    and their like-minded ballots are seldom identical; only a group whose near and
    identical ballots both far exceed those shares is flagged. Members are the near
    ballots on the device or network.
    """
    flags: list[Flag] = []
    flags.extend(detect_proxy_devices(ix))
    flags.extend(detect_proxy_networks(ix))
    return flags


def _proxy_flag(
    ix: ElectionIndex, kind: str, name: str, members, pattern, evidence, log_p, tests, explanation
) -> Flag:
    """A proxy-casting flag anchored on one device or network; claims its members."""
    flag = _make_flag(
        ix,
        tier=PROXY_CASTING,
        detector=f"proxy_{kind}s",
        members=members,
        pattern=pattern,
        anchors=[f"{kind}:{name}"],
        key_parts=[kind, name, ix.pick_sets[pattern]],
        evidence=evidence,
        log_p=log_p,
        tests=tests,
        explanation=explanation,
    )
    ix.claim(members)
    return flag


def detect_proxy_devices(ix: ElectionIndex) -> list[Flag]:
    """The device half of :func:`detect_proxy`."""
    per_device = Counter(ix.dev)
    if any(ix.claimed):
        per_device.subtract(d for d, c in zip(ix.dev, ix.claimed, strict=True) if c)
    per_device.pop("", None)
    sizes = sorted(per_device.values())
    units = sorted(d for d, c in per_device.items() if c >= PROXY_MIN_MEMBERS)
    if not units:
        return []
    wanted = set(units)
    rows: dict[str, list[int]] = {d: [] for d in units}
    for i in [i for i, d in enumerate(ix.dev) if d in wanted]:
        if not ix.claimed[i]:
            rows[ix.dev[i]].append(i)
    tests = len(units) * ix.n_patterns
    found = []
    for d in units:
        idx = rows[d]
        best = _best_pattern(ix, Counter(ix.pid[i] for i in idx), len(idx), None, 0.0)
        if best is None:
            continue
        pattern, evidence, _ = best
        corrected = bonferroni(evidence.log_p, tests)
        if evidence.near >= PROXY_MIN_MEMBERS and corrected <= math.log(ALPHA_PER_DETECTOR):
            found.append((corrected, d, pattern, evidence))
    flags = []
    typical = _quantile(sizes, 0.99)
    for corrected, d, pattern, evidence in sorted(found, key=lambda r: (r[0], r[1])):
        members = [i for i in rows[d] if ix.near(ix.pid[i], pattern)]
        explanation = (
            f"{evidence.n} identities voted from one device (99% of the forum's devices "
            f"carry at most {typical}); picks near {_picks_text(ix, pattern)}: "
            + _evidence_text(evidence, corrected, tests)
        )
        flags.append(
            _proxy_flag(ix, "device", d, members, pattern, evidence, corrected, tests, explanation)
        )
    return flags


def detect_proxy_networks(ix: ElectionIndex) -> list[Flag]:
    """The network half of :func:`detect_proxy`."""
    by_net = ix.by_net
    sizes = sorted(len(idx) for idx in by_net.values())
    entries = {u: ix.net_entries(u) for u in sorted(by_net) if len(by_net[u]) >= PROXY_MIN_MEMBERS}
    units = [u for u, (n, _) in entries.items() if n >= PROXY_MIN_MEMBERS]
    if not units:
        return []
    tests = len(units) * ix.n_patterns
    log_limit = math.log(ALPHA_PER_DETECTOR) - math.log(tests)
    found = []
    for u in units:
        n, counts = entries[u]
        best = _best_pattern(ix, counts, n, u, log_limit)
        if best is None:
            continue
        pattern, evidence, row = best
        corrected = bonferroni(evidence.log_p, tests)
        if evidence.near >= PROXY_MIN_MEMBERS and corrected <= math.log(ALPHA_PER_DETECTOR):
            found.append((corrected, u, pattern, evidence, row))
    flags = []
    typical = _quantile(sizes, 0.99)
    for corrected, u, pattern, evidence, row in sorted(found, key=lambda r: (r[0], r[1])):
        members = [i for i in by_net[u] if not ix.claimed[i] and ix.near(ix.pid[i], pattern)]
        members = _trim_in_time(ix, members, [u], evidence.share)
        explanation = (
            f"One network carries {evidence.n} devices (99% of the "
            f"forum's networks carry at most {typical} ballots); picks near "
            f"{_picks_text(ix, pattern)}, allowing its residents {row[5]:.1f} times the "
            "forum's odds of such ballots: " + _evidence_text(evidence, corrected, tests)
        )
        flags.append(
            _proxy_flag(ix, "network", u, members, pattern, evidence, corrected, tests, explanation)
        )
    return flags


# --- detector 2: dense block ---------------------------------------------------------


def _greedy_block(
    rows: Sequence[Row],
    evidence_of: Callable[[Sequence[Row]], _Evidence],
    log_extra: Callable[[int], float],
    min_members: int,
) -> tuple[float, int, _Evidence] | None:
    """Best prefix of ``rows`` (sorted by their own evidence).

    Returns (corrected log p, units taken, pooled evidence): units are taken in order of
    their own evidence and the prefix with the smallest corrected p-value wins, where
    ``log_extra(j)`` is the log of the number of j-unit blocks that could have been
    chosen, so each added unit must pay for itself.
    """
    best = None
    k_sum = 0
    for j in range(1, min(len(rows), DENSE_MAX_UNITS) + 1):
        k_sum += rows[j - 1][2]
        if k_sum < min_members:
            continue
        evidence = evidence_of(rows[:j])
        corrected = min(0.0, evidence.log_p + log_extra(j))
        if best is None or corrected < best[0]:
            best = (corrected, j, evidence)
    return best


def _block_possible(rows: Sequence[Row], log_extra: Callable[[int], float], limit: float) -> bool:
    """Whether some prefix of ``rows`` could reach ``limit``: the pooled tail of several
    units is at least the product of their own tails, so their summed log p-values bound
    the pooled one from below."""
    total = 0.0
    for j, row in enumerate(rows[:DENSE_MAX_UNITS], start=1):
        total += row[0]
        if total + log_extra(j) <= limit:
            return True
    return False


def detect_dense(ix: ElectionIndex) -> list[Flag]:
    """A dense block: one pattern concentrated on several small networks at once.

    In the spirit of FRAUDAR: a greedy search over voters x (picks, network) that resists
    camouflage because a member counts when its ballot is *near* the pattern, so varying
    one pick does not leave the block, and because busy networks and popular picks earn a
    block nothing (each network's count is set against its own traffic, the pattern's
    forum share and the network's own like-mindedness).

    Candidate networks hold :data:`DENSE_MIN_UNIT_ENTRIES` to
    :data:`DENSE_MAX_UNIT_ENTRIES` entries. A pattern is a candidate when at least two
    networks carry it twice or more with at least :data:`DENSE_MIN_UNIT_ENTRIES` entries
    near it, 1.5 times their forum share plus two. For each candidate, the networks where
    at least :data:`DENSE_MIN_UNIT_ENTRIES` entries are near it (found through their item
    pairs, so fully camouflaged ones count too) are ranked by their own
    :func:`_evidence`, and the block is the top j (2 <= j <= :data:`DENSE_MAX_UNITS`)
    whose pooled counts (:func:`_pooled`) give the smallest p-value corrected by
    C(candidate networks, j) x :data:`DENSE_MAX_UNITS` x patterns. Blocks of at least
    :data:`DENSE_MIN_MEMBERS` near entries with corrected p-value at most
    :data:`ALPHA_PER_DETECTOR` are flagged, most significant first, each rechecked after
    earlier flags have taken their members; members are the near ballots of the block's
    networks within the span that explains them best (:func:`_trim_in_time`). When a
    single network explains the block best it is left to :func:`detect_proxy_networks`.
    """
    by_net = ix.by_net
    units = []
    for u in sorted(by_net):
        if len(by_net[u]) < DENSE_MIN_UNIT_ENTRIES:
            continue
        n, _ = ix.net_entries(u)
        if DENSE_MIN_UNIT_ENTRIES <= n <= DENSE_MAX_UNIT_ENTRIES:
            units.append(u)
    units_total = len(units)
    if units_total < 2:
        return []
    log_base = math.log(DENSE_MAX_UNITS) + math.log(ix.n_patterns)

    def log_extra(j: int) -> float:
        return log_comb(units_total, j) + log_base

    # a network holding k >= 5 entries near a 3-pick pattern holds one of its pairs twice
    per_pattern: dict[int, list[str]] = defaultdict(list)
    hot_units: dict[tuple[int, int], list[str]] = defaultdict(list)
    for u in units:
        n, counts = ix.net_entries(u)
        pairs, _ = ix.net_pairs(u)
        hot = {pair for pair, c in pairs.items() if c >= 2}
        if not hot:
            ix._pair_cache.pop(u, None)
            continue
        for pair in hot:
            hot_units[pair].append(u)
        for pattern, c in counts.items():
            if c < 2 or not ix.is_pattern(pattern) or hot.isdisjoint(ix.pairs_of(pattern)):
                continue
            k = ix.near_in_net(u, pattern)
            if k >= DENSE_MIN_UNIT_ENTRIES and k >= 1.5 * n * ix.share(pattern) + 2.0:
                per_pattern[pattern].append(u)

    def rows_for(pattern: int, candidates: Iterable[str], local: bool) -> list[Row]:
        share, exact_share = ix.share(pattern), ix.exact_share(pattern)
        rows = []
        for u in candidates:
            n, counts = ix.net_entries(u)
            k = ix.near_in_net(u, pattern)
            if k < DENSE_MIN_UNIT_ENTRIES:
                continue
            e = counts.get(pattern, 0)
            near_lift, exact_lift = ix.local_lift(counts, pattern, u) if local else (1.0, 1.0)
            own = _pooled([(0.0, u, k, e, n, near_lift, exact_lift)], share, exact_share)
            rows.append((own.log_p, u, k, e, n, near_lift, exact_lift))
        rows.sort()
        return rows

    def evidence_of(pattern: int) -> Callable[[Sequence[Row]], _Evidence]:
        return lambda rows: _forum_evidence(ix, pattern, rows)

    limit = math.log(ALPHA_PER_DETECTOR)
    candidates = []
    for pattern in sorted(per_pattern):
        if len(per_pattern[pattern]) < 2:
            continue
        rows = rows_for(pattern, per_pattern[pattern], local=False)
        if not _block_possible(rows, log_extra, limit + DENSE_RECHECK_SLACK):
            continue
        result = _greedy_block(rows, evidence_of(pattern), log_extra, DENSE_MIN_MEMBERS)
        if result is not None and result[0] <= limit + DENSE_RECHECK_SLACK:
            candidates.append((result[0], pattern))

    flags = []
    for _, pattern in sorted(candidates):
        near_units = sorted({u for pair in ix.pairs_of(pattern) for u in hot_units.get(pair, ())})
        rows = rows_for(pattern, near_units, local=True)
        if not _block_possible(rows, log_extra, limit):
            continue
        result = _greedy_block(rows, evidence_of(pattern), log_extra, DENSE_MIN_MEMBERS)
        if result is None or result[0] > limit or result[1] < 2:
            continue  # a block of one network is left to the proxy detector
        corrected, j, evidence = result
        chosen = [row[1] for row in rows[:j]]
        members = [
            i
            for u in chosen
            for i in by_net[u]
            if not ix.claimed[i] and ix.near(ix.pid[i], pattern)
        ]
        members = _trim_in_time(ix, members, chosen, evidence.share)
        tests = math.exp(min(log_extra(j), 40 * _LN10))
        explanation = (
            f"{j} small networks together carry {evidence.n} devices, "
            f"with picks near {_picks_text(ix, pattern)}: "
            + _evidence_text(evidence, corrected, tests)
        )
        names = sorted(chosen)
        flags.append(
            _make_flag(
                ix,
                tier=LOCKSTEP_BLOC,
                detector="dense",
                members=members,
                pattern=pattern,
                anchors=[f"network:{name}" for name in names],
                key_parts=[ix.pick_sets[pattern]],
                evidence=evidence,
                log_p=corrected,
                tests=tests,
                explanation=explanation,
            )
        )
        ix.claim(members)
    return flags


# --- detector 3: lockstep bursts -----------------------------------------------------


def detect_lockstep(ix: ElectionIndex) -> list[Flag]:
    """A burst of near-identical ballots in a short span, and who cast it.

    Time is cut into :data:`LOCKSTEP_BIN_SECONDS` bins. A pattern is examined when a bin
    holds at least :data:`LOCKSTEP_SEED_MIN` exact copies with an uncorrected binomial
    tail below :data:`LOCKSTEP_SEED_P` (rechecked after earlier flags took their members).
    Its sliding windows of :data:`LOCKSTEP_WIDTHS` bins are scored by the smaller of the
    binomial tails of their near and identical ballots against the pattern's shares
    outside the window, and the best window is the burst (:func:`_best_window`).

    Within the burst, networks holding at least two near entries (and not hopeless even
    at the forum-wide shares, :data:`LOCKSTEP_UNIT_LOG_P`) are ranked and joined greedily
    as in :func:`detect_dense`, with :func:`_evidence` computed against the pattern's
    shares *in that window* (shrunk towards the forum-wide shares by
    :data:`LOCKSTEP_PRIOR_BALLOTS`, and never below the forum-wide shares lifted by the
    network's own like-mindedness): a newsletter that makes many residents vote alike at
    once raises those shares everywhere, so only networks far above them count. A block of
    at least :data:`LOCKSTEP_MIN_MEMBERS` entries whose p-value, corrected by C(networks
    active in the window, j) x :data:`DENSE_MAX_UNITS` x patterns x windows, is at most
    :data:`ALPHA_PER_DETECTOR` is a ``lockstep_bloc``; its members are the near ballots of
    those networks within the span that explains them best (:func:`_trim_in_time`), so a
    bloc voting for a day in several bursts is one flag. The rest of the burst, if its
    near count is still significant after correcting by patterns x windows and it holds at
    least :data:`MOBILISATION_MIN_MEMBERS` ballots, is reported as ``mobilisation``:
    information only, so its ballots stay open to the later detectors. At most
    :data:`LOCKSTEP_MAX_BURSTS` bursts are examined per pattern.
    """
    if ix.n == 0:
        return []
    ts, order, pid, claimed = ix.ts_sorted, ix.order, ix.pid, ix.claimed
    t0 = ts[0]
    width = LOCKSTEP_BIN_SECONDS
    n_bins = int((ts[-1] - t0) // width) + 1
    # bin b holds the ballots order[traffic[b]:traffic[b + 1]]
    traffic = [bisect_left(ts, t0 + b * width) for b in range(n_bins)] + [ix.n]
    any_claimed = any(claimed)
    cells: list[dict[int, int]] = []
    seeds: dict[int, tuple[float, int, int]] = {}
    log_seed = math.log(LOCKSTEP_SEED_P)
    counts, n_total = ix.pid_count, ix.n
    for b in range(n_bins):
        lo, hi = traffic[b], traffic[b + 1]
        if any_claimed:
            cell = Counter(pid[i] for i in order[lo:hi] if not claimed[i])
        else:
            cell = Counter(map(pid.__getitem__, order[lo:hi]))
        cells.append(cell)
        n_b = hi - lo
        for p, c in cell.items():
            if c < LOCKSTEP_SEED_MIN:
                continue
            share = counts[p] / n_total
            if c > 2.0 * n_b * share + 2.0 and ix.is_pattern(p):
                log_p = log_binom_sf(c, n_b, share)
                if log_p < log_seed and log_p < seeds.get(p, (0.0,))[0]:
                    seeds[p] = (log_p, b, n_b)
    wanted = {q for p in seeds for q in ix.near_pids(p)}
    by_pid: dict[int, dict[int, int]] = defaultdict(dict)
    for b, cell in enumerate(cells):
        for p in cell.keys() & wanted:
            by_pid[p][b] = cell[p]
    del cells
    base_tests = ix.n_patterns * n_bins * len(LOCKSTEP_WIDTHS)
    flags: list[Flag] = []
    for pattern in sorted(seeds, key=lambda p: (seeds[p], p)):
        _, b, n_b = seeds[pattern]
        left = by_pid[pattern].get(b, 0)
        share = counts[pattern] / n_total
        if left < LOCKSTEP_SEED_MIN or log_binom_sf(left, n_b, share) >= log_seed:
            continue  # earlier flags took the copies that made it a seed
        for _ in range(LOCKSTEP_MAX_BURSTS):
            burst = _best_window(ix, pattern, by_pid, traffic, n_bins)
            if burst is None:
                break
            found = _split_burst(ix, pattern, burst, traffic, base_tests)
            if not found:
                break
            for flag, members in found:
                flags.append(flag)
                if flag.tier != MOBILISATION:  # information only: later detectors may
                    ix.claim(members)  # still find a concentrated part of it
                for i in members:
                    by_pid[pid[i]][int((ix.ts[i] - t0) // width)] -= 1
    return flags


def _best_window(
    ix: ElectionIndex,
    pattern: int,
    by_pid: dict[int, dict[int, int]],
    traffic: list[int],
    n_bins: int,
) -> tuple[float, int, int, int, int] | None:
    """(log p, first bin, end bin, near ballots, ballots) of the pattern's best window.

    A window is scored by the smaller of the binomial tails of its near and its identical
    ballots (against the pattern's shares outside the window): a burst of a popular
    pattern shows in its identical copies more than in its near ones. Windows not three
    standard deviations above both shares are skipped.
    """
    series = [0] * (n_bins + 1)
    exact = [0] * (n_bins + 1)
    starts = set()
    for p in ix.near_pids(pattern):
        for b, c in by_pid.get(p, {}).items():
            if c:
                series[b + 1] += c
                starts.add(b)
    for b, c in by_pid.get(pattern, {}).items():
        exact[b + 1] += c
    if not starts:
        return None
    for b in range(n_bins):
        series[b + 1] += series[b]
        exact[b + 1] += exact[b]
    best = None
    share, exact_share = ix.share(pattern), ix.exact_share(pattern)
    for w in LOCKSTEP_WIDTHS:
        for start in starts:
            end = min(start + w, n_bins)
            k = series[end] - series[start]
            if k < LOCKSTEP_MIN_MEMBERS:
                continue
            n = traffic[end] - traffic[start]
            x = exact[end] - exact[start]
            expected, expected_exact = n * share, n * exact_share
            near_high = k >= expected + 3.0 * math.sqrt(expected) + 3.0
            exact_high = x >= expected_exact + 3.0 * math.sqrt(expected_exact) + 3.0
            if not (near_high or exact_high):
                continue
            log_p = min(
                log_binom_sf(k, n, ix.share(pattern, k, n)),
                log_binom_sf(x, n, ix.exact_share(pattern, x, n)),
            )
            if best is None or (log_p, start, w) < best[:3]:
                best = (log_p, start, w, k, n)
    if best is None:
        return None
    return (best[0], best[1], min(best[1] + best[2], n_bins), best[3], best[4])


def _split_burst(
    ix: ElectionIndex,
    pattern: int,
    burst: tuple[float, int, int, int, int],
    edges: list[int],
    base_tests: int,
) -> list[tuple[Flag, list[int]]]:
    log_p_window, start, end, k_w, n_w = burst
    lo, hi = edges[start], edges[end]
    t_lo, t_hi = ix.ts_sorted[lo], ix.ts_sorted[hi - 1]
    near_set = set(ix.near_pids(pattern))
    near_entries: dict[str, set] = defaultdict(set)
    members_by_unit: dict[str, list[int]] = defaultdict(list)
    burst_members = []
    claimed, pid, net, dev = ix.claimed, ix.pid, ix.net, ix.dev
    for i in ix.order[lo:hi]:
        p = pid[i]
        if p not in near_set or claimed[i]:
            continue
        burst_members.append(i)
        u = net[i]
        if u:
            near_entries[u].add((dev[i] or i, p == pattern))
            members_by_unit[u].append(i)
    # a network's traffic in the window is counted in ballots (at least its entries, so
    # the expected count can only grow)
    e_w = n_w
    k_entries = sum(len(s) for s in near_entries.values())
    # an entry is a device: near if any of its ballots is, identical if any is
    for u, found in near_entries.items():
        exact = {d for d, same in found if same}
        near_entries[u] = {(d, d in exact) for d, _ in found}
    x_entries = sum(1 for s in near_entries.values() for _, same in s if same)
    share_all = ix.share(pattern, k_w, n_w)
    exact_all = ix.exact_share(pattern)
    prior = LOCKSTEP_PRIOR_BALLOTS

    def window_evidence(rows: Sequence[Row]) -> _Evidence:
        k = sum(r[2] for r in rows)
        x = sum(r[3] for r in rows)
        n = sum(r[4] for r in rows)
        rest = max(e_w - n, 0) + prior
        local = (max(k_entries - k, 0) + prior * share_all) / rest
        local_exact = (max(x_entries - x, 0) + prior * exact_all) / rest
        near_mass = sum(r[4] * max(lifted(share_all, r[5]), local) for r in rows)
        exact_mass = sum(r[4] * max(lifted(exact_all, r[6]), local_exact) for r in rows)
        return _evidence(k, x, n, min(near_mass / n, 1.0), min(exact_mass / n, 1.0))

    rows: list[Row] = []
    for u in sorted(near_entries):
        k = len(near_entries[u])
        if k < 2:
            continue
        x = sum(1 for _, same in near_entries[u] if same)
        times = ix.net_times(u)
        n = bisect_right(times, t_hi) - bisect_left(times, t_lo)
        if _evidence(k, x, n, share_all, exact_all).log_p > LOCKSTEP_UNIT_LOG_P:
            continue  # too weak to help a block even at the forum's shares
        row = (0.0, u, k, x, n, 1.0, 1.0)
        rows.append((window_evidence([row]).log_p, *row[1:]))
    rows.sort()
    active = len(set(map(net.__getitem__, ix.order[lo:hi])) - {""})
    log_base = math.log(base_tests) + math.log(DENSE_MAX_UNITS)

    def log_extra(j: int) -> float:
        return log_comb(active, j) + log_base

    limit = math.log(ALPHA_PER_DETECTOR)
    best = _greedy_block(rows, window_evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    if best is not None and best[0] <= limit + DENSE_RECHECK_SLACK:
        # worth the networks' own allowances (which only raise p-values)
        lifted_rows = []
        for _, u, k, x, n, _, _ in rows[: 2 * DENSE_MAX_UNITS]:
            row = (0.0, u, k, x, n, *ix.local_lift(ix.net_entries(u)[1], pattern, u))
            lifted_rows.append((window_evidence([row]).log_p, *row[1:]))
        rows = sorted(lifted_rows)
        best = _greedy_block(rows, window_evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    found: list[tuple[Flag, list[int]]] = []
    taken: set[int] = set()
    window_text = _duration((end - start) * LOCKSTEP_BIN_SECONDS)
    if best is not None and best[0] <= limit:
        total, j, evidence = best
        chosen = [row[1] for row in rows[:j]]
        # the burst may be part of a longer run on the same networks: take the window
        # over the whole election that makes their near ballots most surprising
        near_all = [
            i for u in chosen for i in ix.by_net[u] if not claimed[i] and pid[i] in near_set
        ]
        members = _trim_in_time(ix, near_all, chosen, evidence.share)
        if not set(members_by_unit[chosen[0]]) & set(members):
            members = sorted(i for u in chosen for i in members_by_unit[u])
        taken.update(members)
        names = sorted(chosen)
        tests = math.exp(min(log_extra(j), 40 * _LN10))
        explanation = (
            f"A burst of {k_w} ballots near picks {_picks_text(ix, pattern)} within "
            f"{window_text}; {j} network(s) among the {active:,} active in that window "
            f"carry {evidence.n} devices, judged against the window's own "
            "shares: " + _evidence_text(evidence, total, tests)
        )
        found.append(
            (
                _make_flag(
                    ix,
                    tier=LOCKSTEP_BLOC,
                    detector="lockstep",
                    members=members,
                    pattern=pattern,
                    anchors=[f"network:{name}" for name in names],
                    key_parts=[ix.pick_sets[pattern]],
                    evidence=evidence,
                    log_p=total,
                    tests=tests,
                    explanation=explanation,
                ),
                members,
            )
        )
    rest = [i for i in burst_members if i not in taken]
    if len(rest) >= MOBILISATION_MIN_MEMBERS:
        k = len(rest)
        x = sum(1 for i in rest if ix.pid[i] == pattern)
        evidence = _Evidence(0.0, k, x, n_w, ix.share(pattern, k, n_w), exact_all)
        log_p = bonferroni(log_binom_sf(k, n_w, evidence.share), base_tests)
        if log_p <= limit:
            networks = len({ix.net[i] for i in rest if ix.net[i]})
            explanation = (
                f"{k} ballots near picks {_picks_text(ix, pattern)} within {window_text} "
                f"where {evidence.expected:.1f} were expected from the pattern's share "
                f"(p = {_fmt_p(log_p)} after {base_tests:,} tests), spread over "
                f"{networks} networks as organic mobilisation would be. Information only."
            )
            day = (EPOCH + timedelta(seconds=ix.ts[rest[0]])).date().isoformat()
            found.append(
                (
                    _make_flag(
                        ix,
                        tier=MOBILISATION,
                        detector="lockstep",
                        members=rest,
                        pattern=pattern,
                        anchors=[],
                        key_parts=[ix.pick_sets[pattern], day],
                        evidence=evidence,
                        log_p=log_p,
                        tests=base_tests,
                        explanation=explanation,
                    ),
                    rest,
                )
            )
    return found


# --- registry and scan ---------------------------------------------------------------

Detector = Callable[[ElectionIndex], list[Flag]]

DETECTORS: dict[str, Detector] = {
    "proxy_devices": detect_proxy_devices,
    "lockstep": detect_lockstep,
    "dense": detect_dense,
    "proxy_networks": detect_proxy_networks,
}
"""Detectors by name, in the order :func:`scan` runs them. Proxy casting is split in two
so that a bloc on several networks is found whole (by its burst, or by the dense-block
search) before any one of its networks is flagged alone; bursts come before the
whole-election search so that a burst's flag holds only the burst's ballots."""

_TIER_ORDER = {tier: n for n, tier in enumerate(TIERS)}


def scan(
    ballots: Iterable[Ballot],
    detectors: Iterable[str | Detector] | None = None,
    previous: Iterable["Flag | dict"] | None = None,
) -> list[Flag]:
    """Run the detectors over the ballots and return their flags.

    Deterministic and independent of input order: rerun it on the growing set of ballots
    and a flag keeps its ``key`` as long as its tier, pattern and anchor (device or
    network for proxy casting; the pattern for blocs; the pattern and start date for
    mobilisation) stay the same. With ``previous`` flags (or their dicts), each flag's
    ``change`` says "new", "updated" (same key, other members) or "unchanged".
    """
    chosen: list[Detector] = []
    for detector in DETECTORS if detectors is None else detectors:
        chosen.append(DETECTORS[detector] if isinstance(detector, str) else detector)
    flags: list[Flag] = []
    collecting = gc.isenabled()
    gc.disable()  # a scan builds millions of short-lived objects and no reference cycles
    try:
        ix = ElectionIndex(ballots)
        for detector in chosen:
            flags.extend(detector(ix))
    finally:
        if collecting:
            gc.enable()
    # the rare second flag with the same key (another burst of a pattern, say) gets a
    # suffix, in order of time so that a rescan gives the same one
    flags.sort(key=lambda f: (f.key, f.start, f.members))
    seen: Counter = Counter()
    unique = []
    for flag in flags:
        seen[flag.key] += 1
        if seen[flag.key] > 1:
            flag = replace(flag, key=f"{flag.key}-{seen[flag.key]}")
        unique.append(flag)
    unique.sort(key=lambda f: (_TIER_ORDER.get(f.tier, 9), f.log10_p, f.start, f.key))
    if previous is not None:
        before = {_members_of(f)[0]: _members_of(f)[1] for f in previous}
        unique = [
            replace(
                f,
                change="new"
                if f.key not in before
                else ("unchanged" if before[f.key] == f.members else "updated"),
            )
            for f in unique
        ]
    return unique


def _members_of(flag: "Flag | dict") -> tuple[str, tuple[str, ...]]:
    if isinstance(flag, Flag):
        return flag.key, flag.members
    return flag["key"], tuple(flag.get("members", ()))


def diff_flags(previous: Iterable["Flag | dict"], current: Iterable[Flag]) -> dict:
    """Keys of flags that are new, updated, unchanged or gone between two scans."""
    before = dict(_members_of(f) for f in previous)
    now = dict(_members_of(f) for f in current)
    return {
        "new": sorted(k for k in now if k not in before),
        "updated": sorted(k for k in now if k in before and before[k] != now[k]),
        "unchanged": sorted(k for k in now if k in before and before[k] == now[k]),
        "gone": sorted(k for k in before if k not in now),
    }


def impact(flag: Flag, recompute_funded: Callable[[set[str]], set[str]], funded: set[str]) -> dict:
    """Whether removing the flag's members changes the funded set.

    ``recompute_funded(excluded_voters)`` must return the funded item ids of the tally
    without those voters' ballots; ``funded`` is the current funded set.
    """
    without = set(recompute_funded(set(flag.members)))
    current = set(funded)
    return {
        "key": flag.key,
        "changes_outcome": without != current,
        "no_longer_funded": sorted(current - without),
        "newly_funded": sorted(without - current),
    }


def flags_as_json(flags: Iterable[Flag]) -> dict:
    """``{"flags": [...]}`` with one JSON-ready dict per flag."""
    return {"flags": [flag.as_dict() for flag in flags]}


# --- JSON Lines ---------------------------------------------------------------------

_REQUIRED = ("voter", "time", "picks")
_OPTIONAL = ("network", "device", "agent", "channel")


def _parse_time(value: object, line: int, name: str) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"line {line}: {name} must be an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"line {line}: {name} is not ISO-8601: {value!r}") from None
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"line {line}: {name} needs a UTC offset: {value!r}")
    return moment


def read_jsonl(lines: Iterable[str]) -> list[Ballot]:
    """Ballots from JSON Lines, one object per line; blank lines are skipped.

    Each object needs ``voter`` (non-empty string), ``time`` (ISO-8601 with offset) and
    ``picks`` (list of strings); ``network``, ``device``, ``agent`` and ``channel`` are
    optional strings and ``first_seen`` an optional ISO-8601 time. Bad input raises
    ValueError naming the line.
    """
    ballots = []
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number}: invalid JSON: {error.msg}") from None
        if not isinstance(row, dict):
            raise ValueError(f"line {number}: expected a JSON object")
        for name in _REQUIRED:
            if name not in row:
                raise ValueError(f"line {number}: missing {name!r}")
        voter = row["voter"]
        if not isinstance(voter, str) or not voter:
            raise ValueError(f"line {number}: voter must be a non-empty string")
        picks = row["picks"]
        if not isinstance(picks, list) or not all(isinstance(p, str) for p in picks):
            raise ValueError(f"line {number}: picks must be a list of strings")
        extra = {}
        for name in _OPTIONAL:
            value = row.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"line {number}: {name} must be a string")
            extra[name] = value
        first_seen = row.get("first_seen")
        ballots.append(
            Ballot(
                voter=voter,
                time=_parse_time(row["time"], number, "time"),
                picks=tuple(picks),
                first_seen=None
                if first_seen is None
                else _parse_time(first_seen, number, "first_seen"),
                **extra,
            )
        )
    return ballots


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m voting.anomalies [FILE.jsonl]``: scan ballots (stdin without a file)
    and print ``{"flags": [...]}``."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) > 1 or args[:1] in (["-h"], ["--help"]):
        print("usage: python -m voting.anomalies [FILE.jsonl]", file=sys.stderr)
        return 2
    try:
        if args:
            with open(args[0], encoding="utf-8") as lines:
                ballots = read_jsonl(lines)
        else:
            ballots = read_jsonl(sys.stdin)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    json.dump(flags_as_json(scan(ballots)), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


def ballot_as_json(ballot: Ballot) -> str:
    """One JSON Lines row for a ballot (the format :func:`read_jsonl` reads)."""
    row = {
        "voter": ballot.voter,
        "time": ballot.time.isoformat(),
        "picks": list(ballot.picks),
        "network": ballot.network,
        "device": ballot.device,
        "agent": ballot.agent,
    }
    if ballot.channel != "online":
        row["channel"] = ballot.channel
    if ballot.first_seen is not None:
        row["first_seen"] = ballot.first_seen.isoformat()
    return json.dumps(row, ensure_ascii=False)


if __name__ == "__main__":
    raise SystemExit(main())
