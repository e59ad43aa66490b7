"""Detector 1: many identities on one device or one network casting alike."""

import math
from collections import Counter

from voting.oversight.evidence import best_pattern
from voting.oversight.flag_building import evidence_text
from voting.oversight.flag_building import make_flag
from voting.oversight.flag_building import picks_text
from voting.oversight.flag_building import quantile
from voting.oversight.flag_building import trim_in_time
from voting.oversight.index import ElectionIndex
from voting.oversight.records import Flag
from voting.oversight.statistics import bonferroni
from voting.oversight.thresholds import ALPHA_PER_DETECTOR
from voting.oversight.thresholds import PROXY_CASTING
from voting.oversight.thresholds import PROXY_MIN_MEMBERS


def detect_proxy(ix: ElectionIndex) -> list[Flag]:
    """Many identities on one device, or one network, casting near-identical ballots.

    Devices first (:func:`detect_proxy_devices`): every device with at least
    :data:`PROXY_MIN_MEMBERS` unflagged identities is tested. Its most surprising pattern
    is scored by :func:`binomial_evidence`: P(near >= k), near ~ Bin(identities, the pattern's
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
    flag = make_flag(
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
        best = best_pattern(ix, Counter(ix.pid[i] for i in idx), len(idx), None, 0.0)
        if best is None:
            continue
        pattern, evidence, _ = best
        corrected = bonferroni(evidence.log_p, tests)
        if evidence.near >= PROXY_MIN_MEMBERS and corrected <= math.log(ALPHA_PER_DETECTOR):
            found.append((corrected, d, pattern, evidence))
    flags = []
    typical = quantile(sizes, 0.99)
    for corrected, d, pattern, evidence in sorted(found, key=lambda r: (r[0], r[1])):
        members = [i for i in rows[d] if ix.near(ix.pid[i], pattern)]
        explanation = (
            f"{evidence.n} identities voted from one device (99% of the forum's devices "
            f"carry at most {typical}); picks near {picks_text(ix, pattern)}: "
            + evidence_text(evidence, corrected, tests)
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
        best = best_pattern(ix, counts, n, u, log_limit)
        if best is None:
            continue
        pattern, evidence, row = best
        corrected = bonferroni(evidence.log_p, tests)
        if evidence.near >= PROXY_MIN_MEMBERS and corrected <= math.log(ALPHA_PER_DETECTOR):
            found.append((corrected, u, pattern, evidence, row))
    flags = []
    typical = quantile(sizes, 0.99)
    for corrected, u, pattern, evidence, row in sorted(found, key=lambda r: (r[0], r[1])):
        members = [i for i in by_net[u] if not ix.claimed[i] and ix.near(ix.pid[i], pattern)]
        members = trim_in_time(ix, members, [u], evidence.share)
        explanation = (
            f"One network carries {evidence.n} devices (99% of the "
            f"forum's networks carry at most {typical} ballots); picks near "
            f"{picks_text(ix, pattern)}, allowing its residents {row[5]:.1f} times the "
            "forum's odds of such ballots: " + evidence_text(evidence, corrected, tests)
        )
        flags.append(
            _proxy_flag(ix, "network", u, members, pattern, evidence, corrected, tests, explanation)
        )
    return flags
