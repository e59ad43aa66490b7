"""The ballot page's pure rules: the budget bar's numbers and the order of items."""

from types import SimpleNamespace

from voting.casting.ballot_page import budget
from voting.casting.ballot_page import ordered


def test_budget_counts_the_picks_and_what_is_left_of_the_cap():
    bar = budget([120_000_000, 80_000_000], 250_000_000)
    assert (bar.count, bar.total, bar.remaining, bar.over) == (2, 200_000_000, 50_000_000, 0)
    assert bar.used_percent == 80


def test_over_the_cap_nothing_remains_and_the_overage_is_named():
    bar = budget([120_000_000, 105_000_000, 50_000_000], 250_000_000)
    assert (bar.total, bar.remaining, bar.over, bar.used_percent) == (
        275_000_000,
        0,
        25_000_000,
        100,
    )


def test_without_a_cap_there_is_nothing_to_be_over():
    bar = budget([5, 6], None)
    assert (bar.total, bar.remaining, bar.over, bar.used_percent) == (11, None, 0, 0)
    assert budget([], 0).cap is None  # a cap of zero means none was set


def item(n, title, cost):
    return SimpleNamespace(id=n, external_id=f"A-{n:02d}", title=title, cost=cost)


ITEMS = [item(1, "놀이터", 300), item(2, "가로등", 100), item(3, "도서관", 100)]


def test_order_by_cost_then_title_by_title_or_as_listed():
    assert [i.id for i in ordered(ITEMS, "cost")] == [2, 3, 1]
    assert [i.id for i in ordered(ITEMS, "name")] == [2, 1, 3]  # 가, 놀, 도
    assert [i.id for i in ordered(ITEMS, "")] == [1, 2, 3]
    assert [i.id for i in ordered(list(reversed(ITEMS)), "name")] == [2, 1, 3]
