"""Our ranking and greedy funding against pabutools, the reference implementation.

For generated elections (written as ``.pb`` files and read by pabutools' own
parser) and for the real Pabulib files in ``tests/data``:

* our ranking is the order in which pabutools' ``greedy_utilitarian_welfare``
  with ``Cost_Sat`` picks projects when the budget covers all of them (so votes
  first, then pabutools' default lexicographic tie-breaking);
* greedy with skipping equals pabutools' greedy;
* greedy without skipping equals pabutools' order cut at the first misfit;
* greedy with a threshold equals pabutools' greedy on the projects with at
  least that many votes.
"""

from pathlib import Path

import pytest
from pabutools.election import Cost_Sat
from pabutools.election import Instance
from pabutools.election import parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare

from tests.unit import pbgen
from voting import pabulib
from voting import tally

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
        return tally.fund_greedy(ranked, budget, **options).funded_ids

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
        funding = tally.fund_greedy(ranked, election.budget)
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
