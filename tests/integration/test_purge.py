"""The purge: voter keys and review signals leave a published forum's ballots after the
objection period, and the result, its proofs and the open data stay as published."""

import json
from datetime import timedelta
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from core.audit import AuditEntry
from core.extensions import db
from privacy import purge
from privacy.models import ConsentRecord
from tests import elections
from tests import factories
from voting.models import AnomalyFlag
from voting.models import Ballot
from voting.models import ResultSnapshot

PICKS = [(0, 1, 2), (1, 2, 3), (0, 3, 4), (2, 3, 4), (0, 1, 4), (1, 3, 4)] * 3
SEOUL = ZoneInfo("Asia/Seoul")


def run(app, *args):
    return app.test_cli_runner().invoke(args=["privacy", *args])


def published_forum():
    forum = elections.closed_forum(PICKS)
    db.session.execute(
        update(Ballot)
        .where(Ballot.forum_id == forum.id)
        .values(network_hash="n" * 16, agent_hash="a" * 16, device_hash="d" * 16)
    )
    db.session.commit()
    elections.exclude(forum, [elections.receipt(forum.id * 10_000)])
    snapshot = elections.publish(forum.id)
    return forum, snapshot


def open_data(client, forum_id: int) -> dict:
    files = {}
    for name in ("results.csv", "snapshot.json", "leaves.json", "ballots.pb"):
        answer = client.get(f"/forums/{forum_id}/{name}")
        assert answer.status_code == 200, name
        files[name] = answer.get_data(as_text=True)
    # ballots.pb draws fresh voter pseudonyms on every export; the rest is compared as is.
    files["ballots.pb"] = sorted(
        line.split(";", 1)[1] for line in files["ballots.pb"].splitlines() if ";" in line
    )
    return files


def day_after_objections(snapshot, days=30) -> str:
    """The day in Korea ``days`` after publication, as ``--as-of`` reads it."""
    published = snapshot.published_at.replace(tzinfo=snapshot.published_at.tzinfo or UTC)
    return (published + timedelta(days=days)).astimezone(SEOUL).strftime("%Y-%m-%d")


def audit_entries(action="privacy.purge") -> list[AuditEntry]:
    return list(db.session.execute(select(AuditEntry).filter_by(action=action)).scalars())


def test_purge_removes_keys_and_signals_and_changes_no_published_fact(app):
    forum, snapshot = published_forum()
    other = factories.forum()  # voting now: untouched
    voter = factories.user("voting-elsewhere")
    live = factories.cast(other.id, voter, factories.item_ids(other)[:3])
    client = app.test_client()
    before = open_data(client, forum.id)
    verified = app.test_cli_runner().invoke(args=["forum", "verify-snapshot", str(forum.id)])
    receipt = elections.receipt(forum.id * 10_000 + 1)
    check_before = client.get(f"/receipt?code={receipt}").get_data(as_text=True)

    # Not yet: the objection period runs 30 days after publication.
    early = run(app, "purge", "--as-of", day_after_objections(snapshot, 29))
    assert early.exit_code == 0 and "nothing due" in early.output
    first = db.session.execute(select(Ballot.voter_key).filter_by(forum_id=forum.id)).first()
    assert not first.voter_key.startswith(purge.ANONYMOUS_PREFIX)

    done = run(app, "purge", "--as-of", day_after_objections(snapshot))
    assert done.exit_code == 0, done.output
    assert f"forum {forum.id}: {len(PICKS)} voter keys" in done.output
    db.session.expire_all()
    ballots = db.session.execute(select(Ballot).filter_by(forum_id=forum.id)).scalars().all()
    assert all(b.voter_key.startswith(purge.ANONYMOUS_PREFIX) for b in ballots)
    assert len({b.voter_key for b in ballots}) == len(ballots)
    assert all(
        (b.network_hash, b.agent_hash, b.device_hash, b.first_seen_at) == (None,) * 4
        for b in ballots
    )
    # The forum still voting keeps its ballot as cast.
    kept = db.session.execute(select(Ballot).filter_by(receipt_code=live)).scalar_one()
    assert kept.voter_key == voter.voter_key

    assert open_data(client, forum.id) == before
    again = app.test_cli_runner().invoke(args=["forum", "verify-snapshot", str(forum.id)])
    assert again.exit_code == verified.exit_code == 0 and again.output == verified.output
    assert client.get(f"/receipt?code={receipt}").get_data(as_text=True) == check_before
    stored = db.session.execute(select(ResultSnapshot).filter_by(forum_id=forum.id)).scalar_one()
    assert stored.sha256 == snapshot.sha256

    entries = audit_entries()
    assert len(entries) == 1 and entries[0].target == f"forum:{forum.id}"
    assert json.loads(entries[0].after)["keys_removed"] == len(PICKS)


def test_purge_is_idempotent(app):
    forum, snapshot = published_forum()
    as_of = day_after_objections(snapshot)
    assert run(app, "purge", "--as-of", as_of).exit_code == 0
    db.session.expire_all()
    keys = db.session.execute(select(Ballot.id, Ballot.voter_key)).all()
    second = run(app, "purge", "--as-of", as_of)
    assert second.exit_code == 0 and f"forum {forum.id}: 0 voter keys" in second.output
    db.session.expire_all()
    assert db.session.execute(select(Ballot.id, Ballot.voter_key)).all() == keys
    assert len(audit_entries()) == 1


def test_purge_works_in_batches(app, monkeypatch):
    monkeypatch.setattr(purge, "BATCH_SIZE", 4)
    forum, snapshot = published_forum()
    done = purge.run(snapshot.published_at + timedelta(days=30))
    assert done[0].keys_removed == len(PICKS) and done[0].signals_removed == len(PICKS)
    left = select(func.count()).where(~Ballot.voter_key.startswith(purge.ANONYMOUS_PREFIX))
    assert db.session.execute(left).scalar_one() == 0
    assert len(audit_entries()) == 1


def test_an_undecided_flag_holds_the_forum_until_it_is_decided(app):
    forum, snapshot = published_forum()
    flag = factories.empty_flag(forum)
    later = snapshot.published_at + timedelta(days=90)
    assert purge.run(later) == []
    flag.status = "cleared"
    db.session.commit()
    assert [done.forum_id for done in purge.run(later)] == [forum.id]


def test_a_resident_who_chose_to_follow_their_picks_keeps_the_link(app):
    forum, snapshot = published_forum()
    follower = factories.user("follower")
    db.session.add(
        ConsentRecord(
            user_id=follower.id,
            version=follower.consent_version,
            given_at=snapshot.published_at,
            optional='["keep_picks"]',
        )
    )
    ballot = db.session.execute(select(Ballot).filter_by(forum_id=forum.id)).scalars().first()
    ballot.voter_key = follower.voter_key
    db.session.commit()
    done = purge.run(snapshot.published_at + timedelta(days=30))
    assert done[0].kept_by_consent == 1 and done[0].keys_removed == len(PICKS) - 1
    db.session.expire_all()
    kept = db.session.get(Ballot, ballot.id)
    assert kept.voter_key == follower.voter_key and kept.network_hash is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-13-01"], "is not a date YYYY-MM-DD"),
        (["--as-of", "yesterday"], "is not a date YYYY-MM-DD"),
        (["--forum", "999999"], "no forum with id 999999"),
        (["--forum", "abc"], "no forum with id abc"),
        (["--forum", "99999999999999"], "no forum with id 99999999999999"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_changes_nothing(app, args, message):
    forum, snapshot = published_forum()
    answer = run(app, "purge", *args)
    assert answer.exit_code == 2
    assert message in answer.output and len(answer.output.strip().splitlines()) == 1
    assert audit_entries() == []
    held = select(func.count()).where(Ballot.network_hash.is_not(None))
    assert db.session.execute(held).scalar_one() == len(PICKS)


def test_as_of_is_refused_in_production(app):
    app.config["APP_ENV"] = "production"
    try:
        answer = run(app, "purge", "--as-of", "2030-01-01")
    finally:
        app.config["APP_ENV"] = "testing"
    assert answer.exit_code == 2 and "production" in answer.output


def test_an_unpublished_forum_is_never_purged(app):
    forum = elections.closed_forum(PICKS)
    assert purge.run(forum.voting_ends_at + timedelta(days=400)) == []
    assert db.session.execute(select(func.count()).select_from(AnomalyFlag)).scalar_one() == 0


def test_ended_sign_ins_are_deleted_after_the_schedule_s_days(app):
    from auth.models import UserSession
    from auth.services import start_session

    resident = factories.user("signs-in")
    start_session(resident)
    db.session.commit()
    session = db.session.execute(select(UserSession)).scalar_one()
    session.ended_at = session.created_at
    db.session.commit()
    assert purge.purge_sessions(session.created_at.replace(tzinfo=UTC) + timedelta(days=29)) == 0
    assert purge.purge_sessions(session.created_at.replace(tzinfo=UTC) + timedelta(days=31)) == 1
    assert db.session.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0
    assert len(audit_entries("privacy.purge_sessions")) == 1


def test_the_inventory_lists_every_item_of_the_schedule_with_its_count(app):
    from privacy import schedule

    published_forum()
    answer = run(app, "inventory")
    assert answer.exit_code == 0
    lines = answer.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [entry.key for entry in schedule.SCHEDULE]
    counts = {line.split()[0]: int(line.split()[1]) for line in lines}
    assert counts["ballot_voter_key"] == counts["review_signals"] == len(PICKS)
    purge.run(
        db.session.execute(select(ResultSnapshot)).scalar_one().published_at + timedelta(days=30)
    )
    after = {
        line.split()[0]: int(line.split()[1])
        for line in run(app, "inventory").output.strip().splitlines()
    }
    assert after["ballot_voter_key"] == after["review_signals"] == 0
