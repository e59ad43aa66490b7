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


def change_effects(current: str, target: str) -> tuple[str, ...]:
    """What moving a forum from ``current`` to ``target`` does, for the confirmation page.

    - into deliberation from a draft, residents see the forum (``public``);
    - into the proposal period, residents also propose and support items
      (``proposals_open``); from it into deliberation, they no longer do (``proposals_end``);
    - back to a draft, they no longer do (``hidden``);
    - into voting, items and rules freeze (``freeze``), residents vote within the
      window (``window``), and once a ballot exists the forum never goes back (``no_way_back``);
    - closing ends voting for good (``ends_voting``, ``final``); the result is then
      previewed and published (``publish_next``);
    - from voting back to deliberation (possible only without ballots), items and rules
      can be edited again (``unfreeze``).
    """
    if target == "voting":
        return ("freeze", "window", "no_way_back")
    if target == "closed":
        return ("ends_voting", "final", "publish_next")
    if target == "draft":
        return ("hidden",)
    if target == "proposals":
        return ("public", "proposals_open") if current == "draft" else ("proposals_open",)
    if target == "deliberation":
        if current == "voting":
            return ("unfreeze",)
        return ("proposals_end",) if current == "proposals" else ("public",)
    return ()
