"""Rules for a resident's own comments, as pure functions (no Flask, no SQLAlchemy)."""

from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import Protocol
from typing import TypeVar

EDIT_WINDOW = timedelta(minutes=15)


def editable(posted_at: datetime, now: datetime, window: timedelta = EDIT_WINDOW) -> bool:
    """A comment can be edited by its author for 15 minutes after it was posted.

    The window is counted from posting (an edit does not extend it) and includes its
    last instant: at 15:00 after posting it can still be edited, at 15:01 it cannot.
    """
    return timedelta(0) <= now - posted_at <= window


def minutes_left(posted_at: datetime, now: datetime, window: timedelta = EDIT_WINDOW) -> int:
    """Whole minutes left to edit, rounded up (0 once the window has passed)."""
    left = window - (now - posted_at)
    if left <= timedelta(0):
        return 0
    return -(-int(left.total_seconds()) // 60)


class _Removable(Protocol):
    deleted_at: datetime | None


C = TypeVar("C", bound=_Removable)


def shown_thread(comment: C, replies: Sequence[C]) -> tuple[bool, list[C]]:
    """What a thread shows once its author deleted some of it.

    A deleted reply is not shown. A deleted top-level comment is shown (as
    "deleted comment", without its body) while it has replies still shown, so they
    keep their context; without them the whole thread disappears. Returns whether the
    thread is shown, and its replies to show.
    """
    kept = [reply for reply in replies if reply.deleted_at is None]
    return (comment.deleted_at is None or bool(kept)), kept
