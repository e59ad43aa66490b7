"""Pure rules of publication and phase changes: who approves, what a change freezes."""

import pytest

from deliberation.phases import change_effects
from deliberation.rules import next_phase
from voting.publishing.publication import ApprovalError
from voting.publishing.publication import check_approval


def test_another_member_approves_the_rule_they_were_shown():
    check_approval("user:1", "user:2", "equal_shares", "equal_shares")


def test_the_proposer_cannot_approve():
    with pytest.raises(ApprovalError) as refused:
        check_approval("user:1", "user:1", "greedy", "greedy")
    assert refused.value.code == "own_proposal"


def test_an_approval_is_for_the_proposed_rule_only():
    with pytest.raises(ApprovalError) as refused:
        check_approval("user:1", "user:2", "greedy", "equal_shares")
    assert refused.value.code == "changed"


def test_starting_voting_freezes_items_and_rules_for_good():
    effects = change_effects("deliberation", "voting")
    assert "freeze" in effects and "no_way_back" in effects


def test_closing_is_final():
    assert {"ends_voting", "final"} <= set(change_effects("voting", "closed"))


def test_going_back_from_voting_unfreezes_and_opening_deliberation_is_public():
    assert change_effects("voting", "deliberation") == ("unfreeze",)
    assert change_effects("draft", "deliberation") == ("public",)
    assert change_effects("deliberation", "draft") == ("hidden",)


@pytest.mark.parametrize(
    "current, expected",
    [
        ("draft", "deliberation"),
        ("deliberation", "voting"),
        ("voting", "closed"),
        ("closed", "published"),
        ("published", "published"),
    ],
)
def test_the_usual_next_phase(current, expected):
    assert next_phase(current) == expected
