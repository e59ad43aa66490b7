"""Oversight of the vote: bloc-voting flags, and the operators who decide them.

"Review" here is the operators' review of flags; the resident's last look at a ballot
before confirming it is the ballot review step of ``voting/casting/views.py``.

Detection is pure Python, the standard library and msgspec only (no Flask, no SQLAlchemy,
no database; msgspec gives ``records.Ballot`` its fast decoding):
``thresholds`` (levels and tiers), ``records`` (``Ballot`` in, ``Flag`` out),
``statistics`` (exact tails in log space), ``index`` (``ElectionIndex``), ``evidence``
(scoring a group), ``flag_building`` (a flag's members, key and words), one module per
detector (``proxy_casting``, ``lockstep_burst``, ``dense_block``), ``scan`` (the
registry, the scan, scan comparison and impact) and ``jsonl`` (ballots as JSON Lines).
``jsonl_fast`` reads the same JSON Lines with msgspec for ``anomalies scan-file``.

The review itself uses the database: ``decisions`` (the flag state machine, pure),
``forum_scan`` (scanning a forum's stored ballots into flags), ``flag_review`` (listing,
showing and deciding flags), ``audit_page`` (the audit log in words) and ``views`` (the
operator pages). The worker's side: ``forum_ballots`` (a forum's ballots read past a
high-water mark), ``watch`` (the scheduled scan of open forums, one at a time per forum),
``alerts`` (mail to operators when a new flag changes the funded set) and ``flags_page``
(the flag list with each forum's latest scan).

Bloc-voting detection: which groups of ballots look coordinated, why, and how likely by chance.

Pure Python, the standard library and msgspec only: no Flask, no SQLAlchemy. A flag is a
question for a human, never a verdict. Lawful mobilisation by like-minded residents must
not be punished, so every rule compares a group with what the forum's own traffic explains
and reports a p-value corrected for the number of groups it could have picked.

Vocabulary
----------
* A *pattern* is a set of picks seen on some ballot (usually 3 items). A ballot is *near*
  a pattern when it differs by at most one pick: it shares at least ``len(pattern) - 1``
  and at least :data:`NEAR_MIN_SHARED` of the pattern's picks. Camouflage (members of a
  bloc varying one pick) stays near the bloc's pattern.
* A *unit* is a device (keyed-hash cookie id) or a network (keyed hash of the IPv4 /24 or
  IPv6 /48 prefix). Empty strings mean "unknown" and never form a unit.
* On a network, an *entry* is a device, represented by its earliest ballot there: the
  identities of a household voting from one shared device count once, so households do
  not add up to blocs (:meth:`ElectionIndex.net_entries`).
* The *share* of a pattern is the fraction of the forum's ballots near it (the *exact
  share*: with exactly its picks), leaving out the group under test, with half a ballot
  of smoothing and never below 1 / (ballots + 1).

Evidence
--------
A group of n entries (or, on a device, identities) of which k are near a pattern and k'
identical to it is scored by the larger of two binomial tails, P(X >= k) with
X ~ Bin(n, share) and P(X' >= k') with X' ~ Bin(n, exact share) (:func:`_evidence`): both
must be improbable. Like-minded residents vote alike, but seldom cast the very same
picks far beyond their share; a bloc does both, and camouflage of up to two thirds of
its members still leaves a third identical. On a network the shares are lifted by that
network's own like-mindedness, estimated from its other ballots
(:meth:`ElectionIndex.local_lift`), so a neighbourhood that favours its local park is
judged against itself. Tails are summed exactly in log space (:func:`log_binom_sf`), so
p-values far below 1e-308 keep their precision (``Flag.log10_p``).

Each test corrects with Bonferroni: the p-value is multiplied by the number of
(pattern, unit, window, unit subset) hypotheses it could have reported, and a group is
flagged when the corrected p-value is at most :data:`ALPHA_PER_DETECTOR`. Under the null
model (picks independent of device, network and time given the forum's and each
network's own shares) a scan of a bloc-free forum thus raises a ``proxy_casting`` or
``lockstep_bloc`` flag with probability at most :data:`ALPHA`.

Detectors (:data:`DETECTORS`, run in this order; a ballot flagged by one is not offered to
the next, and a voter's latest ballot is the one that counts)
---------
1. ``proxy_devices`` (:func:`detect_proxy_devices`): one device hosting more identities
   than a household with near-identical ballots. Tier ``proxy_casting``.
2. ``lockstep`` (:func:`detect_lockstep`): a burst of near-identical ballots within 10
   minutes to 6 hours. The part of it concentrated on a few networks is tier
   ``lockstep_bloc``; the rest, if still a significant burst and spread over the forum as
   a newsletter or meeting would spread it, is tier ``mobilisation`` (information only,
   and left to the later detectors). A burst of which at least
   :data:`TAGGED_BURST_SHARE` of the ballots came through one outreach link (the same
   ``Ballot.tag``) is the district team's own outreach: all of it is ``mobilisation``.
   Only this timing detector reads tags. A tag never excuses many identities on one
   device or on one network beyond what it explains (detectors 1, 3 and 4 ignore it), so
   a team's link cannot hide one insider casting for many identities.
3. ``dense`` (:func:`detect_dense`): a greedy dense-block search joining several small
   networks that share one pattern over the whole election (a bloc spread over a few
   prefixes, camouflaged or not). Tier ``lockstep_bloc``.
4. ``proxy_networks`` (:func:`detect_proxy_networks`): one network hosting
   near-identical ballots beyond what a household, care home, large apartment block or
   carrier-grade NAT explains. Tier ``proxy_casting``.
5. ``dense_early`` (:func:`detect_dense_early`): the dense-block search again, over the
   ballots left, counting networks from three entries near the pattern instead of five:
   a bloc spread over ten networks, in its first hours, before any network holds five of
   its ballots. It leaves out the ballots of an outreach burst that detector 2 reported:
   a few on each of many homes is what a link handed to residents yields, and all this
   search looks for. Tier ``lockstep_bloc``, detector ``dense``.

Use :func:`scan.scan` on :class:`records.Ballot` objects, :func:`jsonl.read_jsonl` to read
ballots from JSON Lines, :func:`scan.flags_as_json` for output, :func:`scan.impact` to ask
whether removing a flag's members changes the funded set, and :func:`scan.diff_flags` to
compare two scans. A scan of a million ballots takes seconds and a few hundred megabytes
besides the ballots (``bench/anomalies.py`` measures it).
"""
