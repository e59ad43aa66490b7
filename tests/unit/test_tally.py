"""Counting, ranking and greedy funding: one test per rule of ``voting.tally``."""

import ast
import random
import sys
from pathlib import Path

import pytest

from voting.counting import tally
from voting.counting.greedy import fund_greedy
from voting.counting.tally import count_votes
from voting.counting.tally import Item
from voting.counting.tally import rank


def reasons(funding: tally.Funding) -> dict[str, str]:
    return {row.item.id: row.reason for row in funding.rows}


def ranked_of(*rows: tuple[str, int, int] | tuple[str, int, int, str]):
    """(id, cost, votes[, field]) rows, already in rank order."""
    return [(Item(r[0], r[1], r[3] if len(r) > 3 else None), r[2]) for r in rows]


# --- count_votes ------------------------------------------------------------------


def test_count_votes_counts_ballots_per_item():
    ballots = [["1", "2"], ["2", "3"], ["2"], []]
    assert count_votes(ballots) == {"1": 1, "2": 3, "3": 1}


def test_a_ballot_counts_once_for_an_item_it_names_twice():
    assert count_votes([["1", "1", "2"], ("1",)]) == {"1": 2, "2": 1}


def test_count_votes_of_no_ballots_is_empty():
    assert count_votes([]) == {}
    assert count_votes(iter([])) == {}


# --- rank -------------------------------------------------------------------------


def test_rank_orders_by_votes_most_first():
    items = [Item("a", 10), Item("b", 10), Item("c", 10)]
    ranked = rank({"a": 1, "b": 5, "c": 3}, items)
    assert [(item.id, votes) for item, votes in ranked] == [
        ("b", 5),
        ("c", 3),
        ("a", 1),
    ]


def test_rank_breaks_ties_by_id_ascending_as_text():
    items = [Item("9", 10), Item("10", 10), Item("2", 10), Item("b", 10), Item("B", 10)]
    ranked = rank(dict.fromkeys(["9", "10", "2", "b", "B"], 4), items)
    # As text, "10" < "2" < "9" and upper case comes before lower case.
    assert [item.id for item, _ in ranked] == ["10", "2", "9", "B", "b"]


def test_rank_tie_break_does_not_depend_on_input_order():
    items = [Item(str(n), 10 * n) for n in range(1, 30)]
    counts = {item.id: int(item.id) % 4 for item in items}
    expected = rank(counts, items)
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert rank(counts, shuffled) == expected


def test_rank_gives_items_without_votes_zero_and_keeps_them():
    items = [Item("1", 10), Item("2", 10), Item("3", 10)]
    ranked = rank({"2": 4}, items)
    assert [(item.id, votes) for item, votes in ranked] == [
        ("2", 4),
        ("1", 0),
        ("3", 0),
    ]


def test_rank_refuses_votes_for_unknown_items():
    with pytest.raises(ValueError, match="unknown item ids: 7"):
        rank({"1": 1, "7": 2}, [Item("1", 10)])


def test_rank_refuses_duplicate_item_ids():
    with pytest.raises(ValueError, match="duplicate item id"):
        rank({}, [Item("1", 10), Item("1", 20)])


def test_rank_refuses_negative_votes():
    with pytest.raises(ValueError):
        rank({"1": -1}, [Item("1", 10)])


def test_tie_break_sentence_states_the_rule():
    words = set(tally.TIE_BREAK.lower().replace(",", "").split())
    assert {"same", "votes", "id", "text", "ascending"} <= words
    assert tally.TIE_BREAK.endswith(".")


# --- items ------------------------------------------------------------------------


@pytest.mark.parametrize("cost", [0, -5])
def test_item_cost_must_be_positive(cost):
    with pytest.raises(ValueError):
        Item("1", cost)


@pytest.mark.parametrize("cost", [10.0, "10", True])
def test_item_cost_must_be_an_int(cost):
    with pytest.raises(TypeError):
        Item("1", cost)


def test_item_id_must_be_non_empty_text():
    with pytest.raises(ValueError):
        Item("", 10)
    with pytest.raises(ValueError):
        Item(7, 10)


# --- fund_greedy: forum envelope ----------------------------------------------------


def test_items_are_funded_in_rank_order_while_they_fit():
    funding = fund_greedy(ranked_of(("a", 40, 9), ("b", 30, 8), ("c", 30, 7)), 100)
    assert funding.funded_ids == ["a", "b", "c"]
    assert funding.spent == 100
    assert funding.remaining == 0
    assert funding.cut_rank is None


def test_a_cost_equal_to_what_is_left_fits():
    funding = fund_greedy(ranked_of(("a", 60, 9), ("b", 40, 8)), 100)
    assert funding.funded_ids == ["a", "b"]


def test_skip_misfits_skips_an_item_that_does_not_fit_and_goes_on():
    ranked = ranked_of(("a", 60, 9), ("b", 50, 8), ("c", 40, 7), ("d", 10, 6))
    funding = fund_greedy(ranked, 100, skip_misfits=True)
    assert funding.funded_ids == ["a", "c"]
    assert reasons(funding) == {
        "a": "funded",
        "b": "over_budget",
        "c": "funded",
        "d": "over_budget",
    }
    assert funding.spent == 100
    assert funding.cut_rank == 2


def test_without_skipping_the_walk_stops_at_the_first_misfit():
    ranked = ranked_of(("a", 60, 9), ("b", 50, 8), ("c", 40, 7), ("d", 10, 6))
    funding = fund_greedy(ranked, 100, skip_misfits=False)
    assert funding.funded_ids == ["a"]
    assert reasons(funding) == {
        "a": "funded",
        "b": "over_budget",
        "c": "stopped",
        "d": "stopped",
    }
    assert funding.spent == 60
    assert funding.cut_rank == 2


def test_skipping_is_the_default():
    ranked = ranked_of(("a", 60, 9), ("b", 50, 8), ("c", 40, 7))
    assert fund_greedy(ranked, 100).funded_ids == ["a", "c"]


def test_an_item_dearer_than_the_whole_envelope_is_over_budget():
    funding = fund_greedy(ranked_of(("a", 500, 9), ("b", 50, 1)), 100)
    assert reasons(funding) == {"a": "over_budget", "b": "funded"}
    assert funding.cut_rank == 1


def test_a_zero_envelope_funds_nothing():
    funding = fund_greedy(ranked_of(("a", 1, 9)), 0)
    assert funding.funded_ids == []
    assert funding.spent == 0
    assert funding.cut_rank == 1


def test_no_items_give_an_empty_result():
    funding = fund_greedy([], 100)
    assert funding.rows == []
    assert funding.spent == 0
    assert funding.cut_rank is None
    assert funding.field_spent == {}


def test_rows_carry_rank_item_and_votes():
    ranked = ranked_of(("a", 60, 9), ("b", 50, 8))
    funding = fund_greedy(ranked, 100)
    assert [(r.rank, r.item, r.votes, r.funded) for r in funding.rows] == [
        (1, ranked[0][0], 9, True),
        (2, ranked[1][0], 8, False),
    ]
    assert funding.envelope == 100


def test_funded_ids_are_in_rank_order():
    ranked = ranked_of(("z", 10, 9), ("a", 10, 8), ("m", 10, 7))
    assert fund_greedy(ranked, 100).funded_ids == ["z", "a", "m"]


# --- fund_greedy: threshold ---------------------------------------------------------


def test_items_below_min_votes_are_not_funded():
    ranked = ranked_of(("a", 10, 9), ("b", 10, 5), ("c", 10, 4))
    funding = fund_greedy(ranked, 100, min_votes=5)
    assert funding.funded_ids == ["a", "b"]
    assert reasons(funding)["c"] == "below_threshold"
    assert funding.cut_rank == 3


def test_min_votes_is_inclusive():
    funding = fund_greedy(ranked_of(("a", 10, 5)), 100, min_votes=5)
    assert funding.funded_ids == ["a"]


def test_items_below_min_votes_do_not_stop_the_walk():
    # Not in vote order on purpose: the rule is per item, not a cut of the list.
    ranked = ranked_of(("a", 10, 9), ("b", 10, 1), ("c", 10, 8))
    funding = fund_greedy(ranked, 100, skip_misfits=False, min_votes=5)
    assert funding.funded_ids == ["a", "c"]
    assert reasons(funding)["b"] == "below_threshold"


def test_below_threshold_wins_over_stopped():
    ranked = ranked_of(("a", 90, 9), ("b", 20, 8), ("c", 5, 7), ("d", 5, 1))
    funding = fund_greedy(ranked, 100, skip_misfits=False, min_votes=5)
    assert reasons(funding) == {
        "a": "funded",
        "b": "over_budget",
        "c": "stopped",
        "d": "below_threshold",
    }


def test_items_without_votes_are_funded_when_they_fit_and_min_votes_is_zero():
    funding = fund_greedy(ranked_of(("a", 50, 3), ("b", 20, 0)), 100)
    assert funding.funded_ids == ["a", "b"]


def test_min_votes_one_excludes_items_without_votes():
    funding = fund_greedy(ranked_of(("a", 50, 3), ("b", 20, 0)), 100, min_votes=1)
    assert funding.funded_ids == ["a"]
    assert reasons(funding)["b"] == "below_threshold"


def test_an_under_threshold_item_does_not_spend_money():
    ranked = ranked_of(("a", 10, 1), ("b", 100, 9))
    funding = fund_greedy(ranked, 100, min_votes=5)
    assert funding.funded_ids == ["b"]
    assert funding.cut_rank == 1


# --- fund_greedy: field envelopes --------------------------------------------------


def test_an_item_over_its_field_envelope_is_not_funded_even_if_the_forum_could():
    ranked = ranked_of(("a", 40, 9, "park"), ("b", 40, 8, "park"), ("c", 40, 7, "road"))
    funding = fund_greedy(ranked, 200, field_envelopes={"park": 50})
    assert funding.funded_ids == ["a", "c"]
    assert reasons(funding)["b"] == "over_field_budget"
    assert funding.field_spent == {"park": 40, "road": 40}
    assert funding.spent == 80


def test_the_field_envelope_is_checked_before_the_forum_envelope():
    ranked = ranked_of(("a", 90, 9, "road"), ("b", 60, 8, "park"))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 50})
    # "b" fits neither; its field's envelope is named.
    assert reasons(funding)["b"] == "over_field_budget"


def test_an_item_within_its_field_envelope_still_needs_the_forum_envelope():
    ranked = ranked_of(("a", 80, 9, "road"), ("b", 30, 8, "park"))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 50})
    assert reasons(funding)["b"] == "over_budget"
    assert funding.field_spent == {"park": 0, "road": 80}


def test_field_spending_counts_against_the_forum_envelope():
    ranked = ranked_of(("a", 50, 9, "park"), ("b", 60, 8, "road"), ("c", 50, 7, None))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 50, "road": 70})
    assert funding.funded_ids == ["a", "c"]
    assert reasons(funding)["b"] == "over_budget"
    assert funding.spent == 100


def test_items_of_a_field_without_envelope_only_need_the_forum_envelope():
    ranked = ranked_of(("a", 80, 9, "road"), ("b", 20, 8, "road"))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 10})
    assert funding.funded_ids == ["a", "b"]
    assert funding.field_spent == {"park": 0, "road": 100}


def test_field_envelope_left_over_is_reduced_by_each_funded_item():
    ranked = ranked_of(("a", 20, 9, "park"), ("b", 20, 8, "park"), ("c", 20, 7, "park"))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 45})
    assert funding.funded_ids == ["a", "b"]
    assert reasons(funding)["c"] == "over_field_budget"
    assert funding.field_spent == {"park": 40}


def test_a_field_misfit_stops_the_walk_without_skipping():
    ranked = ranked_of(("a", 40, 9, "park"), ("b", 40, 8, "park"), ("c", 10, 7, "road"))
    funding = fund_greedy(ranked, 100, field_envelopes={"park": 50}, skip_misfits=False)
    assert reasons(funding) == {"a": "funded", "b": "over_field_budget", "c": "stopped"}
    assert funding.cut_rank == 2


def test_field_envelopes_are_ignored_when_not_given():
    ranked = ranked_of(("a", 40, 9, "park"), ("b", 40, 8, "park"))
    assert fund_greedy(ranked, 100).funded_ids == ["a", "b"]


# --- fund_greedy: arguments ---------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{"envelope": 100.0}, {"min_votes": 1.5}, {"field_envelopes": {"park": 10.0}}],
)
def test_money_and_thresholds_must_be_ints(kwargs):
    arguments = {"envelope": 100} | kwargs
    with pytest.raises(TypeError):
        fund_greedy(ranked_of(("a", 10, 1, "park")), **arguments)


@pytest.mark.parametrize(
    "kwargs", [{"envelope": -1}, {"min_votes": -1}, {"field_envelopes": {"park": -1}}]
)
def test_money_and_thresholds_must_not_be_negative(kwargs):
    arguments = {"envelope": 100} | kwargs
    with pytest.raises(ValueError):
        fund_greedy(ranked_of(("a", 10, 1, "park")), **arguments)


# --- end to end -------------------------------------------------------------------


def test_count_rank_and_fund_together():
    ballots = [["1", "2"], ["1", "3"], ["1"], ["3", "4"], ["2", "3"]]
    items = [Item("1", 50), Item("2", 40), Item("3", 30), Item("4", 20), Item("5", 10)]
    ranked = rank(count_votes(ballots), items)
    assert [(i.id, v) for i, v in ranked] == [
        ("1", 3),
        ("3", 3),
        ("2", 2),
        ("4", 1),
        ("5", 0),
    ]
    funding = fund_greedy(ranked, 100)
    assert funding.funded_ids == ["1", "3", "4"]
    assert funding.spent == 100
    assert funding.cut_rank == 3


# --- purity -----------------------------------------------------------------------


def _is_module(name: str) -> bool:
    return ROOT.joinpath(*name.split(".")).with_suffix(".py").exists()


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, ``from package import module`` read as the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                names.add(name if _is_module(name) else node.module)
    return names


ROOT = Path(tally.__file__).parents[2]
PURE = {
    f"voting.counting.{name}"
    for name in ("tally", "greedy", "equal_shares", "equal_shares_fields")
    + ("mes_prices", "mes_groups", "mes_engine", "mes_completion")
}


def test_tally_uses_only_the_standard_library():
    """The counting rules (tally, greedy, equal shares with its engine, completion and
    composition by field) import nothing but the standard library and each other."""
    for name in PURE:
        path = Path(tally.__file__).with_name(name.rsplit(".", 1)[1] + ".py")
        modules = imported_modules(path)
        ours = {module for module in modules if module.split(".")[0] == "voting"}
        assert ours <= PURE
        assert {module.split(".")[0] for module in modules - ours} <= set(sys.stdlib_module_names)
