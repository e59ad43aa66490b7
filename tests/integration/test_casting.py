"""Casting a ballot through the service: the one-ballot rule and every refusal."""

from datetime import datetime
from datetime import timedelta
from datetime import UTC

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from auth.models import UserSession
from auth.services import end_session
from core.extensions import db
from deliberation.models import AgendaItem
from deliberation.models import Forum
from tests import factories
from tests.web import session_token
from voting.casting import services
from voting.models import Ballot
from voting.models import BallotChoice


def ballots() -> int:
    return db.session.execute(select(func.count()).select_from(Ballot)).scalar_one()


def choices() -> int:
    return db.session.execute(select(func.count()).select_from(BallotChoice)).scalar_one()


def test_cast_stores_one_ballot_with_its_choices_and_a_receipt(app):
    forum = factories.forum()
    voter = factories.user()
    ids = factories.item_ids(forum)
    code = factories.cast(forum.id, voter, ids[:3])
    stored = db.session.execute(select(Ballot)).scalar_one()
    assert stored.receipt_code == code and len(code) == 20
    assert stored.voter_key == voter.voter_key and stored.channel == "online"
    assert stored.birth_year == 1980
    assert sorted(str(c.item_id) for c in stored.choices) == sorted(ids[:3])


def test_second_cast_is_already_voted_with_the_first_receipt(app):
    forum = factories.forum()
    voter = factories.user()
    ids = factories.item_ids(forum)
    code = factories.cast(forum.id, voter, ids[:3])
    with pytest.raises(services.AlreadyVoted) as info:
        factories.cast(forum.id, voter, ids[1:4])
    assert info.value.receipt_code == code
    assert info.value.status == 409
    assert ballots() == 1 and choices() == 3


def test_unique_constraint_refuses_a_second_ballot_even_past_the_service_check(app, monkeypatch):
    """The database, not the pre-check, is the guarantee: bypass the check and try."""
    forum = factories.forum()
    voter = factories.user()
    ids = factories.item_ids(forum)
    first = factories.cast(forum.id, voter, ids[:3])
    real = services._existing_ballot
    calls = {"n": 0}

    def blind_first_time(forum_id, key):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(forum_id, key)

    monkeypatch.setattr(services, "_existing_ballot", blind_first_time)
    with pytest.raises(services.AlreadyVoted) as info:
        factories.cast(forum.id, voter, ids[1:4])
    assert info.value.receipt_code == first
    assert ballots() == 1 and choices() == 3


def test_same_identity_may_vote_in_another_forum(app):
    first, second = factories.forum(), factories.forum()
    voter = factories.user()
    factories.cast(first.id, voter, factories.item_ids(first)[:3])
    factories.cast(second.id, voter, factories.item_ids(second)[:3])
    assert ballots() == 2


def refusal(forum, voter, picks) -> services.BallotRefused:
    before = ballots(), choices()
    with pytest.raises(services.BallotRefused) as info:
        factories.cast(forum.id, voter, picks)
    assert (ballots(), choices()) == before
    return info.value


@pytest.mark.parametrize(
    ("pick_indexes", "code"),
    [((0, 1), "too_few"), ((0, 1, 2, 3), "too_many"), ((0, 0, 1), "duplicate")],
)
def test_bad_picks_store_nothing(app, pick_indexes, code):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    error = refusal(forum, factories.user(), [ids[i] for i in pick_indexes])
    assert error.code == code and 400 <= error.status < 500


def test_unknown_item_and_item_of_another_forum_are_refused(app):
    forum, other = factories.forum(), factories.forum()
    ids = factories.item_ids(forum)
    voter = factories.user()
    assert refusal(forum, voter, [ids[0], ids[1], "999999"]).code == "unknown_item"
    foreign = factories.item_ids(other)[0]
    assert refusal(forum, voter, [ids[0], ids[1], foreign]).code == "unknown_item"
    assert refusal(forum, voter, [ids[0], ids[1], "abc"]).code == "unknown_item"


def test_withdrawn_item_is_refused(app):
    forum = factories.forum()
    forum.items[2].status = "withdrawn"
    db.session.commit()
    ids = factories.item_ids(forum)
    assert refusal(forum, factories.user(), ids[:3]).code == "withdrawn"


def test_over_the_cost_cap_is_refused(app):
    forum = factories.forum(cost_cap=300_000_000)
    ids = factories.item_ids(forum)
    voter = factories.user()
    assert refusal(forum, voter, ids[:3]).code == "over_cost_cap"  # 450M
    factories.cast(forum.id, voter, [ids[0], ids[3], ids[4]])  # 230M
    assert ballots() == 1


def test_before_the_window_opens_is_refused(app):
    now = datetime.now(UTC)
    forum = factories.forum(opens=now + timedelta(hours=1), closes=now + timedelta(days=7))
    error = refusal(forum, factories.user(), factories.item_ids(forum)[:3])
    assert error.code == "not_open" and error.status == 403


def test_after_the_window_closes_is_refused(app):
    now = datetime.now(UTC)
    forum = factories.forum(opens=now - timedelta(days=8), closes=now - timedelta(seconds=1))
    error = refusal(forum, factories.user(), factories.item_ids(forum)[:3])
    assert error.code == "closed"


def test_window_edges_follow_the_injected_clock(app):
    now = datetime(2020, 7, 13, 14, 59, 59, tzinfo=UTC)
    forum = factories.forum(opens=now - timedelta(days=7), closes=now + timedelta(seconds=1))
    ids = factories.item_ids(forum)
    app.config["CLOCK"] = lambda: now + timedelta(seconds=1)
    assert refusal(forum, factories.user("late"), ids[:3]).code == "closed"
    app.config["CLOCK"] = lambda: now
    factories.cast(forum.id, factories.user("on-time"), ids[:3])
    assert ballots() == 1


def test_resident_of_another_district_is_refused(app):
    forum = factories.forum(code="11560")
    factories.district("11680", "강남구")
    outsider = factories.user("bob", code="11680")
    error = refusal(forum, outsider, factories.item_ids(forum)[:3])
    assert error.code == "not_eligible"
    nowhere = factories.user("carol", code=None)
    assert refusal(forum, nowhere, factories.item_ids(forum)[:3]).code == "not_eligible"


def test_receipt_check_reports_counted_without_picks(app):
    forum = factories.forum()
    code = factories.cast(forum.id, factories.user(), factories.item_ids(forum)[:3])
    status = services.check_receipt(code.lower())
    assert status.found and status.counted and status.forum.id == forum.id
    missing = services.check_receipt("A" * 20)
    assert not missing.found
    with pytest.raises(services.DomainError):
        services.check_receipt("short")


# --- the process's copy of the ballot never outlives a change ---------------------------


def test_a_closed_window_is_refused_after_the_ballot_was_cached(app):
    now = datetime(2020, 7, 13, 14, 59, 59, tzinfo=UTC)
    forum = factories.forum(opens=now - timedelta(days=7), closes=now + timedelta(seconds=1))
    ids = factories.item_ids(forum)
    app.config["CLOCK"] = lambda: now
    factories.cast(forum.id, factories.user("first"), ids[:3])
    assert forum.id in app.extensions["ballot_definitions"]
    app.config["CLOCK"] = lambda: now + timedelta(seconds=1)
    assert refusal(forum, factories.user("late"), ids[:3]).code == "closed"
    assert ballots() == 1


def test_an_item_withdrawn_after_the_ballot_was_cached_is_refused(app):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    factories.cast(forum.id, factories.user("first"), ids[:3])
    item = db.session.get(AgendaItem, int(ids[0]))
    item.status = "withdrawn"
    db.session.commit()
    assert refusal(forum, factories.user("second"), ids[:3]).code == "withdrawn"
    assert ballots() == 1


def test_a_phase_changed_after_the_ballot_was_cached_is_refused(app):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    factories.cast(forum.id, factories.user("first"), ids[:3])
    db.session.execute(update(Forum).where(Forum.id == forum.id).values(phase="closed"))
    db.session.commit()
    assert refusal(forum, factories.user("second"), ids[:3]).code == "closed"
    assert ballots() == 1


def revision(forum_id: int) -> int:
    return db.session.execute(select(Forum.revision).where(Forum.id == forum_id)).scalar_one()


def test_every_change_to_a_forum_its_fields_or_items_raises_its_revision(app):
    forum = factories.forum()
    start = revision(forum.id)
    forum.title = "renamed"
    db.session.commit()
    assert revision(forum.id) == start + 1
    forum.fields[0].envelope = 10_000_000
    db.session.commit()
    assert revision(forum.id) == start + 2
    forum.items[0].cost = 1_000_000
    db.session.commit()
    assert revision(forum.id) == start + 3
    db.session.add(
        AgendaItem(forum_id=forum.id, external_id="new", title="new", summary="", cost=1)
    )
    db.session.commit()
    assert revision(forum.id) == start + 4
    db.session.delete(forum.items[-1])
    db.session.commit()
    assert revision(forum.id) == start + 5
    # Reading, casting and unchanged objects leave it alone.
    forum.title = forum.title
    factories.cast(forum.id, factories.user(), factories.item_ids(forum)[:3])
    assert revision(forum.id) == start + 5


# --- casting from a signed-in browser: one statement checks the session too ------------


def test_cast_signed_in_stores_the_sessions_voter(app):
    forum = factories.forum()
    voter = factories.user(birth_year=1977)
    ids = factories.item_ids(forum)
    code = services.cast_signed_in(forum.id, session_token(voter), ids[:3])
    stored = db.session.execute(select(Ballot)).scalar_one()
    assert stored.receipt_code == code
    assert (stored.voter_key, stored.birth_year) == (voter.voter_key, 1977)
    assert stored.first_seen_at == voter.first_seen_at
    assert sorted(str(c.item_id) for c in stored.choices) == sorted(ids[:3])


def test_cast_signed_in_refuses_an_ended_expired_or_unknown_session(app):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    voter = factories.user()
    ended = session_token(voter)
    voter.session_token = ended
    end_session(voter)
    expired = session_token(voter)
    row = db.session.execute(select(UserSession).order_by(UserSession.id.desc())).scalars().first()
    row.created_at -= timedelta(hours=app.config["SESSION_MAX_HOURS"], seconds=1)
    db.session.commit()
    for token in (ended, expired, "not-a-session", None, "x" * 65):
        with pytest.raises(services.SignedOut):
            services.cast_signed_in(forum.id, token, ids[:3])
    assert ballots() == 0


def test_cast_signed_in_explains_every_refusal_like_cast(app):
    forum = factories.forum()
    ids = factories.item_ids(forum)
    first = factories.user("first")
    code = services.cast_signed_in(forum.id, session_token(first), ids[:3])
    with pytest.raises(services.AlreadyVoted) as again:
        services.cast_signed_in(forum.id, session_token(first), ids[1:4])
    assert again.value.receipt_code == code
    factories.district("11680", "강남구")
    outsider = factories.user("outsider", code="11680")
    with pytest.raises(services.BallotRefused) as refused:
        services.cast_signed_in(forum.id, session_token(outsider), ids[:3])
    assert refused.value.code == "not_eligible"
    with pytest.raises(services.BallotRefused) as refused:
        services.cast_signed_in(forum.id, session_token(factories.user("two")), ids[:2])
    assert refused.value.code == "too_few"
    item = db.session.get(AgendaItem, int(ids[0]))
    item.status = "withdrawn"
    db.session.commit()
    with pytest.raises(services.BallotRefused) as refused:
        services.cast_signed_in(forum.id, session_token(factories.user("late")), ids[:3])
    assert refused.value.code == "withdrawn"
    app.config["CLOCK"] = lambda: forum.voting_ends_at
    with pytest.raises(services.BallotRefused) as refused:
        services.cast_signed_in(forum.id, session_token(factories.user("closed")), ids[1:4])
    assert refused.value.code == "closed"
    assert ballots() == 1 and choices() == 3
