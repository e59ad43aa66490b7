"""Operator review: scanning flags, deciding them, and exclusions in the tally."""

import json
import random
from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import func
from sqlalchemy import select

from core import audit
from core.errors import DomainError
from core.extensions import db
from tests import factories
from voting.casting import receipts
from voting.casting import services
from voting.counting import results
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import BallotChoice
from voting.models import BallotExclusion
from voting.oversight import flag_review
from voting.oversight import forum_scan

START = datetime(2026, 7, 6, tzinfo=UTC)


def add_ballot(forum, n, picks, when, network, device):
    ballot = Ballot(
        forum_id=forum.id,
        voter_key=f"{n:064d}",
        receipt_code=receipts.new_code(),
        channel="online",
        cast_at=when,
        network_hash=network,
        device_hash=device,
        agent_hash="chrome/android",
        first_seen_at=when - timedelta(days=30),
        choices=[BallotChoice(item_id=item.id) for item in picks],
    )
    db.session.add(ballot)


@pytest.fixture
def bloc_forum(app):
    """120 organic ballots over a week from many networks, and a 40-ballot bloc cast from
    one device in ten minutes for items organic voters like less (it changes the result)."""
    forum = factories.forum(
        opens=START,
        closes=START + timedelta(days=7),
        items=[(0, 100), (0, 100), (1, 100), (1, 100), (2, 100), (2, 100)],
        envelope=300,
    )
    items = sorted(forum.items, key=lambda i: i.position)
    rng = random.Random(4)
    weights = [10, 8, 4, 2, 1, 1]
    for n in range(120):
        picks = set()
        while len(picks) < 3:
            picks.add(rng.choices(range(6), weights)[0])
        picks = [items[i] for i in sorted(picks)]
        when = START + timedelta(seconds=rng.randrange(7 * 86400))
        add_ballot(forum, n, picks, when, f"net{n % 97}", f"dev{n}")
    for n in range(120, 160):
        when = START + timedelta(days=3, seconds=15 * (n - 120))
        add_ballot(forum, n, [items[3], items[4], items[5]], when, "net-bloc", "dev-bloc")
    db.session.commit()
    return forum


def closed(app, forum):
    app.config["CLOCK"] = lambda: forum.voting_ends_at + timedelta(minutes=1)


def test_scan_flags_the_bloc_and_rescans_update_the_same_flag(app, bloc_forum):
    report = forum_scan.scan_forum(bloc_forum.id)
    assert report.ballots == 160 and report.new >= 1
    flags = db.session.execute(select(AnomalyFlag)).scalars().all()
    proxy = [f for f in flags if f.tier == "proxy_casting"]
    assert proxy, [f.tier for f in flags]
    bloc_ids = set(
        db.session.execute(select(Ballot.id).where(Ballot.device_hash == "dev-bloc")).scalars()
    )
    members = {int(m) for m in json.loads(proxy[0].members)}
    assert members <= bloc_ids and len(members) >= 35
    assert proxy[0].changes_outcome
    again = forum_scan.scan_forum(bloc_forum.id)
    assert again.new == 0
    assert db.session.execute(select(func.count()).select_from(AnomalyFlag)).scalar_one() == len(
        flags
    )


def test_a_flag_never_excludes_ballots_by_itself(app, bloc_forum):
    forum_scan.scan_forum(bloc_forum.id)
    assert db.session.execute(select(func.count()).select_from(BallotExclusion)).scalar_one() == 0
    assert results.vote_counts(bloc_forum.id)[0] == 160


def proxy_flag(forum) -> AnomalyFlag:
    forum_scan.scan_forum(forum.id)
    query = select(AnomalyFlag).filter_by(forum_id=forum.id, tier="proxy_casting")
    return db.session.execute(query).scalars().first()


def test_confirming_needs_a_reason(app, bloc_forum):
    operator = factories.staff("op-1", "operator")
    flag = proxy_flag(bloc_forum)
    with pytest.raises(DomainError) as info:
        flag_review.decide(flag.id, operator, "confirm", "   ")
    assert info.value.status == 422
    db.session.rollback()
    assert db.session.get(AnomalyFlag, flag.id).status == "open"


def test_a_confirmation_that_changes_the_result_needs_a_second_operator(app, bloc_forum):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    flag = proxy_flag(bloc_forum)
    before = {r.item.external_id for r in results.compute_result(bloc_forum).funded_rows}
    flag_review.decide(flag.id, first, "confirm", "One device cast 40 ballots in ten minutes.")
    assert db.session.get(AnomalyFlag, flag.id).status == "pending_approval"
    assert db.session.execute(select(func.count()).select_from(BallotExclusion)).scalar_one() == 0
    with pytest.raises(DomainError) as info:
        flag_review.decide(flag.id, first, "confirm", "again")
    assert info.value.code == "second_operator"
    db.session.rollback()
    flag_review.decide(flag.id, second, "confirm", "Agreed.")
    stored = db.session.get(AnomalyFlag, flag.id)
    assert stored.status == "confirmed" and stored.approved_by == second.actor
    excluded = db.session.execute(select(func.count()).select_from(BallotExclusion)).scalar_one()
    assert excluded == stored.size
    after = {r.item.external_id for r in results.compute_result(bloc_forum).funded_rows}
    assert after != before
    assert results.vote_counts(bloc_forum.id)[0] == 160 - excluded
    assert results.vote_counts(bloc_forum.id, exclusions=False)[0] == 160
    actions = [e.action for e in db.session.execute(select(audit.AuditEntry)).scalars()]
    assert actions.count("flag.confirm") == 2 and audit.verify().ok


def test_an_excluded_resident_sees_it_on_the_receipt_check(app, bloc_forum):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    flag = proxy_flag(bloc_forum)
    flag_review.decide(flag.id, first, "confirm", "One device cast 40 ballots in ten minutes.")
    flag_review.decide(flag.id, second, "confirm", "Agreed.")
    member = int(json.loads(flag.members)[0])
    code = db.session.get(Ballot, member).receipt_code
    status = services.check_receipt(code)
    assert status.found and not status.counted
    assert status.excluded_reason == "One device cast 40 ballots in ten minutes."


def test_reopening_restores_the_ballots(app, bloc_forum):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    flag = proxy_flag(bloc_forum)
    flag_review.decide(flag.id, first, "confirm", "reason")
    flag_review.decide(flag.id, second, "confirm", "ok")
    flag_review.decide(flag.id, first, "reopen", "new information")
    assert db.session.execute(select(func.count()).select_from(BallotExclusion)).scalar_one() == 0
    assert db.session.get(AnomalyFlag, flag.id).status == "open"


def test_published_snapshot_counts_and_excludes(app, bloc_forum):
    first = factories.staff("op-1", "operator")
    second = factories.staff("op-2", "operator")
    team = factories.staff("team", "district_team", "11560")
    flag = proxy_flag(bloc_forum)
    flag_review.decide(flag.id, first, "confirm", "reason")
    flag_review.decide(flag.id, second, "confirm", "ok")
    closed(app, bloc_forum)
    bloc_forum.phase = "closed"
    db.session.commit()
    preview = results.preview(team, bloc_forum.id, "greedy")
    assert preview.comparison["excluded"] == flag.size
    assert preview.comparison["only_with"] or preview.comparison["only_without"]
    snapshot = results.publish(team, bloc_forum.id, "greedy")
    payload = json.loads(snapshot.payload)
    assert payload["ballots_excluded"] == flag.size
    assert payload["ballots_counted"] == 160 - flag.size
    assert results.verify_snapshot(bloc_forum.id).matches
    with pytest.raises(DomainError):
        flag_review.decide(flag.id, first, "reopen", "too late")


def test_scan_file_reads_json_lines(app, tmp_path):
    lines = []
    for n in range(30):
        ballot = {
            "voter": f"v{n}",
            "time": (START + timedelta(seconds=20 * n)).isoformat(),
            "picks": ["1", "2", "3"],
            "network": "n1",
            "device": "d1",
            "agent": "a",
        }
        lines.append(json.dumps(ballot))
    for n in range(30, 200):
        ballot = {
            "voter": f"v{n}",
            "time": (START + timedelta(minutes=37 * n)).isoformat(),
            "picks": random.Random(n).sample(["1", "2", "3", "4", "5", "6"], 3),
            "network": f"n{n}",
            "device": f"d{n}",
            "agent": "a",
        }
        lines.append(json.dumps(ballot))
    path = tmp_path / "ballots.jsonl"
    path.write_text("\n".join(lines))
    out = app.test_cli_runner().invoke(args=["anomalies", "scan-file", str(path), "--json"])
    assert out.exit_code == 0, out.output
    flags = json.loads(out.output)["flags"]
    assert flags and {"tier", "members", "p_value", "explanation"} <= set(flags[0])
    assert set(flags[0]["members"]) <= {f"v{n}" for n in range(30)}
    path.write_text("not json\n")
    bad = app.test_cli_runner().invoke(args=["anomalies", "scan-file", str(path), "--json"])
    assert bad.exit_code != 0 and "line 1" in bad.output
