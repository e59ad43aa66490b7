"""The greedy rule: items funded in the order of their votes while they fit.

It matches Pabulib's ``greedy`` family and pabutools'
``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

from voting.counting.tally import _check_whole
from voting.counting.tally import BELOW_THRESHOLD
from voting.counting.tally import Election
from voting.counting.tally import FUNDED
from voting.counting.tally import Funding
from voting.counting.tally import Item
from voting.counting.tally import Options
from voting.counting.tally import OVER_BUDGET
from voting.counting.tally import OVER_FIELD_BUDGET
from voting.counting.tally import rank
from voting.counting.tally import Row
from voting.counting.tally import STOPPED


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
    # Long for its docstring, which states the rule in full; the loop itself is short.
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




def greedy_from_counts(
    counts: Mapping[str, int], items: Iterable[Item], options: Options
) -> Funding:
    """:func:`fund_greedy` on :func:`rank` of the vote counts, under the options."""
    return fund_greedy(
        rank(counts, items),
        options.envelope,
        field_envelopes=options.field_envelopes,
        skip_misfits=options.skip_misfits,
        min_votes=options.min_votes,
    )


def greedy_rule(election: Election, options: Options) -> Funding:
    """:func:`fund_greedy` on :func:`rank` of the election's votes."""
    return greedy_from_counts(election.counts, election.items, options)
