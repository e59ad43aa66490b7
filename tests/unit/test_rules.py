"""Ballot validity, eligibility, the voting window and receipt codes: pure rules."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest

from auth.services import derive_voter_key
from deliberation.phases import results_visible
from deliberation.phases import voting_state
from deliberation.phases import Window
from voting.casting import receipts
from voting.casting.rules import BallotError
from voting.casting.rules import BallotRules
from voting.casting.rules import is_eligible
from voting.casting.rules import Option
from voting.casting.rules import validate_picks

OPTIONS = {
    "1": Option(100),
    "2": Option(200),
    "3": Option(300),
    "4": Option(400),
    "5": Option(50, "withdrawn"),
    "6": Option(60, "proposed"),
}
THREE = BallotRules(3, 3, None)


def refused(picks, rules=THREE, options=OPTIONS) -> str:
    with pytest.raises(BallotError) as info:
        validate_picks(picks, options, rules)
    return info.value.code


def test_three_distinct_items_make_a_ballot():
    assert validate_picks(["1", "2", "3"], OPTIONS, THREE) == ("1", "2", "3")


@pytest.mark.parametrize(
    ("picks", "code"),
    [
        (["1", "2"], "too_few"),
        (["1", "2", "3", "4"], "too_many"),
        ([], "too_few"),
        (["1", "1", "2"], "duplicate"),
        (["1", "2", "99"], "unknown_item"),
        (["1", "2", "5"], "withdrawn"),
        (["1", "2", "6"], "not_on_ballot"),
    ],
)
def test_bad_picks_are_refused_with_a_reason(picks, code):
    assert refused(picks) == code


def test_cost_cap_allows_up_to_the_cap_and_refuses_above():
    capped = BallotRules(1, 3, 600)
    assert validate_picks(["1", "2", "3"], OPTIONS, capped) == ("1", "2", "3")
    assert refused(["2", "3", "4"], capped) == "over_cost_cap"


def test_pick_range_follows_the_forum():
    flexible = BallotRules(1, 2, None)
    assert validate_picks(["4"], OPTIONS, flexible) == ("4",)
    assert refused(["1", "2", "3"], flexible) == "too_many"


def test_error_carries_counts_for_the_message():
    with pytest.raises(BallotError) as info:
        validate_picks(["1"], OPTIONS, THREE)
    assert info.value.params == {"count": 1, "min": 3}


def test_eligibility_is_the_forum_district_against_the_claim():
    assert is_eligible("11560", "11560")
    assert not is_eligible("11560", "11680")
    assert not is_eligible("11560", None)


START = datetime(2020, 7, 5, 15, 0, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(days=7))


@pytest.mark.parametrize(
    ("phase", "moment", "state"),
    [
        ("voting", START - timedelta(seconds=1), "upcoming"),
        ("voting", START, "open"),
        ("voting", WINDOW.ends_at - timedelta(seconds=1), "open"),
        ("voting", WINDOW.ends_at, "closed"),
        ("deliberation", START + timedelta(days=1), "upcoming"),
        ("draft", START + timedelta(days=1), "upcoming"),
        ("closed", START + timedelta(days=1), "closed"),
        ("published", START - timedelta(days=1), "closed"),
    ],
)
def test_voting_window(phase, moment, state):
    assert voting_state(phase, WINDOW, moment) == state


def test_results_are_hidden_while_ballots_can_be_cast():
    assert not results_visible("voting", WINDOW, START + timedelta(days=1))
    assert results_visible("voting", WINDOW, WINDOW.ends_at)
    assert results_visible("closed", WINDOW, START)


def test_receipt_codes_are_unguessable_and_typable():
    codes = {receipts.new_code() for _ in range(1000)}
    assert len(codes) == 1000
    code = codes.pop()
    assert len(code) == 20 and code.isalnum() and code.upper() == code
    shown = receipts.display(code)
    assert shown.count("-") == 4
    assert receipts.normalize(shown.lower().replace("-", " ")) == code


def test_voter_key_is_an_hmac_of_issuer_and_subject():
    key = derive_voter_key("pepper", "https://idp.example", "alice")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == derive_voter_key("pepper", "https://idp.example", "alice")
    assert key != derive_voter_key("other", "https://idp.example", "alice")
    assert key != derive_voter_key("pepper", "https://other.example", "alice")
    assert "alice" not in key
