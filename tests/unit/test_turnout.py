"""Turnout cells that are safe to publish (k-anonymity with k = 5)."""

from voting.counting import turnout


def test_cells_under_five_are_shown_as_under_five():
    cells = {"30s": 12, "40s": 7, "60s": 3, "70_plus": 2, "unknown": 0}
    assert turnout.protect(cells) == {
        "30s": 12,
        "40s": 7,
        "60s": "<5",
        "70_plus": "<5",
        "unknown": "<5",
    }


def test_hidden_cells_holding_one_to_four_ballots_hide_the_smallest_shown_one_too():
    # With the total known, 'assisted' would be 9 - 8 = 1: a person.
    cells = {"online": 8, "assisted": 1, "import": 0}
    assert turnout.protect(cells) == {"online": "≥5", "assisted": "<5", "import": "<5"}
    cells = {"20s": 30, "30s": 6, "40s": 3}
    assert turnout.protect(cells) == {"20s": 30, "30s": "≥5", "40s": "<5"}


def test_nothing_hidden_or_only_empty_cells_hidden_needs_nothing_more():
    assert turnout.protect({"online": 8, "assisted": 5}) == {"online": 8, "assisted": 5}
    assert turnout.protect({"online": 8, "import": 0}) == {"online": 8, "import": "<5"}


def test_five_hidden_ballots_are_enough():
    cells = {"a": 9, "b": 3, "c": 2}
    assert turnout.protect(cells) == {"a": 9, "b": "<5", "c": "<5"}
