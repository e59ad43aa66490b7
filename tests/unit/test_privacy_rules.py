"""The rules of personal data, and the retention schedule as data."""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from privacy import rules
from privacy import schedule
from privacy import texts


def test_consent_counts_only_for_the_current_version():
    assert rules.consent_is_current("2026-12-01", "2026-12-01")
    assert not rules.consent_is_current("2026-12-01", "2027-03-01")
    assert not rules.consent_is_current(None, "2026-12-01")


def test_every_required_item_must_be_ticked_and_optional_ones_never_block():
    required = ("identity", "voting", "deliberation", "review")
    assert rules.missing_required(required, [*required]) == []
    assert rules.missing_required(required, [*required, "keep_picks"]) == []
    missing = rules.missing_required(required, ["identity", "keep_picks"])
    assert missing == ["voting", "deliberation", "review"]


@pytest.mark.parametrize(
    ("birth_year", "on", "min_age", "allowed"),
    [
        (2012, date(2026, 7, 6), 14, True),  # turns 14 this year: counted by birth year
        (2013, date(2026, 12, 31), 14, False),
        (2013, date(2027, 1, 1), 14, True),
        (None, date(2026, 7, 6), 14, False),  # cannot be checked
        (None, date(2026, 7, 6), 0, True),  # no minimum
        (2020, date(2026, 7, 6), 0, True),
    ],
)
def test_age_is_birth_year_against_the_voting_date(birth_year, on, min_age, allowed):
    assert rules.old_enough(birth_year, on, min_age) is allowed


def test_retention_ends_days_after_publication_unless_a_flag_is_undecided():
    published = datetime(2026, 8, 1, tzinfo=UTC)
    assert not rules.retention_ends(None, 30, published + timedelta(days=400), 0)
    assert not rules.retention_ends(published, 30, published + timedelta(days=29), 0)
    assert rules.retention_ends(published, 30, published + timedelta(days=30), 0)
    assert not rules.retention_ends(published, 30, published + timedelta(days=90), 1)


def test_staff_access_log_is_kept_at_least_a_year():
    assert schedule.by_key("staff_access_log").period({}) >= 365


def test_the_objection_period_comes_from_configuration():
    entry = schedule.by_key("ballot_voter_key")
    assert entry.period({"RETENTION_DAYS_AFTER_PUBLICATION": 45}) == 45
    assert entry.action == schedule.ANONYMISE and entry.held_while == "undecided_flag"


def test_every_consent_purpose_keeps_its_data_by_an_item_of_the_schedule():
    keys = {entry.key for entry in schedule.SCHEDULE}
    assert len(keys) == len(schedule.SCHEDULE)
    for purpose in texts.PURPOSES:
        assert purpose.retention and set(purpose.retention) <= keys, purpose.key
    for entry in schedule.SCHEDULE:
        assert entry.trigger in schedule.TRIGGER_WORDS and entry.action in schedule.ACTION_WORDS


def test_the_four_purposes_are_required_and_following_picks_is_optional():
    assert texts.REQUIRED == ("identity", "voting", "deliberation", "review")
    assert texts.OPTIONAL == ("keep_picks",)
