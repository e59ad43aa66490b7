"""The detector registry and the scan; comparing scans and asking a flag's impact."""

import gc
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import replace

from voting.oversight.dense_block import detect_dense
from voting.oversight.dense_block import detect_dense_early
from voting.oversight.index import ElectionIndex
from voting.oversight.lockstep_burst import detect_lockstep
from voting.oversight.proxy_casting import detect_proxy_devices
from voting.oversight.proxy_casting import detect_proxy_networks
from voting.oversight.records import Ballot
from voting.oversight.records import Flag
from voting.oversight.thresholds import TIER_ORDER

Detector = Callable[[ElectionIndex], list[Flag]]

DETECTORS: dict[str, Detector] = {
    "proxy_devices": detect_proxy_devices,
    "lockstep": detect_lockstep,
    "dense": detect_dense,
    "proxy_networks": detect_proxy_networks,
    "dense_early": detect_dense_early,
}
"""Detectors by name, in the order :func:`scan` runs them. Proxy casting is split in two
so that a bloc on several networks is found whole (by its burst, or by the dense-block
search) before any one of its networks is flagged alone; bursts come before the
whole-election search so that a burst's flag holds only the burst's ballots. The early
dense search comes last, so that a bloc already seen whole is flagged whole."""


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
    unique.sort(key=lambda f: (TIER_ORDER.get(f.tier, 9), f.log10_p, f.start, f.key))
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
