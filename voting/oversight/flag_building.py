"""Turning a scored group into a :class:`Flag`: members, key, words for the operator."""

import hashlib
import math
from bisect import bisect_left
from bisect import bisect_right
from collections.abc import Sequence
from datetime import timedelta

from voting.oversight.evidence import Evidence
from voting.oversight.index import ElectionIndex
from voting.oversight.records import EPOCH
from voting.oversight.records import Flag
from voting.oversight.statistics import format_p
from voting.oversight.statistics import LN10
from voting.oversight.statistics import log_binom_sf
from voting.oversight.statistics import p_from_log
from voting.oversight.thresholds import LOCKSTEP_BLOC
from voting.oversight.thresholds import NEW_IDENTITY_SECONDS
from voting.oversight.thresholds import TRIM_SPANS


def stable_key(*parts: object) -> str:
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def duration_text(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def quantile(sorted_values: Sequence[int], q: float) -> int:
    if not sorted_values:
        return 0
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def make_flag(
    ix: ElectionIndex,
    *,
    tier: str,
    detector: str,
    members: Sequence[int],
    pattern: int,
    anchors: Sequence[str],
    key_parts: Sequence[object],
    evidence: Evidence,
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
        f"cast over {duration_text(end - start)} from {networks} network(s) and "
        f"{devices} device(s)."
    )
    if new:
        text += f" {new} of the identities were first seen less than a day before voting."
    return Flag(
        key=stable_key(tier, *key_parts),
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
        p_value=p_from_log(log_p),
        log10_p=log_p / LN10,
        tests=int(min(tests, 1e18)),
        explanation=text,
        new_identities=new,
    )


def trim_in_time(
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


def picks_text(ix: ElectionIndex, pattern: int) -> str:
    return ", ".join(ix.pick_sets[pattern])


def evidence_text(evidence: Evidence, log_p: float, tests: float) -> str:
    return (
        f"{evidence.near} near ballots where {evidence.expected:.2f} were expected from "
        f"the pattern's share, {evidence.exact} identical where "
        f"{evidence.n * evidence.exact_share:.2f} were expected "
        f"(p = {format_p(log_p)} after {tests:,.0f} tests)."
    )


def network_bloc_flag(
    ix: ElectionIndex,
    detector: str,
    members: Sequence[int],
    pattern: int,
    networks: Sequence[str],
    evidence: Evidence,
    log_p: float,
    tests: float,
    explanation: str,
) -> Flag:
    """A ``lockstep_bloc`` flag anchored on several networks and keyed by its pattern."""
    return make_flag(
        ix,
        tier=LOCKSTEP_BLOC,
        detector=detector,
        members=members,
        pattern=pattern,
        anchors=[f"network:{name}" for name in sorted(networks)],
        key_parts=[ix.pick_sets[pattern]],
        evidence=evidence,
        log_p=log_p,
        tests=tests,
        explanation=explanation,
    )
