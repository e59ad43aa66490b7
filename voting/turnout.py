"""Turnout statistics from what was recorded at voting time, as pure functions."""

from collections.abc import Mapping

AGE_BANDS = ("under_20", "20s", "30s", "40s", "50s", "60s", "70_plus", "unknown")


def age_band(birth_year: int | None, voting_year: int) -> str:
    """The resident's age band in the voting year: under 20, each decade, 70 and over."""
    if birth_year is None:
        return "unknown"
    age = voting_year - birth_year
    if age < 20:
        return "under_20"
    if age >= 70:
        return "70_plus"
    return f"{age // 10 * 10}s"


def by_age_band(per_birth_year: Mapping[int | None, int], voting_year: int) -> dict[str, int]:
    """Ballots per age band from ballots per birth year; every band present, in order."""
    bands = dict.fromkeys(AGE_BANDS, 0)
    for year, count in per_birth_year.items():
        bands[age_band(year, voting_year)] += count
    return bands
