"""Detector 2: a burst of near-identical ballots in a short span, and who cast it."""

import math
from bisect import bisect_left
from bisect import bisect_right
from collections import Counter
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from voting.oversight.evidence import binomial_evidence
from voting.oversight.evidence import Evidence
from voting.oversight.evidence import greedy_block
from voting.oversight.evidence import Row
from voting.oversight.flag_building import duration_text
from voting.oversight.flag_building import evidence_text
from voting.oversight.flag_building import make_flag
from voting.oversight.flag_building import picks_text
from voting.oversight.flag_building import trim_in_time
from voting.oversight.index import ElectionIndex
from voting.oversight.records import EPOCH
from voting.oversight.records import Flag
from voting.oversight.statistics import bonferroni
from voting.oversight.statistics import format_p
from voting.oversight.statistics import lifted
from voting.oversight.statistics import LN10
from voting.oversight.statistics import log_binom_sf
from voting.oversight.statistics import log_comb
from voting.oversight.thresholds import ALPHA_PER_DETECTOR
from voting.oversight.thresholds import DENSE_MAX_UNITS
from voting.oversight.thresholds import DENSE_RECHECK_SLACK
from voting.oversight.thresholds import LOCKSTEP_BIN_SECONDS
from voting.oversight.thresholds import LOCKSTEP_BLOC
from voting.oversight.thresholds import LOCKSTEP_MAX_BURSTS
from voting.oversight.thresholds import LOCKSTEP_MIN_MEMBERS
from voting.oversight.thresholds import LOCKSTEP_PRIOR_BALLOTS
from voting.oversight.thresholds import LOCKSTEP_SEED_MIN
from voting.oversight.thresholds import LOCKSTEP_SEED_P
from voting.oversight.thresholds import LOCKSTEP_UNIT_LOG_P
from voting.oversight.thresholds import LOCKSTEP_WIDTHS
from voting.oversight.thresholds import MOBILISATION
from voting.oversight.thresholds import MOBILISATION_MIN_MEMBERS


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

    def window_evidence(rows: Sequence[Row]) -> Evidence:
        k = sum(r[2] for r in rows)
        x = sum(r[3] for r in rows)
        n = sum(r[4] for r in rows)
        rest = max(e_w - n, 0) + prior
        local = (max(k_entries - k, 0) + prior * share_all) / rest
        local_exact = (max(x_entries - x, 0) + prior * exact_all) / rest
        near_mass = sum(r[4] * max(lifted(share_all, r[5]), local) for r in rows)
        exact_mass = sum(r[4] * max(lifted(exact_all, r[6]), local_exact) for r in rows)
        return binomial_evidence(k, x, n, min(near_mass / n, 1.0), min(exact_mass / n, 1.0))

    rows: list[Row] = []
    for u in sorted(near_entries):
        k = len(near_entries[u])
        if k < 2:
            continue
        x = sum(1 for _, same in near_entries[u] if same)
        times = ix.net_times(u)
        n = bisect_right(times, t_hi) - bisect_left(times, t_lo)
        if binomial_evidence(k, x, n, share_all, exact_all).log_p > LOCKSTEP_UNIT_LOG_P:
            continue  # too weak to help a block even at the forum's shares
        row = (0.0, u, k, x, n, 1.0, 1.0)
        rows.append((window_evidence([row]).log_p, *row[1:]))
    rows.sort()
    active = len(set(map(net.__getitem__, ix.order[lo:hi])) - {""})
    log_base = math.log(base_tests) + math.log(DENSE_MAX_UNITS)

    def log_extra(j: int) -> float:
        return log_comb(active, j) + log_base

    limit = math.log(ALPHA_PER_DETECTOR)
    best = greedy_block(rows, window_evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    if best is not None and best[0] <= limit + DENSE_RECHECK_SLACK:
        # worth the networks' own allowances (which only raise p-values)
        lifted_rows = []
        for _, u, k, x, n, _, _ in rows[: 2 * DENSE_MAX_UNITS]:
            row = (0.0, u, k, x, n, *ix.local_lift(ix.net_entries(u)[1], pattern, u))
            lifted_rows.append((window_evidence([row]).log_p, *row[1:]))
        rows = sorted(lifted_rows)
        best = greedy_block(rows, window_evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    found: list[tuple[Flag, list[int]]] = []
    taken: set[int] = set()
    window_text = duration_text((end - start) * LOCKSTEP_BIN_SECONDS)
    if best is not None and best[0] <= limit:
        total, j, evidence = best
        chosen = [row[1] for row in rows[:j]]
        # the burst may be part of a longer run on the same networks: take the window
        # over the whole election that makes their near ballots most surprising
        near_all = [
            i for u in chosen for i in ix.by_net[u] if not claimed[i] and pid[i] in near_set
        ]
        members = trim_in_time(ix, near_all, chosen, evidence.share)
        if not set(members_by_unit[chosen[0]]) & set(members):
            members = sorted(i for u in chosen for i in members_by_unit[u])
        taken.update(members)
        names = sorted(chosen)
        tests = math.exp(min(log_extra(j), 40 * LN10))
        explanation = (
            f"A burst of {k_w} ballots near picks {picks_text(ix, pattern)} within "
            f"{window_text}; {j} network(s) among the {active:,} active in that window "
            f"carry {evidence.n} devices, judged against the window's own "
            "shares: " + evidence_text(evidence, total, tests)
        )
        found.append(
            (
                make_flag(
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
        evidence = Evidence(0.0, k, x, n_w, ix.share(pattern, k, n_w), exact_all)
        log_p = bonferroni(log_binom_sf(k, n_w, evidence.share), base_tests)
        if log_p <= limit:
            networks = len({ix.net[i] for i in rest if ix.net[i]})
            explanation = (
                f"{k} ballots near picks {picks_text(ix, pattern)} within {window_text} "
                f"where {evidence.expected:.1f} were expected from the pattern's share "
                f"(p = {format_p(log_p)} after {base_tests:,} tests), spread over "
                f"{networks} networks as organic mobilisation would be. Information only."
            )
            day = (EPOCH + timedelta(seconds=ix.ts[rest[0]])).date().isoformat()
            found.append(
                (
                    make_flag(
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
