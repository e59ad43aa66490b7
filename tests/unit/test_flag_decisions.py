"""The flag decision rules: every status and action of the pure state machine."""

import pytest

from voting.oversight.decisions import ACTIONS
from voting.oversight.decisions import APPROVER
from voting.oversight.decisions import CLEARED
from voting.oversight.decisions import CONFIRMED
from voting.oversight.decisions import DECIDER
from voting.oversight.decisions import EXCLUDE
from voting.oversight.decisions import INCLUDE
from voting.oversight.decisions import KEEP
from voting.oversight.decisions import NOBODY
from voting.oversight.decisions import OPEN
from voting.oversight.decisions import PENDING_APPROVAL
from voting.oversight.decisions import Refusal
from voting.oversight.decisions import STATUSES
from voting.oversight.decisions import Transition
from voting.oversight.decisions import transition


def step(status, action, *, published=False, reason=True, changes=False, first=False):
    return transition(
        status,
        action,
        published=published,
        has_reason=reason,
        changes_outcome=changes,
        operator_decided_first=first,
    )


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_a_published_forums_flags_never_change(status, action):
    assert step(status, action, published=True) == Refusal("published", 409)


@pytest.mark.parametrize("action", ["", "delete", "CONFIRM"])
def test_unknown_actions_are_refused(action):
    assert step(OPEN, action) == Refusal("unknown_action", 422)


@pytest.mark.parametrize("status", STATUSES)
def test_clearing_counts_the_ballots_again_from_any_status(status):
    assert step(status, "clear", reason=False) == Transition(CLEARED, DECIDER, INCLUDE)


@pytest.mark.parametrize("status", STATUSES)
def test_reopening_forgets_the_decision_from_any_status(status):
    assert step(status, "reopen", reason=False) == Transition(OPEN, NOBODY, INCLUDE)


@pytest.mark.parametrize("status", [OPEN, CLEARED, PENDING_APPROVAL])
def test_a_confirmation_needs_a_reason(status):
    assert step(status, "confirm", reason=False) == Refusal("reason", 422)


@pytest.mark.parametrize("changes", [False, True])
def test_a_confirmed_flag_cannot_be_confirmed_again(changes):
    assert step(CONFIRMED, "confirm", changes=changes) == Refusal("already_confirmed", 409)


@pytest.mark.parametrize("status", [OPEN, CLEARED])
def test_a_confirmation_that_changes_nothing_excludes_at_once(status):
    assert step(status, "confirm") == Transition(CONFIRMED, DECIDER, EXCLUDE)


@pytest.mark.parametrize("status", [OPEN, CLEARED])
def test_a_confirmation_that_changes_the_result_waits_for_approval(status):
    assert step(status, "confirm", changes=True) == Transition(PENDING_APPROVAL, DECIDER, KEEP)


def test_the_first_decider_cannot_approve_their_own_confirmation():
    refused = step(PENDING_APPROVAL, "confirm", changes=True, first=True)
    assert refused == Refusal("second_operator", 409)


def test_a_second_operator_approves_and_the_ballots_are_excluded():
    approved = step(PENDING_APPROVAL, "confirm", changes=True, first=False)
    assert approved == Transition(CONFIRMED, APPROVER, EXCLUDE)


def test_a_wait_no_longer_needed_is_approved_by_anyone():
    # a rescan found that the flag no longer changes the result
    approved = step(PENDING_APPROVAL, "confirm", changes=False, first=True)
    assert approved == Transition(CONFIRMED, APPROVER, EXCLUDE)
