"""The forum's phase and voting window, as pure rules (no Flask, no database)."""

from dataclasses import dataclass
from datetime import datetime

UPCOMING = "upcoming"
OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime


def voting_state(phase: str, window: Window, now: datetime) -> str:
    """Whether voting is upcoming, open or closed at ``now``.

    Voting is open when the forum is in its ``voting`` phase and ``starts_at <= now <
    ends_at`` (the end instant itself is already closed). Before the start it is
    upcoming; from the end on, or once the forum is closed or published, it is closed.
    A forum still in draft or deliberation is upcoming whatever the clock says.
    """
    if phase in ("closed", "published"):
        return CLOSED
    if phase != "voting":
        return UPCOMING
    if now < window.starts_at:
        return UPCOMING
    if now >= window.ends_at:
        return CLOSED
    return OPEN


def results_visible(phase: str, window: Window, now: datetime) -> bool:
    """Results are public once voting has closed: never while a ballot can still be cast."""
    return voting_state(phase, window, now) == CLOSED and phase != "draft"
