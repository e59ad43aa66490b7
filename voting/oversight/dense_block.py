"""Detector 3: one pattern concentrated on several small networks at once."""

import math
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence

from voting.oversight.evidence import block_possible
from voting.oversight.evidence import Evidence
from voting.oversight.evidence import forum_evidence
from voting.oversight.evidence import greedy_block
from voting.oversight.evidence import pooled_evidence
from voting.oversight.evidence import Row
from voting.oversight.flag_building import evidence_text
from voting.oversight.flag_building import network_bloc_flag
from voting.oversight.flag_building import picks_text
from voting.oversight.flag_building import trim_in_time
from voting.oversight.index import ElectionIndex
from voting.oversight.records import Flag
from voting.oversight.statistics import LN10
from voting.oversight.statistics import log_comb
from voting.oversight.thresholds import ALPHA_PER_DETECTOR
from voting.oversight.thresholds import DENSE_EARLY_MIN_UNIT_ENTRIES
from voting.oversight.thresholds import DENSE_MAX_UNIT_ENTRIES
from voting.oversight.thresholds import DENSE_MAX_UNITS
from voting.oversight.thresholds import DENSE_MIN_MEMBERS
from voting.oversight.thresholds import DENSE_MIN_UNIT_ENTRIES
from voting.oversight.thresholds import DENSE_RECHECK_SLACK


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
    :func:`binomial_evidence`, and the block is the top j (2 <= j <= :data:`DENSE_MAX_UNITS`)
    whose pooled counts (:func:`pooled_evidence`) give the smallest p-value corrected by
    C(candidate networks, j) x :data:`DENSE_MAX_UNITS` x patterns. Blocks of at least
    :data:`DENSE_MIN_MEMBERS` near entries with corrected p-value at most
    :data:`ALPHA_PER_DETECTOR` are flagged, most significant first, each rechecked after
    earlier flags have taken their members; members are the near ballots of the block's
    networks within the span that explains them best (:func:`trim_in_time`). When a
    single network explains the block best it is left to :func:`detect_proxy_networks`.
    """
    return _dense(ix, DENSE_MIN_UNIT_ENTRIES)


def detect_dense_early(ix: ElectionIndex) -> list[Flag]:
    """The same search among networks holding :data:`DENSE_EARLY_MIN_UNIT_ENTRIES` or
    more entries, over the ballots no earlier detector took: a bloc spread over many
    networks, in its first hours, when each carries two or three of its ballots.

    It runs last, so a bloc that already reaches :data:`DENSE_MIN_UNIT_ENTRIES` on its
    networks is flagged whole by :func:`detect_dense`; households, which reach three
    identities, are many more candidates here, and the correction grows with them.

    Ballots of a burst that one of the team's outreach links explains are left out: a
    link handed to residents yields a few ballots on each of many homes, which is all
    this search looks for. (It runs last, so setting them aside as taken hides them from
    nothing else.)
    """
    ix.claim(ix.outreach)
    return _dense(ix, DENSE_EARLY_MIN_UNIT_ENTRIES)


def _dense(ix: ElectionIndex, least: int) -> list[Flag]:
    """Dense blocks among networks with at least ``least`` entries near the pattern."""
    units = _small_networks(ix, least)
    if len(units) < 2:
        return []
    log_extra = _log_block_count(len(units), ix.n_patterns)
    per_pattern, hot_units = _patterns_on_networks(ix, units, least)
    limit = math.log(ALPHA_PER_DETECTOR)
    flags = []
    for pattern in _candidate_patterns(ix, per_pattern, log_extra, limit, least):
        near_units = sorted({u for pair in ix.pairs_of(pattern) for u in hot_units.get(pair, ())})
        flag = _dense_flag(ix, pattern, near_units, log_extra, limit, least)
        if flag is not None:
            flags.append(flag)
    return flags


def _small_networks(ix: ElectionIndex, least: int) -> list[str]:
    """Networks holding ``least`` to :data:`DENSE_MAX_UNIT_ENTRIES` entries, by name."""
    by_net = ix.by_net
    units = []
    for u in sorted(by_net):
        if len(by_net[u]) < least:
            continue
        n, _ = ix.net_entries(u)
        if least <= n <= DENSE_MAX_UNIT_ENTRIES:
            units.append(u)
    return units


def _log_block_count(units_total: int, n_patterns: int) -> Callable[[int], float]:
    """Log of the number of j-network blocks that could have been chosen, for each j."""
    log_base = math.log(DENSE_MAX_UNITS) + math.log(n_patterns)

    def log_extra(j: int) -> float:
        return log_comb(units_total, j) + log_base

    return log_extra


def _patterns_on_networks(
    ix: ElectionIndex, units: list[str], least: int
) -> tuple[dict[int, list[str]], dict[tuple[int, int], list[str]]]:
    """(pattern -> networks carrying it well above its share, item pair -> networks holding
    it twice or more)."""
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
            if k >= least and k >= 1.5 * n * ix.share(pattern) + 2.0:
                per_pattern[pattern].append(u)
    return per_pattern, hot_units


def _unit_rows(
    ix: ElectionIndex, pattern: int, candidates: Iterable[str], least: int, *, local: bool
) -> list[Row]:
    """Each candidate network's row for ``pattern``, most significant first; with
    ``local``, under the network's own allowance for like-minded residents."""
    share, exact_share = ix.share(pattern), ix.exact_share(pattern)
    rows = []
    for u in candidates:
        n, counts = ix.net_entries(u)
        k = ix.near_in_net(u, pattern)
        if k < least:
            continue
        e = counts.get(pattern, 0)
        near_lift, exact_lift = ix.local_lift(counts, pattern, u) if local else (1.0, 1.0)
        own = pooled_evidence([(0.0, u, k, e, n, near_lift, exact_lift)], share, exact_share)
        rows.append((own.log_p, u, k, e, n, near_lift, exact_lift))
    rows.sort()
    return rows


def _evidence_of(ix: ElectionIndex, pattern: int) -> Callable[[Sequence[Row]], Evidence]:
    return lambda rows: forum_evidence(ix, pattern, rows)


def _candidate_patterns(
    ix: ElectionIndex,
    per_pattern: dict[int, list[str]],
    log_extra: Callable[[int], float],
    limit: float,
    least: int,
) -> list[int]:
    """Patterns whose block at the forum's shares comes near ``limit``, most significant
    first (to be rechecked with the networks' own allowances)."""
    candidates = []
    for pattern in sorted(per_pattern):
        if len(per_pattern[pattern]) < 2:
            continue
        rows = _unit_rows(ix, pattern, per_pattern[pattern], least, local=False)
        if not block_possible(rows, log_extra, limit + DENSE_RECHECK_SLACK):
            continue
        result = greedy_block(rows, _evidence_of(ix, pattern), log_extra, DENSE_MIN_MEMBERS)
        if result is not None and result[0] <= limit + DENSE_RECHECK_SLACK:
            candidates.append((result[0], pattern))
    return [pattern for _, pattern in sorted(candidates)]


def _dense_flag(
    ix: ElectionIndex,
    pattern: int,
    near_units: list[str],
    log_extra: Callable[[int], float],
    limit: float,
    least: int,
) -> Flag | None:
    """The flag of the pattern's best block of networks, if it reaches ``limit``; claims
    its members."""
    rows = _unit_rows(ix, pattern, near_units, least, local=True)
    if not block_possible(rows, log_extra, limit):
        return None
    result = greedy_block(rows, _evidence_of(ix, pattern), log_extra, DENSE_MIN_MEMBERS)
    if result is None or result[0] > limit or result[1] < 2:
        return None  # a block of one network is left to the proxy detector
    corrected, j, evidence = result
    chosen = [row[1] for row in rows[:j]]
    members = [
        i for u in chosen for i in ix.by_net[u] if not ix.claimed[i] and ix.near(ix.pid[i], pattern)
    ]
    members = trim_in_time(ix, members, chosen, evidence.share)
    tests = math.exp(min(log_extra(j), 40 * LN10))
    explanation = (
        f"{j} small networks together carry {evidence.n} devices, "
        f"with picks near {picks_text(ix, pattern)}: " + evidence_text(evidence, corrected, tests)
    )
    flag = network_bloc_flag(
        ix, "dense", members, pattern, chosen, evidence, corrected, tests, explanation
    )
    ix.claim(members)
    return flag
