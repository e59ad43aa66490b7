"""Counting, ranking and funding of approval votes, as pure functions.

No Flask, no SQLAlchemy, no floats: money and votes are whole numbers, and the
Method of Equal Shares computes exactly (see :func:`equal_shares`).

The greedy rules match Pabulib's ``greedy`` family and pabutools'
``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``:

* :func:`count_votes` counts, for each item, the ballots that approve it;
* :func:`rank` orders items by votes, most first, ties by item id as text;
* :func:`fund_greedy` walks that order and funds each item that still fits.

:func:`equal_shares` is the Method of Equal Shares and matches pabutools'
``method_of_equal_shares``, optionally completed as pabutools does it.
:data:`RULES` names both rules behind one signature, ``rule(election, options)``.
"""

import heapq
import math
from bisect import bisect_left
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from itertools import accumulate
from itertools import compress
from itertools import repeat
from operator import is_
from operator import itemgetter
from operator import mul
from operator import not_

TIE_BREAK = (
    "Items with the same number of votes are ordered by item id, "
    "compared as text, in ascending order."
)

FUNDED = "funded"
OVER_BUDGET = "over_budget"
OVER_FIELD_BUDGET = "over_field_budget"
BELOW_THRESHOLD = "below_threshold"
STOPPED = "stopped"
NOT_SELECTED = "not_selected"
REASONS = (FUNDED, OVER_BUDGET, OVER_FIELD_BUDGET, BELOW_THRESHOLD, STOPPED, NOT_SELECTED)


def _check_whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


@dataclass(frozen=True)
class Item:
    """An item on the ballot.

    ``id`` is the external id (item number or Pabulib ``project_id``); ties are
    broken on it as text. ``cost`` is in whole currency units and positive.
    ``field`` names the item's field (분야) for field envelopes, or is None.
    """

    id: str
    cost: int
    field: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"item id must be a non-empty str, got {self.id!r}")
        _check_whole(f"cost of item {self.id!r}", self.cost, 1)


@dataclass(frozen=True)
class Row:
    """One line of a funding result.

    ``rank`` is the 1-based position in the ranking. ``reason`` is one of
    ``"funded"``; ``"over_budget"`` (did not fit the remaining forum envelope);
    ``"over_field_budget"`` (did not fit its field's remaining envelope);
    ``"below_threshold"`` (fewer votes than ``min_votes``); ``"stopped"`` (came
    after the first misfit when misfits stop the walk); ``"not_selected"``
    (equal shares only: the rule did not choose the item).
    """

    rank: int
    item: Item
    votes: int
    funded: bool
    reason: str


@dataclass(frozen=True)
class Funding:
    """The outcome of a funding rule (:func:`fund_greedy`, :func:`equal_shares`).

    ``rows`` are in rank order. ``spent`` is the total cost of the funded items,
    ``field_spent`` the same per field (every field of an item or of an
    envelope, 0 when nothing was funded there). ``cut_rank`` is the rank of the
    first row that is not funded, or None when every row is funded. ``bought``
    (equal shares only) holds the ids of the items the Method of Equal Shares
    bought, whose supporters together paid exactly their cost from their shares;
    the other funded items were funded from what was left (the completion).
    """

    rows: list[Row]
    envelope: int
    spent: int
    field_spent: dict[str, int]
    cut_rank: int | None
    bought: frozenset[str] = frozenset()

    @property
    def funded_ids(self) -> list[str]:
        """Ids of the funded items, in rank order."""
        return [row.item.id for row in self.rows if row.funded]

    @property
    def remaining(self) -> int:
        """What is left of the forum envelope."""
        return self.envelope - self.spent


def count_votes(ballots: Iterable[Iterable[str]]) -> dict[str, int]:
    """Votes per item id: the number of ballots that approve the item.

    A ballot counts at most once for an item, even if it names it twice.
    Items that no ballot names are absent from the result (:func:`rank` gives
    them 0).
    """
    counts: dict[str, int] = {}
    get = counts.get
    for ballot in ballots:
        for item_id in set(ballot):
            counts[item_id] = get(item_id, 0) + 1
    return counts


def rank(counts: Mapping[str, int], items: Iterable[Item]) -> list[tuple[Item, int]]:
    """Order items by votes, most first; break ties by item id as text.

    Tie rule: items with equal votes come in ascending order of ``id`` compared
    as Python strings (by code point), so ``"10"`` comes before ``"9"`` and
    ``"L10"`` before ``"L2"``. This is the order in which pabutools'
    ``greedy_utilitarian_welfare`` with ``Cost_Sat`` and its default
    lexicographic tie-breaking considers projects: with cost satisfaction, a
    project's satisfaction per unit of cost equals its number of approvals,
    and ties are ordered by project name, which is the Pabulib project id.

    Items with no entry in ``counts`` get 0 votes and still appear. A count
    for an id that is not among ``items``, a negative count, or two items with
    the same id raise ValueError.
    """
    items = list(items)
    by_id: dict[str, Item] = {}
    for item in items:
        if item.id in by_id:
            raise ValueError(f"duplicate item id {item.id!r}")
        by_id[item.id] = item
    unknown = sorted(set(counts) - by_id.keys())
    if unknown:
        raise ValueError(f"votes for unknown item ids: {', '.join(unknown)}")
    ranked = []
    for item in items:
        votes = counts.get(item.id, 0)
        _check_whole(f"votes of item {item.id!r}", votes, 0)
        ranked.append((item, votes))
    ranked.sort(key=lambda pair: (-pair[1], pair[0].id))
    return ranked


def fund_greedy(
    ranked: Sequence[tuple[Item, int]],
    envelope: int,
    field_envelopes: Mapping[str, int] | None = None,
    skip_misfits: bool = True,
    min_votes: int = 0,
) -> Funding:
    """Fund items in the given (rank) order while money remains.

    Rules, applied to each item in turn:

    1. An item with fewer than ``min_votes`` votes is ``below_threshold``; it
       is never funded and does not stop the walk. With the default
       ``min_votes=0`` an item with no votes is funded if it fits, as in
       pabutools; pass ``min_votes=1`` to require at least one vote.
    2. Otherwise, after the walk has stopped (see 5), the item is ``stopped``.
    3. Otherwise, if the item's field has an envelope in ``field_envelopes``
       and the item costs more than what is left of it, the item is
       ``over_field_budget``. Items without a field, or whose field has no
       envelope, are only held to the forum envelope.
    4. Otherwise, if the item costs more than what is left of the forum
       ``envelope``, it is ``over_budget``.
    5. An item that fails 3 or 4 is a misfit. With ``skip_misfits=True``
       (Pabulib ``greedy``) the walk goes on with the next item; with
       ``skip_misfits=False`` (Pabulib ``greedy-no-skip``) the walk stops and
       every later item at or above the threshold is ``stopped``.
    6. Otherwise the item is ``funded`` and its cost is taken from the forum
       envelope and from its field's envelope.

    A cost equal to what is left fits. Ranks are the 1-based positions in
    ``ranked``; ``cut_rank`` is the rank of the first row not funded, for any
    reason.
    """
    _check_whole("envelope", envelope, 0)
    _check_whole("min_votes", min_votes, 0)
    field_left: dict[str, int] = {}
    for name, amount in (field_envelopes or {}).items():
        _check_whole(f"envelope of field {name!r}", amount, 0)
        field_left[name] = amount
    field_spent: dict[str, int] = dict.fromkeys(field_left, 0)
    for item, _votes in ranked:
        if item.field is not None:
            field_spent.setdefault(item.field, 0)

    rows: list[Row] = []
    left = envelope
    stopped = False
    cut_rank: int | None = None
    for position, (item, votes) in enumerate(ranked, start=1):
        _check_whole(f"votes of item {item.id!r}", votes, 0)
        if votes < min_votes:
            reason = BELOW_THRESHOLD
        elif stopped:
            reason = STOPPED
        elif item.field in field_left and item.cost > field_left[item.field]:
            reason = OVER_FIELD_BUDGET
        elif item.cost > left:
            reason = OVER_BUDGET
        else:
            reason = FUNDED
            left -= item.cost
            if item.field is not None:
                field_spent[item.field] += item.cost
                if item.field in field_left:
                    field_left[item.field] -= item.cost
        if reason in (OVER_BUDGET, OVER_FIELD_BUDGET) and not skip_misfits:
            stopped = True
        funded = reason == FUNDED
        if not funded and cut_rank is None:
            cut_rank = position
        rows.append(Row(position, item, votes, funded, reason))
    return Funding(
        rows=rows,
        envelope=envelope,
        spent=envelope - left,
        field_spent=field_spent,
        cut_rank=cut_rank,
    )


# --- elections, options and the rule registry ------------------------------------


UTILITIES = ("cost", "approval")


class _Grouped(dict):
    """A profile already grouped by :func:`_profile_of`."""


def _profile_of(
    ballots: Iterable[Iterable[str]] | Mapping[Iterable[str], int],
) -> dict[frozenset[str], int]:
    """Identical approval sets grouped: approval set -> number of ballots."""
    if isinstance(ballots, _Grouped):
        return ballots
    profile: dict[frozenset[str], int] = _Grouped()
    if isinstance(ballots, Mapping):
        for ballot, number in ballots.items():
            if type(number) is not int or number < 0:
                _check_whole("number of ballots", number, 0)
            if number:
                key = frozenset(ballot)
                profile[key] = profile.get(key, 0) + number
    else:
        for ballot in ballots:
            key = frozenset(ballot)
            profile[key] = profile.get(key, 0) + 1
    return profile


@dataclass(frozen=True)
class Election:
    """The items on the ballot and the approval ballots cast.

    ``profile`` maps each distinct approval set (a frozenset of item ids) to
    the number of ballots that approve exactly that set. Ballots that approve
    nothing count as voters too (an empty set): under equal shares every
    ballot receives a share of the envelope. Build an election from ballots
    or from a grouped profile with :meth:`from_ballots`; the constructor
    accepts the same two forms.
    """

    items: tuple[Item, ...]
    profile: Mapping[frozenset[str], int]

    def __post_init__(self) -> None:
        items = tuple(self.items)
        ids: set[str] = set()
        for item in items:
            if item.id in ids:
                raise ValueError(f"duplicate item id {item.id!r}")
            ids.add(item.id)
        profile = _profile_of(self.profile)
        unknown = sorted(set().union(*profile) - ids) if profile else []
        if unknown:
            raise ValueError(f"votes for unknown item ids: {', '.join(unknown)}")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "profile", profile)

    @classmethod
    def from_ballots(
        cls,
        ballots: Iterable[Iterable[str]] | Mapping[Iterable[str], int],
        items: Iterable[Item],
    ) -> "Election":
        """An election from ballots (each an iterable of item ids) or from a
        mapping of approval sets to numbers of ballots."""
        return cls(items=tuple(items), profile=_profile_of(ballots))

    @property
    def ballots(self) -> int:
        """The number of ballots, including those that approve nothing."""
        return sum(self.profile.values())

    @cached_property
    def counts(self) -> dict[str, int]:
        """Votes per item id (items without votes are absent, as in :func:`count_votes`)."""
        counts: dict[str, int] = {}
        for ballot, number in self.profile.items():
            for item_id in ballot:
                counts[item_id] = counts.get(item_id, 0) + number
        return counts


@dataclass(frozen=True)
class Options:
    """What a rule needs besides the election; each rule documents what it uses.

    ``envelope``, ``field_envelopes``, ``skip_misfits`` and ``min_votes`` are
    those of :func:`fund_greedy`. ``utility``, ``completion`` and ``increment``
    are those of :func:`equal_shares` (greedy ignores them), which also uses
    ``envelope``, ``field_envelopes`` and ``min_votes``, in its own way.
    """

    envelope: int
    field_envelopes: Mapping[str, int] | None = None
    skip_misfits: bool = True
    min_votes: int = 0
    utility: str = "cost"
    completion: bool = True
    increment: int | Fraction = 1


def greedy_rule(election: Election, options: Options) -> Funding:
    """:func:`fund_greedy` on :func:`rank` of the election's votes."""
    return fund_greedy(
        rank(election.counts, election.items),
        options.envelope,
        field_envelopes=options.field_envelopes,
        skip_misfits=options.skip_misfits,
        min_votes=options.min_votes,
    )


def equal_shares_rule(election: Election, options: Options) -> Funding:
    """:func:`equal_shares` on the election (``skip_misfits`` is not used)."""
    return _fund_equal_shares(
        election,
        options.envelope,
        utility=options.utility,
        completion=options.completion,
        field_envelopes=options.field_envelopes,
        min_votes=options.min_votes,
        increment=options.increment,
    )


RULES: dict[str, Callable[[Election, Options], Funding]] = {
    "greedy": greedy_rule,
    "equal_shares": equal_shares_rule,
}
"""The funding rules by name; every rule is called as ``rule(election, options)``."""


# --- the Method of Equal Shares --------------------------------------------------


def equal_shares(
    ballots: Iterable[Iterable[str]] | Mapping[Iterable[str], int],
    items: Iterable[Item],
    envelope: int,
    utility: str = "cost",
    completion: bool = True,
    field_envelopes: Mapping[str, int] | None = None,
    min_votes: int = 0,
    increment: int | Fraction = 1,
) -> Funding:
    """Fund items by the Method of Equal Shares (MES) with approval ballots.

    ``ballots`` are either the ballots themselves (each an iterable of the
    approved item ids) or a mapping from approval sets to numbers of ballots,
    such as a ``Counter`` of frozensets.

    The rule. Let ``n`` be the number of ballots (ballots that approve nothing
    included). Every voter starts with an equal share ``envelope / n`` of the
    money. A voter's utility from an item she approves is its cost
    (``utility="cost"``, the variant used by cities such as Wieliczka, Świecie
    and Aarau) or 1 (``utility="approval"``); she gets nothing from other
    items. An item can be bought at price ``rho`` per unit of utility if its
    supporters, each paying ``min(her money left, rho * her utility)``,
    together pay exactly its cost. In each round the rule buys the item with
    the smallest such ``rho`` (ties: smallest item id as text, as in
    :func:`rank`), and its supporters pay those amounts. It stops when the
    supporters of every remaining item together hold less than its cost.
    Items without votes are never bought.

    This is pabutools' ``method_of_equal_shares(instance, profile,
    sat_class=Cost_Sat)`` (``Cardinality_Sat`` for approval utility), with
    its default tie-breaking. With no ballots it buys nothing.

    Completion (``completion=True``), exactly as pabutools'
    ``completion_by_rule_combination(instance, profile,
    [method_of_equal_shares, greedy_utilitarian_welfare],
    [{"sat_class": ..., "voter_budget_increment": increment},
    {"sat_class": Cost_Sat}])``: run MES with each voter's starting money
    raised to ``envelope / n + k * increment`` for ``k = 0, 1, 2, ...``;
    stop at the first ``k`` whose outcome costs more than ``envelope`` and
    keep the outcome of ``k - 1`` (nothing if ``k = 0``), or at the first
    ``k`` whose outcome leaves too little of ``envelope`` for any other item
    with votes and keep that outcome. Then fill what is left of ``envelope``
    greedily by votes, as :func:`fund_greedy` does (so, as in pabutools, an
    item without votes is funded if it fits, unless ``min_votes`` excludes
    it). ``increment`` is in currency units per voter (default 1; any
    positive whole number or ``Fraction``). The result is that of the
    step-by-step procedure; steps are skipped only where the outcome is
    proven not to change.

    ``min_votes``: items with fewer votes are ``below_threshold`` and take no
    part, in MES or in the fill (their voters still receive their share).
    With a non-empty ``field_envelopes`` the forum is split: each field with
    an envelope is an election of its own on that envelope, among the ballots
    that pick in it, then the other items on what remains of ``envelope``
    (see :func:`voting.counting.equal_shares_fields.fund_by_field`, which states the
    rule); each part is funded as described here.

    Arithmetic is exact, so ties are real ties and results equal pabutools'
    (which uses exact rationals).

    The result has the shape of :func:`fund_greedy`'s: rows in rank order
    (:func:`rank`), ``funded`` for the items bought (by MES or by the
    completion), ``not_selected`` for the others and ``below_threshold`` as
    above. ``cut_rank`` keeps its meaning, the rank of the first row not
    funded, or None.
    """
    return _fund_equal_shares(
        Election.from_ballots(ballots, items),
        envelope,
        utility=utility,
        completion=completion,
        field_envelopes=field_envelopes,
        min_votes=min_votes,
        increment=increment,
    )


def _fund_equal_shares(
    election: Election,
    envelope: int,
    utility: str,
    completion: bool,
    field_envelopes: Mapping[str, int] | None,
    min_votes: int,
    increment: int | Fraction,
) -> Funding:
    _check_whole("envelope", envelope, 0)
    _check_whole("min_votes", min_votes, 0)
    if utility not in UTILITIES:
        raise ValueError(f"utility must be one of {', '.join(UTILITIES)}, got {utility!r}")
    if isinstance(increment, bool) or not isinstance(increment, int | Fraction):
        raise TypeError(f"increment must be an int or a Fraction, not {type(increment).__name__}")
    if increment <= 0:
        raise ValueError(f"increment must be positive, got {increment}")
    increment = Fraction(increment)

    def fund(part: Election, money: int) -> Funding:
        return _fund_one_election(part, money, utility, completion, min_votes, increment)

    if not field_envelopes:
        return fund(election, envelope)
    for name, amount in field_envelopes.items():
        _check_whole(f"envelope of field {name!r}", amount, 0)
    # Imported here: that module builds on this one.
    from voting.counting.equal_shares_fields import fund_by_field

    return fund_by_field(election, envelope, field_envelopes, fund)


def _fund_one_election(
    election: Election,
    envelope: int,
    utility: str,
    completion: bool,
    min_votes: int,
    increment: Fraction,
) -> Funding:
    """:func:`equal_shares` on one election, the options checked."""
    ranked = rank(election.counts, election.items)
    eligible = [item for item, votes in ranked if votes >= min_votes]
    mes = _Mes(election.profile, election.counts, eligible, utility)
    chosen = mes.complete(envelope, increment) if completion else mes.once(envelope)
    funded = {mes.items[q].id for q in chosen}
    bought = frozenset(funded)
    if completion:
        left = envelope - sum(mes.items[q].cost for q in chosen)
        for item in eligible:
            if item.id not in funded and item.cost <= left:
                funded.add(item.id)
                left -= item.cost

    field_spent: dict[str, int] = {}
    rows: list[Row] = []
    spent = 0
    cut_rank: int | None = None
    for position, (item, votes) in enumerate(ranked, start=1):
        if item.field is not None:
            field_spent.setdefault(item.field, 0)
        if votes < min_votes:
            reason = BELOW_THRESHOLD
        elif item.id in funded:
            reason = FUNDED
            spent += item.cost
            if item.field is not None:
                field_spent[item.field] += item.cost
        else:
            reason = NOT_SELECTED
        if reason != FUNDED and cut_rank is None:
            cut_rank = position
        rows.append(Row(position, item, votes, reason == FUNDED, reason))
    return Funding(
        rows=rows,
        envelope=envelope,
        spent=spent,
        field_spent=field_spent,
        cut_rank=cut_rank,
        bought=bought,
    )


_SHIFT = 128  # money is held as integers scaled by 2**_SHIFT
_RHO_SHIFT = 32  # extra bits for prices per unit of utility
_UNKNOWN = object()
_UNAFFORDABLE, _RIVAL, _BOUGHT = 0, 1, 2


class _Price:
    """An item looked at in one round.

    Its supporters, by pattern: ``keys`` and ``numbers``, and ``money``, what
    a supporter of each pattern has left (0 if nothing): in fixed point
    within ``merr``, or as Fractions when ``exact``. ``poor`` is None if the
    item is unaffordable; otherwise the positions (in ``keys``) of the
    classes that pay all they have, while the ``rich`` other supporters with money
    pay the price ``t`` each: exactly ``t`` if ``exact``, else ``tfp`` (fixed
    point) within ``err``. ``lo`` and ``hi`` bound the price per unit of
    utility, scaled by ``2**(_SHIFT + _RHO_SHIFT)``. For an unaffordable item,
    ``rich`` counts all its supporters with money.
    """

    __slots__ = (
        "q", "keys", "numbers", "money", "merr", "poor", "rich", "exact", "t", "tfp", "err",
        "lo", "hi", "kind",
    )

    def __init__(self, q, hist, money, merr, poor=None, rich=0, exact=False, t=None, tfp=0,
                 err=0, utility=1):
        self.q, self.keys, self.numbers = q, hist.keys, hist.numbers
        self.money, self.merr = money, merr
        self.poor, self.rich = poor, rich
        self.exact, self.t, self.tfp, self.err = exact, t, tfp, err
        self.kind = _UNAFFORDABLE
        if poor is None:
            self.lo = self.hi = None
        elif exact:
            scaled = t * (1 << (_SHIFT + _RHO_SHIFT)) / utility
            self.lo, self.hi = math.floor(scaled), math.ceil(scaled)
        else:
            self.lo = ((tfp - err) << _RHO_SHIFT) // utility
            self.hi = -((-(tfp + err) << _RHO_SHIFT) // utility)

    def live(self) -> list[tuple]:
        """The classes ``(money, pattern, number)`` with money left."""
        return [c for c in zip(self.money, self.keys, self.numbers, strict=True) if c[0]]

    def shape(self) -> tuple:
        """What the trace compares first (cheap)."""
        return (self.q, self.kind, None if self.poor is None else len(self.poor), self.rich)

    def paying_all(self) -> list[tuple[int, int]]:
        return sorted((self.keys[i], self.numbers[i]) for i in self.poor)

    def paying_price(self) -> list[tuple[int, int]]:
        poor = {self.keys[i] for i in self.poor}
        return sorted((K, n) for _x, K, n in self.live() if K not in poor)

    def content(self) -> tuple:
        """The exact structure: who pays all, and how many pay the price."""
        if self.kind == _UNAFFORDABLE:
            return (sorted((K, n) for _x, K, n in self.live()),)
        if self.kind == _RIVAL:
            return (self.paying_all(), self.rich)
        return (self.paying_all(), self.paying_price())


class _Hist:
    """An item's supporters by pattern: the patterns (``keys``) and how many
    supporters have each (``numbers``). ``shape`` remembers the last split
    into those with no money, those who paid all they had, and the others
    (as indices into ``keys``), with the numbers of the last two groups:
    ``(zero, poor, rich, rich count, count with money)``."""

    __slots__ = ("keys", "numbers", "shape", "order")

    def __init__(self, keys: tuple, numbers: tuple) -> None:
        self.keys, self.numbers, self.shape, self.order = keys, numbers, None, None


def _same_trace(a: list | None, b: list | None) -> bool:
    """Whether two traces (see :class:`_Mes`) are the same: the items out of
    reach from the start (``trace[0]``), then the rounds."""
    if a is None or b is None or len(a) != len(b) or a[0] != b[0]:
        return False
    for round_a, round_b in zip(a[1:], b[1:], strict=True):
        if [p.shape() for p in round_a] != [p.shape() for p in round_b]:
            return False
    for round_a, round_b in zip(a[1:], b[1:], strict=True):
        for p, q in zip(round_a, round_b, strict=True):
            if p.content() != q.content():
                return False
    return True


class _Mes:
    """The Method of Equal Shares on one election, for any starting money.

    Grouping. A voter's money left is ``b - T`` (or 0 once that is not
    positive), where ``b`` is the starting money and ``T`` the sum of the
    per-supporter prices of the bought items she approves. So voters who
    approve the same bought items (the same *pattern*, a bit mask) hold the
    same money, and an item's price only depends on how many of its
    supporters have each pattern (its histogram). Ballots are grouped once;
    each item's supporters are grouped by their approvals among the items
    that may be bought (:meth:`focus`), and its histogram is derived from
    that when the item is priced.

    Laziness. An item's price can only rise from round to round (money only
    decreases), so a round prices items in the order of their last prices
    and stops as soon as the next last price exceeds the best price found;
    items whose supporters start with less than their cost are never priced.

    Exactness. Money is held in fixed point (``2**128`` units per currency
    unit) together with a bound on the rounding error of all values. Every
    decision (who pays all she has, whether an item is affordable, which
    item is cheapest) is taken in fixed point only when its margin exceeds
    the error bound; otherwise that item is priced again with
    ``fractions.Fraction``, the exact prices of the items bought so far
    being recomputed from the recorded decisions. So every decision is the
    exact one, and ties go to the smallest item id as text, as in pabutools.

    Skipping steps of the completion. A run's trace lists, per round, every
    item priced, who paid all she had, and the item bought. Along a trace,
    every quantity is an affine function of the starting money ``b``, and a
    run has the trace's outcome whenever these affine inequalities hold: the
    bought item's price per unit of utility is at most every other priced
    item's (a price computed with any split into payers in full and others
    is a lower bound of the true price, so the others' splits need not
    hold); the bought item's payers in full hold at most its price and the
    others at least; unaffordable items stay so; prices per unit of utility
    do not fall from round to round; and an item's last price exceeds the
    best price of the rounds in which it was not priced. They all hold at
    the ``b`` of the run, so :meth:`region_end` finds, from their values and
    slopes, a point up to which they keep holding, and the completion
    resumes at the first step beyond it. The result is that of the
    step-by-step procedure; the interval is worked out when it is likely to
    pay off (two consecutive steps with the same trace, or the last interval
    let steps be skipped).
    """

    def __init__(
        self,
        profile: Mapping[frozenset[str], int],
        counts: Mapping[str, int],
        items: Iterable[Item],
        utility: str,
    ) -> None:
        self.items = sorted(
            (item for item in items if counts.get(item.id, 0) > 0), key=lambda item: item.id
        )
        self.m = len(self.items)
        self.cost = [item.cost for item in self.items]
        self.util = [item.cost if utility == "cost" else 1 for item in self.items]
        self.votes = [counts[item.id] for item in self.items]
        self.n = sum(profile.values())

        # Ballots as bit masks of the items they approve among these.
        bits = {item.id: 1 << q for q, item in enumerate(self.items)}
        bit_of = bits.__getitem__
        self.groups: list[tuple[int, int, Iterable[str]]] = []
        for ballot, number in profile.items():
            try:
                mask = sum(map(bit_of, ballot))
                ids = ballot
            except KeyError:
                ids = [i for i in ballot if i in bits]
                mask = sum(map(bit_of, ids))
            if mask:
                self.groups.append((mask, number, ids))
        self.umask = 0
        self.gproj: list[tuple[int, ...]] = []
        self.gmult: list[int] = []
        self.rmask: list[int] = []
        self.supp: list[list[int]] = []
        self.odict: list[dict[int, int] | None] = []
        self.olists: list[tuple[list[int], list[int]] | None] = []
        self.hists: dict[tuple[int, int], _Hist] = {}
        self.bits_of: dict[int, tuple[int, ...]] = {}
        scale = 1 << (_SHIFT + _RHO_SHIFT)
        self.heap0 = sorted(
            (self.cost[q] * scale // (self.votes[q] * self.util[q]), q, 0) for q in range(self.m)
        )

    # -- supporters grouped by the items that may be bought -----------------------

    def focus(self, umask: int) -> None:
        """Group each item's supporters by their approvals among the items of
        ``umask``, the items that may be bought: only bought items set a
        voter's money, the rest of a ballot only says whom she supports. An
        item outside ``umask`` is split out when it is bought (:meth:`_widen`).
        Each item's groups are built when first needed."""
        self.umask = umask
        position = {item.id: q for q, item in enumerate(self.items)}.__getitem__
        self.gproj = [tuple(map(position, ids)) for _mask, _number, ids in self.groups]
        self.gmult = [number for _mask, number, _ids in self.groups]
        self.rmask = [mask & umask for mask, _number, _ids in self.groups]
        self.supp = [[] for _ in range(self.m)]
        supp = self.supp
        for g, projects in enumerate(self.gproj):
            for q in projects:
                supp[q].append(g)
        self.odict = [None] * self.m
        self.olists = [None] * self.m
        self.hists = {}

    def _widen(self, p: int) -> None:
        bit = 1 << p
        gproj, gmult, rmask, odict, olists = (
            self.gproj, self.gmult, self.rmask, self.odict, self.olists
        )
        for g in self.supp[p]:
            old = rmask[g]
            new = old | bit
            rmask[g] = new
            number = gmult[g]
            for q in gproj[g]:
                d = odict[q]
                if d is None:
                    continue
                left = d[old] - number
                if left:
                    d[old] = left
                else:
                    del d[old]
                d[new] = d.get(new, 0) + number
                olists[q] = None
        self.umask |= bit

    def _lists(self, q: int) -> tuple[list[int], list[int]]:
        """The supporters of ``q`` grouped by ballot (as masks of the items that
        may be bought), and the numbers in each group."""
        found = self.olists[q]
        if found is None:
            d = self.odict[q]
            if d is None:
                d = self.odict[q] = {}
                rmask, gmult = self.rmask, self.gmult
                for g in self.supp[q]:
                    key = rmask[g]
                    d[key] = d.get(key, 0) + gmult[g]
            found = self.olists[q] = (list(d), list(d.values()))
        return found

    def _histogram(self, q: int, funded: int, fresh: dict) -> "_Hist":
        """Supporters of ``q`` by pattern (their approvals among ``funded``)."""
        key = (q, funded)
        hist = fresh.get(key) or self.hists.get(key)
        if hist is None and not funded:
            hist = _Hist((0,), (self.votes[q],))
        if hist is None:
            masks, numbers = self._lists(q)
            found: dict[int, int] = {}
            get = found.get
            for mask, number in zip(masks, numbers, strict=True):
                pattern = mask & funded
                found[pattern] = get(pattern, 0) + number
            hist = _Hist(tuple(found), tuple(found.values()))
        fresh[key] = hist
        return hist

    # -- one run -------------------------------------------------------------------

    def run(self, b: Fraction, want_trace: bool = False) -> tuple[list[int], list | None]:
        """MES with starting money ``b`` per voter: the items bought, in order,
        and the trace (see the class docstring) if asked for."""
        shift = _SHIFT
        bfp = (b.numerator << shift) // b.denominator
        cost, util, votes = self.cost, self.util, self.votes
        m = self.m
        if not self.supp:
            self.focus(self.reachable(b))
        tfp = [0] * m  # the price per supporter of each item bought, in fixed point
        tfp_item = tfp.__getitem__
        bits_of = self.bits_of
        money: dict[int, int] = {}  # money left by pattern, in fixed point
        money_get = money.get
        error = 1  # bounds the error of every fixed-point money value
        exact_t: dict[int, Fraction] = {}
        exact_T: dict[int, Fraction] = {}
        paid_by: dict[int, tuple[list, int]] = {}
        selected: list[int] = []
        done = 0
        funded = 0
        dead = [False] * m
        version = [0] * m
        heap = list(self.heap0)
        pop, push = heapq.heappop, heapq.heappush
        fresh: dict = {}
        histogram = self._histogram

        def exact_all() -> None:
            nonlocal done
            while done < len(selected):
                p = selected[done]
                if p not in exact_t:
                    poor, rich = paid_by[p]
                    paid = sum((n * (b - T_exact(K)) for K, n in poor), Fraction(0))
                    exact_t[p] = (cost[p] - paid) / rich
                done += 1

        def T_exact(K: int) -> Fraction:
            found = exact_T.get(K)
            if found is None:
                found = exact_T[K] = sum((exact_t[p] for p in _bits(K)), Fraction(0))
            return found

        def money_of(K: int) -> int:
            """Money left to a voter with pattern ``K``, exactly, for when it is
            too close to 0 to tell: 0 if none, else rounded down to fixed point
            but at least 1 (so that it still counts as some money)."""
            exact_all()
            x = b - T_exact(K)
            return max((x.numerator << shift) // x.denominator, 1) if x > 0 else 0

        def price(q: int, h: _Hist) -> _Price:
            keys, numbers = h.keys, h.numbers
            xs = list(map(money_get, keys))
            if None in xs:
                for i in compress(range(len(xs)), map(is_, xs, repeat(None))):
                    K = keys[i]
                    bits = bits_of.get(K)
                    if bits is None:
                        bits = bits_of[K] = _bits(K)
                    x = bfp - sum(map(tfp_item, bits))
                    if x <= error:
                        x = money_of(K) if x >= -error else 0
                    money[K] = xs[i] = x
            need = cost[q] << shift
            if h.shape is not None:
                # Who paid all she had the last time this item was priced with
                # these patterns (usually at a nearby starting money)? If
                # that split still holds, it gives the price.
                zero, poor, rich_idx, rich, live = h.shape
                if not any(map(xs.__getitem__, zero)):
                    px = list(map(xs.__getitem__, poor))
                    if all(px):
                        margin = error * live
                        num = need - sum(map(mul, map(numbers.__getitem__, poor), px))
                        t = num // rich
                        slack = margin // rich + 2  # bounds |t - price|
                        if (not px or max(px) + error + slack < t) and min(
                            map(xs.__getitem__, rich_idx)
                        ) - error - slack >= t:
                            return _Price(
                                q, h, xs, error, poor, rich, False, None, t, slack, util[q]
                            )
            total = sum(map(mul, numbers, xs))
            live = sum(compress(numbers, xs))
            margin = error * live  # bounds the error of any sum of these classes' money
            if total + margin < need:
                return _Price(q, h, xs, error, None, live)
            if total - margin < need:
                return price_exact(q, h)
            # Sort the supporters by money: those who hold less than the price
            # pay all they have, the others pay the price. If the poorest j
            # pay all, the price is (need - paid[j]) / (live - count[j]); once
            # the j-th holds at least that, so do all after her (a textbook
            # property), so the cut is found by bisection.
            # (The last order, when there is one, is nearly right: sorting it
            # again is quick. Those with no money come first.)
            h.order = sorted(h.order or range(len(xs)), key=xs.__getitem__)
            order = h.order[xs.count(0) :]
            money_sorted = list(map(xs.__getitem__, order))
            numbers_sorted = list(map(numbers.__getitem__, order))
            paid = list(accumulate(map(mul, numbers_sorted, money_sorted), initial=0))
            count = list(accumulate(numbers_sorted, initial=0))

            def pays_price(j: int) -> bool:
                return money_sorted[j] * (live - count[j]) >= need - paid[j]

            cut = bisect_left(range(len(order)), True, key=pays_price)
            # Make sure of the two decisions that settle all the others.
            if cut < len(order):
                if (need - paid[cut]) - money_sorted[cut] * (live - count[cut]) + margin > 0:
                    return price_exact(q, h)
            if cut:
                j = cut - 1
                if (need - paid[j]) - money_sorted[j] * (live - count[j]) - margin <= 0:
                    return price_exact(q, h)
            rich = live - count[cut]
            num = need - paid[cut]
            poor = order[:cut]
            h.shape = (
                list(compress(range(len(xs)), map(not_, xs))), poor, order[cut:], rich, live,
            )
            return _Price(
                q, h, xs, error, poor, rich, False, None, num // rich, margin // rich + 2, util[q]
            )

        def price_exact(q: int, h: _Hist) -> _Price:
            exact_all()
            keys, numbers = h.keys, h.numbers
            xs = []
            for K in keys:
                x = b - T_exact(K)
                xs.append(x if x > 0 else 0)
            order = sorted(zip(xs, range(len(xs)), strict=True))
            zeros = xs.count(0)
            live = rich = sum(compress(numbers, xs))
            paid = Fraction(0)
            for cut in range(zeros, len(order)):
                x, i = order[cut]
                t = (cost[q] - paid) / rich
                if t <= x:
                    index = itemgetter(1)
                    poor = list(map(index, order[zeros:cut]))
                    h.shape = (
                        list(map(index, order[:zeros])), poor, list(map(index, order[cut:])),
                        rich, live,
                    )
                    return _Price(
                        q, h, xs, 0, poor, rich, True, t, (t.numerator << shift) // t.denominator,
                        1, util[q],
                    )
                paid += numbers[i] * x
                rich -= numbers[i]
            return _Price(q, h, xs, 0, None, live)

        # Items whose supporters together start with less than their cost
        # can never be bought.
        out_of_reach = tuple(
            q for q in range(m) if votes[q] * b.numerator < cost[q] * b.denominator
        )
        for q in out_of_reach:
            dead[q] = True
        trace: list | None = [out_of_reach] if want_trace else None
        while True:
            best: _Price | None = None
            priced: list[_Price] = []
            looked: list[_Price] = []
            while heap:
                key, q, ver = heap[0]
                if dead[q] or ver != version[q]:
                    pop(heap)
                    continue
                if best is not None and key > best.hi:
                    break
                pop(heap)
                ev = price(q, histogram(q, funded, fresh))
                if ev.poor is None:
                    dead[q] = True
                    looked.append(ev)
                    continue
                priced.append(ev)
                if best is None or ev.hi < best.hi or (ev.hi == best.hi and q < best.q):
                    best = ev
            if best is None:
                if want_trace and looked:
                    trace.append(sorted(looked, key=_by_item))
                self.hists = fresh
                return selected, trace
            close = [ev for ev in priced if ev is not best and ev.lo <= best.hi]
            if close:
                exact = {}
                for ev in [best, *close]:
                    exact[ev.q] = ev if ev.exact else price_exact(ev.q, _Hist(ev.keys, ev.numbers))
                priced = [exact.get(ev.q, ev) for ev in priced]
                best = min(exact.values(), key=lambda ev: (ev.t / util[ev.q], ev.q))
            p = best.q
            dead[p] = True
            selected.append(p)
            tfp[p] = best.tfp
            error += best.err
            if best.exact:
                exact_t[p] = best.t
            paid_by[p] = (best.paying_all(), best.rich)
            funded |= 1 << p
            if not (self.umask >> p) & 1:
                self._widen(p)
            for ev in priced:
                if ev is not best:
                    ev.kind = _RIVAL
                    version[ev.q] += 1
                    push(heap, (ev.lo, ev.q, version[ev.q]))
            if want_trace:
                best.kind = _BOUGHT
                looked.extend(priced)
                trace.append(sorted(looked, key=_by_item))

    def region_end(self, trace: list, b: Fraction) -> Fraction | None:
        """How far the starting money can grow from ``b`` before the run that
        produced ``trace`` at ``b`` may change: a value ``h`` such that every
        starting money in ``[b, h)`` has the same outcome, or None if there is
        no such end. Each inequality of the class docstring is written as
        ``v + s * (money - b) >= 0``, with ``v`` and the slope ``s`` in fixed
        point with error bounds, and ``h`` is a lower bound of the smallest
        root, so skipping up to ``h`` is safe."""
        shift = _SHIFT
        one = 1 << shift
        bfp = (b.numerator << shift) // b.denominator
        cost, util, votes = self.cost, self.util, self.votes
        slope_t: dict[int, tuple[int, int]] = {}
        slope_T: dict[int, tuple[int, int]] = {0: (0, 0)}
        lower: dict[int, tuple[int, int, int, int]] = {}
        seen: dict[int, int] = {}
        nearest: list[int] = []  # [numerator, denominator] of the smallest root offset

        def need(v: int, ev: int, s: int, es: int) -> None:
            if s - es >= 0:
                return  # cannot decrease
            num, den = max(v - ev, 0), es - s
            if not nearest or num * nearest[1] < nearest[0] * den:
                nearest[:] = [num, den]

        def need_order(a: tuple, ua: int, c: tuple, uc: int) -> None:
            """price ``a`` per unit of utility ``ua`` >= price ``c`` per ``uc``."""
            need(
                a[0] * uc - c[0] * ua,
                a[1] * uc + c[1] * ua,
                a[2] * uc - c[2] * ua,
                a[3] * uc + c[3] * ua,
            )

        def slope_x(K: int) -> tuple[int, int]:
            """The slope of the total price per supporter paid by pattern ``K``."""
            found = slope_T.get(K)
            if found is None:
                s = e = 0
                for p in _bits(K):
                    s += slope_t[p][0]
                    e += slope_t[p][1]
                found = slope_T[K] = (s, e)
            return found

        def value(c: tuple, ev: _Price) -> tuple[int, int]:
            x = c[0]
            if isinstance(x, Fraction):
                return (x.numerator << shift) // x.denominator, 1
            return x, ev.merr

        def price(ev: _Price) -> tuple[int, int, int, int]:
            total = error = 0
            for K, n in ev.paying_all():
                T, e = slope_x(K)
                total += n * (one - T)
                error += n * e
            return (ev.tfp, ev.err, (-total) // ev.rich, error // ev.rich + 2)

        for q in trace[0]:  # out of reach: votes * money < cost
            need((cost[q] << shift) - votes[q] * bfp, votes[q], -votes[q] * one, 0)
        previous = None
        for r, looked in enumerate(trace[1:], start=1):
            bought = None
            rivals = []
            for ev in looked:
                q = ev.q
                if previous is not None and seen.get(q, 0) < r - 1:
                    old = lower.get(q) or ((cost[q] << shift) // votes[q], 1, 0, 0)
                    need_order(old, util[q], previous[1], util[previous[0]])
                seen[q] = r
                if ev.kind == _UNAFFORDABLE:
                    v, ev_, s, es = cost[q] << shift, 0, 0, 0
                    for c in ev.live():
                        x, e = value(c, ev)
                        T, te = slope_x(c[1])
                        n = c[2]
                        v -= n * x
                        ev_ += n * e
                        s -= n * (one - T)
                        es += n * te
                    need(v, ev_, s, es)
                elif ev.kind == _RIVAL:
                    lower[q] = price(ev)
                    rivals.append(q)
                else:
                    t = price(ev)
                    poor = {ev.keys[i] for i in ev.poor}
                    for c in ev.live():
                        x, e = value(c, ev)
                        T, te = slope_x(c[1])
                        if c[1] in poor:
                            need(t[0] - x, t[1] + e, t[2] - (one - T), t[3] + te)
                        else:
                            need(x - t[0], e + t[1], (one - T) - t[2], te + t[3])
                    bought = (q, t)
            if bought is None:
                break
            p, t = bought
            if previous is not None:
                need_order(t, util[p], previous[1], util[previous[0]])
            for q in rivals:
                need_order(lower[q], util[q], t, util[p])
            slope_t[p] = (t[2], t[3])
            previous = bought
        if not nearest:
            return None
        return b + Fraction(nearest[0], nearest[1])

    # -- the rule ------------------------------------------------------------------

    def reachable(self, b: Fraction) -> int:
        """The items whose supporters together start with at least their cost
        (a bit mask): only those can be bought with starting money ``b``."""
        return sum(
            1 << q
            for q in range(self.m)
            if self.votes[q] * b.numerator >= self.cost[q] * b.denominator
        )

    def once(self, envelope: int) -> list[int]:
        """MES with starting money ``envelope / n``."""
        if not self.n or not self.m:
            return []
        return self.run(Fraction(envelope, self.n))[0]

    def complete(self, envelope: int, increment: Fraction) -> list[int]:
        """MES with the starting money raised by ``increment`` per step, as
        described in :func:`equal_shares` (without the final greedy fill)."""
        if not self.n or not self.m:
            return []
        cost = self.cost
        start = Fraction(envelope, self.n)
        previous: list[int] = []
        previous_trace = None
        skipping = True  # whether the last region computed let steps be skipped
        k = 0
        while True:
            b = start + k * increment
            chosen, trace = self.run(b, want_trace=True)
            spent = sum(cost[q] for q in chosen)
            if spent > envelope:
                return previous
            left = envelope - spent
            taken = set(chosen)
            if all(cost[q] > left for q in range(self.m) if q not in taken):
                return chosen
            following = k + 1
            if skipping or _same_trace(trace, previous_trace):
                end = self.region_end(trace, b)
                if end is not None:
                    following = max(following, math.ceil((end - start) / increment))
                skipping = following > k + 1
            previous, previous_trace = chosen, trace
            k = following


def _by_item(price: _Price) -> int:
    return price.q



def _bits(mask: int) -> tuple[int, ...]:
    """The positions of the bits set in ``mask``."""
    found = []
    while mask:
        low = mask & -mask
        found.append(low.bit_length() - 1)
        mask ^= low
    return tuple(found)
