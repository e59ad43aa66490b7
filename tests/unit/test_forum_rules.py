"""The district team's forum rules (deliberation/rules.py), each test stating its rule."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from deliberation import rules
from deliberation.rules import RuleError
from deliberation.rules import Settings

START = datetime(2027, 3, 2, 0, 0, tzinfo=UTC)


def settings(**changes) -> Settings:
    values = dict(
        starts_at=START,
        ends_at=START + timedelta(days=7),
        min_picks=3,
        max_picks=3,
        cost_cap=None,
        envelope=500_000_000,
    )
    values.update(changes)
    return Settings(**values)


def code_of(call) -> str:
    with pytest.raises(RuleError) as info:
        call()
    return info.value.code


def test_valid_settings_pass():
    rules.check_settings(settings(cost_cap=200_000_000), {"복지": 100_000_000, "교육": None})


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"ends_at": START}, "window_order"),  # the window must end after it starts
        ({"ends_at": START - timedelta(hours=1)}, "window_order"),
        ({"min_picks": 0}, "picks_range"),  # at least one pick
        ({"min_picks": 4, "max_picks": 3}, "picks_range"),  # minimum within the maximum
        ({"envelope": 0}, "envelope"),  # a positive envelope
        ({"cost_cap": 0}, "cost_cap"),  # a cap, when set, is positive
    ],
)
def test_invalid_settings_are_refused_with_their_code(changes, code):
    assert code_of(lambda: rules.check_settings(settings(**changes), {})) == code


def test_field_envelopes_are_positive_and_fit_the_forums_envelope():
    rules.check_settings(settings(), {"복지": 250_000_000, "교육": 250_000_000})
    over = {"복지": 300_000_000, "교육": 250_000_000}
    assert code_of(lambda: rules.check_settings(settings(), over)) == "field_envelopes"
    assert code_of(lambda: rules.check_settings(settings(), {"복지": 0})) == "field_envelopes"


@pytest.mark.parametrize(
    "cost, field_envelope, code",
    [
        (0, None, "cost_positive"),
        (-5, None, "cost_positive"),
        (120, 100, "cost_over_field"),  # within the field's own envelope
        (600, None, "cost_over_envelope"),  # and within the forum's
    ],
)
def test_an_item_costs_a_positive_amount_within_both_envelopes(cost, field_envelope, code):
    assert code_of(lambda: rules.check_item_cost(cost, field_envelope, 500)) == code


def test_an_item_that_fits_both_envelopes_passes():
    rules.check_item_cost(100, 100, 500)
    rules.check_item_cost(500, None, 500)


@pytest.mark.parametrize("phase", ["voting", "closed", "published"])
def test_items_and_rules_freeze_once_voting_starts(phase):
    assert code_of(lambda: rules.check_editable(phase)) == "frozen"


@pytest.mark.parametrize("phase", ["draft", "deliberation"])
def test_items_and_rules_can_change_before_voting(phase):
    rules.check_editable(phase)


def transition(current, target, **facts):
    values = dict(
        has_ballots=False,
        now=START + timedelta(days=8),
        ends_at=START + timedelta(days=7),
        approved_items=5,
        max_picks=3,
        deliberation_required=True,
        deliberation_ends_at=START,
    )
    values.update(facts)
    return lambda: rules.check_transition(current, target, **values)


@pytest.mark.parametrize(
    "current, target", [("draft", "deliberation"), ("deliberation", "voting"), ("voting", "closed")]
)
def test_forward_steps_are_allowed(current, target):
    transition(current, target)()


@pytest.mark.parametrize(
    "current, target, facts, code",
    [
        ("voting", "deliberation", {"has_ballots": True}, "backwards"),  # nothing goes back
        ("closed", "voting", {}, "backwards"),  # closing is final
        ("published", "closed", {}, "published"),  # a published forum never changes
        ("voting", "published", {}, "not_closed"),  # publishing needs a closed forum
        ("deliberation", "closed", {}, "not_voted"),  # closing needs a vote
        ("deliberation", "voting", {"approved_items": 2}, "too_few_items"),
        ("voting", "closed", {"now": START + timedelta(days=1)}, "window_open"),
        ("voting", "voting", {}, "same_phase"),
        ("voting", "archived", {}, "unknown_phase"),
        ("proposals", "closed", {}, "not_voted"),
        ("draft", "voting", {}, "deliberation_skipped"),  # deliberation is a step
        ("proposals", "voting", {}, "deliberation_skipped"),
        ("deliberation", "voting", {"deliberation_ends_at": None}, "deliberation_unset"),
        ("deliberation", "voting", {"now": START - timedelta(hours=1)}, "deliberation_open"),
    ],
)
def test_refused_transitions_say_why(current, target, facts, code):
    assert code_of(transition(current, target, **facts)) == code


def test_a_forum_that_does_not_require_deliberation_may_skip_it():
    transition("draft", "voting", deliberation_required=False, deliberation_ends_at=None)()


def test_the_proposal_period_is_optional():
    transition("draft", "proposals")()
    transition("proposals", "deliberation")()
    transition("draft", "deliberation")()


def test_deliberation_ends_no_later_than_voting_opens():
    late = rules.Settings(
        START, START + timedelta(days=7), 3, 3, None, 10, START + timedelta(minutes=1)
    )
    with pytest.raises(rules.RuleError) as refused:
        rules.check_settings(late, {})
    assert refused.value.code == "deliberation_order"
    rules.check_settings(
        rules.Settings(START, START + timedelta(days=7), 3, 3, None, 10, START), {}
    )


def test_going_back_before_any_ballot_is_allowed():
    transition("voting", "deliberation", has_ballots=False)()
