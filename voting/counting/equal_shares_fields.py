"""The Method of Equal Shares on a forum whose fields have their own envelopes.

Pure functions, like :mod:`voting.tally`, on which this module builds: a forum
with field envelopes is split into sub-elections (:func:`sub_elections`), each
funded by the single-election Method of Equal Shares, and the outcomes are put
back together in the forum's ranking (:func:`fund_by_field`).
"""

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import replace

from voting.counting.tally import Election
from voting.counting.tally import FUNDED
from voting.counting.tally import Funding
from voting.counting.tally import Item
from voting.counting.tally import rank
from voting.counting.tally import Row


@dataclass(frozen=True)
class SubElection:
    """One part of a forum, funded as an election of its own.

    ``field`` is the field's name, or None for the rest of the forum (items of
    fields without an envelope, and items without a field). ``election`` holds
    the part's items and the forum's ballots cut down to them; a ballot with
    no pick among them is not in it.
    """

    field: str | None
    election: Election


def restrict(profile: Mapping[frozenset[str], int], ids: set[str]) -> dict[frozenset[str], int]:
    """Each approval set cut down to ``ids``; sets with nothing left are dropped."""
    restricted: dict[frozenset[str], int] = {}
    for ballot, number in profile.items():
        kept = ballot & ids
        if kept:
            restricted[kept] = restricted.get(kept, 0) + number
    return restricted


def sub_elections(election: Election, field_envelopes: Mapping[str, int]) -> list[SubElection]:
    """The fields with an envelope, in name order, then the rest of the forum.

    A sub-election's voters are the ballots that pick at least one of its
    items, each ballot restricted to those items. The rest comes last even
    when it has no items (it then funds nothing).
    """
    parts = []
    for name in sorted(field_envelopes):
        items = [item for item in election.items if item.field == name]
        parts.append((name, items))
    rest = [item for item in election.items if item.field not in field_envelopes]
    parts.append((None, rest))
    return [
        SubElection(
            field,
            Election(tuple(items), restrict(election.profile, {item.id for item in items})),
        )
        for field, items in parts
    ]


def fund_by_field(
    election: Election,
    envelope: int,
    field_envelopes: Mapping[str, int],
    fund: Callable[[Election, int], Funding],
) -> Funding:
    """Equal shares within each field on its envelope, then on the rest with what remains.

    The rule, for a forum whose fields (분야) have envelopes of their own:

    1. Each field with an envelope is an election of its own: its items, its
       envelope, and the forum's ballots restricted to its items. A ballot
       that picks nothing in the field takes no part in it, so the field's
       envelope is shared among the voters who picked there. (pabutools
       divides an envelope by every ballot of the profile it is given, empty
       ones included; so the sub-election handed to it holds only these
       ballots, and both compute the same.)
    2. Then the items of fields without an envelope, and items without a
       field, form one more election in the same way, on what remains of the
       forum's envelope: the envelope less what the field runs spent (money a
       field leaves unspent goes on to the rest, as under the greedy rule,
       where a field's envelope bounds its items but does not keep money from
       the others).
    3. Each election is funded by ``fund(election, envelope)`` (the
       single-election Method of Equal Shares with the forum's options, its
       completion included); the fields' runs do not depend on each other.

    The field envelopes must add up to at most ``envelope`` (ValueError
    otherwise), so what remains for step 2 is never negative. With no field
    envelopes at all the forum is one election, every ballot taking part, and
    this function is not used.

    The result is in the forum's ranking (:func:`voting.counting.tally.rank` over all
    items); each row keeps the reason its own election gave it.
    """
    total = sum(field_envelopes.values())
    if total > envelope:
        raise ValueError(
            f"the fields' envelopes add up to {total}, more than the envelope {envelope}"
        )
    outcome: dict[str, Row] = {}
    bought: set[str] = set()
    spent_in_fields = 0
    for part in sub_elections(election, field_envelopes):
        if part.field is None:
            money = envelope - spent_in_fields
        else:
            money = field_envelopes[part.field]
        funding = fund(part.election, money)
        if part.field is not None:
            spent_in_fields += funding.spent
        outcome.update((row.item.id, row) for row in funding.rows)
        bought |= funding.bought
    funding = _combined(election.items, election.counts, outcome, envelope, field_envelopes)
    return replace(funding, bought=frozenset(bought))


def _combined(
    items: tuple[Item, ...],
    counts: Mapping[str, int],
    outcome: Mapping[str, Row],
    envelope: int,
    field_envelopes: Mapping[str, int],
) -> Funding:
    """The sub-elections' rows in the forum's ranking, with the forum's totals."""
    rows = []
    field_spent = dict.fromkeys(field_envelopes, 0)
    spent = 0
    cut_rank = None
    for position, (item, votes) in enumerate(rank(counts, items), start=1):
        reason = outcome[item.id].reason
        if item.field is not None:
            field_spent.setdefault(item.field, 0)
        if reason == FUNDED:
            spent += item.cost
            if item.field is not None:
                field_spent[item.field] += item.cost
        elif cut_rank is None:
            cut_rank = position
        rows.append(Row(position, item, votes, reason == FUNDED, reason))
    return Funding(
        rows=rows, envelope=envelope, spent=spent, field_spent=field_spent, cut_rank=cut_rank
    )
