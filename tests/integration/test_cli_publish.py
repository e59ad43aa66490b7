"""`forum publish`: a closed forum published from the command line, then exported."""

import json

import pytest
from pabutools.election import parse_pabulib
from sqlalchemy import select

from core.audit import AuditEntry
from core.extensions import db
from deliberation.models import Forum
from tests import factories
from tests.realdata import DATA
from tests.realdata import REAL
from tests.realdata import RULES
from voting.models import ResultSnapshot

ELECTION = "Poland_Gdynia_2024_Cisowa__small"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def imported(app, name: str = ELECTION) -> int:
    result = run(app, "forum", "import-pb", str(DATA / f"{name}.pb"))
    assert result.exit_code == 0, result.output
    return int(result.output.strip().splitlines()[-1])


@pytest.mark.parametrize("name", REAL)
def test_a_replayed_election_is_published_and_exported(app, tmp_path, name):
    forum_id = imported(app, name)
    assert db.session.get(Forum, forum_id).phase == "closed"
    published = run(app, "forum", "publish", str(forum_id))
    assert published.exit_code == 0, published.output
    snapshot = db.session.execute(select(ResultSnapshot).filter_by(forum_id=forum_id)).scalar_one()
    assert snapshot.rule == "greedy" and snapshot.published_by == "system:cli"
    assert snapshot.sha256 in published.output
    reference = json.loads((DATA / f"{name}.reference.json").read_text())
    official = reference[RULES[reference["meta"]["rule"]]]["funded"]
    assert set(json.loads(snapshot.payload)["funded"]) == set(official)
    db.session.expire_all()
    assert db.session.get(Forum, forum_id).phase == "published"
    entry = db.session.execute(
        select(AuditEntry).filter_by(action="forum.publish", target=f"forum:{forum_id}")
    ).scalar_one()
    assert entry.actor == "system:cli" and json.loads(entry.after)["rule"] == "greedy"

    target = tmp_path / "out.pb"
    exported = run(app, "forum", "export-pb", str(forum_id), "-o", str(target))
    assert exported.exit_code == 0, exported.output
    instance, profile = parse_pabulib(str(target))
    assert instance.budget_limit == reference["budget"]
    assert profile.num_ballots() == reference["num_voters"]
    verified = run(app, "forum", "verify-snapshot", str(forum_id))
    assert verified.exit_code == 0, verified.output


def test_publishing_under_equal_shares(app):
    forum_id = imported(app)
    published = run(app, "forum", "publish", str(forum_id), "--rule", "equal_shares")
    assert published.exit_code == 0, published.output
    snapshot = db.session.execute(select(ResultSnapshot).filter_by(forum_id=forum_id)).scalar_one()
    assert snapshot.rule == "equal_shares"


def test_publishing_twice_is_refused(app):
    forum_id = imported(app)
    assert run(app, "forum", "publish", str(forum_id)).exit_code == 0
    again = run(app, "forum", "publish", str(forum_id), "--rule", "equal_shares")
    assert again.exit_code != 0
    assert f"forum {forum_id} is already published" in again.output
    snapshot = db.session.execute(select(ResultSnapshot).filter_by(forum_id=forum_id)).scalar_one()
    assert snapshot.rule == "greedy"


def test_a_forum_still_voting_is_refused(app):
    forum = factories.forum(phase="voting")
    result = run(app, "forum", "publish", str(forum.id))
    assert result.exit_code != 0 and "is not closed" in result.output
    assert db.session.execute(select(ResultSnapshot)).first() is None
    db.session.expire_all()
    assert db.session.get(Forum, forum.id).phase == "voting"


def test_an_unknown_forum_is_refused(app):
    result = run(app, "forum", "publish", "999999")
    assert result.exit_code != 0 and "no forum with id 999999" in result.output


def test_help_says_it_bypasses_the_approval(app):
    shown = run(app, "forum", "publish", "--help")
    assert shown.exit_code == 0
    assert "BYPASSES" in shown.output and "approval" in shown.output
