"""Splitting a lockstep burst into the block of networks it concentrates on and the
organic mobilisation around it (:func:`voting.oversight.lockstep_burst.detect_lockstep`)."""

import math
from bisect import bisect_left
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Sequence
from datetime import timedelta

from voting.oversight.evidence import binomial_evidence
from voting.oversight.evidence import Evidence
from voting.oversight.evidence import greedy_block
from voting.oversight.evidence import Row
from voting.oversight.flag_building import duration_text
from voting.oversight.flag_building import evidence_text
from voting.oversight.flag_building import make_flag
from voting.oversight.flag_building import network_bloc_flag
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
from voting.oversight.thresholds import LOCKSTEP_MIN_MEMBERS
from voting.oversight.thresholds import LOCKSTEP_PRIOR_BALLOTS
from voting.oversight.thresholds import LOCKSTEP_UNIT_LOG_P
from voting.oversight.thresholds import MOBILISATION
from voting.oversight.thresholds import MOBILISATION_MIN_MEMBERS
from voting.oversight.thresholds import TAGGED_BURST_SHARE


class _Burst:
    """The unflagged ballots near ``pattern`` within one window of a scan.

    The window is ``ix.order[lo:hi]``, with ``k_w`` near ballots among ``n_w``.
    ``near_entries`` maps each network to its entries there, (device, identical) pairs;
    ``k_entries`` and ``x_entries`` count the near and identical entries of all networks.
    """

    def __init__(
        self,
        ix: ElectionIndex,
        pattern: int,
        window: tuple[float, int, int, int, int],
        edges: list[int],
    ):
        _, start, end, self.k_w, self.n_w = window
        self.pattern = pattern
        self.lo, self.hi = lo, hi = edges[start], edges[end]
        self.t_lo, self.t_hi = ix.ts_sorted[lo], ix.ts_sorted[hi - 1]
        self.text = duration_text((end - start) * LOCKSTEP_BIN_SECONDS)
        self.near_set = near_set = set(ix.near_pids(pattern))
        near_entries: dict[str, set] = defaultdict(set)
        self.members_by_unit: dict[str, list[int]] = defaultdict(list)
        self.members: list[int] = []
        claimed, pid, net, dev = ix.claimed, ix.pid, ix.net, ix.dev
        for i in ix.order[lo:hi]:
            p = pid[i]
            if p not in near_set or claimed[i]:
                continue
            self.members.append(i)
            u = net[i]
            if u:
                near_entries[u].add((dev[i] or i, p == pattern))
                self.members_by_unit[u].append(i)
        self.k_entries = sum(len(s) for s in near_entries.values())
        # an entry is a device: near if any of its ballots is, identical if any is
        for u, found in near_entries.items():
            exact = {d for d, same in found if same}
            near_entries[u] = {(d, d in exact) for d, _ in found}
        self.near_entries = near_entries
        self.x_entries = sum(1 for s in near_entries.values() for _, same in s if same)
        self.share_all = ix.share(pattern, self.k_w, self.n_w)
        self.exact_all = ix.exact_share(pattern)

    def evidence(self, rows: Sequence[Row]) -> Evidence:
        """:func:`binomial_evidence` of some networks against the pattern's shares in the
        window, shrunk towards the forum's by :data:`LOCKSTEP_PRIOR_BALLOTS`, and never
        below the forum's lifted by each network's own allowance."""
        k = sum(r[2] for r in rows)
        x = sum(r[3] for r in rows)
        n = sum(r[4] for r in rows)
        prior = LOCKSTEP_PRIOR_BALLOTS
        # a network's traffic in the window is counted in ballots (at least its entries,
        # so the expected count can only grow)
        rest = max(self.n_w - n, 0) + prior
        local = (max(self.k_entries - k, 0) + prior * self.share_all) / rest
        local_exact = (max(self.x_entries - x, 0) + prior * self.exact_all) / rest
        near_mass = sum(r[4] * max(lifted(self.share_all, r[5]), local) for r in rows)
        exact_mass = sum(r[4] * max(lifted(self.exact_all, r[6]), local_exact) for r in rows)
        return binomial_evidence(k, x, n, min(near_mass / n, 1.0), min(exact_mass / n, 1.0))


def _network_rows(ix: ElectionIndex, burst: _Burst) -> list[Row]:
    """Rows of the networks holding at least two near entries in the burst and not hopeless
    even at the forum's shares, most significant first."""
    rows: list[Row] = []
    for u in sorted(burst.near_entries):
        k = len(burst.near_entries[u])
        if k < 2:
            continue
        x = sum(1 for _, same in burst.near_entries[u] if same)
        times = ix.net_times(u)
        n = bisect_right(times, burst.t_hi) - bisect_left(times, burst.t_lo)
        own = binomial_evidence(k, x, n, burst.share_all, burst.exact_all)
        if own.log_p > LOCKSTEP_UNIT_LOG_P:
            continue  # too weak to help a block even at the forum's shares
        row = (0.0, u, k, x, n, 1.0, 1.0)
        rows.append((burst.evidence([row]).log_p, *row[1:]))
    rows.sort()
    return rows


def _best_block(
    ix: ElectionIndex, burst: _Burst, log_extra: Callable[[int], float], limit: float
) -> tuple[list[Row], tuple[float, int, Evidence] | None]:
    """(ranked rows, best block) of the burst's networks; a block that comes near
    ``limit`` is worked out again with the networks' own allowances."""
    rows = _network_rows(ix, burst)
    best = greedy_block(rows, burst.evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    if best is not None and best[0] <= limit + DENSE_RECHECK_SLACK:
        # worth the networks' own allowances (which only raise p-values)
        lifted_rows = []
        for _, u, k, x, n, _, _ in rows[: 2 * DENSE_MAX_UNITS]:
            lift = ix.local_lift(ix.net_entries(u)[1], burst.pattern, u)
            row = (0.0, u, k, x, n, *lift)
            lifted_rows.append((burst.evidence([row]).log_p, *row[1:]))
        rows = sorted(lifted_rows)
        best = greedy_block(rows, burst.evidence, log_extra, LOCKSTEP_MIN_MEMBERS)
    return rows, best


def _bloc_flag(
    ix: ElectionIndex,
    burst: _Burst,
    chosen: list[str],
    block: tuple[float, int, Evidence],
    tests: float,
    active: int,
) -> tuple[Flag, list[int]]:
    """The ``lockstep_bloc`` flag of the chosen networks, and its members."""
    total, j, evidence = block
    pattern = burst.pattern
    # the burst may be part of a longer run on the same networks: take the window
    # over the whole election that makes their near ballots most surprising
    near_all = [
        i for u in chosen for i in ix.by_net[u] if not ix.claimed[i] and ix.pid[i] in burst.near_set
    ]
    members = trim_in_time(ix, near_all, chosen, evidence.share)
    if not set(burst.members_by_unit[chosen[0]]) & set(members):
        members = sorted(i for u in chosen for i in burst.members_by_unit[u])
    explanation = (
        f"A burst of {burst.k_w} ballots near picks {picks_text(ix, pattern)} within "
        f"{burst.text}; {j} network(s) among the {active:,} active in that window "
        f"carry {evidence.n} devices, judged against the window's own "
        "shares: " + evidence_text(evidence, total, tests)
    )
    flag = network_bloc_flag(
        ix, "lockstep", members, pattern, chosen, evidence, total, tests, explanation
    )
    return flag, members


def shared_tag(tags: Sequence[str]) -> str | None:
    """The outreach tag that at least :data:`TAGGED_BURST_SHARE` of a burst's ballots
    carry, or None (no tag counts as none: untagged ballots never make a tagged burst)."""
    if not tags:
        return None
    counts: dict[str, int] = defaultdict(int)
    for tag in tags:
        if tag:
            counts[tag] += 1
    if not counts:
        return None
    tag = min(counts, key=lambda t: (-counts[t], t))
    return tag if counts[tag] >= TAGGED_BURST_SHARE * len(tags) else None


def _mobilisation_flag(
    ix: ElectionIndex,
    burst: _Burst,
    rest: list[int],
    base_tests: int,
    limit: float,
    tag: str | None = None,
) -> tuple[Flag, list[int]] | None:
    """The rest of the burst as ``mobilisation`` (information only), if still significant;
    with ``tag``, the whole burst, which came mostly through that outreach link."""
    pattern, n_w = burst.pattern, burst.n_w
    k = len(rest)
    x = sum(1 for i in rest if ix.pid[i] == pattern)
    evidence = Evidence(0.0, k, x, n_w, ix.share(pattern, k, n_w), burst.exact_all)
    log_p = bonferroni(log_binom_sf(k, n_w, evidence.share), base_tests)
    if log_p > limit:
        return None
    networks = len({ix.net[i] for i in rest if ix.net[i]})
    seen = (
        f"{k} ballots near picks {picks_text(ix, pattern)} within {burst.text} "
        f"where {evidence.expected:.1f} were expected from the pattern's share "
        f"(p = {format_p(log_p)} after {base_tests:,} tests), "
    )
    if tag is None:
        explanation = (
            seen + f"spread over {networks} networks as organic mobilisation would be. "
            "Information only."
        )
    else:
        tagged = sum(1 for i in rest if ix.tag[i] == tag)
        explanation = (
            seen + f"{tagged} of them through the outreach link tagged {tag} "
            f"({networks} networks): the district's own outreach. Information only; "
            "ballots sharing a device or a network are still checked on their own."
        )
    day = (EPOCH + timedelta(seconds=ix.ts[rest[0]])).date().isoformat()
    flag = make_flag(
        ix,
        tier=MOBILISATION,
        detector="lockstep",
        members=rest,
        pattern=pattern,
        anchors=[],
        key_parts=[ix.pick_sets[pattern], day] + ([f"tag:{tag}"] if tag else []),
        evidence=evidence,
        log_p=log_p,
        tests=base_tests,
        explanation=explanation,
    )
    return flag, rest


def split_burst(
    ix: ElectionIndex,
    pattern: int,
    burst_window: tuple[float, int, int, int, int],
    edges: list[int],
    base_tests: int,
) -> list[tuple[Flag, list[int]]]:
    """The flags of one burst: the block of networks it concentrates on
    (``lockstep_bloc``), then the rest of it if still significant (``mobilisation``).

    A burst whose ballots mostly came through one outreach link (:func:`shared_tag`) is
    the team's own outreach: the whole of it is ``mobilisation`` (information only), so
    its ballots stay open to the later detectors. Only timing is excused by a tag: many
    identities on one device (``proxy_devices``, run before) or beyond what a network
    explains (``dense``, ``proxy_networks``, run after) are flagged as without it, so a
    link cannot hide one insider casting for many identities. Only the early dense
    search, which counts groups of a household's size, leaves a reported burst out
    (``ix.outreach``): a link handed to residents yields a few on each of many homes.
    """
    burst = _Burst(ix, pattern, burst_window, edges)
    limit = math.log(ALPHA_PER_DETECTOR)
    tag = shared_tag([ix.tag[i] for i in burst.members])
    if tag is not None:
        tagged = _mobilisation_flag(ix, burst, burst.members, base_tests, limit, tag)
        if tagged is None:
            return []
        ix.outreach.extend(burst.members)
        return [tagged]
    active = len(set(map(ix.net.__getitem__, ix.order[burst.lo : burst.hi])) - {""})
    log_base = math.log(base_tests) + math.log(DENSE_MAX_UNITS)

    def log_extra(j: int) -> float:
        return log_comb(active, j) + log_base

    rows, best = _best_block(ix, burst, log_extra, limit)
    found: list[tuple[Flag, list[int]]] = []
    taken: set[int] = set()
    if best is not None and best[0] <= limit:
        chosen = [row[1] for row in rows[: best[1]]]
        tests = math.exp(min(log_extra(best[1]), 40 * LN10))
        flag, members = _bloc_flag(ix, burst, chosen, best, tests, active)
        taken.update(members)
        found.append((flag, members))
    rest = [i for i in burst.members if i not in taken]
    if len(rest) >= MOBILISATION_MIN_MEMBERS:
        mobilisation = _mobilisation_flag(ix, burst, rest, base_tests, limit)
        if mobilisation is not None:
            found.append(mobilisation)
    return found
