"""Proposal rules: who proposes and supports, when, and how the team decides."""

import pytest

from deliberation import rules as forum_rules
from deliberation.phases import change_effects
from deliberation.proposals import rules
from deliberation.rules import RuleError


def code_of(check, *args) -> str | None:
    try:
        check(*args)
    except RuleError as error:
        return error.code
    return None


def test_residents_propose_only_during_the_proposal_period():
    assert code_of(rules.check_submission, "proposals", True, 1_000, 10_000) is None
    for phase in ("draft", "deliberation", "voting", "closed", "published"):
        assert code_of(rules.check_submission, phase, True, 1_000, 10_000) == "not_open"


def test_only_residents_of_the_district_propose():
    assert code_of(rules.check_submission, "proposals", False, 1_000, 10_000) == "not_resident"


def test_the_estimate_is_above_zero_and_within_the_envelope():
    assert code_of(rules.check_submission, "proposals", True, 0, 10_000) == "cost_positive"
    assert code_of(rules.check_submission, "proposals", True, 10_001, 10_000) == (
        "cost_over_envelope"
    )
    assert code_of(rules.check_submission, "proposals", True, 10_000, 10_000) is None


@pytest.mark.parametrize(
    ("title", "summary", "dong", "group", "code"),
    [
        ("", "s", "", "", "title_required"),
        ("t", "", "", "", "summary_required"),
        ("t" * 201, "s", "", "", "too_long"),
        ("t", "s" * 3001, "", "", "too_long"),
        ("t", "s", "d" * 41, "", "too_long"),
        ("t", "s", "", "g" * 101, "too_long"),
        ("t" * 200, "s" * 3000, "d" * 40, "g" * 100, None),
    ],
)
def test_a_proposal_has_a_title_a_summary_and_texts_within_their_length(
    title, summary, dong, group, code
):
    assert code_of(rules.check_text, title, summary, dong, group) == code


def test_support_is_for_another_residents_proposal_under_review_during_the_period():
    assert code_of(rules.check_support, "proposals", "submitted", True, False) is None
    assert code_of(rules.check_support, "deliberation", "submitted", True, False) == "not_open"
    assert code_of(rules.check_support, "proposals", "accepted", True, False) == "decided"
    assert code_of(rules.check_support, "proposals", "submitted", False, False) == "not_resident"
    assert code_of(rules.check_support, "proposals", "submitted", True, True) == "own_proposal"


def test_the_team_decides_once_before_voting():
    assert code_of(rules.check_decision, "proposals", "submitted", "accept", "", False) is None
    assert code_of(rules.check_decision, "deliberation", "submitted", "accept", "", False) is None
    for phase in ("voting", "closed", "published", "draft"):
        assert code_of(rules.check_decision, phase, "submitted", "accept", "", False) == (
            "review_closed"
        )
    assert code_of(rules.check_decision, "proposals", "rejected", "accept", "", False) == (
        "decided"
    )
    assert code_of(rules.check_decision, "proposals", "submitted", "vote", "", False) == (
        "unknown_decision"
    )


def test_a_rejection_or_a_merge_gives_a_reason_and_a_merge_a_target():
    check = rules.check_decision
    assert code_of(check, "proposals", "submitted", "reject", "", False) == "reason_required"
    assert code_of(check, "proposals", "submitted", "merge", "", True) == "reason_required"
    assert code_of(check, "proposals", "submitted", "merge", "same", False) == "merge_target"
    assert code_of(check, "proposals", "submitted", "merge", "same", True) is None
    assert code_of(check, "proposals", "submitted", "reject", "r" * 1001, False) == "too_long"


def test_residency_is_the_identity_district_claim():
    assert forum_rules.is_resident("11560", "11560")
    assert not forum_rules.is_resident("11560", "11680")
    assert not forum_rules.is_resident("11560", None)


def test_the_proposal_period_sits_between_draft_and_deliberation():
    assert forum_rules.next_phase("draft") == "deliberation"  # proposals are optional
    assert forum_rules.next_phase("proposals") == "deliberation"
    assert change_effects("draft", "proposals") == ("public", "proposals_open")
    assert change_effects("proposals", "deliberation") == ("proposals_end",)


def test_the_team_hides_a_visible_proposal_with_a_reason_of_at_most_1000_characters():
    assert code_of(rules.check_hide, False, "spam") is None
    assert code_of(rules.check_hide, True, "spam") == "already_hidden"
    assert code_of(rules.check_hide, False, "") == "hide_reason_required"
    assert code_of(rules.check_hide, False, "x" * 1000) is None
    assert code_of(rules.check_hide, False, "x" * 1001) == "too_long"


def test_only_a_hidden_proposal_is_shown_again_the_note_being_optional():
    assert code_of(rules.check_show, True, "") is None
    assert code_of(rules.check_show, False, "") == "not_hidden"
    assert code_of(rules.check_show, True, "x" * 1001) == "too_long"
