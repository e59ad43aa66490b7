"""The Method of Equal Shares, exact, as pabutools' ``method_of_equal_shares``.

Every voter gets an equal share of the envelope; an item is bought when its supporters
can pay for it, the one whose price per unit of utility is lowest first. The run at one
starting money is :mod:`voting.counting.mes_engine`; the completion, which raises the
starting money step by step, is :mod:`voting.counting.mes_completion`; forums whose
fields have their own envelopes go through :mod:`voting.counting.equal_shares_fields`.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from fractions import Fraction

from voting.counting.mes_completion import Mes
from voting.counting.tally import _check_whole
from voting.counting.tally import BELOW_THRESHOLD
from voting.counting.tally import Election
from voting.counting.tally import FUNDED
from voting.counting.tally import Funding
from voting.counting.tally import Item
from voting.counting.tally import NOT_SELECTED
from voting.counting.tally import Options
from voting.counting.tally import rank
from voting.counting.tally import Row
from voting.counting.tally import UTILITIES


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
    mes = Mes(election.profile, election.counts, eligible, utility)
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


