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


K_ANONYMITY = 5
UNDER_K = "<5"
AT_LEAST_K = "≥5"


def protect(cells: Mapping[str, int], k: int = K_ANONYMITY) -> dict[str, int | str]:
    """Turnout cells that are safe to publish: none can single out a person (k = 5).

    A cell under ``k`` (0 included) is shown as ``"<5"``. The total of a table is
    published, so the hidden cells' sum is known: when they hold between 1 and
    ``k - 1`` ballots together, the smallest shown cell is hidden as well, as
    ``"≥5"`` (ties: the first in order), so that the hidden cells hold at least ``k``.
    """
    shown = {name: count for name, count in cells.items() if count >= k}
    hidden = sum(count for count in cells.values() if count < k)
    safe: dict[str, int | str] = {
        name: count if name in shown else UNDER_K for name, count in cells.items()
    }
    if 0 < hidden < k and shown:
        smallest = min(shown, key=lambda name: shown[name])
        safe[smallest] = AT_LEAST_K
    return safe
