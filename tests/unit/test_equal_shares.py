"""The Method of Equal Shares (``voting.counting.equal_shares.equal_shares``) and the rule registry.

Checked by hand on small examples; against a direct, exact implementation of
the definition (below) on many random elections, also with the engine's fixed
point made so coarse that every exact fallback runs; the completion's skipped
steps against running every step; against pabutools 1.2.3 on generated
elections; and against the pabutools outcomes recorded for the real Pabulib
files in ``tests/data``.
"""

import json
import random
import re
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest
from pabutools.election import Cardinality_Sat
from pabutools.election import Cost_Sat
from pabutools.election import parse_pabulib
from pabutools.fractions import frac
from pabutools.rules import completion_by_rule_combination
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import method_of_equal_shares

from tests.unit import pbgen
from voting.counting import equal_shares_reference
from voting.counting import greedy
from voting.counting import mes_completion
from voting.counting import mes_prices
from voting.counting import pabulib
from voting.counting import rulebook
from voting.counting import tally
from voting.counting.equal_shares import equal_shares
from voting.counting.equal_shares import equal_shares_rule
from voting.counting.tally import Election
from voting.counting.tally import Item
from voting.counting.tally import Options

DATA = Path(__file__).resolve().parent.parent / "data"
REAL = sorted(DATA.glob("*.pb"))
SAT = {"cost": Cost_Sat, "approval": Cardinality_Sat}


def profile_of(election: pabulib.PbElection) -> Counter:
    return Counter(frozenset(voter.picks) for voter in election.voters)


def items_of(election: pabulib.PbElection) -> list[Item]:
    return [Item(p.id, p.cost) for p in election.projects]


def funded_set(ballots, items, budget, **options) -> set[str]:
    return set(equal_shares(ballots, items, budget, **options).funded_ids)


# --- by hand ------------------------------------------------------------------------


def test_cost_utility_prefers_the_item_cheapest_per_unit_of_cost():
    # Four voters with 10 each. Round 1: b costs each of its 3 supporters 10,
    # a third of a unit per unit of cost; a costs its 2 supporters 10 each,
    # half a unit. b is bought, its supporters are left with nothing, a is
    # then out of reach, and c is bought by its one supporter.
    items = [Item("a", 20), Item("b", 30), Item("c", 10)]
    ballots = [["a", "b"], ["a", "b"], ["b"], ["c"]]
    assert funded_set(ballots, items, 40, completion=False) == {"b", "c"}
    assert funded_set(ballots, items, 40) == {"b", "c"}


def test_approval_utility_prefers_the_item_cheapest_per_supporter():
    # Every item costs each supporter 10: a tie, broken by id; a is bought.
    # Then b's supporters hold 10 together, less than its cost.
    items = [Item("a", 20), Item("b", 30), Item("c", 10)]
    ballots = [["a", "b"], ["a", "b"], ["b"], ["c"]]
    assert funded_set(ballots, items, 40, utility="approval", completion=False) == {"a", "c"}
    assert funded_set(ballots, items, 40, utility="approval") == {"a", "c"}


def test_a_supporter_short_of_the_price_pays_all_she_has():
    # Three voters with 10 each. With approval utility b (5 per supporter)
    # comes before a (7 each). Then a's supporters hold 10 and 5: the second
    # pays her 5 and the first pays the remaining 9.
    items = [Item("a", 14), Item("b", 10)]
    ballots = [["a"], ["a", "b"], ["b"]]
    mes = mes_completion.Mes(Counter(map(frozenset, ballots)), {"a": 2, "b": 2}, items, "approval")
    bought, _ = mes.run(Fraction(10))
    assert [mes.items[q].id for q in bought] == ["b", "a"]
    funding = equal_shares(ballots, items, 30, utility="approval", completion=False)
    assert funding.funded_ids == ["a", "b"] and funding.spent == 24


def test_completion_raises_the_voters_money_one_unit_at_a_time():
    # Two voters with 5 each: x costs each 3, then y (4, one supporter) is out
    # of reach with 2 left. With 7 each, the second step, y is bought too, and
    # the outcome spends the whole envelope.
    items = [Item("x", 6), Item("y", 4)]
    ballots = [["x", "y"], ["x"]]
    assert funded_set(ballots, items, 10, completion=False) == {"x"}
    assert funded_set(ballots, items, 10) == {"x", "y"}
    mes = mes_completion.Mes(Counter(map(frozenset, ballots)), {"x": 2, "y": 1}, items, "cost")
    assert [mes.items[q].id for q in mes.run(Fraction(6))[0]] == ["x"]
    assert [mes.items[q].id for q in mes.run(Fraction(7))[0]] == ["x", "y"]


def test_completion_stops_when_exhaustive():
    # Voters start with 4: a costs voters 1 and 2 3 each; b and c cost voter 3
    # 3 each, b wins the tie, and voter 3 keeps 1, too little for c, which
    # would still fit the 3 left of the envelope. With 6 each (two steps)
    # voter 3 buys both, and all three items spend the envelope of 12.
    items = [Item("a", 6), Item("b", 3), Item("c", 3)]
    ballots = [["a"], ["a"], ["b", "c"]]
    assert funded_set(ballots, items, 12, completion=False) == {"a", "b"}
    assert funded_set(ballots, items, 12) == {"a", "b", "c"}
    # With 11, only 2 are left after a and b: c does not fit, nothing to do.
    assert funded_set(ballots, items, 11) == {"a", "b"}


def test_completion_keeps_the_last_outcome_within_the_envelope_then_fills_greedily():
    # Three voters with 2 each: neither b (8, two supporters) nor a (6, one)
    # can be paid for, though a would fit. With 3 each, still nothing; with
    # 4 each b's supporters pay 8, more than the envelope of 6. So the
    # outcome of the step before (nothing) is kept, and the greedy fill by
    # votes skips b (8 > 6) and funds a.
    items = [Item("a", 6), Item("b", 8)]
    ballots = [["b"], ["b"], ["a"]]
    assert funded_set(ballots, items, 6, completion=False) == set()
    assert funded_set(ballots, items, 6) == {"a"}


def test_ties_go_to_the_smallest_id_as_text():
    items = [Item("9", 10), Item("10", 10)]
    ballots = [["9", "10"]] * 2
    # Both cost each supporter 5; only one fits; "10" < "9" as text.
    assert funded_set(ballots, items, 10, completion=False) == {"10"}
    assert funded_set(ballots, items, 10, utility="approval", completion=False) == {"10"}


def test_items_without_votes_are_never_bought_by_equal_shares_but_may_fill():
    items = [Item("a", 10), Item("z", 5)]
    ballots = [["a"], ["a"]]
    assert funded_set(ballots, items, 15, completion=False) == {"a"}
    # The completion's greedy fill funds what fits, as pabutools' greedy does.
    assert funded_set(ballots, items, 15) == {"a", "z"}


def test_ballots_that_approve_nothing_still_receive_a_share():
    items = [Item("a", 10)]
    # Two voters with 5 each: a's one supporter cannot pay 10.
    assert funded_set([["a"], []], items, 10, completion=False) == set()
    # Raising each voter's money to 10 (five steps) buys it.
    assert funded_set([["a"], []], items, 10) == {"a"}
    assert funded_set([["a"]], items, 10, completion=False) == {"a"}


def test_no_ballots_or_no_money():
    items = [Item("a", 10), Item("b", 30)]
    assert funded_set([], items, 40, completion=False) == set()
    assert funded_set([], items, 40) == {"a", "b"}  # the greedy fill alone
    assert funded_set([["a"]], items, 0) == set()


def test_the_result_has_the_shape_of_greedys():
    items = [Item("a", 20, "환경"), Item("b", 30, "교통"), Item("c", 10), Item("d", 50, "환경")]
    ballots = [["a", "b"], ["a", "b"], ["b"], ["c"]]
    funding = equal_shares(ballots, items, 40, completion=False)
    assert [(row.rank, row.item.id, row.votes) for row in funding.rows] == [
        (1, "b", 3),
        (2, "a", 2),
        (3, "c", 1),
        (4, "d", 0),
    ]
    assert [(row.funded, row.reason) for row in funding.rows] == [
        (True, "funded"),
        (False, "not_selected"),
        (True, "funded"),
        (False, "not_selected"),
    ]
    assert funding.funded_ids == ["b", "c"]
    assert (funding.envelope, funding.spent, funding.remaining) == (40, 40, 0)
    assert funding.field_spent == {"환경": 0, "교통": 30}
    assert funding.cut_rank == 2
    assert tally.NOT_SELECTED in tally.REASONS


def test_min_votes_leaves_items_out_but_not_their_voters():
    items = [Item("a", 10), Item("b", 10)]
    ballots = [["a"], ["a"], ["b"]]
    funding = equal_shares(ballots, items, 30, min_votes=2)
    assert {row.item.id: row.reason for row in funding.rows} == {
        "a": "funded",
        "b": "below_threshold",
    }
    # Each of the three voters still starts with 10, so a costs its two 5 each.
    assert funding.spent == 10


def test_ballots_and_a_grouped_profile_give_the_same_result():
    election = pbgen.random_election(7)
    items = items_of(election)
    ballots = [voter.picks for voter in election.voters]
    grouped = profile_of(election)
    for completion in (False, True):
        assert equal_shares(ballots, items, election.budget, completion=completion) == (
            equal_shares(grouped, items, election.budget, completion=completion)
        )


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"field_envelopes": {"환경": 11}}, ValueError),
        ({"utility": "votes"}, ValueError),
        ({"increment": 0}, ValueError),
        ({"increment": 0.5}, TypeError),
        ({"min_votes": -1}, ValueError),
    ],
)
def test_bad_options_are_refused(options, error):
    with pytest.raises(error):
        equal_shares([["a"]], [Item("a", 10, "환경")], 10, **options)


def test_bad_ballots_are_refused():
    with pytest.raises(ValueError, match="unknown item ids: b"):
        equal_shares([["a", "b"]], [Item("a", 10)], 10)
    with pytest.raises(ValueError, match="duplicate item id"):
        equal_shares([["a"]], [Item("a", 10), Item("a", 20)], 10)
    with pytest.raises(ValueError):
        equal_shares({frozenset({"a"}): -1}, [Item("a", 10)], 10)


def test_empty_field_envelopes_are_accepted():
    assert funded_set([["a"]], [Item("a", 10)], 10, field_envelopes={}) == {"a"}


# --- against the definition ---------------------------------------------------------


def small_election(seed: int):
    """A random election with ties, misfits and voters with nothing to buy."""
    election = pbgen.random_election(seed, n_voters=random.Random(seed).randint(0, 12))
    return profile_of(election), {p.id: p.cost for p in election.projects}, election.budget


@pytest.mark.parametrize("utility", ["cost", "approval"])
def test_equal_shares_matches_the_definition_on_random_elections(utility):
    checked = 0
    for seed in range(150):
        profile, costs, budget = small_election(seed)
        items = [Item(i, c) for i, c in costs.items()]
        n = sum(profile.values())
        increment = Fraction(max(budget, 1), 10 * max(n, 1))
        for completion in (False, True):
            expected = equal_shares_reference.funded_ids(
                profile, items, budget, utility, completion, increment=increment
            )
            assert (
                funded_set(
                    profile,
                    items,
                    budget,
                    utility=utility,
                    completion=completion,
                    increment=increment,
                )
                == expected
            ), (seed, completion)
            checked += 1
    assert checked == 300


def test_the_exact_fallback_alone_gives_the_same_results(monkeypatch):
    """With no fractional bits, nearly every fixed-point comparison is too
    close to call and is redone exactly: the results must not change."""
    cases = []
    for seed in range(60):
        profile, costs, budget = small_election(seed)
        items = [Item(i, c) for i, c in costs.items()]
        n = sum(profile.values())
        increment = Fraction(max(budget, 1), 10 * max(n, 1))
        for utility in ("cost", "approval"):
            for completion in (False, True):
                options = {"utility": utility, "completion": completion, "increment": increment}
                cases.append((profile, items, budget, options))
    expected = [funded_set(p, i, b, **o) for p, i, b, o in cases]
    monkeypatch.setattr(mes_prices, "_SHIFT", 0)
    monkeypatch.setattr(mes_prices, "_RHO_SHIFT", 0)
    assert [funded_set(p, i, b, **o) for p, i, b, o in cases] == expected


@pytest.mark.parametrize("utility", ["cost", "approval"])
def test_the_money_up_to_the_end_of_a_run_region_gives_the_same_outcome(utility):
    """From any run, ``region_end`` bounds how far the starting money may grow
    with the outcome unchanged: every step below the bound is checked."""
    checked = 0
    for seed in range(30):
        election = pbgen.random_election(seed, n_voters=random.Random(seed).randint(3, 30))
        if not election.budget:
            continue
        profile, items = profile_of(election), items_of(election)
        counts = Election.from_ballots(profile, items).counts
        mes = mes_completion.Mes(profile, counts, items, utility)
        start = Fraction(election.budget, len(election.voters))
        step = Fraction(election.budget, 50 * len(election.voters))
        for k in range(0, 60, 3):
            money = start + k * step
            outcome, trace = mes.run(money, want_trace=True)
            end = mes.region_end(trace, money)
            assert end is None or end >= money
            for j in range(k + 1, k + 6):
                if end is not None and start + j * step >= end:
                    break
                assert mes.run(start + j * step)[0] == outcome, (seed, k, j)
                checked += 1
    assert checked > 100


def test_completion_equals_running_every_step():
    for seed in range(30):
        election = pbgen.random_election(seed, n_voters=random.Random(seed).randint(3, 30))
        if not election.budget:
            continue
        profile = profile_of(election)
        items = items_of(election)
        counts = Election.from_ballots(profile, items).counts
        step = Fraction(election.budget, 40 * len(election.voters))
        mes = mes_completion.Mes(profile, counts, items, "approval")
        stepwise = mes_completion.Mes(profile, counts, items, "approval")
        stepwise.region_end = lambda trace, money: None  # never skip
        assert mes.complete(election.budget, step) == stepwise.complete(election.budget, step)


# --- against pabutools --------------------------------------------------------------


def increment_of(call: str, budget: int, voters: int) -> Fraction:
    """The per-voter increment of a recorded ``mes_completed`` call."""
    if "frac(budget, 100 * n_voters)" in call:
        return Fraction(budget, 100 * voters)
    found = re.search(r"'voter_budget_increment': (\d+)\}", call)
    assert found, call
    return Fraction(int(found.group(1)))


def pabutools_funded(path: Path, utility: str, increment) -> tuple[set, set]:
    instance, profile = parse_pabulib(str(path))
    mp = profile.as_multiprofile()
    sat = SAT[utility]
    mes = method_of_equal_shares(instance, mp, sat_class=sat)
    completed = completion_by_rule_combination(
        instance,
        mp,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": sat, "voter_budget_increment": increment}, {"sat_class": Cost_Sat}],
    )
    return {p.name for p in mes}, {p.name for p in completed}


GENERATED = [
    seed
    for seed in range(55)
    if pbgen.random_election(seed).voters and pbgen.random_election(seed).budget
]


def test_enough_generated_elections_are_compared():
    assert len(GENERATED) >= 40


@pytest.mark.parametrize("utility", ["cost", "approval"])
@pytest.mark.parametrize("seed", GENERATED)
def test_generated_election_matches_pabutools(seed, utility, tmp_path):
    election = pbgen.random_election(seed)
    path = tmp_path / f"generated_{seed}.pb"
    pbgen.write(path, election)
    n = len(election.voters)
    ballots = profile_of(election)
    items = items_of(election)
    increments = [(frac(election.budget, 100 * n), Fraction(election.budget, 100 * n))]
    if election.budget <= 3000:  # few unit steps: pabutools stays quick
        increments.append((1, Fraction(1)))
    for theirs, ours in increments:
        mes, completed = pabutools_funded(path, utility, theirs)
        assert funded_set(ballots, items, election.budget, utility=utility, completion=False) == mes
        assert (
            funded_set(ballots, items, election.budget, utility=utility, increment=ours)
            == completed
        )


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_matches_the_recorded_pabutools_outcomes(path):
    reference = json.loads(path.with_suffix(".reference.json").read_text(encoding="utf-8"))
    election = pabulib.load(path)
    ballots, items, budget = profile_of(election), items_of(election), election.budget
    assert reference["mes"]["call"] == (
        "method_of_equal_shares(instance, profile.as_multiprofile(), sat_class=Cost_Sat)"
    )
    call = reference["mes_completed"]["call"]
    assert call.startswith("completion_by_rule_combination(instance, mp, [method_of_equal_shares")
    increment = increment_of(call, budget, len(election.voters))
    assert funded_set(ballots, items, budget, completion=False) == set(reference["mes"]["funded"])
    assert funded_set(ballots, items, budget, increment=increment) == set(
        reference["mes_completed"]["funded"]
    )


# --- the registry -------------------------------------------------------------------


def test_both_rules_are_registered_under_their_names():
    assert set(rulebook.RULES) == {"greedy", "equal_shares"}
    assert rulebook.RULES["greedy"].fund is greedy.greedy_rule
    assert rulebook.RULES["equal_shares"].fund is equal_shares_rule


def test_every_rule_takes_an_election_and_options_and_returns_a_funding():
    election = Election.from_ballots(
        [["a", "b"], ["a", "b"], ["b"], ["c"]],
        [Item("a", 20), Item("b", 30), Item("c", 10)],
    )
    options = Options(envelope=40, completion=False)
    results = {name: rule.fund(election, options) for name, rule in rulebook.RULES.items()}
    for funding in results.values():
        assert isinstance(funding, tally.Funding)
        assert [row.item.id for row in funding.rows] == ["b", "a", "c"]
        assert [row.rank for row in funding.rows] == [1, 2, 3]
        assert funding.envelope == 40
    assert results["greedy"] == greedy.fund_greedy(tally.rank(election.counts, election.items), 40)
    assert results["equal_shares"] == equal_shares(
        election.profile, election.items, 40, completion=False
    )


def test_the_greedy_rule_passes_its_options_on():
    election = Election.from_ballots(
        [["a", "b"], ["a"], ["c"]],
        [
            Item("a", 20, "x"),
            Item("b", 15, "y"),
            Item("c", 10, "x"),
        ],
    )
    options = Options(envelope=40, field_envelopes={"x": 25}, skip_misfits=False, min_votes=1)
    assert greedy.greedy_rule(election, options) == greedy.fund_greedy(
        tally.rank(election.counts, election.items),
        40,
        field_envelopes={"x": 25},
        skip_misfits=False,
        min_votes=1,
    )


def test_an_election_counts_votes_and_ballots():
    election = Election.from_ballots([["a", "b"], ["a"], [], ["a"]], [Item("a", 1), Item("b", 1)])
    assert election.counts == {"a": 3, "b": 1}
    assert election.ballots == 4
    assert election.profile == {
        frozenset({"a", "b"}): 1,
        frozenset({"a"}): 2,
        frozenset(): 1,
    }
    assert Election(election.items, {("a",): 2}).profile == {frozenset({"a"}): 2}


def test_bought_names_the_items_paid_by_their_supporters_not_the_fill():
    """MES buys A and C from the voters' shares; B, which no ballot picks, is funded
    by the completion from what is left; greedy buys nothing that way."""
    items = [Item("A", 200), Item("B", 30), Item("C", 50), Item("D", 100)]
    ballots = {frozenset("AD"): 4, frozenset("AC"): 3}
    funding = equal_shares(ballots, items, 300)
    assert funding.funded_ids == ["A", "C", "B"]
    assert funding.bought == {"A", "C"}
    assert greedy.greedy_rule(Election.from_ballots(ballots, items), Options(300)).bought == set()


def test_each_rule_is_one_record_that_pabulib_reads_back(app):
    """A rule's Pabulib name is the one Pabulib's readers map back to the same rule, its
    label is what forms offer, and only a rule that ranks by votes decides from counts."""
    with app.test_request_context():
        assert [name for name, _label in rulebook.choices()] == list(rulebook.RULES)
        assert all(str(label) for _name, label in rulebook.choices())
    names = [rule.pabulib for rule in rulebook.RULES.values()]
    assert len(set(names)) == len(names)
    assert rulebook.RULES[rulebook.DEFAULT].ranks_by_votes
    assert not rulebook.EQUAL_SHARES.ranks_by_votes
    items = [Item("a", 60), Item("b", 50), Item("c", 40)]
    election = Election.from_ballots([["a"], ["a", "b"], ["c"]], items)
    options = Options(100)
    assert rulebook.GREEDY.from_counts(election.counts, items, options) == rulebook.GREEDY.fund(
        election, options
    )


def exact_payment_elections(count: int):
    """Small elections where some supporters start with exactly an item's price, so
    that they pay all they have while paying the price: the money they keep is 0 at the
    starting money and grows with it, which the completion must not skip past."""
    for seed in range(count):
        draw = random.Random(seed)
        voters, share = draw.randint(1, 5), draw.randint(1, 12)
        ballots = [set() for _ in range(voters)]
        items = []
        for position in range(draw.randint(2, 5)):
            supporters = draw.sample(range(voters), draw.randint(1, voters))
            for voter in supporters:
                ballots[voter].add(f"P{position}")
            exact = draw.random() < 0.5
            items.append(
                Item(f"P{position}", len(supporters) * share if exact else draw.randint(1, 40))
            )
        yield ballots, items, voters * share


@pytest.mark.parametrize("utility", ["cost", "approval"])
def test_completion_matches_the_definition_where_payments_are_exact(utility):
    for ballots, items, envelope in exact_payment_elections(1500):
        expected = equal_shares_reference.funded_ids(ballots, items, envelope, utility)
        assert funded_set(ballots, items, envelope, utility=utility) == expected, (
            ballots,
            [(item.id, item.cost) for item in items],
            envelope,
        )
