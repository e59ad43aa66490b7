"""Equal shares on a forum whose fields have their own envelopes, checked by hand.

The cross-check against pabutools, sub-election by sub-election, is in
``test_pabutools_crosscheck.py``.
"""

from collections import Counter

import pytest

from voting.counting import equal_shares_fields
from voting.counting import rulebook
from voting.counting.equal_shares import equal_shares
from voting.counting.tally import Election
from voting.counting.tally import Item
from voting.counting.tally import Options

ITEMS = [
    Item("e1", 60, "환경"),
    Item("e2", 40, "환경"),
    Item("w1", 50, "복지"),
    Item("r1", 30),
    Item("c1", 30, "문화"),
]


def test_each_field_is_funded_on_its_envelope_by_those_who_picked_there():
    # 환경 has 100 for its 4 voters (25 each): e1 (60) costs its 3 supporters
    # 20 each; then e2 (40) has one supporter with 25 and one with 5: out of
    # reach; the completion raises the shares until both fit (60 + 40 = 100).
    # The ballot ["w1"] takes no part in 환경, so it does not dilute its share.
    ballots = [["e1", "e2"], ["e1"], ["e1", "w1"], ["e2"], ["w1"]]
    funding = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 100}, completion=False)
    # Without completion: 환경 buys e1 only (e2's supporters hold 5 + 25 < 40).
    assert {r.item.id: r.reason for r in funding.rows if r.item.field == "환경"} == {
        "e1": "funded",
        "e2": "not_selected",
    }
    completed = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 100})
    assert completed.field_spent["환경"] == 100
    assert {"e1", "e2"} <= set(completed.funded_ids)


def test_a_ballot_with_no_pick_in_the_field_takes_no_part_in_it():
    # 환경's one supporter of e1 is its only voter: she holds all 60.
    # Were the four other ballots counted in 환경, she would hold 12.
    ballots = [["e1"], ["w1"], ["w1"], ["r1"], ["r1"]]
    funding = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 60}, completion=False)
    assert "e1" in funding.funded_ids
    sub = equal_shares_fields.sub_elections(
        Election.from_ballots(ballots, ITEMS), {"환경": 60}
    )
    assert [(s.field, s.election.ballots) for s in sub] == [("환경", 1), (None, 4)]


def test_the_rest_is_funded_on_the_envelope_less_what_the_fields_spent():
    # 환경 (envelope 100) spends 60 on e1; e2 has no votes and 40 would fit,
    # but without completion nothing fills it. The rest (복지, 문화 and r1)
    # then runs on 200 - 60 = 140, not on 200 - 100.
    ballots = [["e1"], ["w1", "r1"], ["w1", "c1"], ["r1", "c1"]]
    options = {"field_envelopes": {"환경": 100}, "completion": False}
    funding = equal_shares(ballots, ITEMS, 200, **options)
    assert funding.field_spent["환경"] == 60
    rest = Election.from_ballots(
        Counter(map(frozenset, [{"w1", "r1"}, {"w1", "c1"}, {"r1", "c1"}])),
        [item for item in ITEMS if item.field != "환경"],
    )
    alone = equal_shares(rest.profile, rest.items, 140, completion=False)
    assert set(funding.funded_ids) == {"e1", *alone.funded_ids}
    assert funding.spent == 60 + alone.spent
    # 140 over 3 voters buys all three rest items (110); 100 would not (w1's
    # supporters would be short).
    assert set(alone.funded_ids) == {"w1", "r1", "c1"}


def test_the_result_is_in_the_forums_ranking_with_the_forums_totals():
    ballots = [["e1", "w1"], ["e1", "r1"], ["e2"], ["w1"], ["w1"]]
    funding = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 100, "복지": 50})
    assert [(row.rank, row.item.id, row.votes) for row in funding.rows] == [
        (1, "w1", 3),
        (2, "e1", 2),
        (3, "e2", 1),
        (4, "r1", 1),
        (5, "c1", 0),
    ]
    assert funding.envelope == 200
    assert funding.spent == sum(row.item.cost for row in funding.rows if row.funded)
    assert set(funding.field_spent) == {"환경", "복지", "문화"}
    for name, amount in {"환경": 100, "복지": 50}.items():
        assert funding.field_spent[name] <= amount
    first_not_funded = next((row.rank for row in funding.rows if not row.funded), None)
    assert funding.cut_rank == first_not_funded


def test_min_votes_holds_within_each_field():
    ballots = [["e1", "e2"], ["e1"], ["w1"]]
    funding = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 100}, min_votes=2)
    reasons = {row.item.id: row.reason for row in funding.rows}
    assert reasons["e2"] == "below_threshold" and reasons["w1"] == "below_threshold"
    assert reasons["e1"] == "funded"


def test_field_envelopes_over_the_forum_envelope_are_refused():
    with pytest.raises(ValueError, match="add up to 250"):
        equal_shares([["e1"]], ITEMS, 200, field_envelopes={"환경": 150, "복지": 100})
    with pytest.raises(ValueError):
        equal_shares([["e1"]], ITEMS, 200, field_envelopes={"환경": -1})


def test_the_registered_rule_splits_by_field():
    election = Election.from_ballots([["e1", "w1"], ["e2"], ["r1"]], ITEMS)
    options = Options(envelope=200, field_envelopes={"환경": 100})
    assert rulebook.RULES["equal_shares"].fund(election, options) == equal_shares(
        election.profile, ITEMS, 200, field_envelopes={"환경": 100}
    )


def test_without_field_envelopes_every_ballot_takes_part():
    # The forum is one election: the empty ballot still receives a share, so
    # the one voter of a holds 5 of 10 and cannot buy it without completion.
    assert equal_shares([["r1"], []], [Item("r1", 10)], 10, completion=False).funded_ids == []
    assert equal_shares(
        [["r1"], []], [Item("r1", 10)], 10, completion=False, field_envelopes={}
    ).funded_ids == []



def test_the_items_bought_by_shares_are_those_bought_in_each_sub_election():
    # 환경 (100 for its 2 voters, 50 each) buys e1 (60) from its supporters' shares.
    # The rest runs on 200 - 60 = 140 for its 2 voters (70 each): w1 (50) costs its two
    # supporters 25 each, then r1 (30) fits the 45 its supporter has left. All three
    # are "bought" (funded_by "shares" in the published snapshot), none by a remainder.
    ballots = [["e1"], ["e1"], ["w1"], ["w1", "r1"]]
    funding = equal_shares(ballots, ITEMS, 200, field_envelopes={"환경": 100}, completion=False)
    assert funding.bought == frozenset({"e1", "w1", "r1"})
    assert set(funding.funded_ids) == {"e1", "w1", "r1"}
