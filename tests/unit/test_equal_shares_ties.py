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


def counted(mes: mes_completion.Mes) -> list[int]:
    """Make ``mes`` count its runs (and refuse to walk step by step): the count."""
    runs = [0]
    run = mes.run

    def counting_run(money, want_trace=False):
        runs[0] += 1
        assert runs[0] <= STEPS_ALLOWED, "the completion walks the tie step by step"
        return run(money, want_trace)

    mes.run = counting_run
    return runs


def completed(ballots, costs, envelope, utility) -> tuple[set[str], int]:
    """The items the completion buys (before the greedy fill) and how many runs it took."""
    items = [Item(i, c) for i, c in costs]
    election = Election.from_ballots(ballots, items)
    mes = mes_completion.Mes(election.profile, election.counts, items, utility)
    runs = counted(mes)
    chosen = mes.complete(envelope, Fraction(1))
    return {mes.items[q].id for q in chosen}, runs[0]


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
    chosen, runs = completed(ballots, costs, envelope, utility)
    assert runs <= 3
    items = [Item(i, c) for i, c in costs]
    expected = equal_shares_reference.funded_ids(ballots, items, envelope, utility)
    funded = set(equal_shares(ballots, items, envelope, utility=utility).funded_ids)
    assert chosen <= funded == expected == pabutools_funded(ballots, costs, envelope, utility)


def test_the_region_of_a_tie_ends_where_the_outcome_changes():
    # At 750 a voter x then y are bought; the tie holds for good and nothing else
    # changes until z's supporter holds its cost, at 900.
    ballots, costs, _envelope = SAME_SUPPORTERS
    items = [Item(i, c) for i, c in costs]
    election = Election.from_ballots(ballots, items)
    mes = mes_completion.Mes(election.profile, election.counts, items, "cost")
    outcome, trace = mes.run(Fraction(750), want_trace=True)
    assert [mes.items[q].id for q in outcome] == ["x", "y"]
    assert mes.region_end(trace, Fraction(750)) == 900
    assert [mes.items[q].id for q in mes.run(Fraction(900))[0]] == ["x", "y", "z"]
