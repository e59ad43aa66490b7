"""tools/verify.py stands alone and counts as the app does."""

import ast
import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from pabutools.election import ApprovalBallot
from pabutools.election import ApprovalProfile
from pabutools.election import Cost_Sat
from pabutools.election import Instance
from pabutools.election import Project
from pabutools.rules import completion_by_rule_combination
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.rules import method_of_equal_shares

from voting.counting import mes_completion
from voting.counting import rulebook
from voting.counting import tally
from voting.publishing import merkle

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify.py"


def _load():
    spec = importlib.util.spec_from_file_location("verify_tool", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


verify = _load()


def test_it_imports_only_the_standard_library():
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    names = set()
    for found in ast.walk(tree):
        if isinstance(found, ast.Import):
            names |= {alias.name.split(".")[0] for alias in found.names}
        elif isinstance(found, ast.ImportFrom):
            names.add(found.module.split(".")[0])
    assert names and names <= set(sys.stdlib_module_names)


@given(st.lists(st.binary(max_size=6), max_size=30), st.data())
def test_its_tree_hashing_is_rfc_6962(datas, data):
    hashes = [merkle.leaf_hash(d) for d in datas]
    assert verify.merkle_root(hashes) == merkle.root(hashes)
    if hashes:
        index = data.draw(st.integers(0, len(hashes) - 1))
        path = merkle.audit_path(index, hashes)
        assert verify.root_from_path(hashes[index], index, len(hashes), path) == merkle.root(hashes)


ITEMS = st.lists(
    st.tuples(st.integers(1, 60), st.sampled_from([None, "a", "b"])), min_size=1, max_size=6
)


@st.composite
def elections(draw):
    specs = draw(ITEMS)
    items = [
        tally.Item(id=f"P{n}", cost=cost, field=field) for n, (cost, field) in enumerate(specs)
    ]
    ids = [item.id for item in items]
    ballots = draw(st.lists(st.sets(st.sampled_from(ids), max_size=3), max_size=14))
    envelope = draw(st.integers(0, 150))
    fields = {}
    if draw(st.booleans()):
        fields = {"a": draw(st.integers(0, envelope // 2))}
    min_votes = draw(st.integers(0, 2))
    skip = draw(st.booleans())
    return items, [frozenset(b) for b in ballots], envelope, fields, min_votes, skip


def _as_snapshot(items, envelope, fields, min_votes, skip):
    forum = {
        "envelope": envelope,
        "field_envelopes": fields,
        "min_votes": min_votes,
        "skip_misfits": skip,
    }
    rows = [{"id": i.id, "cost": i.cost, "field": i.field} for i in items]
    return forum, rows


def _stepwise(monkeypatch):
    """The app's equal shares step by step (no steps skipped), as documented."""
    monkeypatch.setattr(mes_completion.Mes, "region_end", lambda self, trace, b: None)


def _ours(election, rule):
    items, ballots, envelope, fields, min_votes, skip = election
    forum, rows = _as_snapshot(items, envelope, fields, min_votes, skip)
    counts = Counter(pick for ballot in ballots for pick in ballot)
    order = verify.ranked(rows, counts)
    if rule == "greedy":
        reasons, bought = verify.greedy(order, counts, forum)
    else:
        reasons, bought = verify.equal_shares(order, counts, forum, ballots)
    return [row["id"] for row in order], reasons, bought


def _app(election, rule):
    items, ballots, envelope, fields, min_votes, skip = election
    options = tally.Options(
        envelope=envelope, field_envelopes=fields, skip_misfits=skip, min_votes=min_votes
    )
    funding = rulebook.RULES[rule].fund(tally.Election.from_ballots(ballots, items), options)
    order = [row.item.id for row in funding.rows]
    return order, {row.item.id: row.reason for row in funding.rows}, set(funding.bought)


@settings(max_examples=150, deadline=None)
@given(elections(), st.sampled_from(["greedy", "equal_shares"]))
def test_it_funds_what_the_app_funds_step_by_step(election, rule):
    with pytest.MonkeyPatch.context() as patch:
        _stepwise(patch)
        assert _ours(election, rule) == _app(election, rule)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_its_equal_shares_is_pabutools(election):
    items, ballots, envelope, _fields, _min_votes, _skip = election
    counts = Counter(pick for ballot in ballots for pick in ballot)
    projects = {item.id: Project(item.id, item.cost) for item in items}
    instance = Instance(projects.values(), budget_limit=envelope)
    profile = ApprovalProfile([ApprovalBallot([projects[i] for i in b]) for b in ballots])
    theirs = completion_by_rule_combination(
        instance,
        profile,
        [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
    )
    forum = {"envelope": envelope, "field_envelopes": {}, "min_votes": 0}
    rows = [{"id": item.id, "cost": item.cost, "field": None} for item in items]
    reasons, _bought = verify.equal_shares(verify.ranked(rows, counts), counts, forum, ballots)
    assert {i for i, reason in reasons.items() if reason == "funded"} == {p.name for p in theirs}


SKIPPED_TOO_FAR = (
    [tally.Item("P0", 9), tally.Item("P1", 6), tally.Item("P2", 22), tally.Item("P3", 27)],
    [frozenset(), frozenset({"P2", "P1"}), frozenset({"P2", "P0"})],
    33,
)


def test_the_verifier_and_pabutools_fund_p1_here():
    items, ballots, envelope = SKIPPED_TOO_FAR
    election = (items, ballots, envelope, {}, 0, True)
    _order, reasons, bought = _ours(election, "equal_shares")
    assert {i for i, r in reasons.items() if r == "funded"} == {"P1", "P2"} == bought


def test_the_app_skips_no_step_that_changes_the_outcome():
    items, ballots, envelope = SKIPPED_TOO_FAR
    election = (items, ballots, envelope, {}, 0, True)
    assert _app(election, "equal_shares") == _ours(election, "equal_shares")
