"""Seeded random approval elections in the Pabulib format, for tests.

Elections are built to exercise the funding rules: vote counts are drawn from a
few levels so that ties are common; project ids mix short and long numbers,
letters and Hangul so that ties are broken on text order ("10" < "9"); costs are
multiples of a unit and the budget is a fraction of the total cost, so some
projects do not fit and others fit exactly; some projects get no votes; and the
vote threshold, when present, equals a vote level so that some projects sit on it.
"""

import random

from voting.counting.pabulib import dumps
from voting.counting.pabulib import PbElection
from voting.counting.pabulib import PbProject
from voting.counting.pabulib import PbVoter

RULES = ("greedy", "greedy-no-skip", "greedy-threshold")
FIELDS = ("환경", "교통", "복지", "문화")


def _project_ids(rng: random.Random, count: int) -> list[str]:
    pool = [str(n) for n in range(1, 130)]
    pool += [f"P{n}" for n in range(1, 30)]
    pool += [f"사업-{n}" for n in range(1, 12)]
    pool += ["2024/A/0007", "2024/A/07", "x", "X"]
    return rng.sample(pool, count)


def random_election(
    seed: int,
    n_projects: int | None = None,
    n_voters: int | None = None,
    rule: str | None = None,
) -> PbElection:
    """A random approval election; the same seed gives the same election."""
    rng = random.Random(seed)
    if n_projects is None:
        n_projects = rng.randint(1, 14)
    if n_voters is None:
        n_voters = rng.choice([0, 1, 2, 5]) if rng.random() < 0.1 else rng.randint(3, 60)
    rule = rule or rng.choice(RULES)

    unit = rng.choice([1, 10, 1000, 2500])
    ids = _project_ids(rng, n_projects)
    costs = [unit * rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 15]) for _ in ids]
    total = sum(costs)
    share = rng.choice([0, 0.2, 0.35, 0.5, 0.5, 0.65, 0.8, 1, 1.2])
    budget = int(total * share) // unit * unit

    levels = rng.sample(range(n_voters + 1), min(rng.randint(1, 4), n_voters + 1))
    if rng.random() < 0.5:
        levels.append(0)
    votes = {pid: rng.choice(levels) for pid in ids}

    picks: list[list[str]] = [[] for _ in range(n_voters)]
    for pid in ids:
        for voter in rng.sample(range(n_voters), votes[pid]):
            picks[voter].append(pid)
    for ballot in picks:
        rng.shuffle(ballot)

    meta = {
        "description": f"Generated election {seed}",
        "country": "Korea",
        "unit": "Seoul",
        "instance": "2026",
        "num_projects": str(n_projects),
        "num_votes": str(n_voters),
        "budget": str(budget) if rng.random() < 0.7 else f"{budget}.0",
        "vote_type": "approval",
        "rule": rule,
        "currency": "KRW",
    }
    if rule != "greedy" or rng.random() < 0.3:
        meta["min_project_score_threshold"] = str(rng.choice(levels))

    projects = []
    for pid, cost in zip(ids, costs, strict=True):
        name = rng.choice(["Park", "Library; reading room", 'The "Green" street', "공원"])
        projects.append(
            PbProject(
                id=pid,
                cost=cost,
                name=f"{name} {pid}",
                category=rng.choice(FIELDS + (None,)),
                votes_column=votes[pid],
                extra={"target": rng.choice(["children", "seniors", ""])},
            )
        )
    voter_ids = rng.sample(range(10_000, 99_999), n_voters)
    voters = [
        PbVoter(id=str(vid), picks=tuple(ballot), extra={"age": str(rng.randint(16, 90))})
        for vid, ballot in zip(voter_ids, picks, strict=True)
    ]
    return PbElection(meta=meta, projects=projects, voters=voters)


def write(path, election: PbElection) -> None:
    """Write an election as a ``.pb`` file (UTF-8)."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(dumps(election))
