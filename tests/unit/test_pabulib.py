"""Reading and writing Pabulib ``.pb`` files, and replaying real elections."""

import ast
import json
import random
import sys
from pathlib import Path

import pytest

from tests.unit import pbgen
from voting.counting import greedy
from voting.counting import pabulib
from voting.counting import tally
from voting.counting.pabulib import dumps
from voting.counting.pabulib import funding_options
from voting.counting.pabulib import load
from voting.counting.pabulib import loads
from voting.counting.pabulib import PbElection
from voting.counting.pabulib import PbError
from voting.counting.pabulib import PbProject
from voting.counting.pabulib import PbVoter
from voting.counting.pabulib import score_threshold

DATA = Path(__file__).resolve().parent.parent / "data"
REAL = sorted(DATA.glob("*.pb"))

SAMPLE = """META
key;value
description;"Sample; with a semicolon"
vote_type;approval
budget;100000.0
rule;greedy-threshold
min_project_score_threshold;2
PROJECTS
project_id;cost;votes;name;category;target
1;40000.0;3;Park;환경;children
2;30000;2;"The ""Green"" street";;
10;50000;0;Library;교통,복지;none

VOTES
voter_id;vote;age
v1;1,2;30
v2; 1 , 2 ;41
v3;1,1;
v4;;22
"""

MINI = """META
key;value
vote_type;approval
budget;100
PROJECTS
project_id;cost
a;10
b;20
VOTES
voter_id;vote
v1;a,b
v2;b
"""


def fails(text: str) -> PbError:
    with pytest.raises(PbError) as info:
        loads(text)
    return info.value


def replaced(old: str, new: str) -> str:
    assert old in MINI
    return MINI.replace(old, new, 1)


# --- reading ----------------------------------------------------------------------


def test_loads_reads_meta_projects_and_votes():
    election = loads(SAMPLE)
    assert election.meta["description"] == "Sample; with a semicolon"
    assert election.meta["rule"] == "greedy-threshold"
    assert election.budget == 100000
    assert election.projects == [
        PbProject("1", 40000, "Park", "환경", 3, {"target": "children"}),
        PbProject("2", 30000, 'The "Green" street', None, 2, {"target": ""}),
        PbProject("10", 50000, "Library", "교통,복지", 0, {"target": "none"}),
    ]
    assert election.voters == [
        PbVoter("v1", ("1", "2"), {"age": "30"}),
        PbVoter("v2", ("1", "2"), {"age": "41"}),
        PbVoter("v3", ("1",), {"age": ""}),
        PbVoter("v4", (), {"age": "22"}),
    ]


def test_costs_and_budget_written_with_a_decimal_point_are_exact_ints():
    election = loads(replaced("a;10", "a;4e1").replace("budget;100", "budget;1.0E+2"))
    assert election.projects[0].cost == 40
    assert type(election.projects[0].cost) is int
    assert election.budget == 100


def test_minimal_file_without_optional_columns():
    election = loads(MINI)
    assert election.projects[0] == PbProject("a", 10)
    assert election.projects[0].votes_column is None
    assert election.voters[0] == PbVoter("v1", ("a", "b"))


def test_crlf_line_ends_and_lower_case_section_names_are_read():
    text = MINI.replace("META", "meta").replace("\n", "\r\n")
    assert loads(text) == loads(MINI)


def test_short_rows_are_padded_and_trailing_empty_fields_ignored():
    text = MINI.replace("voter_id;vote\n", "voter_id;vote;age\n").replace("v2;b", "v2;b;;")
    election = loads(text)
    assert election.voters[1] == PbVoter("v2", ("b",), {"age": ""})
    assert election.voters[0].extra == {"age": ""}


def test_load_reads_utf8_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.pb"
    path.write_bytes("\ufeff".encode() + SAMPLE.replace("\n", "\r\n").encode("utf-8"))
    assert load(path) == loads(SAMPLE)
    assert load(str(path)) == loads(SAMPLE)


def test_loads_tolerates_a_byte_order_mark():
    assert loads("\ufeff" + MINI) == loads(MINI)


def test_a_quoted_field_may_span_lines_and_line_numbers_stay_physical():
    text = replaced("a;10", 'a;10;"two\nlines"').replace("project_id;cost", "project_id;cost;name")
    assert loads(text).projects[0].name == "two\nlines"
    error = fails(text.replace("b;20", "b;0"))
    assert error.line == 9


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("VOTES\n", "BALLOTS\n", 9, "unknown section 'BALLOTS'"),
        ("META\n", "HEADER\n", 1, "unknown section 'HEADER'"),
        ("META\nkey;value\nvote_type;approval\nbudget;100\n", "", 1, "found PROJECTS"),
        ("v2;b\n", "v2;b\nPROJECTS\n", 13, "section PROJECTS appears twice"),
        ("key;value", "name;value", 2, "META header must be 'key;value'"),
        ("project_id;cost", "id;cost", 6, "lacks required column(s) project_id"),
        ("project_id;cost", "project_id;price", 6, "lacks required column(s) cost"),
        ("project_id;cost", "project_id;cost;cost", 6, "repeats column 'cost'"),
        ("voter_id;vote", "voter;vote", 10, "lacks required column(s) voter_id"),
        ("voter_id;vote", "voter_id;votes", 10, "lacks required column(s) vote"),
        ("v2;b", "v2;c", 12, "voter 'v2' votes for unknown project 'c'"),
        ("v2;b", "v2;b, c", 12, "unknown project 'c'"),
        ("v2;b", "v1;b", 12, "duplicate voter_id 'v1'"),
        ("v2;b", ";b", 12, "empty voter_id"),
        ("b;20", "a;20", 8, "duplicate project_id 'a'"),
        ("b;20", ";20", 8, "empty project_id"),
        ("b;20", '"b,c";20', 8, "project_id 'b,c' contains a comma"),
        ("b;20", "b;20.5", 8, "cost of project 'b' '20.5' is not a whole number"),
        ("b;20", "b;0", 8, "cost of project 'b' '0' must be positive"),
        ("b;20", "b;-20", 8, "must be positive"),
        ("b;20", "b;twenty", 8, "cost of project 'b' 'twenty' is not a number"),
        ("b;20", "b;", 8, "cost of project 'b' '' is not a number"),
        ("b;20", "b;20;x", 8, "3 fields but the header has 2"),
        ("approval", "ordinal", 3, "vote_type 'ordinal' is not supported"),
        ("approval", "cumulative", 3, "only approval"),
        ("vote_type;approval\n", "", 4, "META has no vote_type"),
        ("budget;100\n", "", 4, "META has no budget"),
        ("budget;100", "budget;100.5", 4, "META budget '100.5' is not a whole number"),
        ("budget;100", "budget;lots", 4, "META budget 'lots' is not a number"),
        ("budget;100", "budget;-1", 4, "must be at least 0"),
        ("budget;100", "budget;100\nbudget;200", 5, "META key 'budget' appears twice"),
        ("budget;100", "budget;100;200", 4, "3 fields but the header has 2"),
        ("budget;100", "budget;100\n;5", 5, "META row with an empty key"),
    ],
)
def test_bad_files_raise_pb_error_naming_the_line(old, new, line, message):
    error = fails(replaced(old, new))
    assert message in str(error)
    assert error.line == line
    assert str(error).startswith(f"line {line}: ")


def test_pb_error_is_a_value_error():
    assert issubclass(PbError, ValueError)


def test_votes_column_must_be_a_whole_number():
    text = MINI.replace("project_id;cost", "project_id;cost;votes")
    text = text.replace("a;10", "a;10;2.5").replace("b;20", "b;20;none")
    error = fails(text)
    assert error.line == 7
    assert "votes of project 'a' '2.5' is not a whole number" in str(error)
    assert loads(text.replace("2.5", "2")).projects[1].votes_column is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing section META"),
        ("\n\n", "missing section META"),
        ("key;value\nbudget;1\n", "the file must start with the META section"),
        (MINI.split("VOTES")[0], "missing section VOTES"),
        (MINI.split("voter_id")[0], "section VOTES has no header row"),
    ],
)
def test_incomplete_files_raise_pb_error(text, message):
    assert message in str(fails(text))


def test_budget_property_checks_meta():
    election = loads(MINI)
    election.meta["budget"] = "12.5"
    with pytest.raises(PbError, match="not a whole number"):
        _ = election.budget
    del election.meta["budget"]
    with pytest.raises(PbError, match="no budget"):
        _ = election.budget


# --- writing ----------------------------------------------------------------------


def test_dumps_then_loads_gives_the_same_election():
    election = loads(SAMPLE)
    text = dumps(election)
    assert loads(text) == election
    assert dumps(loads(text)) == text


def test_dumps_quotes_fields_that_need_it():
    election = PbElection(
        meta={"vote_type": "approval", "budget": "10", "note": "a;b"},
        projects=[PbProject("x", 5, 'say "hi";\nbye')],
        voters=[PbVoter("1", ("x",))],
    )
    text = dumps(election)
    assert 'note;"a;b"' in text
    assert loads(text) == election


@pytest.mark.parametrize("seed", range(40))
def test_generated_elections_round_trip(seed):
    election = pbgen.random_election(seed)
    assert loads(dumps(election)) == election


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_elections_round_trip(path):
    election = load(path)
    assert loads(dumps(election)) == election


def test_dumps_refuses_a_project_id_with_a_comma():
    election = PbElection({"vote_type": "approval", "budget": "1"}, [PbProject("a,b", 1)], [])
    with pytest.raises(PbError, match="cannot be written"):
        dumps(election)


def test_dumps_refuses_extra_columns_that_shadow_known_ones():
    project = PbProject("a", 1, extra={"cost": "2"})
    election = PbElection({"vote_type": "approval", "budget": "1"}, [project], [])
    with pytest.raises(PbError, match="extra column 'cost'"):
        dumps(election)


# --- funding options ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("meta", "options"),
    [
        ({"rule": "greedy"}, (True, 0)),
        ({"rule": "greedy", "min_project_score_threshold": "50"}, (True, 0)),
        ({}, (True, 0)),
        ({"rule": "equalshares", "min_project_score_threshold": "50"}, (True, 0)),
        ({"rule": "unknown"}, (True, 0)),
        ({"rule": "greedy-no-skip"}, (False, 0)),
        ({"rule": "greedy-no-skip", "min_project_score_threshold": "50"}, (False, 50)),
        ({"rule": "greedy-threshold", "min_project_score_threshold": "30"}, (True, 30)),
        (
            {"rule": "greedy-threshold", "min_project_score_threshold": "30.0"},
            (True, 30),
        ),
        (
            {"rule": "greedy-threshold", "min_project_score_threshold": "29.5"},
            (True, 30),
        ),
        (
            {"rule": "greedy-threshold", "min_project_score_threshold": "none"},
            (True, 0),
        ),
        ({"rule": "greedy-threshold"}, (True, 0)),
        ({"rule": " Greedy-Threshold ", "min_project_score_threshold": "7"}, (True, 7)),
    ],
)
def test_funding_options_from_meta_rule(meta, options):
    assert funding_options(meta) == options


def test_score_threshold_must_be_a_number():
    with pytest.raises(PbError, match="min_project_score_threshold"):
        score_threshold({"min_project_score_threshold": "many"})
    assert score_threshold({"min_project_score_threshold": "-3"}) == 0


# --- real elections against their reference outcomes ------------------------------


def reference(path: Path) -> dict:
    return json.loads(path.with_suffix(".reference.json").read_text(encoding="utf-8"))


def ranked_election(path: Path):
    election = load(path)
    counts = tally.count_votes(voter.picks for voter in election.voters)
    items = [tally.Item(project.id, project.cost) for project in election.projects]
    return election, counts, tally.rank(counts, items)


def test_the_three_real_elections_are_present():
    assert [p.stem for p in REAL] == [
        "France_Toulouse_2022_6_-_Saint-Cyprien",
        "Poland_Gdynia_2024_Cisowa__small",
        "Poland_Warszawa_2026_Srodmiescie_Poludniowe",
    ]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_size_budget_and_meta(path):
    ref = reference(path)
    election = load(path)
    assert len(election.projects) == ref["num_projects"]
    assert len(election.voters) == ref["num_voters"]
    assert election.budget == ref["budget"]
    assert ref["meta"].items() <= election.meta.items()


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_votes_and_ranking(path):
    ref = reference(path)
    election, counts, ranked = ranked_election(path)
    expected = ref["projects_ranked_by_votes"]
    assert {pid: counts.get(pid, 0) for pid in counts} == {
        row["id"]: row["votes"] for row in expected if row["votes"]
    }
    assert [(n, item.id, item.cost, votes) for n, (item, votes) in enumerate(ranked, 1)] == [
        (row["rank"], row["id"], row["cost"], row["votes"]) for row in expected
    ]
    mismatch = sorted(p.id for p in election.projects if p.votes_column != counts.get(p.id, 0))
    assert mismatch == sorted(ref["votes_column_mismatch"])


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_greedy_variants(path):
    ref = reference(path)
    election, _counts, ranked = ranked_election(path)
    budget = election.budget
    threshold = score_threshold(election.meta)

    funded = greedy.fund_greedy(ranked, budget)
    assert funded.funded_ids == ref["greedy"]["funded"]
    assert funded.spent == ref["greedy"]["total_cost"]
    # The reference lists the misfits met before the last funded project.
    last = max(r.rank for r in funded.rows if r.funded)
    skipped = [r.item.id for r in funded.rows[:last] if r.reason == "over_budget"]
    assert skipped == ref["greedy"]["skipped_because_too_expensive"]

    # The reference's no-skip outcome applies the file's threshold when it has one.
    no_skip = greedy.fund_greedy(ranked, budget, skip_misfits=False, min_votes=threshold)
    assert no_skip.funded_ids == ref["greedy_no_skip"]["funded"]
    assert no_skip.spent == ref["greedy_no_skip"]["total_cost"]

    if "greedy_threshold" in ref:
        assert threshold == ref["greedy_threshold"]["threshold"]
        with_threshold = greedy.fund_greedy(ranked, budget, min_votes=threshold)
        assert with_threshold.funded_ids == ref["greedy_threshold"]["funded"]
        assert with_threshold.spent == ref["greedy_threshold"]["total_cost"]


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.stem)
def test_real_election_official_rule_is_reproduced(path):
    ref = reference(path)
    election, _counts, ranked = ranked_election(path)
    rule = ref["official"]["rule_in_file"]
    assert election.meta["rule"] == rule
    skip_misfits, min_votes = funding_options(election.meta)
    funding = greedy.fund_greedy(
        ranked, election.budget, skip_misfits=skip_misfits, min_votes=min_votes
    )
    selected = ref["official"]["selected"]
    if selected is None:
        assert funding.funded_ids == ref["greedy"]["funded"]
    else:
        assert sorted(funding.funded_ids) == sorted(selected)
        column = [p.id for p in election.projects if p.extra.get("selected") == "1"]
        assert sorted(column) == sorted(selected)


# --- size and purity -------------------------------------------------------------


def test_a_city_sized_file_parses_and_counts_every_pick():
    rng = random.Random(7)
    ids = [f"L{n:03d}" for n in range(160)]
    lines = ["META", "key;value", "vote_type;approval", "budget;6112868", "PROJECTS"]
    lines += ["project_id;cost;name"] + [
        f"{pid};{1000 + n};Project {n}" for n, pid in enumerate(ids)
    ]
    lines += ["VOTES", "voter_id;vote;age;sex;voting_method"]
    for n in range(20_000):
        picks = ",".join(rng.sample(ids, rng.randint(1, 5)))
        lines.append(f"{1_000_000 + n};{picks};{n % 80};F;internet")
    text = "\n".join(lines) + "\n"
    election = loads(text)
    counts = tally.count_votes(voter.picks for voter in election.voters)
    assert len(election.voters) == 20_000
    assert sum(counts.values()) == sum(len(v.picks) for v in election.voters)


def test_pabulib_uses_only_the_standard_library():
    tree = ast.parse(Path(pabulib.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules <= set(sys.stdlib_module_names)
