"""The Method of Equal Shares as its definition reads: the readable specification of
:mod:`voting.counting.equal_shares`, which computes the same funded sets fast.

Exact (``fractions.Fraction``), short and slow: every round prices every item, and the
completion tries every step of the starting money. The tests run both on many small
elections and require the same outcome; nothing in the product calls this module.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from fractions import Fraction
from itertools import count

from voting.counting.tally import Election
from voting.counting.tally import Item
from voting.counting.tally import rank


def price(cost: int, utility: Fraction, holdings: list[tuple[Fraction, int]]) -> Fraction | None:
    """The smallest price per unit of utility ``rho`` at which supporters holding
    ``holdings`` (money left, number of voters) pay exactly ``cost``, each paying
    ``min(money left, rho * utility)``; None when all they hold is less than ``cost``."""
    if sum(money * voters for money, voters in holdings) < cost:
        return None
    paid, payers = Fraction(0), sum(voters for _money, voters in holdings)
    for money, voters in sorted(holdings):
        rho = (cost - paid) / (payers * utility)
        if rho * utility <= money:
            return rho
        paid, payers = paid + money * voters, payers - voters  # these pay all they have
    raise AssertionError("enough money was checked above")


def run(election: Election, eligible: Iterable[Item], share: Fraction, utility: str) -> list[str]:
    """One run with starting money ``share`` per voter: in each round buy the item with
    the smallest price per unit of utility (ties: smallest item id as text) while any
    item's supporters can pay for it; the ids bought, in order."""
    money = {ballot: share for ballot in election.profile}  # equal ballots hold equal money
    left = {item.id: item for item in eligible if election.counts.get(item.id, 0) > 0}
    bought: list[str] = []
    while True:
        offers = []
        for item in left.values():
            value = Fraction(item.cost if utility == "cost" else 1)
            holdings = [(money[b], n) for b, n in election.profile.items() if item.id in b]
            rho = price(item.cost, value, holdings)
            if rho is not None:
                offers.append((rho, item.id, value))
        if not offers:
            return bought
        rho, chosen, value = min(offers)
        for ballot in money:
            if chosen in ballot:
                money[ballot] -= min(money[ballot], rho * value)
        bought.append(chosen)
        del left[chosen]


def funded_ids(
    ballots: Iterable[Iterable[str]] | Mapping[Iterable[str], int],
    items: Iterable[Item],
    envelope: int,
    utility: str = "cost",
    completion: bool = True,
    min_votes: int = 0,
    increment: int | Fraction = 1,
) -> set[str]:
    """The items funded by the Method of Equal Shares, as the docstring of
    :func:`voting.counting.equal_shares.equal_shares` states the rule (one envelope)."""
    election = Election.from_ballots(ballots, items)
    ranked = [item for item, votes in rank(election.counts, election.items) if votes >= min_votes]
    start = Fraction(envelope, max(election.ballots, 1))
    if not completion:
        return set(run(election, ranked, start, utility)) if election.ballots else set()
    cost = {item.id: item.cost for item in ranked}
    with_votes = [item.id for item in ranked if election.counts.get(item.id, 0) > 0]
    chosen: list[str] = []
    for step in count() if election.ballots else ():
        outcome = run(election, ranked, start + step * Fraction(increment), utility)
        spent = sum(cost[i] for i in outcome)
        if spent > envelope:
            break  # keep the previous step's outcome
        chosen = outcome
        if all(cost[i] > envelope - spent for i in with_votes if i not in outcome):
            break
    funded, left = set(chosen), envelope - sum(cost[i] for i in chosen)
    for item in ranked:  # the rest of the envelope, greedily by votes
        if item.id not in funded and item.cost <= left:
            funded.add(item.id)
            left -= item.cost
    return funded
