"""Outreach link rules and the hourly relabelling of the turnout board (pure)."""

from datetime import datetime
from datetime import UTC
from zoneinfo import ZoneInfo

from voting.casting.rules import outreach_tag
from voting.monitoring import rules as monitoring
from voting.outreach import rules

SEOUL = ZoneInfo("Asia/Seoul")


def test_new_codes_are_short_url_safe_and_different():
    codes = {rules.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(rules.plausible_code(code) and len(code) == 8 for code in codes)


def test_a_plausible_code_is_4_to_16_url_safe_characters():
    assert rules.plausible_code("abcD-_12")
    for bad in (None, "", "abc", "x" * 17, "a/b/c/d", "한글코드", "abc d", "a%00b"):
        assert not rules.plausible_code(bad), bad


def test_a_name_is_required_and_limited():
    assert rules.name_problem("역삼1동 주민센터") is None
    assert rules.name_problem("  ") == "missing" and rules.name_problem(None) == "missing"
    assert rules.name_problem("가" * rules.NAME_MAX) is None
    assert rules.name_problem("가" * (rules.NAME_MAX + 1)) == "too_long"


def test_the_session_tag_is_kept_only_when_it_looks_like_a_code():
    assert outreach_tag("abcD-_12") == "abcD-_12"
    for bad in (None, 42, ["abcd"], "abc", "x" * 17, "ab cd", "한글코드"):
        assert outreach_tag(bad) is None, bad


def test_utc_hours_from_the_database_are_relabelled_in_seoul_with_gaps_filled():
    counts = {
        datetime(2027, 3, 2, 0, tzinfo=UTC): 2,  # 09:00 KST
        datetime(2027, 3, 2, 2, tzinfo=UTC): 1,  # 11:00 KST
        datetime(2027, 3, 1, 15, tzinfo=UTC): 4,  # midnight KST, the next day
    }
    assert monitoring.hourly(counts, SEOUL) == {
        "2027-03-02 00:00": 4,
        **{f"2027-03-02 {h:02d}:00": 0 for h in range(1, 9)},
        "2027-03-02 09:00": 2,
        "2027-03-02 10:00": 0,
        "2027-03-02 11:00": 1,
    }
    assert monitoring.hourly({}, SEOUL) == {}
