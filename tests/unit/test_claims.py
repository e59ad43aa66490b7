"""A provider's claims read the way providers write them (auth/claims.py)."""

import pytest

from auth.claims import birth_year
from auth.claims import district_code
from auth.claims import merged


@pytest.mark.parametrize(
    "value, code",
    [
        ("11560", "11560"),  # the code itself
        (11560, "11560"),
        ("1156000000", "11560"),  # a 10-digit administrative code
        ("영등포구", "11560"),  # the Korean name
        ("서울특별시 영등포구", "11560"),
        ("서울 영등포구", "11560"),
        ("Yeongdeungpo-gu", "11560"),  # the English name
        ("yeongdeungpo", "11560"),
        ("Seoul Yeongdeungpo-gu", "11560"),
        (" 강남구 ", "11680"),
        ("99999", None),  # unknown code
        ("부산광역시 해운대구", None),  # another city
        ("수원시", None),
        ("", None),
        (None, None),
        ("11560; DROP TABLE users", None),
    ],
)
def test_a_district_claim_becomes_a_seoul_district_code_or_nothing(value, code):
    assert district_code(value) == code


@pytest.mark.parametrize(
    "value, year",
    [
        (1990, 1990),
        ("1990", 1990),
        ("1990-01-01", 1990),
        ("19900101", 1990),
        ("1990.01.01", 1990),
        ("1990/1/1", 1990),
        ("1899", None),  # too early
        ("2031", None),  # after this year
        ("90", None),
        ("1990-13", None),
        ("abcd", None),
        (True, None),
        (None, None),
    ],
)
def test_a_birth_claim_becomes_a_year_or_nothing(value, year):
    assert birth_year(value, this_year=2026) == year


def test_userinfo_completes_the_id_token_but_never_overrides_it():
    claims = merged({"sub": "a", "district": "11560"}, {"sub": "a", "district": "11680",
                                                        "birthdate": "1990-01-01"})
    assert claims == {"sub": "a", "district": "11560", "birthdate": "1990-01-01"}


def test_userinfo_about_another_subject_is_ignored():
    assert merged({"sub": "a"}, {"sub": "b", "district": "11560"}) == {"sub": "a"}
    assert merged({"sub": "a"}, None) == {"sub": "a"}
