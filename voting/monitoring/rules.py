"""Live turnout arithmetic, as pure functions (no Flask, no database)."""

from collections.abc import Iterable
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo

LIVE_PHASES = ("voting", "closed", "published")


def board_open(phase: str) -> bool:
    """The team's turnout board exists from the moment voting opens; before that there
    is nothing to count."""
    return phase in LIVE_PHASES


def by_hour(cast_times: Iterable[datetime], zone: tzinfo) -> dict[str, int]:
    """Ballots per hour of casting in the display time zone, oldest hour first, labelled
    ``YYYY-MM-DD HH:00``; hours without a ballot between the first and the last are 0."""
    counts: dict[datetime, int] = {}
    for moment in cast_times:
        hour = moment.replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + 1
    return hourly(counts, zone)


def hourly(counts: Mapping[datetime, int], zone: tzinfo) -> dict[str, int]:
    """Ballots per hour from ballots per hour started (aware datetimes on the hour, as the
    database groups them in UTC), relabelled in the display time zone, oldest hour first,
    labelled ``YYYY-MM-DD HH:00``; hours without a ballot between the first and the last
    are 0. Relabelling a UTC hour is exact for a zone whose offset is whole hours (Seoul);
    in another zone an hour is labelled by its start."""
    if not counts:
        return {}
    local: dict[datetime, int] = {}
    for moment, count in counts.items():
        hour = moment.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        local[hour] = local.get(hour, 0) + count
    hours, first, last = {}, min(local), max(local)
    current = first
    while current <= last:
        hours[current.strftime("%Y-%m-%d %H:00")] = local.get(current, 0)
        current += timedelta(hours=1)
    return hours


def share(ballots: int, eligible: int | None) -> float | None:
    """Turnout as a percentage of the eligible population, to one decimal; None while
    the team has not entered the population."""
    if not eligible:
        return None
    return round(100 * ballots / eligible, 1)


def check_population(population: int | None) -> bool:
    """An eligible population is a whole number above zero."""
    return population is not None and population > 0
