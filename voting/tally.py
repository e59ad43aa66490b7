"""Counting, ranking and greedy funding of approval votes, as pure functions.

No Flask, no SQLAlchemy, no floats: money and votes are whole numbers.

The rules match Pabulib's ``greedy`` family and pabutools'
``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``:

* :func:`count_votes` counts, for each item, the ballots that approve it;
* :func:`rank` orders items by votes, most first, ties by item id as text;
* :func:`fund_greedy` walks that order and funds each item that still fits.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass

TIE_BREAK = (
    "Items with the same number of votes are ordered by item id, "
    "compared as text, in ascending order."
)

FUNDED = "funded"
OVER_BUDGET = "over_budget"
OVER_FIELD_BUDGET = "over_field_budget"
BELOW_THRESHOLD = "below_threshold"
STOPPED = "stopped"
REASONS = (FUNDED, OVER_BUDGET, OVER_FIELD_BUDGET, BELOW_THRESHOLD, STOPPED)


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
    after the first misfit when misfits stop the walk).
    """

    rank: int
    item: Item
    votes: int
    funded: bool
    reason: str


@dataclass(frozen=True)
class Funding:
    """The outcome of :func:`fund_greedy`.

    ``rows`` are in rank order. ``spent`` is the total cost of the funded items,
    ``field_spent`` the same per field (every field of an item or of an
    envelope, 0 when nothing was funded there). ``cut_rank`` is the rank of the
    first row that is not funded, or None when every row is funded.
    """

    rows: list[Row]
    envelope: int
    spent: int
    field_spent: dict[str, int]
    cut_rank: int | None

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
