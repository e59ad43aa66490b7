"""Thresholds and tier names of bloc-voting detection (see the package docstring)."""

import math

ALPHA = 0.01
"""Family-wise rate of proxy or lockstep flags per scan of a bloc-free forum (null model)."""

ALPHA_PER_DETECTOR = ALPHA / 5
"""Bonferroni share of :data:`ALPHA` for each of the five flagging tests: proxy devices,
lockstep blocs, dense blocks, proxy networks and early dense blocks. Informational
mobilisation reports use the same level."""

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

DENSE_EARLY_MIN_UNIT_ENTRIES = 3
"""The early dense-block search's smallest network: a bloc spread over ten networks puts
two or three ballots on each in its first hours."""

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
(:func:`trim_in_time`): organic neighbours who voted alike days apart stay out."""

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

# A timing burst of which at least this share of the ballots came through one outreach
# link (the same ``tag``) is the team's own outreach at work: ``mobilisation``, never a
# ``lockstep_bloc``. Device and network detectors ignore tags.
TAGGED_BURST_SHARE = 0.8
"""Smallest spread-out burst reported as (informational) mobilisation."""

NEW_IDENTITY_SECONDS = 24 * 3600
"""Members first seen less than this long before their ballot count as new identities."""

PROXY_CASTING = "proxy_casting"
LOCKSTEP_BLOC = "lockstep_bloc"
MOBILISATION = "mobilisation"
TIERS = (PROXY_CASTING, LOCKSTEP_BLOC, MOBILISATION)
FLAGGING_TIERS = (PROXY_CASTING, LOCKSTEP_BLOC)
"""Tiers that ask an operator to decide; ``mobilisation`` is for information only."""

TIER_ORDER = {tier: n for n, tier in enumerate(TIERS)}
"""Rank of each tier, most serious first, for sorting flags."""
