"""What became of a resident's picks, read from the published payload alone."""

from voting.publishing.pick_outcomes import BELOW_CUT
from voting.publishing.pick_outcomes import BELOW_MINIMUM
from voting.publishing.pick_outcomes import DID_NOT_FIT
from voting.publishing.pick_outcomes import FUNDED
from voting.publishing.pick_outcomes import pick_outcomes


def item(rank, id, cost, votes, reason, field=None):
    return {
        "rank": rank,
        "id": id,
        "title": f"의제 {id}",
        "field": field,
        "cost": cost,
        "votes": votes,
        "funded": reason == "funded",
        "reason": reason,
    }


def payload(rule, items, envelope, field_envelopes=None, min_votes=0, cut_rank=None):
    spent = sum(i["cost"] for i in items if i["funded"])
    return {
        "forum": {
            "envelope": envelope,
            "field_envelopes": field_envelopes or {},
            "min_votes": min_votes,
        },
        "rule": rule,
        "items": items,
        "spent": spent,
        "cut_rank": cut_rank,
    }


def by_id(outcomes):
    return {o.id: o for o in outcomes}


def test_greedy_a_misfit_says_what_was_left_when_its_turn_came():
    result = payload(
        "greedy",
        [
            item(1, "A", 200, 9, "funded"),
            item(2, "B", 150, 7, "over_budget"),  # 100 left: does not fit
            item(3, "C", 60, 5, "funded"),  # fits the 100 left, skipping B
            item(4, "D", 50, 2, "over_budget"),  # 40 left
        ],
        envelope=300,
    )
    outcomes = by_id(pick_outcomes(result, ["B", "C", "D"]))
    assert list(outcomes) == ["B", "C", "D"]  # rank order, only the picks
    assert outcomes["C"].funded and outcomes["C"].why == FUNDED
    assert (outcomes["B"].why, outcomes["B"].left) == (DID_NOT_FIT, 100)
    assert (outcomes["D"].why, outcomes["D"].left) == (DID_NOT_FIT, 40)
    assert not outcomes["B"].by_shares


def test_greedy_a_field_misfit_counts_its_fields_envelope():
    result = payload(
        "greedy",
        [
            item(1, "A", 80, 9, "funded", field="환경"),
            item(2, "B", 50, 8, "over_field_budget", field="환경"),  # 20 left in 환경
            item(3, "C", 50, 7, "funded", field="복지"),
        ],
        envelope=300,
        field_envelopes={"환경": 100},
    )
    outcomes = by_id(pick_outcomes(result, ["B"]))
    assert (outcomes["B"].why, outcomes["B"].left) == (DID_NOT_FIT, 20)


def test_greedy_that_stops_at_a_misfit_puts_the_rest_below_the_cut_line():
    result = payload(
        "greedy",
        [
            item(1, "A", 200, 30, "funded"),
            item(2, "B", 150, 21, "over_budget"),  # the cut line is drawn above B
            item(3, "C", 60, 12, "stopped"),
            item(4, "D", 60, 21, "stopped"),  # same votes as B, after it on the tie-break
        ],
        envelope=300,
        cut_rank=2,
    )
    outcomes = by_id(pick_outcomes(result, ["C", "D"]))
    assert (outcomes["C"].why, outcomes["C"].short_by) == (BELOW_CUT, 9)
    assert (outcomes["D"].why, outcomes["D"].short_by) == (BELOW_CUT, 0)


def test_below_the_minimum_says_by_how_many_votes():
    result = payload(
        "greedy",
        [item(1, "A", 100, 40, "funded"), item(2, "B", 10, 13, "below_threshold")],
        envelope=300,
        min_votes=20,
    )
    outcome = pick_outcomes(result, ["B"])[0]
    assert (outcome.why, outcome.short_by, outcome.funded) == (BELOW_MINIMUM, 7, False)


def test_equal_shares_a_misfit_is_shown_against_what_the_rule_left():
    result = payload(
        "equal_shares",
        [
            item(1, "A", 200, 9, "funded"),
            item(2, "B", 150, 7, "not_selected"),
            item(3, "C", 60, 5, "funded"),
        ],
        envelope=300,
    )
    outcomes = by_id(pick_outcomes(result, ["A", "B"]))
    assert outcomes["A"].why == FUNDED
    assert (outcomes["B"].why, outcomes["B"].left, outcomes["B"].by_shares) == (
        DID_NOT_FIT,
        40,
        True,
    )


def test_equal_shares_with_field_envelopes_uses_the_fields_money():
    result = payload(
        "equal_shares",
        [
            item(1, "A", 70, 9, "funded", field="환경"),
            item(2, "B", 50, 8, "not_selected", field="환경"),
            item(3, "C", 100, 7, "funded", field="복지"),
            item(4, "D", 200, 6, "not_selected", field="복지"),
        ],
        envelope=300,
        field_envelopes={"환경": 100},
    )
    outcomes = by_id(pick_outcomes(result, ["B", "D"]))
    assert outcomes["B"].left == 30  # 환경's own 100 less A's 70
    assert outcomes["D"].left == 130  # the forum's 300 less everything spent


def test_a_pick_missing_from_the_result_is_left_out():
    result = payload("greedy", [item(1, "A", 100, 1, "funded")], envelope=300)
    assert [o.id for o in pick_outcomes(result, ["A", "gone"])] == ["A"]
