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
* An *entry* is a distinct (device, picks) pair on a network. Identities of one household
  casting the same picks from one shared device count once at network level, so that
  households do not add up to blocs.
* The *share* of a pattern is the fraction of the forum's ballots near it, leaving out the
  group under test (with half a ballot of smoothing, never below 1 / (ballots + 1)).

Statistics
----------
Counts are tested with the binomial upper tail P(X >= observed), X ~ Bin(n, share),
summed exactly in log space (:func:`log_binom_sf`). Each detector corrects with
Bonferroni: the p-value is multiplied by the number of (pattern, unit or window or
unit-subset) hypotheses it could have reported, and a group is flagged when the corrected
p-value is at most :data:`ALPHA_PER_DETECTOR`. Under the null model (picks independent of
device, network and time given the forum's pick shares) a scan of a bloc-free forum thus
raises a proxy or lockstep flag with probability at most :data:`ALPHA`.

Detectors (:data:`DETECTORS`, run in this order; a ballot flagged by one is not offered to
the next, and a voter's latest ballot is the one that counts)
---------
1. ``proxy`` (:func:`detect_proxy`): one device, then one network, hosting near-identical
   ballots beyond what a household, care home or carrier-grade NAT explains. Tier
   ``proxy_casting``.
2. ``dense`` (:func:`detect_dense`): a greedy dense-block search that joins several small
   networks sharing one pattern (a bloc spread over a few prefixes). Tier
   ``lockstep_bloc``.
3. ``lockstep`` (:func:`detect_lockstep`): a burst of near-identical ballots in a short
   window, far above that pattern's share of that window's traffic. The part of the burst
   concentrated on a few networks is tier ``lockstep_bloc``; the rest, spread over the
   forum like a newsletter or meeting would spread it, is tier ``mobilisation``
   (information only).

Use :func:`scan` on :class:`Ballot` objects, :func:`read_jsonl` to read ballots from JSON
Lines, :func:`flags_as_json` for output, :func:`impact` to ask whether removing a flag's
members changes the funded set, and :func:`diff_flags` to compare two scans.
"""

import hashlib
import json
import math
from bisect import bisect_left
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import UTC
from itertools import combinations

# --- thresholds --------------------------------------------------------------------

ALPHA = 0.01
"""Family-wise rate of proxy or lockstep flags per scan of a bloc-free forum (null model)."""

ALPHA_PER_DETECTOR = ALPHA / 4
"""Bonferroni share of :data:`ALPHA` for each of the four tests: proxy devices, proxy
networks, dense blocks and lockstep bursts (their concentrated part)."""

NEAR_MIN_SHARED = 2
"""A ballot near a pattern shares at least this many picks with it (and misses at most one)."""

PROXY_MIN_MEMBERS = 8
"""Smallest group flagged on one device or network: households have 1-4 identities."""

DENSE_MIN_MEMBERS = 8
"""Smallest group flagged by the dense-block search."""

DENSE_MIN_UNIT_ENTRIES = 5
"""A network joins a dense block only with at least this many entries near the pattern
(a bloc of 20 on 3 networks puts 6-7 on each; organic neighbours and households seldom 5)."""

DENSE_MAX_UNIT_ENTRIES = 400
"""Networks with more entries (carrier-grade NAT) are left to the lockstep windows."""

DENSE_MAX_UNITS = 16
"""A dense block joins at most this many networks."""

DENSE_RECHECK_SLACK = math.log(1e4)
"""A pattern whose best block is within this factor of significance is rechecked with every
network where it occurs, not only those where the exact pattern was cast."""

LOCKSTEP_BIN_SECONDS = 600
"""Lockstep windows are whole numbers of 10-minute bins."""

LOCKSTEP_WIDTHS = (2, 7, 37)
"""Sliding window widths in bins: any burst of 10 minutes, 1 hour or 6 hours fits in one."""

LOCKSTEP_MIN_MEMBERS = 8
"""Smallest concentrated burst flagged as a lockstep bloc."""

LOCKSTEP_SEED_MIN = 3
"""A pattern is examined for bursts when one bin holds at least this many exact copies..."""

LOCKSTEP_SEED_P = 1e-6
"""...and that count has an uncorrected binomial tail below this."""

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


def _later(a: Ballot, b: Ballot) -> bool:
    def order(x: Ballot) -> tuple:
        return (x.time, x.picks, x.network, x.device, x.agent, x.channel)

    return order(a) > order(b)


class ElectionIndex:
    """The ballots of one scan as integer arrays, in a canonical order.

    A voter's latest ballot (by time, ties broken by content) is kept; ballots are ordered
    by (time, voter), so every result is independent of input order. ``claimed`` marks
    ballots already flagged by an earlier detector of the same scan.
    """

    def __init__(self, ballots: Iterable[Ballot]):
        latest: dict[str, Ballot] = {}
        for ballot in ballots:
            previous = latest.get(ballot.voter)
            if previous is None or _later(ballot, previous):
                latest[ballot.voter] = ballot
        ordered = sorted((b.time.timestamp(), b.voter, b) for b in latest.values())
        self.ballots: list[Ballot] = [row[2] for row in ordered]
        self.ts: list[float] = [row[0] for row in ordered]
        self.voters: list[str] = [row[1] for row in ordered]
        del ordered, latest
        self.n = len(self.ballots)

        items: dict[str, int] = {}
        self.item_names: list[str] = []
        pick_ids: dict[tuple, int] = {}
        canon_ids: dict[tuple, int] = {}
        self.pick_sets: list[tuple[str, ...]] = []
        self.masks: list[int] = []
        self.sizes: list[int] = []
        nets: dict[str, int] = {}
        devs: dict[str, int] = {}
        self.net_names: list[str] = []
        self.dev_names: list[str] = []
        pid: list[int] = []
        net: list[int] = []
        dev: list[int] = []
        for b in self.ballots:
            p = pick_ids.get(b.picks)
            if p is None:
                canon = tuple(sorted(set(b.picks)))
                p = canon_ids.get(canon)
                if p is None:
                    p = len(self.pick_sets)
                    canon_ids[canon] = p
                    self.pick_sets.append(canon)
                    mask = 0
                    for item in canon:
                        bit = items.get(item)
                        if bit is None:
                            bit = items[item] = len(self.item_names)
                            self.item_names.append(item)
                        mask |= 1 << bit
                    self.masks.append(mask)
                    self.sizes.append(len(canon))
                pick_ids[b.picks] = p
            pid.append(p)
            key = b.network
            if key:
                u = nets.get(key)
                if u is None:
                    u = nets[key] = len(self.net_names)
                    self.net_names.append(key)
                net.append(u)
            else:
                net.append(-1)
            key = b.device
            if key:
                u = devs.get(key)
                if u is None:
                    u = devs[key] = len(self.dev_names)
                    self.dev_names.append(key)
                dev.append(u)
            else:
                dev.append(-1)
        self.pid, self.net, self.dev = pid, net, dev
        self.n_items = len(self.item_names)
        counts = Counter(pid)
        self.pid_count: list[int] = [counts.get(p, 0) for p in range(len(self.pick_sets))]
        self.needs: list[int] = [max(size - 1, NEAR_MIN_SHARED) for size in self.sizes]
        self.n_patterns = max(1, sum(1 for size in self.sizes if size >= NEAR_MIN_SHARED))
        self.claimed = bytearray(self.n)
        self._pairs_of: dict[int, tuple[tuple[int, int], ...]] = {}
        self._pair_index: dict[tuple[int, int], list[int]] | None = None
        self._near: dict[int, list[int]] = {}
        self._near_count: dict[int, int] = {}
        self._by_net: dict[int, list[int]] | None = None
        self._net_cache: dict[int, tuple[int, dict[int, int]]] = {}
        self._pair_cache: dict[int, tuple] = {}

    # patterns

    def is_pattern(self, p: int) -> bool:
        return self.sizes[p] >= NEAR_MIN_SHARED

    def near(self, p: int, pattern: int) -> bool:
        """Whether pick set ``p`` is near ``pattern`` (misses at most one of its picks)."""
        return (self.masks[p] & self.masks[pattern]).bit_count() >= self.needs[pattern]

    def pairs_of(self, p: int) -> tuple[tuple[int, int], ...]:
        found = self._pairs_of.get(p)
        if found is None:
            mask = self.masks[p]
            bits = [i for i in range(mask.bit_length()) if mask >> i & 1]
            found = self._pairs_of[p] = tuple(combinations(bits, 2))
        return found

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
    def by_net(self) -> dict[int, list[int]]:
        if self._by_net is None:
            groups: dict[int, list[int]] = defaultdict(list)
            for i, u in enumerate(self.net):
                if u >= 0:
                    groups[u].append(i)
            self._by_net = dict(groups)
        return self._by_net

    def net_entries(self, u: int) -> tuple[int, dict[int, int]]:
        """(entries, pick set -> entries) for the unflagged ballots on network ``u``.

        An entry is a distinct (device, pick set): identities casting the same picks from
        one device count once. A ballot without a device is an entry of its own.
        """
        cached = self._net_cache.get(u)
        if cached is None:
            claimed, pid, dev = self.claimed, self.pid, self.dev
            seen = {
                (dev[i] if dev[i] >= 0 else -1 - i, pid[i])
                for i in self.by_net[u]
                if not claimed[i]
            }
            counts = Counter(p for _, p in seen)
            cached = self._net_cache[u] = (len(seen), dict(counts))
        return cached

    def net_pairs(self, u: int) -> tuple[dict[tuple[int, int], int], list[tuple[int, int]]]:
        """Entries on network ``u`` holding each item pair, and (pick set, entries) for its
        pick sets of more than 3 picks."""
        cached = self._pair_cache.get(u)
        if cached is None:
            pairs: dict[tuple[int, int], int] = defaultdict(int)
            larger = []
            for p, c in self.net_entries(u)[1].items():
                for pair in self.pairs_of(p):
                    pairs[pair] += c
                if self.sizes[p] > 3:
                    larger.append((p, c))
            cached = self._pair_cache[u] = (pairs, larger)
        return cached

    def near_in_net(self, u: int, pattern: int) -> int:
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
                if u >= 0:
                    self._net_cache.pop(u, None)
                    self._pair_cache.pop(u, None)


# --- evidence ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """Near and identical counts of one pattern among ``n`` ballots or entries."""

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


def _unit_evidence(ix: ElectionIndex, pattern: int, k_near: int, k_exact: int, n: int):
    return _evidence(
        k_near,
        k_exact,
        n,
        ix.share(pattern, k_near, n),
        ix.exact_share(pattern, k_exact, n),
    )


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
    ballots = [ix.ballots[i] for i in members]
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
        key=_stable_key(tier, detector, *key_parts),
        tier=tier,
        detector=detector,
        members=tuple(sorted(ix.voters[i] for i in members)),
        start=datetime.fromtimestamp(start, UTC),
        end=datetime.fromtimestamp(end, UTC),
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
    ix: ElectionIndex, counts: dict[int, int], n: int
) -> tuple[int, _Evidence] | None:
    """Most surprising pattern within one unit, by :func:`_evidence`.

    ``counts`` maps pick sets to ballots (or entries) on the unit and ``n`` is their
    total. Candidates are the unit's pick sets of at least 2 picks cast at least twice,
    and at least twice as often as their forum share predicts plus two.
    """
    best = None
    for pattern, c in sorted(counts.items()):
        if c < 2 or not ix.is_pattern(pattern):
            continue
        if c < 2.0 * n * ix.pid_count[pattern] / ix.n + 2.0:
            continue
        k = ix.near_in(counts, pattern)
        evidence = _unit_evidence(ix, pattern, k, c, n)
        if best is None or (evidence.log_p, -k, pattern) < (best[1].log_p, -best[1].near, best[0]):
            best = (pattern, evidence)
    return best


# --- detector 1: proxy casting -------------------------------------------------------


def detect_proxy(ix: ElectionIndex) -> list[Flag]:
    """Many identities on one device, or one network, casting near-identical ballots.

    Devices first: every device with at least :data:`PROXY_MIN_MEMBERS` unflagged
    identities is tested. Its most surprising pattern is scored by :func:`_evidence`:
    P(near >= k), near ~ Bin(identities, the pattern's share), and P(identical >= k'),
    identical ~ Bin(identities, the exact picks' share), whichever is larger. The device
    is flagged when k >= :data:`PROXY_MIN_MEMBERS` and that p-value times (devices tested
    x patterns in the forum) is at most :data:`ALPHA_PER_DETECTOR`. A household (1-4
    identities) can never reach the minimum.

    Networks next, counting entries (distinct device and picks) so that a household on a
    shared device counts once: every network with at least :data:`PROXY_MIN_MEMBERS`
    entries is tested the same way, with (networks tested x patterns) as correction. A
    care home or a carrier-grade NAT prefix hosts many identities, but their picks follow
    the forum's shares and their like-minded ballots are seldom identical; only a group
    whose near and identical ballots both far exceed those shares is flagged. Members are
    the near ballots on the device or network.
    """
    flags: list[Flag] = []
    flags.extend(detect_proxy_devices(ix))
    flags.extend(detect_proxy_networks(ix))
    return flags


def detect_proxy_devices(ix: ElectionIndex) -> list[Flag]:
    """The device half of :func:`detect_proxy`."""
    per_device = Counter(d for d, c in zip(ix.dev, ix.claimed, strict=True) if not c and d >= 0)
    sizes = sorted(per_device.values())
    units = sorted(d for d, c in per_device.items() if c >= PROXY_MIN_MEMBERS)
    if not units:
        return []
    wanted = set(units)
    rows: dict[int, list[int]] = {d: [] for d in units}
    for i, (d, c) in enumerate(zip(ix.dev, ix.claimed, strict=True)):
        if d in wanted and not c:
            rows[d].append(i)
    tests = len(units) * ix.n_patterns
    found = []
    for d in units:
        idx = rows[d]
        best = _best_pattern(ix, Counter(ix.pid[i] for i in idx), len(idx))
        if best is None:
            continue
        pattern, evidence = best
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
        name = ix.dev_names[d]
        flags.append(
            _make_flag(
                ix,
                tier=PROXY_CASTING,
                detector="proxy_devices",
                members=members,
                pattern=pattern,
                anchors=[f"device:{name}"],
                key_parts=["device", name, ix.pick_sets[pattern]],
                evidence=evidence,
                log_p=corrected,
                tests=tests,
                explanation=explanation,
            )
        )
        ix.claim(members)
    return flags


def detect_proxy_networks(ix: ElectionIndex) -> list[Flag]:
    """The network half of :func:`detect_proxy`."""
    by_net = ix.by_net
    entries = {u: ix.net_entries(u) for u in sorted(by_net)}
    sizes = sorted(n for n, _ in entries.values())
    units = [u for u, (n, _) in entries.items() if n >= PROXY_MIN_MEMBERS]
    if not units:
        return []
    tests = len(units) * ix.n_patterns
    found = []
    for u in units:
        n, counts = entries[u]
        best = _best_pattern(ix, counts, n)
        if best is None:
            continue
        pattern, evidence = best
        corrected = bonferroni(evidence.log_p, tests)
        if evidence.near >= PROXY_MIN_MEMBERS and corrected <= math.log(ALPHA_PER_DETECTOR):
            found.append((corrected, u, pattern, evidence))
    flags = []
    typical = _quantile(sizes, 0.99)
    for corrected, u, pattern, evidence in sorted(found, key=lambda r: (r[0], r[1])):
        members = [i for i in by_net[u] if not ix.claimed[i] and ix.near(ix.pid[i], pattern)]
        explanation = (
            f"One network carries {evidence.n} distinct devices or picks (99% of the "
            f"forum's networks carry at most {typical}); picks near "
            f"{_picks_text(ix, pattern)}: " + _evidence_text(evidence, corrected, tests)
        )
        name = ix.net_names[u]
        flags.append(
            _make_flag(
                ix,
                tier=PROXY_CASTING,
                detector="proxy_networks",
                members=members,
                pattern=pattern,
                anchors=[f"network:{name}"],
                key_parts=["network", name, ix.pick_sets[pattern]],
                evidence=evidence,
                log_p=corrected,
                tests=tests,
                explanation=explanation,
            )
        )
        ix.claim(members)
    return flags


# --- detector 2: dense block ---------------------------------------------------------


def _greedy_block(
    rows: Sequence[tuple[float, int, int, int, int]],
    evidence_of: Callable[[int, int, int], _Evidence],
    log_extra: Callable[[int], float],
    min_members: int,
) -> tuple[float, int, _Evidence] | None:
    """Best prefix of ``rows`` = (own log p, tie-break, near, identical, n) in order.

    Returns (corrected log p, units taken, pooled evidence): units are taken in order of
    their own evidence and the prefix with the smallest corrected p-value wins, where
    ``log_extra(j)`` is the log of the number of j-unit blocks that could have been
    chosen, so each added unit must pay for itself.
    """
    best = None
    k_sum = e_sum = n_sum = 0
    for j, (_, _, k, e, n) in enumerate(rows[:DENSE_MAX_UNITS], start=1):
        k_sum += k
        e_sum += e
        n_sum += n
        if k_sum < min_members:
            continue
        evidence = evidence_of(k_sum, e_sum, n_sum)
        corrected = min(0.0, evidence.log_p + log_extra(j))
        if best is None or corrected < best[0]:
            best = (corrected, j, evidence)
    return best


def _block_possible(rows: Sequence[tuple], log_extra: Callable[[int], float], limit: float) -> bool:
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
    block nothing (each network's count is set against its own traffic and the pattern's
    forum share).

    Candidate networks hold :data:`DENSE_MIN_UNIT_ENTRIES` to
    :data:`DENSE_MAX_UNIT_ENTRIES` entries. A network joins the block of a pattern when at
    least :data:`DENSE_MIN_UNIT_ENTRIES` of its entries are near it; networks are ranked
    by their own :func:`_evidence` and the block is the top j (2 <= j <=
    :data:`DENSE_MAX_UNITS`) whose pooled counts give the smallest p-value corrected by
    C(candidate networks, j) x :data:`DENSE_MAX_UNITS` x patterns. Blocks of at least
    :data:`DENSE_MIN_MEMBERS` near entries with corrected p-value at most
    :data:`ALPHA_PER_DETECTOR` are flagged, most significant first, each rechecked after
    earlier flags have taken their members.
    """
    by_net = ix.by_net
    units = []
    for u in sorted(by_net):
        n, _ = ix.net_entries(u)
        if DENSE_MIN_UNIT_ENTRIES <= n <= DENSE_MAX_UNIT_ENTRIES:
            units.append(u)
    units_total = len(units)
    if units_total < 2:
        return []
    log_base = math.log(DENSE_MAX_UNITS) + math.log(ix.n_patterns)

    def log_extra(j: int) -> float:
        return log_comb(units_total, j) + log_base

    per_pattern: dict[int, list[int]] = defaultdict(list)
    hot_units: dict[tuple[int, int], list[int]] = defaultdict(list)
    for u in units:
        n, counts = ix.net_entries(u)
        pairs, _ = ix.net_pairs(u)
        listed = False
        if max(pairs.values(), default=0) >= 2:
            for pattern in counts:
                if not ix.is_pattern(pattern):
                    continue
                k = ix.near_in_net(u, pattern)
                if k >= DENSE_MIN_UNIT_ENTRIES and k >= 2.0 * n * ix.share(pattern) + 2.0:
                    per_pattern[pattern].append(u)
                    listed = True
        if listed:
            for pair, c in pairs.items():
                if c >= 2:
                    hot_units[pair].append(u)
        else:
            ix._pair_cache.pop(u, None)

    def rows_for(pattern: int, candidates: Iterable[int]) -> list[tuple]:
        share = ix.share(pattern)
        exact_share = ix.exact_share(pattern)
        rows = []
        for u in candidates:
            n, counts = ix.net_entries(u)
            k = ix.near_in_net(u, pattern)
            if k < DENSE_MIN_UNIT_ENTRIES:
                continue
            e = counts.get(pattern, 0)
            own = _evidence(k, e, n, share, exact_share).log_p
            rows.append((own, u, k, e, n))
        rows.sort()
        return rows

    def evidence_of(pattern: int) -> Callable[[int, int, int], _Evidence]:
        return lambda k, e, n: _unit_evidence(ix, pattern, k, e, n)

    slack = math.log(ALPHA_PER_DETECTOR) + DENSE_RECHECK_SLACK
    candidates = []
    for pattern in sorted(per_pattern):
        if len(per_pattern[pattern]) < 2:
            continue
        rows = rows_for(pattern, per_pattern[pattern])
        if not _block_possible(rows, log_extra, slack):
            continue
        result = _greedy_block(rows, evidence_of(pattern), log_extra, DENSE_MIN_MEMBERS)
        if result is not None and result[0] <= slack:
            candidates.append((result[0], pattern))

    flags = []
    for _, pattern in sorted(candidates):
        near_units = sorted({u for pair in ix.pairs_of(pattern) for u in hot_units.get(pair, ())})
        rows = rows_for(pattern, near_units)
        result = _greedy_block(rows, evidence_of(pattern), log_extra, DENSE_MIN_MEMBERS)
        if result is None or result[0] > math.log(ALPHA_PER_DETECTOR) or result[1] < 2:
            continue  # a block of one network is left to the proxy detector
        corrected, j, evidence = result
        chosen = [row[1] for row in rows[:j]]
        members = [
            i
            for u in chosen
            for i in by_net[u]
            if not ix.claimed[i] and ix.near(ix.pid[i], pattern)
        ]
        tests = math.exp(min(log_extra(j), 40 * _LN10))
        explanation = (
            f"{j} small networks together carry {evidence.n} distinct devices or picks, "
            f"with picks near {_picks_text(ix, pattern)}: "
            + _evidence_text(evidence, corrected, tests)
        )
        names = sorted(ix.net_names[u] for u in chosen)
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
    tail below :data:`LOCKSTEP_SEED_P`. Its sliding windows of :data:`LOCKSTEP_WIDTHS` bins
    are scored by P(X >= k), X ~ Bin(ballots in the window, the pattern's share outside
    the window); a burst is the best window when its p-value times (patterns x windows) is
    at most :data:`ALPHA_PER_DETECTOR`.

    Within a burst, networks holding at least two near entries are ranked and joined
    greedily as in :func:`detect_dense`, with :func:`_evidence` computed against the
    pattern's shares *in that window* (shrunk towards the forum-wide shares by
    :data:`LOCKSTEP_PRIOR_BALLOTS`, and never below them): a newsletter that makes many
    residents vote alike at once raises those shares everywhere, so only networks far
    above them count. A block of at least :data:`LOCKSTEP_MIN_MEMBERS` entries whose
    p-value, corrected by C(networks active in the window, j) x :data:`DENSE_MAX_UNITS` x
    patterns x windows, is at most :data:`ALPHA_PER_DETECTOR` is a ``lockstep_bloc``. The
    rest of the burst, if still significant and at least :data:`MOBILISATION_MIN_MEMBERS`
    ballots, is reported as ``mobilisation``.
    """
    if ix.n == 0:
        return []
    t0 = ix.ts[0]
    width = LOCKSTEP_BIN_SECONDS
    bins = [int((t - t0) // width) for t in ix.ts]
    n_bins = bins[-1] + 1
    traffic = [0] * (n_bins + 1)
    for b, c in Counter(bins).items():
        traffic[b + 1] = c
    for b in range(n_bins):
        traffic[b + 1] += traffic[b]
    size = len(ix.pick_sets)
    cell = Counter(b * size + p for b, p, c in zip(bins, ix.pid, ix.claimed, strict=True) if not c)
    by_pid: dict[int, dict[int, int]] = defaultdict(dict)
    seeds: dict[int, float] = {}
    log_seed = math.log(LOCKSTEP_SEED_P)
    for key, c in cell.items():
        b, p = divmod(key, size)
        by_pid[p][b] = c
        if c >= LOCKSTEP_SEED_MIN:
            n_b = traffic[b + 1] - traffic[b]
            share = ix.pid_count[p] / ix.n
            if c > 2.0 * n_b * share + 2.0 and ix.is_pattern(p):
                log_p = log_binom_sf(c, n_b, share)
                if log_p < log_seed and log_p < seeds.get(p, 0.0):
                    seeds[p] = log_p
    del cell
    base_tests = ix.n_patterns * n_bins * len(LOCKSTEP_WIDTHS)
    flags: list[Flag] = []
    for pattern in sorted(seeds, key=lambda p: (seeds[p], p)):
        for _ in range(LOCKSTEP_MAX_BURSTS):
            burst = _best_window(ix, pattern, by_pid, traffic, n_bins, base_tests)
            if burst is None:
                break
            found = _split_burst(ix, pattern, burst, bins, base_tests)
            if not found:
                break
            for flag, members in found:
                flags.append(flag)
                ix.claim(members)
                for i in members:
                    by_pid[ix.pid[i]][bins[i]] -= 1
    return flags


def _best_window(
    ix: ElectionIndex,
    pattern: int,
    by_pid: dict[int, dict[int, int]],
    traffic: list[int],
    n_bins: int,
    base_tests: int,
) -> tuple[float, int, int, int, int] | None:
    series = [0] * (n_bins + 1)
    starts = set()
    for p in ix.near_pids(pattern):
        for b, c in by_pid.get(p, {}).items():
            if c:
                series[b + 1] += c
                starts.add(b)
    if not starts:
        return None
    for b in range(n_bins):
        series[b + 1] += series[b]
    best = None
    for w in LOCKSTEP_WIDTHS:
        for start in starts:
            end = min(start + w, n_bins)
            k = series[end] - series[start]
            if k < LOCKSTEP_MIN_MEMBERS:
                continue
            n = traffic[end] - traffic[start]
            log_p = log_binom_sf(k, n, ix.share(pattern, k, n))
            if best is None or (log_p, start, w) < best[:3]:
                best = (log_p, start, w, k, n)
    if best is None:
        return None
    corrected = bonferroni(best[0], base_tests)
    if corrected > math.log(ALPHA_PER_DETECTOR):
        return None
    return (corrected, best[1], min(best[1] + best[2], n_bins), best[3], best[4])


def _split_burst(
    ix: ElectionIndex,
    pattern: int,
    burst: tuple[float, int, int, int, int],
    bins: list[int],
    base_tests: int,
) -> list[tuple[Flag, list[int]]]:
    corrected, start, end, k_w, n_w = burst
    lo = bisect_left(bins, start)
    hi = bisect_left(bins, end)
    entries: dict[int, set] = defaultdict(set)
    near_entries: dict[int, set] = defaultdict(set)
    members_by_unit: dict[int, list[int]] = defaultdict(list)
    burst_members = []
    for i in range(lo, hi):
        if ix.claimed[i]:
            continue
        u, d, p = ix.net[i], ix.dev[i], ix.pid[i]
        entry = (d if d >= 0 else -1 - i, p)
        is_near = ix.near(p, pattern)
        if is_near:
            burst_members.append(i)
        if u < 0:
            continue
        entries[u].add(entry)
        if is_near:
            near_entries[u].add(entry)
            members_by_unit[u].append(i)
    e_w = sum(len(s) for s in entries.values())
    k_entries = sum(len(s) for s in near_entries.values())
    x_entries = sum(1 for s in near_entries.values() for _, p in s if p == pattern)
    share_all = ix.share(pattern, k_w, n_w)
    exact_all = ix.exact_share(pattern)
    prior = LOCKSTEP_PRIOR_BALLOTS

    def window_evidence(k: int, x: int, n: int) -> _Evidence:
        rest = max(e_w - n, 0) + prior
        share = max(share_all, (max(k_entries - k, 0) + prior * share_all) / rest)
        exact = max(exact_all, (max(x_entries - x, 0) + prior * exact_all) / rest)
        return _evidence(k, x, n, min(share, 1.0), min(exact, 1.0))

    rows = []
    for u in sorted(near_entries):
        k = len(near_entries[u])
        if k < 2:
            continue
        x = sum(1 for _, p in near_entries[u] if p == pattern)
        n = len(entries[u])
        rows.append((window_evidence(k, x, n).log_p, u, k, x, n))
    rows.sort()
    active = len(entries)
    log_base = math.log(base_tests) + math.log(DENSE_MAX_UNITS)

    def log_extra(j: int) -> float:
        return log_comb(active, j) + log_base

    best = _greedy_block(rows, window_evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    found: list[tuple[Flag, list[int]]] = []
    taken: set[int] = set()
    window_text = _duration((end - start) * LOCKSTEP_BIN_SECONDS)
    if best is not None and best[0] <= math.log(ALPHA_PER_DETECTOR):
        total, j, evidence = best
        chosen = [row[1] for row in rows[:j]]
        members = sorted(i for u in chosen for i in members_by_unit[u])
        taken.update(members)
        names = sorted(ix.net_names[u] for u in chosen)
        tests = math.exp(min(log_extra(j), 40 * _LN10))
        explanation = (
            f"A burst of {k_w} ballots near picks {_picks_text(ix, pattern)} within "
            f"{window_text} (p = {_fmt_p(corrected)}); {j} network(s) among the {active:,} "
            f"active in that window carry {evidence.n} distinct devices or picks, judged "
            f"against the window's own shares: " + _evidence_text(evidence, total, tests)
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
        if log_p <= math.log(ALPHA_PER_DETECTOR):
            networks = len({ix.net[i] for i in rest if ix.net[i] >= 0})
            explanation = (
                f"{k} ballots near picks {_picks_text(ix, pattern)} within {window_text} "
                f"where {evidence.expected:.1f} were expected from the pattern's share "
                f"(p = {_fmt_p(log_p)}), spread over {networks} networks as organic "
                "mobilisation would be. Information only."
            )
            day = datetime.fromtimestamp(ix.ts[rest[0]], UTC).date().isoformat()
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
    "dense": detect_dense,
    "proxy_networks": detect_proxy_networks,
    "lockstep": detect_lockstep,
}
"""Detectors by name, in the order :func:`scan` runs them. Proxy casting is split in two
so that a bloc on several networks is found whole by the dense-block search before any
one of its networks is flagged alone."""

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
    ix = ElectionIndex(ballots)
    chosen: list[Detector] = []
    for detector in DETECTORS if detectors is None else detectors:
        chosen.append(DETECTORS[detector] if isinstance(detector, str) else detector)
    flags: list[Flag] = []
    for detector in chosen:
        flags.extend(detector(ix))
    flags.sort(key=lambda f: (_TIER_ORDER.get(f.tier, 9), f.log10_p, f.start, f.key))
    seen: Counter = Counter()
    unique = []
    for flag in flags:
        seen[flag.key] += 1
        if seen[flag.key] > 1:
            flag = replace(flag, key=f"{flag.key}-{seen[flag.key]}")
        unique.append(flag)
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


__all__ = [
    "ALPHA",
    "Ballot",
    "DETECTORS",
    "Flag",
    "ElectionIndex",
    "bonferroni",
    "detect_dense",
    "detect_lockstep",
    "detect_proxy",
    "diff_flags",
    "flags_as_json",
    "impact",
    "log_binom_sf",
    "log_poisson_sf",
    "read_jsonl",
    "scan",
]
