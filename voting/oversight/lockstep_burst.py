"""Detector 2: a burst of near-identical ballots in a short span, and who cast it."""

import math
from bisect import bisect_left
from collections import Counter
from collections import defaultdict

from voting.oversight.burst_split import split_burst
from voting.oversight.index import ElectionIndex
from voting.oversight.records import Flag
from voting.oversight.statistics import log_binom_sf
from voting.oversight.thresholds import LOCKSTEP_BIN_SECONDS
from voting.oversight.thresholds import LOCKSTEP_MAX_BURSTS
from voting.oversight.thresholds import LOCKSTEP_MIN_MEMBERS
from voting.oversight.thresholds import LOCKSTEP_SEED_MIN
from voting.oversight.thresholds import LOCKSTEP_SEED_P
from voting.oversight.thresholds import LOCKSTEP_WIDTHS
from voting.oversight.thresholds import MOBILISATION


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
    as in :func:`detect_dense`, with :func:`binomial_evidence` computed against the pattern's
    shares *in that window* (shrunk towards the forum-wide shares by
    :data:`LOCKSTEP_PRIOR_BALLOTS`, and never below the forum-wide shares lifted by the
    network's own like-mindedness): a newsletter that makes many residents vote alike at
    once raises those shares everywhere, so only networks far above them count. A block of
    at least :data:`LOCKSTEP_MIN_MEMBERS` entries whose p-value, corrected by C(networks
    active in the window, j) x :data:`DENSE_MAX_UNITS` x patterns x windows, is at most
    :data:`ALPHA_PER_DETECTOR` is a ``lockstep_bloc``; its members are the near ballots of
    those networks within the span that explains them best (:func:`trim_in_time`), so a
    bloc voting for a day in several bursts is one flag. The rest of the burst, if its
    near count is still significant after correcting by patterns x windows and it holds at
    least :data:`MOBILISATION_MIN_MEMBERS` ballots, is reported as ``mobilisation``:
    information only, so its ballots stay open to the later detectors. At most
    :data:`LOCKSTEP_MAX_BURSTS` bursts are examined per pattern.
    """
    if ix.n == 0:
        return []
    ts, width = ix.ts_sorted, LOCKSTEP_BIN_SECONDS
    t0 = ts[0]
    n_bins = int((ts[-1] - t0) // width) + 1
    # bin b holds the ballots order[traffic[b]:traffic[b + 1]]
    traffic = [bisect_left(ts, t0 + b * width) for b in range(n_bins)] + [ix.n]
    cells = _bin_counts(ix, traffic, n_bins)
    seeds = _seeds(ix, cells, traffic)
    by_pid = _near_seed_bins(ix, cells, seeds)
    del cells
    base_tests = ix.n_patterns * n_bins * len(LOCKSTEP_WIDTHS)
    flags: list[Flag] = []
    for pattern in sorted(seeds, key=lambda p: (seeds[p], p)):
        _, b, n_b = seeds[pattern]
        left = by_pid[pattern].get(b, 0)
        share = ix.pid_count[pattern] / ix.n
        if left < LOCKSTEP_SEED_MIN or log_binom_sf(left, n_b, share) >= math.log(LOCKSTEP_SEED_P):
            continue  # earlier flags took the copies that made it a seed
        for _ in range(LOCKSTEP_MAX_BURSTS):
            burst = _best_window(ix, pattern, by_pid, traffic, n_bins)
            if burst is None:
                break
            found = split_burst(ix, pattern, burst, traffic, base_tests)
            if not found:
                break
            for flag, members in found:
                flags.append(flag)
                if flag.tier != MOBILISATION:  # information only: later detectors may
                    ix.claim(members)  # still find a concentrated part of it
                for i in members:
                    by_pid[ix.pid[i]][int((ix.ts[i] - t0) // width)] -= 1
    return flags


def _bin_counts(ix: ElectionIndex, traffic: list[int], n_bins: int) -> list[dict[int, int]]:
    """For each time bin, its unflagged ballots by pick set."""
    order, pid, claimed = ix.order, ix.pid, ix.claimed
    any_claimed = any(claimed)
    cells: list[dict[int, int]] = []
    for b in range(n_bins):
        lo, hi = traffic[b], traffic[b + 1]
        if any_claimed:
            cells.append(Counter(pid[i] for i in order[lo:hi] if not claimed[i]))
        else:
            cells.append(Counter(map(pid.__getitem__, order[lo:hi])))
    return cells


def _near_seed_bins(
    ix: ElectionIndex, cells: list[dict[int, int]], seeds: dict[int, tuple[float, int, int]]
) -> dict[int, dict[int, int]]:
    """Pick set -> bin -> ballots, for the pick sets near some seed."""
    wanted = {q for p in seeds for q in ix.near_pids(p)}
    by_pid: dict[int, dict[int, int]] = defaultdict(dict)
    for b, cell in enumerate(cells):
        for p in cell.keys() & wanted:
            by_pid[p][b] = cell[p]
    return by_pid


def _seeds(
    ix: ElectionIndex, cells: list[dict[int, int]], traffic: list[int]
) -> dict[int, tuple[float, int, int]]:
    """Pattern -> (log p, bin, ballots in the bin) of its most improbable bin of exact
    copies, for patterns with a bin of at least :data:`LOCKSTEP_SEED_MIN` copies whose
    uncorrected binomial tail is below :data:`LOCKSTEP_SEED_P`."""
    seeds: dict[int, tuple[float, int, int]] = {}
    log_seed = math.log(LOCKSTEP_SEED_P)
    counts, n_total = ix.pid_count, ix.n
    for b, cell in enumerate(cells):
        n_b = traffic[b + 1] - traffic[b]
        for p, c in cell.items():
            if c < LOCKSTEP_SEED_MIN:
                continue
            share = counts[p] / n_total
            if c > 2.0 * n_b * share + 2.0 and ix.is_pattern(p):
                log_p = log_binom_sf(c, n_b, share)
                if log_p < log_seed and log_p < seeds.get(p, (0.0,))[0]:
                    seeds[p] = (log_p, b, n_b)
    return seeds


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
