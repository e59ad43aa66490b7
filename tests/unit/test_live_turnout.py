"""Live turnout arithmetic: hours in Seoul time, the share of the eligible population."""

from datetime import datetime
from datetime import UTC
from zoneinfo import ZoneInfo

from voting.counting.turnout import protect
from voting.monitoring import rules

SEOUL = ZoneInfo("Asia/Seoul")


def test_ballots_are_counted_per_hour_in_seoul_time_with_empty_hours_between():
    times = [
        datetime(2027, 3, 2, 0, 5, tzinfo=UTC),  # 09:05 KST
        datetime(2027, 3, 2, 0, 59, tzinfo=UTC),
        datetime(2027, 3, 2, 2, 10, tzinfo=UTC),  # 11:10 KST
    ]
    assert rules.by_hour(times, SEOUL) == {
        "2027-03-02 09:00": 2,
        "2027-03-02 10:00": 0,
        "2027-03-02 11:00": 1,
    }
    assert rules.by_hour([], SEOUL) == {}


def test_an_hour_with_few_ballots_is_hidden_by_the_usual_protection():
    hours = {"09:00": 7, "10:00": 2, "11:00": 9}
    assert protect(hours) == {"09:00": "≥5", "10:00": "<5", "11:00": 9}


def test_the_share_needs_the_population_the_team_entered():
    assert rules.share(1234, None) is None
    assert rules.share(1234, 0) is None
    assert rules.share(1234, 300_000) == 0.4
    assert rules.share(150, 1000) == 15.0


def test_the_board_opens_with_voting():
    assert [p for p in ("draft", "proposals", "deliberation") if rules.board_open(p)] == []
    assert all(rules.board_open(p) for p in ("voting", "closed", "published"))


def test_a_population_is_a_whole_number_above_zero():
    assert rules.check_population(1) and not rules.check_population(0)
    assert not rules.check_population(None)
