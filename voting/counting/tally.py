"""Counting and ranking approval votes, and what every funding rule takes and gives,
as pure functions and values.

No Flask, no SQLAlchemy, no floats: money and votes are whole numbers.

* :func:`count_votes` counts, for each item, the ballots that approve it;
* :func:`rank` orders items by votes, most first, ties by item id as text;
* :class:`Election` holds the items and the grouped approval ballots, :class:`Options`
  what a rule needs besides, and :class:`Funding` what a rule decides.

The rules themselves: :mod:`voting.counting.greedy` and
:mod:`voting.counting.equal_shares`, named in :mod:`voting.counting.rulebook`.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

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



# --- elections and options -----------------------------------------------------


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


