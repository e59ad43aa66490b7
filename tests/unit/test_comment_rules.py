"""A resident's own comments: the edit window and what a deleted comment leaves."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from deliberation import comment_rules

POSTED = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "allowed"),
    [
        (timedelta(0), True),
        (timedelta(minutes=14, seconds=59), True),
        (timedelta(minutes=15), True),
        (timedelta(minutes=15, seconds=1), False),
        (timedelta(hours=3), False),
        (timedelta(seconds=-1), False),  # a clock that went back never opens a window
    ],
)
def test_a_comment_is_editable_for_fifteen_minutes(after, allowed):
    assert comment_rules.editable(POSTED, POSTED + after) is allowed


def test_minutes_left_round_up_and_stop_at_zero():
    assert comment_rules.minutes_left(POSTED, POSTED) == 15
    assert comment_rules.minutes_left(POSTED, POSTED + timedelta(minutes=14, seconds=1)) == 1
    assert comment_rules.minutes_left(POSTED, POSTED + timedelta(minutes=16)) == 0


@dataclass
class Note:
    deleted_at: datetime | None = None


def test_a_deleted_comment_with_replies_stays_as_a_placeholder():
    gone, reply = Note(POSTED), Note()
    assert comment_rules.shown_thread(gone, [reply]) == (True, [reply])


def test_a_deleted_comment_without_replies_disappears():
    assert comment_rules.shown_thread(Note(POSTED), []) == (False, [])
    # its only reply deleted too: nothing is left to give context to
    assert comment_rules.shown_thread(Note(POSTED), [Note(POSTED)]) == (False, [])


def test_deleted_replies_are_not_shown():
    top, kept, gone = Note(), Note(), Note(POSTED)
    assert comment_rules.shown_thread(top, [gone, kept]) == (True, [kept])
