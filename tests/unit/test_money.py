"""Amounts read the way people say them (core/money.py)."""

import pytest

from core import money


@pytest.mark.parametrize(
    ("amount", "reading"),
    [
        (500_000_000, "5억 원"),
        (85_000_000, "8,500만 원"),
        (120_000_000, "1억 2,000만 원"),
        (3_000, "3,000원"),
        (0, "0원"),
        (10_000, "1만 원"),
        (225_000_000, "2억 2,500만 원"),
        (123_456_789, "1억 2,345만 6,789원"),
        (1_200_000_000_000, "1조 2,000억 원"),
        (-25_000_000, "-2,500만 원"),
    ],
)
def test_korean_reading_splits_at_man_eok_jo_and_stays_exact(amount, reading):
    assert money.korean_reading(amount) == reading


@pytest.mark.parametrize(
    ("amount", "reading"),
    [
        (500_000_000, "KRW 500 million"),
        (85_000_000, "KRW 85 million"),
        (122_500_000, "KRW 122.5 million"),
        (1_200_000_000, "KRW 1.2 billion"),
        (123_456_789, "KRW 123,456,789"),
        (3_000, "KRW 3,000"),
        (1_010_000, "KRW 1.01 million"),
    ],
)
def test_english_reading_uses_a_unit_only_when_exact(amount, reading):
    assert money.english_reading(amount) == reading


def test_spoken_krw_follows_the_language_and_leaves_none_empty():
    assert money.spoken_krw(500_000_000, "ko") == "5억 원"
    assert money.spoken_krw(500_000_000, "en") == "KRW 500 million"
    assert money.spoken_krw(None, "ko") == ""
