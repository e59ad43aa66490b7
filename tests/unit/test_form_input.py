"""The shared parsing of user input: whole numbers and the text filter of every form."""

import pytest

from core.forms import clean_text
from core.forms import parse_int
from core.forms import strip_invisible


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0), ("42", 42), (" 7 ", 7), ("2147483647", 2**31 - 1), ("0042", 42)],
)
def test_ascii_digits_within_the_id_range_are_numbers(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        " ",
        "²",
        "٣",
        "１",
        "-1",
        "+1",
        "1_000",
        "1.0",
        "1e3",
        "0x10",
        "1 1",
        "\x001",
        str(2**31),
        str(2**63),
        "9" * 30,
        "9" * 5000,
    ],
)
def test_anything_else_is_not_a_number(raw):
    assert parse_int(raw) is None


def test_a_larger_maximum_can_be_asked_for():
    assert parse_int(str(2**31), maximum=2**40) == 2**31
    assert parse_int("11", maximum=10) is None


def test_bidirectional_and_zero_width_characters_are_stripped():
    controls = "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    controls += "\u2060\u2066\u2067\u2068\u2069\ufeff"
    assert strip_invisible(f"a{controls}b") == "ab"
    assert strip_invisible("한글 ‐ émoji 👍 \u00a0") == "한글 ‐ émoji 👍 \u00a0"


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_control_characters_are_refused(control):
    with pytest.raises(ValueError):
        clean_text(f"a{control}b")


def test_tabs_and_newlines_are_kept_and_carriage_returns_become_newlines():
    assert clean_text("a\tb\r\nc\rd\ne") == "a\tb\nc\nd\ne"
    assert clean_text(None) is None and clean_text(3) == 3
