"""The command-line interface other tools drive: demo, forum import-pb, forum result."""

import json
from collections import Counter

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core.extensions import db
from deliberation.models import Forum
from tests.realdata import DATA
from tests.realdata import REAL
from tests.realdata import RULES
from voting.counting import equal_shares
from voting.counting import tally
from voting.models import Ballot
from voting.models import BallotChoice


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


@pytest.mark.parametrize("name", REAL)
def test_replayed_real_election_reproduces_its_official_rule(app, name):
    """Votes per project and the funded set equal pabutools' outcome for the file's rule."""
    reference = json.loads((DATA / f"{name}.reference.json").read_text())
    imported = run(app, "forum", "import-pb", str(DATA / f"{name}.pb"))
    assert imported.exit_code == 0, imported.output
    forum_id = int(imported.output.strip().splitlines()[-1])
    shown = run(app, "forum", "result", str(forum_id), "--json")
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert result["forum"] == forum_id and result["rule"] == "greedy"
    assert result["ballots"] == reference["num_voters"]
    assert result["envelope"] == reference["budget"]
    ranked = [(p["id"], p["votes"]) for p in reference["projects_ranked_by_votes"]]
    assert [(i["id"], i["votes"]) for i in result["items"]] == ranked
    assert [i["rank"] for i in result["items"]] == list(range(1, len(ranked) + 1))
    rule = RULES[reference["meta"]["rule"]]
    funded = {i["id"] for i in result["items"] if i["funded"]}
    assert funded == set(reference[rule]["funded"])
    assert set(result["items"][0]) == {"rank", "id", "title", "cost", "votes", "funded"}


def test_import_stores_voter_keys_not_voter_ids(app):
    run(app, "forum", "import-pb", str(DATA / f"{REAL[0]}.pb"))
    keys = db.session.execute(select(Ballot.voter_key)).scalars().all()
    assert len(keys) == 436 and all(len(k) == 64 for k in keys)
    assert len(set(keys)) == 436


def test_import_of_a_broken_file_is_a_clear_error_and_stores_nothing(app, tmp_path):
    broken = tmp_path / "broken.pb"
    broken.write_text("META\nkey;value\nbudget;100\nPROJECTS\nproject_id;cost\n1;abc\nVOTES\n")
    result = run(app, "forum", "import-pb", str(broken))
    assert result.exit_code != 0
    assert "broken.pb" in result.output and "Traceback" not in result.output
    assert db.session.execute(select(func.count()).select_from(Forum)).scalar_one() == 0


@pytest.mark.parametrize(
    "budget, cost", [("3000000000", "100"), ("100", "2147483648"), ("1" + "0" * 30, "1")]
)
def test_import_of_amounts_beyond_what_is_stored_is_a_clear_error(app, tmp_path, budget, cost):
    """Envelopes and costs are stored as 32-bit integers, as the staff forms allow."""
    huge = tmp_path / "huge.pb"
    huge.write_text(
        f"META\nkey;value\nbudget;{budget}\nvote_type;approval\nnum_projects;1\n"
        f"num_votes;1\nPROJECTS\nproject_id;cost\n1;{cost}\nVOTES\nvoter_id;vote\nv1;1\n"
    )
    result = run(app, "forum", "import-pb", str(huge))
    assert result.exit_code != 0 and "2,147,483,647" in result.output, result.output
    assert "Traceback" not in result.output
    assert db.session.execute(select(func.count()).select_from(Forum)).scalar_one() == 0


def test_result_of_an_unknown_forum_is_a_clear_error(app):
    result = run(app, "forum", "result", "424242", "--json")
    assert result.exit_code != 0 and "424242" in result.output


def test_demo_is_idempotent_and_last_years_result_is_ready(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    counts = db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()
    forums = db.session.execute(select(Forum).order_by(Forum.voting_starts_at)).scalars().all()
    second = run(app, "demo")
    assert second.exit_code == 0
    assert db.session.execute(select(func.count()).select_from(Ballot)).scalar_one() == counts
    assert db.session.execute(select(func.count()).select_from(Forum)).scalar_one() == 3
    published, past, current = forums
    assert published.phase == "published"
    assert past.phase == "closed" and current.phase == "voting"
    assert len(current.fields) == 6 and len(current.items) == 15
    assert current.envelope == 500_000_000 and current.district.name_ko == "영등포구"
    assert (current.voting_ends_at - current.voting_starts_at).days == 7
    past_counts = select(func.count()).select_from(Ballot).filter_by(forum_id=past.id)
    past_ballots = db.session.execute(past_counts).scalar_one()
    assert past_ballots >= 2000
    result = json.loads(run(app, "forum", "result", str(past.id), "--json").output)
    assert result["ballots"] == past_ballots
    assert sum(i["votes"] for i in result["items"]) == 3 * past_ballots
    assert any(i["funded"] for i in result["items"])
    funded_cost = sum(i["cost"] for i in result["items"] if i["funded"])
    assert funded_cost <= 500_000_000


@pytest.mark.parametrize("name", REAL)
def test_equal_shares_from_the_database_matches_pabutools(app, name):
    """forum result --rule equal_shares: the completed MES funded set of the reference."""
    reference = json.loads((DATA / f"{name}.reference.json").read_text())
    imported = run(app, "forum", "import-pb", str(DATA / f"{name}.pb"))
    forum_id = imported.output.strip().splitlines()[-1]
    shown = run(app, "forum", "result", forum_id, "--json", "--rule", "equal_shares")
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert result["rule"] == "equal_shares"
    assert set(result["items"][0]) == {"rank", "id", "title", "cost", "votes", "funded"}
    funded = {i["id"] for i in result["items"] if i["funded"]}
    assert funded == set(reference["mes_completed"]["funded"])


def _demo_profile(forum: Forum) -> Counter:
    """The demo forum's ballots as approval sets of item numbers, read directly."""
    external = {item.id: item.external_id for item in forum.items}
    picks: dict[int, set[str]] = {}
    query = select(BallotChoice.ballot_id, BallotChoice.item_id).join(Ballot).where(
        Ballot.forum_id == forum.id
    )
    for ballot_id, item_id in db.session.execute(query):
        picks.setdefault(ballot_id, set()).add(external[item_id])
    return Counter(frozenset(chosen) for chosen in picks.values())


def test_equal_shares_works_on_the_demo_forum_with_field_envelopes(app):
    """The seeds' own case: about 500,000,000 KRW, 환경 with an envelope of its own."""
    run(app, "demo")
    past = db.session.execute(select(Forum).filter_by(slug="yeongdeungpo-2020")).scalar_one()
    envelopes = {f.name: f.envelope for f in past.fields if f.envelope is not None}
    assert envelopes == {"환경": 100_000_000}
    shown = run(app, "forum", "result", str(past.id), "--json", "--rule", "equal_shares")
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert result["rule"] == "equal_shares"
    items = [
        tally.Item(i.external_id, i.cost, i.field.name if i.field else None) for i in past.items
    ]
    expected = equal_shares.equal_shares(
        _demo_profile(past), items, past.envelope, field_envelopes=envelopes
    )
    funded = {i["id"] for i in result["items"] if i["funded"]}
    assert funded == set(expected.funded_ids)
    field_of = {i.id: i.field for i in items}
    in_field = sum(
        i["cost"] for i in result["items"] if i["funded"] and field_of[i["id"]] == "환경"
    )
    assert 0 < in_field <= 100_000_000
    assert sum(i["cost"] for i in result["items"] if i["funded"]) <= past.envelope
    text = run(app, "forum", "result", str(past.id), "--rule", "equal_shares")
    assert text.exit_code == 0, text.output
    assert f"환경  {in_field:,} / 100,000,000" in text.output
