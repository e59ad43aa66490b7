"""Live turnout arithmetic, as pure functions (no Flask, no database)."""

from collections.abc import Iterable
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
        hour = moment.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        counts[hour] = counts.get(hour, 0) + 1
    if not counts:
        return {}
    hours, first, last = {}, min(counts), max(counts)
    current = first
    while current <= last:
        hours[current.strftime("%Y-%m-%d %H:00")] = counts.get(current, 0)
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
