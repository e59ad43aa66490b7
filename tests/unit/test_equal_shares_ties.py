"""Exact ties in price per unit of utility: the completion of equal shares must skip
the steps over which a tie holds in one go, as it does elsewhere, and agree with the
definition and with pabutools."""

from fractions import Fraction

import pytest
from pabutools.election import ApprovalBallot
from pabutools.election import ApprovalProfile
from pabutools.election import Cardinality_Sat
from pabutools.election import Cost_Sat
from pabutools.election import Instance
from pabutools.election import Project
from pabutools.rules import completion_by_rule_combination
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import method_of_equal_shares

from voting.counting import equal_shares_reference
from voting.counting import mes_completion
from voting.counting.equal_shares import equal_shares
from voting.counting.tally import Election
from voting.counting.tally import Item

# x and y cost their two supporters 300 each at every starting money: an exact tie,
# which x wins by its id. z's one supporter reaches its cost only at 900 a voter, 150
# unit steps above the starting 750.
SAME_SUPPORTERS = (
    [{"x", "y"}, {"x", "y"}, {"z"}, set()],
    [("x", 600), ("y", 600), ("z", 900)],
    3000,
)
# Scaled down from a forum: A-02 (4 supporters) and A-04 (4 supporters, 3 of them A-02's)
# both cost their supporters a quarter of their cost, so they tie at any starting money.
OVERLAPPING = (
    [
        {"A-02", "A-04"},
        {"A-01"},
        {"A-02"},
        {"A-04"},
        {"A-02", "A-04", "A-05"},
        {"A-02", "A-04", "A-05"},
        set(),
        set(),
    ],
    [("A-01", 100), ("A-02", 150), ("A-04", 50), ("A-05", 80)],
    300,
)
TIES = {"same supporters": SAME_SUPPORTERS, "overlapping supporters": OVERLAPPING}
STEPS_ALLOWED = 10  # runs of one completion; walking the tie takes over a hundred


def counted(mes: mes_completion.Mes) -> None:
    """Make ``mes`` count its runs and refuse to walk step by step."""
    runs = [0]
    run = mes.run

    def counting_run(money, want_trace=False):
        runs[0] += 1
        assert runs[0] <= STEPS_ALLOWED, "the completion walks the tie step by step"
        return run(money, want_trace)

    mes.run = counting_run


def completed(ballots, costs, envelope, utility) -> set[str]:
    """The items the completion buys (before the greedy fill), in a few runs."""
    items = [Item(i, c) for i, c in costs]
    election = Election.from_ballots(ballots, items)
    mes = mes_completion.Mes(election.profile, election.counts, items, utility)
    counted(mes)
    return {mes.items[q].id for q in mes.complete(envelope, Fraction(1))}


def pabutools_funded(ballots, costs, envelope, utility) -> set[str]:
    projects = {i: Project(i, c) for i, c in costs}
    instance = Instance(projects.values(), budget_limit=envelope)
    profile = ApprovalProfile([ApprovalBallot(projects[i] for i in b) for b in ballots])
    sat = Cost_Sat if utility == "cost" else Cardinality_Sat
    funded = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    return {p.name for p in funded}


@pytest.mark.parametrize("utility", ["cost", "approval"])
@pytest.mark.parametrize("case", TIES, ids=str)
def test_a_tie_is_crossed_in_a_few_runs(case, utility):
    ballots, costs, envelope = TIES[case]
    chosen = completed(ballots, costs, envelope, utility)
    items = [Item(i, c) for i, c in costs]
    expected = equal_shares_reference.funded_ids(ballots, items, envelope, utility)
    funded = set(equal_shares(ballots, items, envelope, utility=utility).funded_ids)
    assert chosen <= funded == expected == pabutools_funded(ballots, costs, envelope, utility)


def test_the_region_of_a_tie_ends_where_the_outcome_changes():
    # At 750 a voter x then y are bought; the tie holds for good and nothing else
    # changes until z's supporter holds its cost, at 900 (the bound of that one
    # is in fixed point, a hair below).
    ballots, costs, _envelope = SAME_SUPPORTERS
    items = [Item(i, c) for i, c in costs]
    election = Election.from_ballots(ballots, items)
    mes = mes_completion.Mes(election.profile, election.counts, items, "cost")
    outcome, trace = mes.run(Fraction(750), want_trace=True)
    assert [mes.items[q].id for q in outcome] == ["x", "y"]
    assert 900 - Fraction(1, 10**9) < mes.region_end(trace, Fraction(750)) <= 900
    assert [mes.items[q].id for q in mes.run(Fraction(900))[0]] == ["x", "y", "z"]


def region(ballots, costs, money) -> tuple[mes_completion.Mes, list[int], Fraction | None]:
    """A run at ``money`` of a new election: the outcome and the end of its region."""
    items = [Item(i, c) for i, c in costs]
    election = Election.from_ballots(ballots, items)
    mes = mes_completion.Mes(election.profile, election.counts, items, "cost")
    outcome, trace = mes.run(money, want_trace=True)
    return mes, outcome, mes.region_end(trace, money)


def test_money_left_at_exactly_0_grows_and_lowers_a_tied_rivals_price():
    # With 4 a voter, c costs its two supporters all they have; then b, d and e
    # tie at 4 for their one paying supporter, and b wins. With any more money,
    # c's supporters keep some, the first one helps pay for d, and d wins: the
    # tie must end the region at once.
    ballots = [{"c", "d"}, {"a", "b", "d"}, {"e"}, {"c"}]
    costs = [("a", 12), ("b", 4), ("c", 8), ("d", 4), ("e", 4)]
    mes, outcome, end = region(ballots, costs, Fraction(4))
    assert [mes.items[q].id for q in outcome] == ["c", "b", "e"]
    assert end == 4
    assert [mes.items[q].id for q in mes.run(Fraction(4) + Fraction(1, 100))[0]] == ["c", "d", "e"]


def test_money_left_at_exactly_0_grows_and_lowers_the_price_paid_by_the_others():
    # With 3 a voter, e costs its four supporters all they have; a, b and d then
    # tie at 3 for voter 3, and a wins. With 3 + x, the two supporters of a who
    # paid for e pay x each, so voter 3 pays 3 - 2x and keeps 3x: with the x of
    # each of the other two, b becomes affordable at x = 3/5, not at x = 1.
    ballots = [{"b", "c", "e"}, {"a", "e"}, {"a", "b", "d"}, set(), {"b", "c", "e"}, {"a", "e"}]
    costs = [("a", 3), ("b", 3), ("c", 4), ("d", 3), ("e", 12)]
    mes, outcome, end = region(ballots, costs, Fraction(3))
    assert [mes.items[q].id for q in outcome] == ["e", "a"]
    assert Fraction(18, 5) - Fraction(1, 10**9) < end <= Fraction(18, 5)
    assert [mes.items[q].id for q in mes.run(Fraction(18, 5))[0]] == ["e", "a", "b"]
