"""The real Pabulib elections kept in tests/data (see its README) and the greedy variant
each file's META rule names."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
REAL = [
    "France_Toulouse_2022_6_-_Saint-Cyprien",
    "Poland_Gdynia_2024_Cisowa__small",
    "Poland_Warszawa_2026_Srodmiescie_Poludniowe",
]
# Pabulib META rule -> the file's name for it in the reference outcomes.
RULES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy_no_skip",
    "greedy-threshold": "greedy_threshold",
}
