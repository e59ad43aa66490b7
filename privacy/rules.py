"""Pure rules of personal data: consent, minimum age and when retention ends.

No Flask, no database: each takes plain values and says yes or no.
"""

from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import timedelta


def consent_is_current(held: str | None, current: str) -> bool:
    """A resident may vote, comment or propose only while the consent they gave is of
    the current version of the texts: a new version asks everyone again."""
    return held is not None and held == current


def missing_required(required: Iterable[str], ticked: Iterable[str]) -> list[str]:
    """The required consent items not ticked, in the order given. Consent counts only
    when every required item is ticked; optional items never block it."""
    chosen = set(ticked)
    return [key for key in required if key not in chosen]


def old_enough(birth_year: int | None, on: date, min_age: int) -> bool:
    """Age is counted by birth year against the date of the vote: a resident takes part
    when ``on.year - birth_year >= min_age``. With no minimum (0) everyone may; with
    one, an unknown birth year may not (the minimum cannot be checked)."""
    if min_age <= 0:
        return True
    if birth_year is None:
        return False
    return on.year - birth_year >= min_age


def retention_ends(
    published_at: datetime | None, days: int, now: datetime, undecided_flags: int
) -> bool:
    """Voter keys and review signals leave a forum's ballots ``days`` after its result
    is published (the objection period), and not while a flag of the forum is still
    undecided (its evidence is needed). A forum not published keeps them."""
    if published_at is None or undecided_flags > 0:
        return False
    return now >= published_at + timedelta(days=days)
