"""Ballot validity, as a pure rule: data in, a valid choice or a reason out.

No Flask, no SQLAlchemy: the service turns a ``BallotError`` code into a message.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from deliberation.rules import is_resident


@dataclass(frozen=True)
class Option:
    """One agenda item as the ballot sees it."""

    cost: int
    status: str = "approved"


@dataclass(frozen=True)
class BallotRules:
    min_picks: int = 3
    max_picks: int = 3
    cost_cap: int | None = None


@dataclass
class BallotError(ValueError):
    """Why a ballot is refused. ``code`` is stable; ``params`` fill the message."""

    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.params}"


def validate_picks(
    picks: Sequence[str], options: Mapping[str, Option], rules: BallotRules
) -> tuple[str, ...]:
    """Return the picks as a tuple if they form a valid ballot, else raise BallotError.

    A ballot is valid when, checked in this order:
    1. no item is picked twice (``duplicate``);
    2. every pick names an item of this forum (``unknown_item``): an id from another
       forum is unknown here;
    3. no pick is withdrawn (``withdrawn``) or still only proposed (``not_on_ballot``);
    4. the number of picks is within ``min_picks..max_picks`` (``too_few`` /
       ``too_many``);
    5. with a cost cap, the summed cost of the picks is at most the cap
       (``over_cost_cap``).
    """
    seen: set[str] = set()
    for pick in picks:
        if pick in seen:
            raise BallotError("duplicate", {"item": pick})
        seen.add(pick)
    for pick in picks:
        option = options.get(pick)
        if option is None:
            raise BallotError("unknown_item", {"item": pick})
        if option.status == "withdrawn":
            raise BallotError("withdrawn", {"item": pick})
        if option.status != "approved":
            raise BallotError("not_on_ballot", {"item": pick})
    limits = {"count": len(picks), "min": rules.min_picks, "max": rules.max_picks}
    if len(picks) < rules.min_picks:
        raise BallotError("too_few", limits)
    if len(picks) > rules.max_picks:
        raise BallotError("too_many", limits)
    if rules.cost_cap is not None:
        total = sum(options[pick].cost for pick in picks)
        if total > rules.cost_cap:
            raise BallotError("over_cost_cap", {"total": total, "cap": rules.cost_cap})
    return tuple(picks)


def is_eligible(forum_district: str, voter_district: str | None) -> bool:
    """A resident may vote in a forum when the identity's district claim is the forum's
    (the rule lives with the forum's other residency rules)."""
    return is_resident(forum_district, voter_district)


def outreach_tag(stored: object) -> str | None:
    """The outreach link code a browser's session carries, if it looks like one: a
    string of 4 to 16 URL-safe characters. Anything else is no tag; whether the code
    names a link of the forum is checked where the ballot is stored."""
    if not isinstance(stored, str) or not 4 <= len(stored) <= 16:
        return None
    return stored if all(c.isascii() and (c.isalnum() or c in "-_") for c in stored) else None
