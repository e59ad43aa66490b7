"""Scoring a group of ballots against a pattern's shares, alone or pooled over units."""

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

from voting.oversight.index import ElectionIndex
from voting.oversight.statistics import lifted
from voting.oversight.statistics import log_binom_sf
from voting.oversight.thresholds import DENSE_MAX_UNITS


@dataclass(frozen=True)
class Evidence:
    """Near and identical counts of one pattern among ``n`` ballots or entries, with the
    shares expected under the null and the resulting log p-value (uncorrected)."""

    log_p: float
    near: int
    exact: int
    n: int
    share: float
    exact_share: float

    @property
    def expected(self) -> float:
        return self.n * self.share


def binomial_evidence(
    k_near: int, k_exact: int, n: int, share: float, exact_share: float
) -> Evidence:
    """Both the near-identical and the identical count must be improbable: the p-value is
    the larger of their binomial tails (an intersection-union test). Like-minded
    residents vote alike, but rarely cast the very same picks far beyond their share."""
    log_p = max(log_binom_sf(k_near, n, share), log_binom_sf(k_exact, n, exact_share))
    return Evidence(log_p, k_near, k_exact, n, share, exact_share)


# A row is one unit's counts for one pattern:
# (own log p, unit, near, identical, n, near lift, identical lift).
Row = tuple[float, str, int, int, int, float, float]


def pooled_evidence(rows: Sequence[Row], share: float, exact_share: float) -> Evidence:
    """Evidence of several units together. Each unit's null shares are the base shares
    lifted by its own allowance; the pooled count is tested against a binomial with their
    average, whose tail bounds that of the true sum from above (Hoeffding, 1956)."""
    k = e = n = 0
    near_mass = exact_mass = 0.0
    for row in rows:
        k += row[2]
        e += row[3]
        n += row[4]
        near_mass += row[4] * lifted(share, row[5])
        exact_mass += row[4] * lifted(exact_share, row[6])
    if n == 0:
        return Evidence(0.0, k, e, n, share, exact_share)
    return binomial_evidence(k, e, n, near_mass / n, exact_mass / n)


def forum_evidence(ix: ElectionIndex, pattern: int, rows: Sequence[Row]) -> Evidence:
    """:func:`pooled_evidence` against the forum's shares without these units' ballots."""
    k = sum(r[2] for r in rows)
    e = sum(r[3] for r in rows)
    n = sum(r[4] for r in rows)
    return pooled_evidence(rows, ix.share(pattern, k, n), ix.exact_share(pattern, e, n))


def best_pattern(
    ix: ElectionIndex, counts: dict[int, int], n: int, unit: str | None, log_limit: float
) -> tuple[int, Evidence, Row] | None:
    """Most surprising pattern within one unit, by :func:`binomial_evidence`.

    ``counts`` maps pick sets to ballots (or entries) on the unit and ``n`` is their
    total. Candidates are the unit's pick sets of at least 2 picks cast at least twice,
    and at least twice as often as their forum share predicts plus two. For a network
    ``unit`` the null shares get its own allowance (:meth:`ElectionIndex.local_lift`),
    worked out only for patterns whose p-value would reach ``log_limit`` without it.
    """
    best = None
    scale = 2.0 * n / ix.n
    pid_count = ix.pid_count
    candidates = sorted(p for p, c in counts.items() if c >= 2 and c >= scale * pid_count[p] + 2)
    for pattern in candidates:
        if not ix.is_pattern(pattern):
            continue
        c = counts[pattern]
        k = ix.near_in(counts, pattern)
        row: Row = (0.0, "", k, c, n, 1.0, 1.0)
        evidence = forum_evidence(ix, pattern, [row])
        if unit is not None and evidence.log_p <= log_limit:
            row = (0.0, "", k, c, n, *ix.local_lift(counts, pattern, unit))
            evidence = forum_evidence(ix, pattern, [row])
        if best is None or (evidence.log_p, -k, pattern) < (best[1].log_p, -best[1].near, best[0]):
            best = (pattern, evidence, row)
    return best


def greedy_block(
    rows: Sequence[Row],
    evidence_of: Callable[[Sequence[Row]], Evidence],
    log_extra: Callable[[int], float],
    min_members: int,
) -> tuple[float, int, Evidence] | None:
    """Best prefix of ``rows`` (sorted by their own evidence).

    Returns (corrected log p, units taken, pooled evidence): units are taken in order of
    their own evidence and the prefix with the smallest corrected p-value wins, where
    ``log_extra(j)`` is the log of the number of j-unit blocks that could have been
    chosen, so each added unit must pay for itself.
    """
    best = None
    k_sum = 0
    for j in range(1, min(len(rows), DENSE_MAX_UNITS) + 1):
        k_sum += rows[j - 1][2]
        if k_sum < min_members:
            continue
        evidence = evidence_of(rows[:j])
        corrected = min(0.0, evidence.log_p + log_extra(j))
        if best is None or corrected < best[0]:
            best = (corrected, j, evidence)
    return best


def block_possible(rows: Sequence[Row], log_extra: Callable[[int], float], limit: float) -> bool:
    """Whether some prefix of ``rows`` could reach ``limit``: the pooled tail of several
    units is at least the product of their own tails, so their summed log p-values bound
    the pooled one from below."""
    total = 0.0
    for j, row in enumerate(rows[:DENSE_MAX_UNITS], start=1):
        total += row[0]
        if total + log_extra(j) <= limit:
            return True
    return False
