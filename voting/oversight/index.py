"""The ballots of one scan as arrays, shared by the detectors."""

import math
import operator
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from itertools import chain
from itertools import combinations
from itertools import islice

from voting.oversight.records import Ballot
from voting.oversight.records import EPOCH
from voting.oversight.thresholds import AFFINITY_PRIOR
from voting.oversight.thresholds import LOCAL_LIFT
from voting.oversight.thresholds import MAX_LOCAL_LIFT
from voting.oversight.thresholds import NEAR_MIN_SHARED


def _canonical(picks: tuple[str, ...]) -> tuple[str, ...]:
    ordered = tuple(sorted(picks))
    if any(map(operator.eq, ordered, islice(ordered, 1, None))):
        ordered = tuple(sorted(set(ordered)))
    return ordered


def _later(a: Ballot, b: Ballot) -> bool:
    def order(x: Ballot) -> tuple:
        return (x.time, x.picks, x.network, x.device, x.agent, x.channel)

    return order(a) > order(b)


def _latest_per_voter(ballots: Iterable[Ballot]) -> list[Ballot]:
    """Each voter's latest ballot (by time, ties broken by content)."""
    rows = list(ballots)
    if len(set(b.voter for b in rows)) != len(rows):
        latest: dict[str, Ballot] = {}
        for ballot in rows:
            previous = latest.get(ballot.voter)
            if previous is None or _later(ballot, previous):
                latest[ballot.voter] = ballot
        rows = list(latest.values())
    return rows


def _times_in_order(rows: list[Ballot]) -> tuple[list[float], list[int], list[float]]:
    """(seconds since EPOCH of each row, positions by (time, voter), their times)."""
    n = len(rows)
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
    return raw, order, ts


class ElectionIndex:
    """The ballots of one scan as arrays, shared by the detectors.

    A voter's latest ballot (by time, ties broken by content) is kept. Arrays (``pid``,
    ``net``, ``dev``, ``ts``) are indexed by position in ``rows``; ``order`` lists the
    positions by (time, voter). Pick sets get ids in sorted order and units are compared
    by name, so results never depend on input order. ``claimed`` marks ballots already
    flagged by an earlier detector of the same scan.
    """

    def __init__(self, ballots: Iterable[Ballot]):
        rows = _latest_per_voter(ballots)
        self.n = len(rows)
        raw, order, ts = _times_in_order(rows)
        # Arrays are indexed by position in ``rows`` (input order, which nothing depends
        # on); ``order`` lists positions by time and ``ts_sorted`` their times.
        self.rows = rows
        self.ts: list[float] = raw
        self.order: list[int] = order
        self.ts_sorted: list[float] = ts
        self._index_pick_sets(rows)
        # networks and devices stay strings ("" when unknown)
        self.net: list[str] = [b.network for b in rows]
        self.dev: list[str] = [b.device for b in rows]
        # outreach tags ("" when none), read only by the timing-burst detector
        self.tag: list[str] = [b.tag for b in rows]
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
        # ballots of bursts that one of the team's outreach links explains (set by the
        # timing detector; the early dense search leaves them out)
        self.outreach: list[int] = []
        self._pair_index: dict[tuple[int, int], list[int]] | None = None
        self._near: dict[int, list[int]] = {}
        self._near_count: dict[int, int] = {}
        self._by_net: dict[str, list[int]] | None = None
        self._net_cache: dict[str, tuple[int, dict[int, int]]] = {}
        self._pair_cache: dict[str, tuple] = {}
        self._item_cache: dict[str, dict[int, int]] = {}
        self._times_cache: dict[str, list[float]] = {}

    def _index_pick_sets(self, rows: list[Ballot]) -> None:
        """Pick sets, their items as bits and pairs, and each row's pick set id. Pick sets
        get ids in sorted order of their items, so ids never depend on input order."""
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
