"""Our ranking and greedy funding against pabutools, the reference implementation.

For generated elections (written as ``.pb`` files and read by pabutools' own
parser) and for the real Pabulib files in ``tests/data``:

* our ranking is the order in which pabutools' ``greedy_utilitarian_welfare``
  with ``Cost_Sat`` picks projects when the budget covers all of them (so votes
  first, then pabutools' default lexicographic tie-breaking);
* greedy with skipping equals pabutools' greedy;
* greedy without skipping equals pabutools' order cut at the first misfit;
* greedy with a threshold equals pabutools' greedy on the projects with at
  least that many votes;
* equal shares with field envelopes equals pabutools' ``method_of_equal_shares``
  (and its completion) run on each sub-election: each field with an envelope
  (its projects, the ballots that pick among them cut down to them, its
  envelope), then the other projects on the budget less what the fields spent.
"""

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot
from pabutools.election import ApprovalProfile
from pabutools.election import Cardinality_Sat
from pabutools.election import Cost_Sat
from pabutools.election import Instance
from pabutools.election import parse_pabulib
from pabutools.election import Project
from pabutools.fractions import frac
from pabutools.rules import completion_by_rule_combination
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import method_of_equal_shares

from tests.unit import pbgen
from voting.counting import equal_shares
from voting.counting import greedy
from voting.counting import pabulib
from voting.counting import tally

DATA = Path(__file__).resolve().parent.parent / "data"
REAL = sorted(DATA.glob("*.pb"))
SEEDS = range(150)


def _pabutools(path: Path, threshold: int) -> dict[str, list[str]]:
    instance, profile = parse_pabulib(str(path))
    budget = instance.budget_limit

    def greedy(projects, limit) -> list[str]:
        sub = Instance(projects, budget_limit=limit)
        chosen = greedy_utilitarian_welfare(sub, profile, sat_class=Cost_Sat)
        return [project.name for project in chosen]

    everything = sum(project.cost for project in instance)
    order = greedy(instance, everything)
    cost = {project.name: project.cost for project in instance}
    no_skip, spent = [], 0
    for name in order:
        if spent + cost[name] > budget:
            break
        no_skip.append(name)
        spent += cost[name]
    eligible = [p for p in instance if profile.approval_score(p) >= threshold]
    return {
        "order": order,
        "greedy": greedy(instance, budget),
        "no_skip": no_skip,
        "threshold": greedy(eligible, budget),
        "votes": {p.name: int(profile.approval_score(p)) for p in instance},
    }


def _ours(election: pabulib.PbElection, threshold: int) -> dict[str, object]:
    counts = tally.count_votes(voter.picks for voter in election.voters)
    items = [tally.Item(project.id, project.cost) for project in election.projects]
    ranked = tally.rank(counts, items)
    budget = election.budget

    def funded(**options) -> list[str]:
        return greedy.fund_greedy(ranked, budget, **options).funded_ids

    return {
        "order": [item.id for item, _votes in ranked],
        "greedy": funded(),
        "no_skip": funded(skip_misfits=False),
        "threshold": funded(min_votes=threshold),
        "votes": {item.id: votes for item, votes in ranked},
    }


def _compare(path: Path, election: pabulib.PbElection) -> None:
    threshold = pabulib.score_threshold(election.meta)
    ours = _ours(election, threshold)
    theirs = _pabutools(path, threshold)
    assert ours["votes"] == theirs["votes"]
    assert ours["order"] == theirs["order"]
    assert ours["greedy"] == theirs["greedy"]
    assert ours["no_skip"] == theirs["no_skip"]
    assert ours["threshold"] == theirs["threshold"]


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_election_matches_pabutools(seed, tmp_path):
    election = pbgen.random_election(seed)
    path = tmp_path / f"generated_{seed}.pb"
    pbgen.write(path, election)
    _compare(path, pabulib.load(path))


def test_generated_elections_exercise_ties_misfits_and_thresholds():
    """The generator really produces the cases the cross-check is meant to cover."""
    ties = misfits = exact_fits = on_threshold = zero_votes = text_order = 0
    for seed in SEEDS:
        election = pbgen.random_election(seed)
        counts = tally.count_votes(voter.picks for voter in election.voters)
        items = [tally.Item(p.id, p.cost) for p in election.projects]
        ranked = tally.rank(counts, items)
        votes = [v for _item, v in ranked]
        ties += len(set(votes)) < len(votes)
        zero_votes += 0 in votes
        funding = greedy.fund_greedy(ranked, election.budget)
        misfits += any(row.reason == "over_budget" for row in funding.rows)
        exact_fits += funding.spent == funding.envelope and funding.cut_rank is not None
        threshold = pabulib.score_threshold(election.meta)
        on_threshold += threshold > 0 and threshold in votes
        text_order += any(
            a_votes == b_votes and len(a.id) > len(b.id) and a.id.isdigit() and b.id.isdigit()
            for (a, a_votes), (b, b_votes) in zip(ranked, ranked[1:], strict=False)
        )
    assert ties > 100
    assert misfits > 80
    assert exact_fits > 5
    assert on_threshold > 20
    assert zero_votes > 30
    assert text_order > 5


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_matches_pabutools(path):
    _compare(path, pabulib.load(path))


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_pabutools_reads_what_we_write(path, tmp_path):
    election = pabulib.load(path)
    copy = tmp_path / path.name
    pbgen.write(copy, election)
    instance, profile = parse_pabulib(str(copy))
    assert {p.name: int(p.cost) for p in instance} == {p.id: p.cost for p in election.projects}
    assert instance.budget_limit == election.budget
    assert len(profile) == len(election.voters)
    assert [sorted(b_.name for b_ in ballot) for ballot in profile] == [
        sorted(voter.picks) for voter in election.voters
    ]
    _compare(copy, election)


# --- equal shares by field, sub-election by sub-election ------------------------------

SAT = {"cost": Cost_Sat, "approval": Cardinality_Sat}


def _pabutools_sub_election(projects, budget, ballots, utility, completion, increment) -> set:
    """pabutools' MES, completed as ``voting.counting.equal_shares.equal_shares`` documents, on the
    projects, the budget and the ballots (each cut down to the projects, the
    ballots left with none dropped) of one sub-election."""
    instance = Instance(projects, budget_limit=budget)
    kept = [ballot & set(projects) for ballot in ballots]
    profile = ApprovalProfile(
        [ApprovalBallot(ballot) for ballot in kept if ballot], instance=instance
    ).as_multiprofile()
    sat = SAT[utility]
    if not completion:
        return {p.name for p in method_of_equal_shares(instance, profile, sat_class=sat)}
    chosen = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": sat, "voter_budget_increment": increment}, {"sat_class": Cost_Sat}],
    )
    return {p.name for p in chosen}


def _by_field_both_ways(instance, ballots, field_of, envelopes, utility, completion, increment):
    """Each sub-election's funded set by pabutools and by our equal shares by field."""
    theirs: dict = {}
    spent = 0
    cost = {p.name: p.cost for p in instance}
    for name in sorted(envelopes):
        projects = [p for p in instance if field_of[p.name] == name]
        theirs[name] = _pabutools_sub_election(
            projects, envelopes[name], ballots, utility, completion, increment
        )
        spent += sum(cost[p] for p in theirs[name])
    rest = [p for p in instance if field_of[p.name] not in envelopes]
    theirs[None] = _pabutools_sub_election(
        rest, int(instance.budget_limit) - spent, ballots, utility, completion, increment
    )
    items = [tally.Item(p.name, int(p.cost), field_of[p.name]) for p in instance]
    profile = [{p.name for p in ballot} for ballot in ballots]
    funding = equal_shares.equal_shares(
        profile,
        items,
        int(instance.budget_limit),
        utility=utility,
        completion=completion,
        field_envelopes=envelopes,
        increment=Fraction(int(increment.numerator), int(increment.denominator)),
    )
    funded = set(funding.funded_ids)
    ours = {
        name: {i.id for i in items if i.field == name and i.id in funded} for name in envelopes
    }
    ours[None] = {i.id for i in items if i.field not in envelopes and i.id in funded}
    return ours, theirs


def _generated(seed: int) -> tuple:
    election = pbgen.random_election(seed)
    projects = [Project(p.id, p.cost) for p in election.projects]
    by_id = {p.name: p for p in projects}
    instance = Instance(projects, budget_limit=election.budget)
    ballots = [{by_id[i] for i in voter.picks} for voter in election.voters]
    field_of = {p.id: p.category for p in election.projects}
    return election, instance, ballots, field_of


# Shares of the budget given to each of pbgen's four fields (None: no envelope);
# four of the largest add up to the whole budget.
SHARES = st.sampled_from([None, None, 0, 0.05, 0.15, 0.25])


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 5_000),
    shares=st.lists(SHARES, min_size=len(pbgen.FIELDS), max_size=len(pbgen.FIELDS)),
    utility=st.sampled_from(["cost", "approval"]),
    completion=st.booleans(),
)
def test_equal_shares_by_field_matches_pabutools_on_generated_forums(
    seed, shares, utility, completion
):
    election, instance, ballots, field_of = _generated(seed)
    envelopes = {
        name: int(election.budget * share)
        for name, share in zip(pbgen.FIELDS, shares, strict=True)
        if share is not None
    }
    assume(envelopes)
    increment = frac(max(election.budget, 1), 100 * max(len(ballots), 1))
    ours, theirs = _by_field_both_ways(
        instance, ballots, field_of, envelopes, utility, completion, increment
    )
    assert ours == theirs


def test_generated_forums_with_field_envelopes_exercise_the_cases():
    """Fields whose voters are few, ballots with no pick in a field, unspent
    field money that goes on to the rest: the generated forums have them."""
    few = unpicked = carried = 0
    for seed in range(60):
        election, instance, ballots, field_of = _generated(seed)
        envelopes = {name: election.budget // 8 for name in pbgen.FIELDS[:2]}
        ids = {name: {i for i, f in field_of.items() if f == name} for name in envelopes}
        picks = [set(v.picks) for v in election.voters]
        for name in envelopes:
            voters = sum(1 for p in picks if p & ids[name])
            few += 0 < voters < len(picks) // 2
            unpicked += voters < len(picks)
        funding = equal_shares.equal_shares(
            [v.picks for v in election.voters],
            [tally.Item(p.id, p.cost, p.category) for p in election.projects],
            election.budget,
            field_envelopes=envelopes,
            increment=Fraction(max(election.budget, 1), 100 * max(len(ballots), 1)),
        )
        carried += any(funding.field_spent[n] < envelopes[n] for n in envelopes)
    assert few > 12 and unpicked > 80 and carried > 30


# A real election's categories as fields: envelopes for some, the others in the rest.
REAL_ENVELOPES = {
    "France_Toulouse_2022_6_-_Saint-Cyprien": {"Cadre de vie": 100_000, "Nature en ville": 200_000},
    "Poland_Warszawa_2026_Srodmiescie_Poludniowe": {
        "nature and greenery": 450_000,
        "public transit and roads": 20_000,
        "education and science": 60_000,
    },
}


@pytest.mark.parametrize("name", sorted(REAL_ENVELOPES))
@pytest.mark.parametrize("completion", [False, True])
def test_equal_shares_by_field_matches_pabutools_on_a_real_election(name, completion):
    instance, profile = parse_pabulib(str(DATA / f"{name}.pb"))
    field_of = {p.name: next(iter(sorted(p.categories)), None) for p in instance}
    assert all(len(p.categories) <= 1 for p in instance)
    envelopes = REAL_ENVELOPES[name]
    assert set(envelopes) < set(field_of.values())  # some categories go to the rest
    ballots = [set(ballot) for ballot in profile]
    ours, theirs = _by_field_both_ways(
        instance, ballots, field_of, envelopes, "cost", completion, frac(1)
    )
    assert ours == theirs
    if completion:
        assert all(theirs.values())  # every sub-election funds something
