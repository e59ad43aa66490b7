"""The rule for analyzing the casting tables: autovacuum's own default."""

import pytest

from voting.casting.table_statistics import needs_analyze


@pytest.mark.parametrize(
    ("changed", "rows", "stale"),
    [
        (0, 0, False),
        (50, 0, False),  # a handful of first ballots: not yet
        (51, 0, True),  # a new table taking its first casts
        (150, 1000, False),  # a tenth plus fifty is the line
        (151, 1000, True),
        (99_000, 1_000_000, False),
        (100_051, 1_000_000, True),
    ],
)
def test_a_table_is_analyzed_once_fifty_plus_a_tenth_of_it_changed(changed, rows, stale):
    assert needs_analyze(changed, rows) is stale
